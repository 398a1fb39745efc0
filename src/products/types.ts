/**
 * REST types of the products routes (IProduct itself, which every capability sees, is in
 * ../tokens.ts).
 */
import { IProduct } from '../tokens';

/** GET /products */
export interface IProductList {
  products: IProduct[];
}

/** POST /products body: the fields of the "New data product" form. */
export interface IProductSpec {
  name: string;
  title?: string;
  description?: string;
  contact_name?: string;
  contact_email?: string;
  /** Folder under the root in which to create the product ('' = the root). */
  parent?: string;
}

/** POST /products answer. */
export interface ICreatedProduct {
  product: IProduct;
  /** Path of the new README.md, to open it. */
  readme: string;
  git_commit: string | null;
  warnings: string[];
}
