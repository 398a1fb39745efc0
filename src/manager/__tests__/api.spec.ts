import { describe, expect, it } from 'vitest';

import { clientWith, json } from '../../api/__tests__/fakeServer';
import { schedule } from '../../deploy/__tests__/fixtures';
import { etlRun } from '../../pipelines/__tests__/fixtures';
import { ManagerService, eventsQueryString, runsQueryString } from '../api';
import { event } from './fixtures';

const path = (request: Request): string => new URL(request.url).pathname;
const params = (request: Request): URLSearchParams =>
  new URL(request.url).searchParams;

describe('ManagerService', () => {
  it('reads a page of events with repeated levels and kinds and a cursor', async () => {
    const page = { events: [event('run.failed', { id: 9 })], next_before: 9 };
    const { service, calls } = clientWith(ManagerService, () =>
      json(200, page)
    );
    const answer = await service.events({
      product: 'team/sales',
      level: ['warning', 'error'],
      kind: ['run.failed', 'run.interrupted'],
      before: 120,
      limit: 50
    });
    expect(answer).toEqual(page);
    expect(calls[0].method).toBe('GET');
    expect(path(calls[0])).toBe('/lab-base/naas-lab-ext/events');
    expect(params(calls[0]).getAll('level')).toEqual(['warning', 'error']);
    expect(params(calls[0]).getAll('kind')).toEqual([
      'run.failed',
      'run.interrupted'
    ]);
    expect(params(calls[0]).get('product')).toBe('team/sales');
    expect(params(calls[0]).get('before')).toBe('120');
    expect(params(calls[0]).get('limit')).toBe('50');
  });

  it('tails the events after an id (-1: from now)', async () => {
    const { service, calls } = clientWith(ManagerService, () =>
      json(200, { events: [], last_id: 41 })
    );
    expect((await service.tail(-1)).last_id).toBe(41);
    await service.tail(41, 200);
    expect(path(calls[0])).toBe('/lab-base/naas-lab-ext/events');
    expect(params(calls[0]).get('after')).toBe('-1');
    expect(params(calls[0]).has('limit')).toBe(false);
    expect(params(calls[1]).get('after')).toBe('41');
    expect(params(calls[1]).get('limit')).toBe('200');
  });

  it('lists runs with the filters and the cursor in the query', async () => {
    const { service, calls } = clientWith(ManagerService, () =>
      json(200, {
        runs: [etlRun('1', 'FAILED')],
        total: 1,
        offset: 0,
        limit: 50,
        next_before: 'c2'
      })
    );
    const page = await service.runs({
      product: 'team/sales',
      pipeline: 'pipeline',
      status: ['FAILED', 'INTERRUPTED'],
      source: ['scheduler'],
      since: '2026-11-29T05:00:00.000Z',
      q: '  KeyError ',
      before: 'c1',
      limit: 50
    });
    expect(page.next_before).toBe('c2');
    const query = params(calls[0]);
    expect(query.get('product')).toBe('team/sales');
    expect(query.get('pipeline')).toBe('pipeline');
    expect(query.getAll('status')).toEqual(['FAILED', 'INTERRUPTED']);
    expect(query.getAll('source')).toEqual(['scheduler']);
    expect(query.get('since')).toBe('2026-11-29T05:00:00.000Z');
    expect(query.get('q')).toBe('KeyError');
    expect(query.get('before')).toBe('c1');
    expect(query.has('offset')).toBe(false);
  });

  it('re-runs a run, deletes a schedule and sets its notifications', async () => {
    const { service, calls } = clientWith(ManagerService, request =>
      request.method === 'DELETE'
        ? new Response(null, { status: 204 })
        : request.method === 'PATCH'
          ? json(200, schedule({ notify: { on_success: true } }))
          : json(202, etlRun('2', 'PENDING'))
    );
    expect((await service.rerun('r/1')).id).toBe('2');
    await service.deleteSchedule('s1');
    const changed = await service.setScheduleNotify('s1', {
      on_failure: { to: ['ops@example.com'] },
      on_success: true,
      on_start: false
    });
    await service.setScheduleNotify('s1', null);
    expect(calls[0].method).toBe('POST');
    expect(path(calls[0])).toBe('/lab-base/naas-lab-ext/runs/r%2F1/rerun');
    expect(calls[1].method).toBe('DELETE');
    expect(path(calls[1])).toBe('/lab-base/naas-lab-ext/schedules/s1');
    expect(calls[2].method).toBe('PATCH');
    expect(path(calls[2])).toBe('/lab-base/naas-lab-ext/schedules/s1');
    expect(await calls[2].json()).toEqual({
      notify: {
        on_failure: { to: ['ops@example.com'] },
        on_success: true,
        on_start: false
      }
    });
    expect(await calls[3].json()).toEqual({ notify: null });
    expect(changed.notify).toEqual({ on_success: true });
  });

  it('reads the notification settings and sends a test', async () => {
    const results = {
      results: [
        {
          channel: 'email',
          target: 'ops@example.com',
          ok: false,
          message: '535 authentication failed'
        }
      ]
    };
    const { service, calls } = clientWith(ManagerService, request =>
      request.method === 'GET'
        ? json(200, { email_to: [] })
        : json(200, results)
    );
    await service.notificationSettings();
    expect(await service.testNotification({ to: ['ops@example.com'] })).toEqual(
      results
    );
    await service.testNotification();
    expect(path(calls[0])).toBe(
      '/lab-base/naas-lab-ext/notifications/settings'
    );
    expect(calls[1].method).toBe('POST');
    expect(path(calls[1])).toBe('/lab-base/naas-lab-ext/notifications/test');
    expect(await calls[1].json()).toEqual({ to: ['ops@example.com'] });
    expect(await calls[2].json()).toEqual({});
  });

  it('says the server answer when a call fails', async () => {
    const { service } = clientWith(ManagerService, () =>
      json(409, {
        message:
          'The deployment of this run was pruned: deploy the product again.'
      })
    );
    await expect(service.rerun('1')).rejects.toThrow(
      'The deployment of this run was pruned'
    );
  });
});

describe('query strings', () => {
  it('has nothing for no filter, repeats list filters and drops blank text', () => {
    expect(runsQueryString({})).toBe('');
    expect(runsQueryString({ q: '   ' })).toBe('');
    expect(
      runsQueryString({ status: ['FAILED'], source: ['cli', 'api'] })
    ).toBe('?status=FAILED&source=cli&source=api');
    expect(eventsQueryString({ level: ['error'], kind: [] })).toBe(
      '?level=error'
    );
    expect(eventsQueryString({ subject_type: 'run', subject_id: 'a b' })).toBe(
      '?subject_type=run&subject_id=a+b'
    );
  });
});
