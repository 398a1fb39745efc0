/**
 * The filters of the Runs and Events tabs as the user sets them, turned into the queries of
 * GET runs and GET events; and what `?naas-manager=...` in the page URL asks to show.
 */
import { RunStatus } from '../pipelines/types';
import { KIND_GROUPS, ManagerTab } from './kinds';
import { EventLevel, IEventQuery, IRunsQuery, RunSource } from './types';

/** The time ranges offered, and how far back each goes (seconds). */
export const RANGES: readonly {
  id: TimeRange;
  label: string;
  seconds: number;
}[] = [
  { id: 'any', label: 'Any time', seconds: 0 },
  { id: '1h', label: 'Last hour', seconds: 3600 },
  { id: '24h', label: 'Last 24 hours', seconds: 86400 },
  { id: '7d', label: 'Last 7 days', seconds: 7 * 86400 },
  { id: '30d', label: 'Last 30 days', seconds: 30 * 86400 },
  { id: 'custom', label: 'Between…', seconds: 0 }
];

export type TimeRange = 'any' | '1h' | '24h' | '7d' | '30d' | 'custom';

/** The statuses offered; "FAILED,INTERRUPTED" asks for either. */
export const STATUS_CHOICES: readonly { value: string; label: string }[] = [
  { value: '', label: 'Any status' },
  { value: 'FAILED,INTERRUPTED', label: 'Failed or interrupted' },
  { value: 'FAILED', label: 'Failed' },
  { value: 'SUCCEEDED', label: 'Succeeded' },
  { value: 'RUNNING', label: 'Running' },
  { value: 'PENDING', label: 'Pending' },
  { value: 'CANCELLED', label: 'Cancelled' },
  { value: 'INTERRUPTED', label: 'Interrupted' }
];

export const SOURCES: readonly RunSource[] = [
  'api',
  'cli',
  'notebook',
  'python',
  'scheduler'
];

/** Who started a run, in words. */
export const SOURCE_LABELS: Readonly<Record<RunSource, string>> = {
  api: 'Lab or REST (api)',
  cli: 'Command line (cli)',
  notebook: 'A notebook',
  python: 'Python',
  scheduler: 'A job (scheduler)'
};

/** The Runs tab's filters as the user set them. */
export interface IRunsFilter {
  /** A product's folder ('' : any). */
  product: string;
  /** A pipeline's name ('' : any). */
  pipeline: string;
  /** One of STATUS_CHOICES' values. */
  status: string;
  source: RunSource | '';
  range: TimeRange;
  /** For 'custom': the values of two datetime-local fields (local time). */
  from: string;
  to: string;
  /** Text to find in the errors. */
  q: string;
}

export const NO_RUNS_FILTER: IRunsFilter = {
  product: '',
  pipeline: '',
  status: '',
  source: '',
  range: 'any',
  from: '',
  to: '',
  q: ''
};

/** True when the filter leaves every run in. */
export function isUnfiltered(filter: IRunsFilter): boolean {
  return Object.keys(runsQuery(filter)).length === 0;
}

/** A datetime-local value (local time) as an ISO time; undefined when empty or wrong. */
export function localToIso(value: string): string | undefined {
  if (!value) {
    return undefined;
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The query of GET runs for a filter at `now` (without a cursor). */
export function runsQuery(
  filter: IRunsFilter,
  now: Date = new Date(),
  limit?: number
): IRunsQuery {
  const query: IRunsQuery = {};
  if (filter.product) {
    query.product = filter.product;
  }
  if (filter.pipeline.trim()) {
    query.pipeline = filter.pipeline.trim();
  }
  if (filter.status) {
    query.status = filter.status.split(',') as RunStatus[];
  }
  if (filter.source) {
    query.source = [filter.source];
  }
  if (filter.range === 'custom') {
    const since = localToIso(filter.from);
    const until = localToIso(filter.to);
    if (since) {
      query.since = since;
    }
    if (until) {
      query.until = until;
    }
  } else {
    const range = RANGES.find(r => r.id === filter.range);
    if (range && range.seconds) {
      query.since = new Date(
        now.getTime() - range.seconds * 1000
      ).toISOString();
    }
  }
  if (filter.q.trim()) {
    query.q = filter.q.trim();
  }
  if (limit !== undefined) {
    query.limit = limit;
  }
  return query;
}

/** The Events tab's filters as the user set them. */
export interface IEventsFilter {
  /** 'error', 'warning' (and errors), 'info' (only) or '' (any). */
  level: '' | EventLevel;
  product: string;
  /** A kind ("run.failed"), a group of kinds ("group:runs") or '' (any). */
  kind: string;
}

export const NO_EVENTS_FILTER: IEventsFilter = {
  level: '',
  product: '',
  kind: ''
};

/** The prefix of a group's value in the kind filter ("group:runs"). */
export const GROUP = 'group:';

/** The query of GET events for a filter (without a cursor). */
export function eventsQuery(
  filter: IEventsFilter,
  limit?: number
): IEventQuery {
  const query: IEventQuery = {};
  if (filter.level === 'warning') {
    query.level = ['warning', 'error'];
  } else if (filter.level) {
    query.level = [filter.level];
  }
  if (filter.product) {
    query.product = filter.product;
  }
  if (filter.kind.startsWith(GROUP)) {
    const group = KIND_GROUPS.find(g => GROUP + g.id === filter.kind);
    if (group) {
      query.kind = [...group.kinds];
    }
  } else if (filter.kind) {
    query.kind = [filter.kind];
  }
  if (limit !== undefined) {
    query.limit = limit;
  }
  return query;
}

/** What the Manager is asked to show: a tab, and a run of the Runs tab. */
export interface IManagerTarget {
  tab: ManagerTab;
  run?: string;
}

const TAB_IDS: readonly ManagerTab[] = [
  'jobs',
  'runs',
  'events',
  'deployments',
  'secrets'
];

/**
 * `run:<id>` (the Runs tab on that run) or a tab's name, as in `?naas-manager=run:<id>`;
 * null for anything else.
 */
export function parseTarget(
  text: string | null | undefined
): IManagerTarget | null {
  const value = (text ?? '').trim();
  if (!value) {
    return null;
  }
  if (value.startsWith('run:')) {
    const run = value.slice(4).trim();
    return run ? { tab: 'runs', run } : null;
  }
  const tab = value.toLowerCase() as ManagerTab;
  return TAB_IDS.includes(tab) ? { tab } : null;
}

/** The name of the page URL's parameter that opens the Manager. */
export const URL_PARAMETER = 'naas-manager';
