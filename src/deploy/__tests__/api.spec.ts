import { describe, expect, it } from 'vitest';

import { clientWith, json } from '../../api/__tests__/fakeServer';
import { DeployService, SchedulesService } from '../api';
import { deployment, schedule } from './fixtures';

describe('DeployService', () => {
  it('starts a deployment of a product and answers it at once', async () => {
    const { service, calls } = clientWith(DeployService, () =>
      json(202, deployment('PENDING'))
    );
    const started = await service.startDeployment('team/sales');
    expect(started.status).toBe('PENDING');
    expect(calls[0].method).toBe('POST');
    expect(new URL(calls[0].url).pathname).toBe(
      '/lab-base/naas-lab-ext/deployments'
    );
    expect(await calls[0].json()).toEqual({
      product: 'team/sales',
      skip_tests: false
    });
    await service.startDeployment('team/sales', true);
    expect(await calls[1].json()).toEqual({
      product: 'team/sales',
      skip_tests: true
    });
  });

  it('gets one, lists a product’s and activates one by id', async () => {
    const { service, calls } = clientWith(DeployService, request =>
      new URL(request.url).pathname.endsWith('/deployments')
        ? json(200, { deployments: [deployment('ACTIVE')], active: 'x' })
        : json(200, deployment('ACTIVE'))
    );
    const id = '2026-11-29T23.50.00.000Z-ab12cd';
    await service.getDeployment(id);
    const list = await service.listDeployments('team/sales', 5);
    await service.activate(id);
    expect(new URL(calls[0].url).pathname).toBe(
      `/lab-base/naas-lab-ext/deployments/${id}`
    );
    const url = new URL(calls[1].url);
    expect(url.pathname).toBe('/lab-base/naas-lab-ext/deployments');
    expect(url.searchParams.get('product')).toBe('team/sales');
    expect(url.searchParams.get('limit')).toBe('5');
    expect(list.active).toBe('x');
    expect(calls[2].method).toBe('POST');
    expect(new URL(calls[2].url).pathname).toBe(
      `/lab-base/naas-lab-ext/deployments/${id}/activate`
    );
  });

  it("keeps the server's message and status of a deploy already running", async () => {
    const { service } = clientWith(DeployService, () =>
      json(409, {
        message: "A deploy of 'team/sales' is running: wait for it to end.",
        reason: 'Conflict'
      })
    );
    const error = await service.startDeployment('team/sales').catch(e => e);
    expect(error.status).toBe(409);
    expect(error.message).toContain('is running');
  });
});

describe('SchedulesService', () => {
  it("lists a product's schedules, or every product's", async () => {
    const { service, calls } = clientWith(SchedulesService, () =>
      json(200, { schedules: [schedule()] })
    );
    const found = await service.listSchedules('team/sales');
    expect(found.map(s => s.description)).toEqual(['every day at 08:00 (UTC)']);
    expect(new URL(calls[0].url).searchParams.get('product')).toBe(
      'team/sales'
    );
    await service.listSchedules();
    expect(new URL(calls[1].url).searchParams.has('product')).toBe(false);
  });

  it('keeps only the schedules of a product at the root (not in the query)', async () => {
    const { service, calls } = clientWith(SchedulesService, () =>
      json(200, {
        schedules: [
          schedule({ id: 'root', product: '' }),
          schedule({ id: 'other', product: 'team/sales' })
        ]
      })
    );
    expect((await service.listSchedules('')).map(s => s.id)).toEqual(['root']);
    expect(new URL(calls[0].url).searchParams.has('product')).toBe(false);
    expect((await service.listSchedules()).length).toBe(2);
  });

  it('pauses, resumes, runs and reads one by id', async () => {
    const { service, calls } = clientWith(SchedulesService, request =>
      new URL(request.url).pathname.endsWith('/run')
        ? json(202, { id: 'r1', status: 'PENDING', source: 'scheduler' })
        : json(200, schedule({ id: 'a/b', paused: true }))
    );
    expect((await service.pause('a/b')).paused).toBe(true);
    await service.resume('a/b');
    const run = await service.run('a/b');
    await service.getSchedule('a/b');
    expect(run.source).toBe('scheduler');
    expect(calls.map(c => [c.method, new URL(c.url).pathname])).toEqual([
      ['POST', '/lab-base/naas-lab-ext/schedules/a%2Fb/pause'],
      ['POST', '/lab-base/naas-lab-ext/schedules/a%2Fb/resume'],
      ['POST', '/lab-base/naas-lab-ext/schedules/a%2Fb/run'],
      ['GET', '/lab-base/naas-lab-ext/schedules/a%2Fb']
    ]);
  });
});
