import { describe, expect, it } from 'vitest';

import { clientWith, json } from '../../api/__tests__/fakeServer';
import { PipelinesService } from '../api';

describe('PipelinesService', () => {
  it("lists a product's pipelines and reads one by its notebook path", async () => {
    const { service, calls } = clientWith(PipelinesService, () =>
      json(200, { pipelines: [] })
    );
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
    const { service, calls } = clientWith(PipelinesService, () =>
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
    const { service, calls } = clientWith(PipelinesService, () =>
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
    const { service } = clientWith(PipelinesService, () =>
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
