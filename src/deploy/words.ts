/**
 * Times and facts of deployments and schedules in words: "next in 3 h", "deployed 2 d ago",
 * "tests passed", a commit's short sha.
 */
import { formatTime } from '../format';
import { IDeployment, ISchedule } from './types';

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * A positive duration, short and rounded to what matters at its scale: "45 s", "12 min",
 * "1 h 20 min", "3 h", "1 d 4 h", "6 d".
 */
export function durationInWords(seconds: number): string {
  const s = Math.max(0, seconds);
  if (Math.round(s) < MINUTE) {
    return `${Math.round(s)} s`;
  }
  const minutes = Math.round(s / MINUTE);
  if (minutes < 60) {
    return `${minutes} min`;
  }
  if (s < 2 * HOUR) {
    const rest = minutes % 60;
    return rest ? `1 h ${rest} min` : `${Math.floor(minutes / 60)} h`;
  }
  const hours = Math.round(s / HOUR);
  if (hours < 24) {
    return `${hours} h`;
  }
  if (s < 2 * DAY) {
    const rest = Math.round((s - DAY) / HOUR);
    return rest >= 24 ? '2 d' : rest > 0 ? `1 d ${rest} h` : '1 d';
  }
  return `${Math.round(s / DAY)} d`;
}

/** A due time seen from `now`: "in 3 h", "now" (within the last minute), "overdue by 5 min". */
export function dueInWords(iso: string, now: Date = new Date()): string {
  const due = new Date(iso).getTime();
  if (Number.isNaN(due)) {
    return `at ${iso}`;
  }
  const seconds = (due - now.getTime()) / 1000;
  if (seconds >= 0.5) {
    return `in ${durationInWords(seconds)}`;
  }
  if (seconds > -MINUTE) {
    return 'now';
  }
  return `overdue by ${durationInWords(-seconds)}`;
}

/**
 * A schedule's next run in words: "next in 3 h", "next run now", "next run overdue by
 * 5 min" (the scheduler did not fire it yet); null while paused or when none is due.
 */
export function nextRunInWords(
  schedule: Pick<ISchedule, 'paused' | 'next_run'>,
  now: Date = new Date()
): string | null {
  if (schedule.paused || !schedule.next_run) {
    return null;
  }
  const due = dueInWords(schedule.next_run, now);
  return due.startsWith('in ') ? `next ${due}` : `next run ${due}`;
}

/** The soonest next run of the schedules that are not paused (null: none). */
export function soonestRun(schedules: readonly ISchedule[]): string | null {
  const times = schedules
    .filter(s => !s.paused && s.next_run)
    .map(s => s.next_run as string)
    .sort((a, b) => new Date(a).getTime() - new Date(b).getTime());
  return times[0] ?? null;
}

/** A past time in words: "just now", "5 min ago", "3 h ago" (a future one as a time). */
export function agoInWords(
  iso: string | null | undefined,
  now: Date = new Date()
): string {
  if (!iso) {
    return '—';
  }
  const time = new Date(iso).getTime();
  if (Number.isNaN(time)) {
    return iso;
  }
  const seconds = (now.getTime() - time) / 1000;
  if (seconds < -MINUTE) {
    return formatTime(iso, now);
  }
  return seconds < 45 ? 'just now' : `${durationInWords(seconds)} ago`;
}

/** "1 schedule", "2 schedules". */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** The first 7 characters of a commit, as git shows it. */
export function shortSha(commit: string | null | undefined): string | null {
  return commit ? commit.slice(0, 7) : null;
}

/** Whether a deployment's product tests passed, were skipped, failed or did not run. */
export function testsInWords(deployment: Pick<IDeployment, 'tests'>): string {
  switch (deployment.tests) {
    case 'passed':
      return 'passed';
    case 'skipped':
      return 'skipped';
    case 'failed':
      return 'failed';
    default:
      return 'not run';
  }
}
