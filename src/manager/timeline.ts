/**
 * The geometry of a run's timeline: each step as a bar on a time axis from the run's start
 * to its end (now while it goes), as fractions of the axis, and the axis' ticks.
 */
import { IRun, IRunStep, StepStatus } from '../pipelines/types';
import { isLive } from '../pipelines/runs';

export interface ITimelineRow {
  name: string;
  status: StepStatus;
  role: IRunStep['role'];
  /** False for a step that never started (pending, skipped): no bar. */
  ran: boolean;
  /** Where its bar starts and how long it is, as fractions of the axis (0..1). */
  left: number;
  width: number;
  /** Seconds from the run's start to the step's start (null: it did not start). */
  offset: number | null;
  /** Seconds it took (so far, while it runs). */
  duration: number | null;
}

export interface ITimelineTick {
  /** Where, as a fraction of the axis. */
  at: number;
  /** Seconds from the run's start. */
  seconds: number;
  label: string;
}

export interface ITimeline {
  /** The axis' start and end (ms since the epoch). */
  start: number;
  end: number;
  /** Seconds the axis spans. */
  span: number;
  rows: ITimelineRow[];
  ticks: ITimelineTick[];
}

/** Tick spacings, in seconds, from which the axis picks the first giving few enough. */
const STEPS = [
  0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
  10800, 21600, 43200, 86400
];

const time = (iso: string | null | undefined): number | null => {
  if (!iso) {
    return null;
  }
  const ms = new Date(iso).getTime();
  return Number.isNaN(ms) ? null : ms;
};

/** "+0 s", "+500 ms", "+30 s", "+2 min", "+1 h 30 min". */
export function offsetLabel(seconds: number): string {
  if (seconds === 0) {
    return '0 s';
  }
  if (seconds < 1) {
    return `+${Math.round(seconds * 1000)} ms`;
  }
  if (seconds < 60) {
    return `+${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
  }
  if (seconds < 3600) {
    const m = Math.floor(seconds / 60);
    const s = Math.round(seconds % 60);
    return s ? `+${m} min ${s} s` : `+${m} min`;
  }
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return m ? `+${h} h ${m} min` : `+${h} h`;
}

/** Ticks every "round" spacing so that at most `most` (+1 for 0) fit on the axis. */
export function axisTicks(span: number, most = 6): ITimelineTick[] {
  if (!(span > 0)) {
    return [{ at: 0, seconds: 0, label: offsetLabel(0) }];
  }
  const step =
    STEPS.find(s => span / s <= most) ?? Math.ceil(span / most / 86400) * 86400;
  const ticks: ITimelineTick[] = [];
  for (let seconds = 0; seconds <= span + 1e-9; seconds += step) {
    const rounded = Math.round(seconds * 1000) / 1000;
    ticks.push({
      at: rounded / span,
      seconds: rounded,
      label: offsetLabel(rounded)
    });
  }
  return ticks;
}

/**
 * The timeline of a run at `now` (a live run's axis ends now); null while no step has a
 * time (a pending run).
 */
export function runTimeline(
  run: IRun,
  now: Date = new Date()
): ITimeline | null {
  const live = isLive(run);
  const starts = run.steps
    .map(s => time(s.started_at))
    .filter((t): t is number => t !== null);
  const start =
    time(run.started_at) ?? (starts.length ? Math.min(...starts) : null);
  if (start === null) {
    return null;
  }
  const stepEnd = (step: IRunStep): number | null => {
    const begun = time(step.started_at);
    if (begun === null) {
      return null;
    }
    const ended = time(step.ended_at);
    if (ended !== null) {
      return ended;
    }
    if (step.duration !== null) {
      return begun + step.duration * 1000;
    }
    // Still running: up to now (or the run's end, if the step's end was never written).
    return live ? now.getTime() : (time(run.ended_at) ?? begun);
  };
  const ends = run.steps.map(stepEnd).filter((t): t is number => t !== null);
  const runEnd = live ? now.getTime() : time(run.ended_at);
  const end = Math.max(start, runEnd ?? start, ...ends);
  const spanMs = Math.max(end - start, 1);
  const rows = run.steps.map((step): ITimelineRow => {
    const begun = time(step.started_at);
    const finished = stepEnd(step);
    if (begun === null || finished === null) {
      return {
        name: step.name,
        status: step.status,
        role: step.role,
        ran: false,
        left: 0,
        width: 0,
        offset: null,
        duration: step.duration
      };
    }
    const left = Math.min(1, Math.max(0, (begun - start) / spanMs));
    const width = Math.min(1 - left, Math.max(0, (finished - begun) / spanMs));
    return {
      name: step.name,
      status: step.status,
      role: step.role,
      ran: true,
      left,
      width,
      offset: (begun - start) / 1000,
      duration: step.duration ?? (finished - begun) / 1000
    };
  });
  return {
    start,
    end: start + spanMs,
    span: spanMs / 1000,
    rows,
    ticks: axisTicks(spanMs / 1000)
  };
}
