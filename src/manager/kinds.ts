/**
 * The kinds of events in words, how a level is shown (symbol and word, colour is never the
 * only signal), and which Manager tabs an event concerns (what to refresh when it comes).
 */
import { EventLevel, IEvent } from './types';

/** Every kind the server records (naas_lab_ext/events/kinds.py), in words. */
export const KIND_LABELS: Readonly<Record<string, string>> = {
  'run.started': 'Run started',
  'run.succeeded': 'Run succeeded',
  'run.failed': 'Run failed',
  'run.cancelled': 'Run cancelled',
  'run.interrupted': 'Run interrupted',
  'step.failed': 'Step failed',
  'deploy.started': 'Deploy started',
  'deploy.succeeded': 'Deploy succeeded',
  'deploy.failed': 'Deploy failed',
  'deploy.rolled_back': 'Rolled back',
  'schedule.created': 'Job created',
  'schedule.changed': 'Job changed',
  'schedule.paused': 'Job paused',
  'schedule.resumed': 'Job resumed',
  'schedule.deleted': 'Job deleted',
  'schedule.fired': 'Job fired',
  'schedule.skipped': 'Job skipped',
  'templates.synced': 'Templates synced',
  'templates.sync_failed': 'Template sync failed',
  'notification.sent': 'Notification sent',
  'notification.failed': 'Notification failed',
  'secret.set': 'Secret set',
  'secret.deleted': 'Secret deleted',
  'store.created': 'History not found (new store)'
};

/** The kinds to filter by, grouped as the filter lists them. */
export const KIND_GROUPS: readonly {
  id: string;
  label: string;
  kinds: string[];
}[] = [
  { id: 'runs', label: 'Runs', kinds: kindsOf('run.', 'step.') },
  { id: 'deploys', label: 'Deploys', kinds: kindsOf('deploy.') },
  { id: 'jobs', label: 'Jobs', kinds: kindsOf('schedule.') },
  { id: 'templates', label: 'Templates', kinds: kindsOf('templates.') },
  {
    id: 'notifications',
    label: 'Notifications',
    kinds: kindsOf('notification.')
  },
  { id: 'secrets', label: 'Secrets', kinds: kindsOf('secret.') },
  { id: 'store', label: 'Store', kinds: kindsOf('store.') }
];

function kindsOf(...prefixes: string[]): string[] {
  return Object.keys(KIND_LABELS).filter(kind =>
    prefixes.some(prefix => kind.startsWith(prefix))
  );
}

/** A kind in words (an unknown one from a newer server reads as itself). */
export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind;
}

export interface ILevelInfo {
  label: string;
  symbol: string;
  /** The colour, in style/base.css (the statuses' colours). */
  className: string;
}

const LEVELS: Record<EventLevel, ILevelInfo> = {
  info: { label: 'Info', symbol: 'i', className: 'naas-mod-running' },
  warning: { label: 'Warning', symbol: '!', className: 'naas-mod-cancelled' },
  error: { label: 'Error', symbol: '✕', className: 'naas-mod-failed' }
};

export function levelInfo(level: string): ILevelInfo {
  return (
    LEVELS[level as EventLevel] ?? {
      label: level,
      symbol: '?',
      className: 'naas-mod-idle'
    }
  );
}

/** The tabs of the Manager. */
export type ManagerTab = 'jobs' | 'runs' | 'events' | 'deployments' | 'secrets';

export const TABS: readonly { id: ManagerTab; label: string }[] = [
  { id: 'jobs', label: 'Jobs' },
  { id: 'runs', label: 'Runs' },
  { id: 'events', label: 'Events' },
  { id: 'deployments', label: 'Deployments' },
  { id: 'secrets', label: 'Secrets' }
];

/** The tabs whose data an event may change (the Events tab shows every event). */
export function tabsConcerned(event: Pick<IEvent, 'kind'>): Set<ManagerTab> {
  const tabs = new Set<ManagerTab>(['events']);
  const group = event.kind.split('.')[0];
  if (group === 'run' || group === 'step') {
    // A job shows its last run.
    tabs.add('runs').add('jobs');
  } else if (group === 'schedule') {
    tabs.add('jobs');
  } else if (group === 'deploy') {
    // A deploy replaces the product's jobs.
    tabs.add('deployments').add('jobs');
  } else if (group === 'secret') {
    // Set or deleted elsewhere (a notebook, the command line, another Lab).
    tabs.add('secrets');
  }
  return tabs;
}

/** The run an event is about, if any. */
export function runOf(
  event: Pick<IEvent, 'subject_type' | 'subject_id' | 'details'>
): string | null {
  if (event.subject_type === 'run' && event.subject_id) {
    return event.subject_id;
  }
  const id = event.details?.run_id;
  return typeof id === 'string' ? id : null;
}
