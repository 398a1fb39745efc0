import { describe, expect, it } from 'vitest';

import { ApiError } from '../../api/errors';
import { clientWith, json } from '../../api/__tests__/fakeServer';
import { OutputsService } from '../api';

describe('OutputsService', () => {
  it("lists a product's datasets and a dataset's versions with their paging", async () => {
    const { service, calls } = clientWith(OutputsService, () =>
      json(200, { datasets: [], versions: [] })
    );
    await service.listDatasets('sales', { versions: 5, limit: 200 });
    await service.listVersions('sales', 'raw/orders', {
      offset: 5,
      limit: 20
    });
    const datasets = new URL(calls[0].url);
    expect(datasets.pathname).toBe('/lab-base/naas-lab-ext/outputs');
    expect(datasets.searchParams.get('product')).toBe('sales');
    expect(datasets.searchParams.get('versions')).toBe('5');
    expect(datasets.searchParams.get('limit')).toBe('200');
    const versions = new URL(calls[1].url);
    expect(versions.pathname).toBe('/lab-base/naas-lab-ext/outputs/versions');
    expect(versions.searchParams.get('dataset')).toBe('raw/orders');
    expect(versions.searchParams.get('offset')).toBe('5');
  });

  it('downloads the bytes of a file of a version', async () => {
    const { service, calls } = clientWith(
      OutputsService,
      () => new Response('a,b\n1,2\n', { status: 200 })
    );
    const blob = await service.downloadOutput(
      'sales',
      'raw/orders',
      'latest',
      'orders.csv'
    );
    expect(await blob.text()).toBe('a,b\n1,2\n');
    const url = new URL(calls[0].url);
    expect(url.pathname).toBe('/lab-base/naas-lab-ext/outputs/file');
    expect(url.searchParams.get('version')).toBe('latest');
    expect(url.searchParams.get('file')).toBe('orders.csv');
  });

  it("reports a failed download with the server's message, or its status", async () => {
    const answered = clientWith(OutputsService, () =>
      json(404, { message: 'No file orders.csv', reason: 'NotFound' })
    );
    const error = await answered.service
      .downloadOutput('sales', 'raw/orders', 'latest', 'orders.csv')
      .catch(e => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.message).toBe('No file orders.csv');
    expect(error.status).toBe(404);
    const bare = clientWith(
      OutputsService,
      () => new Response('oops', { status: 500 })
    );
    const failure = await bare.service
      .downloadOutput('sales', 'raw/orders', 'latest', 'orders.csv')
      .catch(e => e);
    expect(failure.message).toBe('The download failed (500).');
  });
});
