import { describe, expect, it } from 'vitest';

import { ApiError } from '../../api/errors';
import { clientWith, json } from '../../api/__tests__/fakeServer';
import { ProductsService } from '../api';

describe('ProductsService', () => {
  it('gets the status from the namespaced route', async () => {
    const { service, calls } = clientWith(ProductsService, () =>
      json(200, { version: '1.2.3', api_version: 1 })
    );
    await expect(service.status()).resolves.toEqual({
      version: '1.2.3',
      api_version: 1
    });
    // (GET requests carry a cache-busting query: compare the path)
    expect(new URL(calls[0].url).pathname).toBe(
      '/lab-base/naas-lab-ext/status'
    );
  });

  it('posts the spec as JSON to create a product', async () => {
    const created = {
      product: { path: 'sales' },
      readme: 'sales/README.md',
      git_commit: null,
      warnings: []
    };
    const { service, calls } = clientWith(ProductsService, () =>
      json(201, created)
    );
    const result = await service.createProduct({
      name: 'sales',
      title: 'Sales'
    });
    expect(result.readme).toBe('sales/README.md');
    expect(calls[0].method).toBe('POST');
    expect(await calls[0].json()).toEqual({ name: 'sales', title: 'Sales' });
  });

  it('encodes each segment of a product path but keeps the slashes', async () => {
    const { service, calls } = clientWith(ProductsService, () =>
      json(200, { path: 'a b/c' })
    );
    await service.getProduct('team a/c#1');
    expect(new URL(calls[0].url).pathname).toBe(
      '/lab-base/naas-lab-ext/products/team%20a/c%231'
    );
  });

  it('turns an error answer into an ApiError with its message and field', async () => {
    const { service } = clientWith(ProductsService, () =>
      json(409, {
        message: 'The folder already exists',
        reason: 'Conflict',
        field: 'name'
      })
    );
    const error = await service.createProduct({ name: 'x' }).catch(e => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.message).toBe('The folder already exists');
    expect(error.status).toBe(409);
    expect(error.field).toBe('name');
  });

  it('explains how to install the server part when the routes are missing', async () => {
    const { service } = clientWith(
      ProductsService,
      () => new Response('<html>404</html>', { status: 404 })
    );
    const error = await service.status().catch(e => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.isMissingServer).toBe(true);
    expect(error.message).toContain('pip install naas_lab_ext');
  });

  it('keeps a domain 404 message (the server part answered)', async () => {
    const { service } = clientWith(ProductsService, () =>
      json(404, { message: "'x' is not a data product", reason: 'NotFound' })
    );
    const error = await service.getProduct('x').catch(e => e);
    expect(error.message).toBe("'x' is not a data product");
  });

  it('reports a network failure as an ApiError with status 0', async () => {
    const { service } = clientWith(ProductsService, () => {
      throw new TypeError('Failed to fetch');
    });
    const error = await service.listProducts().catch(e => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(0);
    expect(error.message).toContain('cannot be reached');
  });
});
