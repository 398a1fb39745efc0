/**
 * REST client of the products routes, and of the server status the core plugin checks.
 */
import { ApiClient } from '../api/client';
import { encodePath } from '../api/request';
import { IStatus } from '../api/types';
import { IProduct } from '../tokens';
import { ICreatedProduct, IProductList, IProductSpec } from './types';

export class ProductsService extends ApiClient {
  status(): Promise<IStatus> {
    return this.get<IStatus>('status');
  }

  async listProducts(): Promise<IProduct[]> {
    const data = await this.get<IProductList>('products');
    return data.products;
  }

  getProduct(path: string): Promise<IProduct> {
    return this.get<IProduct>(`products/${encodePath(path)}`);
  }

  createProduct(spec: IProductSpec): Promise<ICreatedProduct> {
    return this.post<ICreatedProduct>('products', spec);
  }
}
