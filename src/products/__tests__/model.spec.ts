import { afterEach, describe, expect, it, vi } from 'vitest';

import { ApiError } from '../../api/errors';
import { IProduct } from '../../tokens';
import { ProductsService } from '../api';
import { ProductsModel } from '../model';

const product = (path: string): IProduct => ({
  path,
  manifest: {
    name: path,
    title: path.toUpperCase(),
    description: '',
    contact: { name: '', email: '' },
    framework: 'naas_lab_ext',
    framework_version: '1.0.0',
    created_at: ''
  },
  error: null,
  folders: [],
  models: [],
  is_git: false
});

function fakeService(overrides: Partial<ProductsService>): ProductsService {
  return {
    status: vi.fn(async () => ({ version: '1.0.0', api_version: 1 })),
    listProducts: vi.fn(async () => [product('a'), product('b')]),
    ...overrides
  } as unknown as ProductsService;
}

let model: ProductsModel | null = null;
afterEach(() => model?.dispose());

describe('ProductsModel', () => {
  it('is ready when the server version matches', async () => {
    model = new ProductsModel(fakeService({}), '1.0.0', 3600);
    expect((await model.checkServer()).kind).toBe('ready');
  });

  it("keeps the store's error the status reports, to show it", async () => {
    const store = {
      ok: false,
      location: '/data/runs.sqlite',
      error: "It is damaged: mv '/data/runs.sqlite' '/data/runs.sqlite.broken'",
      warning: null
    };
    const status = vi.fn(async () => ({
      version: '1.0.0',
      api_version: 1,
      store
    }));
    model = new ProductsModel(fakeService({ status }), '1.0.0', 3600);
    expect(await model.checkServer()).toEqual({
      kind: 'ready',
      version: '1.0.0',
      store
    });
  });

  it('reports a version mismatch', async () => {
    model = new ProductsModel(fakeService({}), '2.0.0', 3600);
    const state = await model.checkServer();
    expect(state).toEqual({
      kind: 'mismatch',
      version: '1.0.0',
      expected: '2.0.0'
    });
  });

  it('reports a missing server part with the actionable message', async () => {
    const status = vi.fn(async () => {
      throw new ApiError('Install it with pip install naas_lab_ext', 404);
    });
    model = new ProductsModel(fakeService({ status }), '1.0.0', 3600);
    const state = await model.checkServer();
    expect(state.kind).toBe('missing');
    expect(state.kind === 'missing' && state.message).toContain('pip install');
  });

  it('refreshes, selects, and signals changes', async () => {
    model = new ProductsModel(fakeService({}), '1.0.0', 3600);
    const changed = vi.fn();
    model.changed.connect(changed);
    await model.refresh();
    expect(model.products.map(p => p.path)).toEqual(['a', 'b']);
    model.select('b');
    expect(model.selected?.path).toBe('b');
    expect(changed).toHaveBeenCalledTimes(2);
  });

  it('keeps the last list and exposes the error when a refresh fails', async () => {
    let fail = false;
    const listProducts = vi.fn(async () => {
      if (fail) {
        throw new ApiError('boom', 500);
      }
      return [product('a')];
    });
    model = new ProductsModel(fakeService({ listProducts }), '1.0.0', 3600);
    await model.refresh();
    fail = true;
    await expect(model.refresh()).rejects.toThrow('boom');
    expect(model.error).toBe('boom');
    expect(model.products.map(p => p.path)).toEqual(['a']);
  });

  it('selects a product it has just created', async () => {
    const created = product('new');
    const listProducts = vi.fn(async () => [product('a'), created]);
    const createProduct = vi.fn(async () => ({
      product: created,
      readme: 'new/README.md',
      git_commit: null,
      warnings: []
    }));
    model = new ProductsModel(
      fakeService({ listProducts, createProduct }),
      '1.0.0',
      3600
    );
    await model.create({ name: 'new' });
    expect(model.selected?.path).toBe('new');
  });
});
