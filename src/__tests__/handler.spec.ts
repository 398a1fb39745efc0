import { ServerConnection } from '@jupyterlab/services';
import { describe, expect, it, vi } from 'vitest';

import { ApiError, NaasLabService } from '../handler';

type FetchArgs = [RequestInfo, RequestInit?];

/** A service whose HTTP calls go to `respond` instead of a server. */
function serviceWith(respond: (request: Request) => Response): {
  service: NaasLabService;
  calls: Request[];
} {
  const calls: Request[] = [];
  const fakeFetch = vi.fn(async (...args: FetchArgs) => {
    const request = new Request(args[0], args[1]);
    calls.push(request);
    return respond(request);
  });
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/lab-base/',
    fetch: fakeFetch as unknown as typeof fetch,
    token: 'secret'
  });
  return { service: new NaasLabService(settings), calls };
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' }
  });

describe('NaasLabService', () => {
  it('gets the status from the namespaced route', async () => {
    const { service, calls } = serviceWith(() =>
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
    const { service, calls } = serviceWith(() => json(201, created));
    const result = await service.createProduct({
      name: 'sales',
      title: 'Sales'
    });
    expect(result.readme).toBe('sales/README.md');
    expect(calls[0].method).toBe('POST');
    expect(await calls[0].json()).toEqual({ name: 'sales', title: 'Sales' });
  });

  it('encodes each segment of a product path but keeps the slashes', async () => {
    const { service, calls } = serviceWith(() => json(200, { path: 'a b/c' }));
    await service.getProduct('team a/c#1');
    expect(new URL(calls[0].url).pathname).toBe(
      '/lab-base/naas-lab-ext/products/team%20a/c%231'
    );
  });

  it('turns an error answer into an ApiError with its message and field', async () => {
    const { service } = serviceWith(() =>
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
    const { service } = serviceWith(
      () => new Response('<html>404</html>', { status: 404 })
    );
    const error = await service.status().catch(e => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.isMissingServer).toBe(true);
    expect(error.message).toContain('pip install naas_lab_ext');
  });

  it('keeps a domain 404 message (the server part answered)', async () => {
    const { service } = serviceWith(() =>
      json(404, { message: "'x' is not a data product", reason: 'NotFound' })
    );
    const error = await service.getProduct('x').catch(e => e);
    expect(error.message).toBe("'x' is not a data product");
  });

  it('reports a network failure as an ApiError with status 0', async () => {
    const { service } = serviceWith(() => {
      throw new TypeError('Failed to fetch');
    });
    const error = await service.listProducts().catch(e => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(0);
    expect(error.message).toContain('cannot be reached');
  });

  it("lists a product's pipelines and reads one by its notebook path", async () => {
    const { service, calls } = serviceWith(() => json(200, { pipelines: [] }));
    await expect(service.listPipelines('team/shop')).resolves.toEqual([]);
    const url = new URL(calls[0].url);
    expect(url.pathname).toBe('/lab-base/naas-lab-ext/pipelines');
    expect(url.searchParams.get('product')).toBe('team/shop');
    await service
      .getPipeline('team/shop/models/__pipeline__.ipynb')
      .catch(() => 0);
    expect(new URL(calls[1].url).pathname).toBe(
      '/lab-base/naas-lab-ext/pipelines/team/shop/models/__pipeline__.ipynb'
    );
  });

  it('starts a run with its parameters and answers the run at once', async () => {
    const { service, calls } = serviceWith(() =>
      json(202, { id: 'r1', status: 'PENDING', steps: [] })
    );
    const run = await service.startRun('shop/models/etl.ipynb', { days: 5 });
    expect(run.id).toBe('r1');
    expect(calls[0].method).toBe('POST');
    expect(new URL(calls[0].url).pathname).toBe('/lab-base/naas-lab-ext/runs');
    expect(await calls[0].json()).toEqual({
      pipeline: 'shop/models/etl.ipynb',
      parameters: { days: 5 }
    });
  });

  it('gets, lists (filtered) and cancels runs', async () => {
    const { service, calls } = serviceWith(() =>
      json(200, { runs: [], total: 0, limit: 20, offset: 0 })
    );
    await service.getRun('2026-11-24T00.33.13.895Z-59e076');
    await service.listRuns({
      product: 'shop',
      pipeline: 'etl',
      status: ['RUNNING', 'PENDING'],
      limit: 20
    });
    await service.cancelRun('r 1');
    expect(new URL(calls[0].url).pathname).toBe(
      '/lab-base/naas-lab-ext/runs/2026-11-24T00.33.13.895Z-59e076'
    );
    const list = new URL(calls[1].url);
    expect(list.searchParams.get('product')).toBe('shop');
    expect(list.searchParams.get('pipeline')).toBe('etl');
    expect(list.searchParams.getAll('status')).toEqual(['RUNNING', 'PENDING']);
    expect(list.searchParams.get('limit')).toBe('20');
    expect(calls[2].method).toBe('POST');
    expect(new URL(calls[2].url).pathname).toBe(
      '/lab-base/naas-lab-ext/runs/r%201/cancel'
    );
  });

  it("keeps the server's message when a run cannot start (e.g. a reserved parameter)", async () => {
    const { service } = serviceWith(() =>
      json(400, {
        message:
          "'pipeline_run_id' is set by the pipeline itself and cannot be passed.",
        reason: 'InvalidInput',
        field: 'parameters'
      })
    );
    const error = await service
      .startRun('shop/models/etl.ipynb', { pipeline_run_id: 'x' })
      .catch(e => e);
    expect(error.message).toContain('set by the pipeline itself');
    expect(error.field).toBe('parameters');
  });
});
