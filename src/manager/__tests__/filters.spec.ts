import { describe, expect, it } from 'vitest';

import { runsQueryString } from '../api';
import {
  NO_EVENTS_FILTER,
  NO_RUNS_FILTER,
  eventsQuery,
  isUnfiltered,
  localToIso,
  parseTarget,
  runsQuery
} from '../filters';

const NOW = new Date('2026-11-30T05:00:00.000Z');

describe('runsQuery', () => {
  it('asks for everything when nothing is filtered', () => {
    expect(runsQuery(NO_RUNS_FILTER, NOW)).toEqual({});
    expect(runsQuery(NO_RUNS_FILTER, NOW, 50)).toEqual({ limit: 50 });
    expect(isUnfiltered(NO_RUNS_FILTER)).toBe(true);
    // Blank text filters nothing
    expect(isUnfiltered({ ...NO_RUNS_FILTER, q: '  ', pipeline: ' ' })).toBe(
      true
    );
  });

  it('turns every filter into the query string of GET runs', () => {
    const filter = {
      product: 'team/sales',
      pipeline: ' pipeline ',
      status: 'FAILED,INTERRUPTED',
      source: 'scheduler' as const,
      range: '24h' as const,
      from: '',
      to: '',
      q: ' KeyError '
    };
    expect(isUnfiltered(filter)).toBe(false);
    expect(
      runsQueryString({ ...runsQuery(filter, NOW, 50), before: 'c9' })
    ).toBe(
      '?product=team%2Fsales&pipeline=pipeline&status=FAILED&status=INTERRUPTED' +
        '&source=scheduler&since=2026-11-29T05%3A00%3A00.000Z&q=KeyError' +
        '&before=c9&limit=50'
    );
  });

  it('reads each time range back from now', () => {
    const since = (range: '1h' | '7d' | '30d' | 'any'): string | undefined =>
      runsQuery({ ...NO_RUNS_FILTER, range }, NOW).since;
    expect(since('1h')).toBe('2026-11-30T04:00:00.000Z');
    expect(since('7d')).toBe('2026-11-23T05:00:00.000Z');
    expect(since('30d')).toBe('2026-10-31T05:00:00.000Z');
    expect(since('any')).toBeUndefined();
  });

  it('takes a custom range from two local times, either one optional', () => {
    const from = '2026-11-20T08:30';
    const query = runsQuery(
      { ...NO_RUNS_FILTER, range: 'custom', from, to: '' },
      NOW
    );
    expect(query).toEqual({ since: new Date(from).toISOString() });
    expect(
      runsQuery(
        { ...NO_RUNS_FILTER, range: 'custom', from: 'nonsense', to: from },
        NOW
      )
    ).toEqual({ until: new Date(from).toISOString() });
    expect(localToIso('')).toBeUndefined();
  });
});

describe('eventsQuery', () => {
  it('asks for a level, warnings with errors, a product, a kind or a group', () => {
    expect(eventsQuery(NO_EVENTS_FILTER)).toEqual({});
    expect(eventsQuery({ ...NO_EVENTS_FILTER, level: 'error' }, 50)).toEqual({
      level: ['error'],
      limit: 50
    });
    expect(
      eventsQuery({ ...NO_EVENTS_FILTER, level: 'warning' }).level
    ).toEqual(['warning', 'error']);
    expect(
      eventsQuery({ level: '', product: 'team/sales', kind: 'run.failed' })
    ).toEqual({ product: 'team/sales', kind: ['run.failed'] });
    expect(
      eventsQuery({ ...NO_EVENTS_FILTER, kind: 'group:deploys' }).kind
    ).toEqual([
      'deploy.started',
      'deploy.succeeded',
      'deploy.failed',
      'deploy.rolled_back'
    ]);
    expect(eventsQuery({ ...NO_EVENTS_FILTER, kind: 'group:nothing' })).toEqual(
      {}
    );
  });
});

describe('parseTarget', () => {
  it('reads run:<id> and the tabs’ names, nothing else', () => {
    expect(parseTarget('run:2026-11-30-abc')).toEqual({
      tab: 'runs',
      run: '2026-11-30-abc'
    });
    expect(parseTarget(' Jobs ')).toEqual({ tab: 'jobs' });
    expect(parseTarget('deployments')).toEqual({ tab: 'deployments' });
    expect(parseTarget('Secrets')).toEqual({ tab: 'secrets' });
    expect(parseTarget('run:')).toBeNull();
    expect(parseTarget('settings')).toBeNull();
    expect(parseTarget('')).toBeNull();
    expect(parseTarget(null)).toBeNull();
  });
});
