/**
 * Pure helpers about pipelines and their runs: how a status is shown (label, symbol, CSS
 * class: colour is never the only signal), which runs belong to a pipeline notebook, and
 * which notebooks are pipeline notebooks.
 */
import { IRun, IRunStep, RunStatus, StepStatus } from './types';

export interface IStatusInfo {
  /** Shown next to the symbol and read by screen readers. */
  label: string;
  /** A text symbol, so the status reads without colour too. */
  symbol: string;
  /** `naas-mod-<status>`: the colour, in style/base.css. */
  className: string;
}

const STATUS: Record<StepStatus, IStatusInfo> = {
  PENDING: { label: 'Pending', symbol: '○', className: 'naas-mod-pending' },
  RUNNING: { label: 'Running', symbol: '◔', className: 'naas-mod-running' },
  SUCCEEDED: {
    label: 'Succeeded',
    symbol: '✓',
    className: 'naas-mod-succeeded'
  },
  FAILED: { label: 'Failed', symbol: '✕', className: 'naas-mod-failed' },
  SKIPPED: { label: 'Skipped', symbol: '↷', className: 'naas-mod-skipped' },
  CANCELLED: {
    label: 'Cancelled',
    symbol: '⊘',
    className: 'naas-mod-cancelled'
  },
  INTERRUPTED: {
    label: 'Interrupted',
    symbol: '!',
    className: 'naas-mod-interrupted'
  }
};

/** Shown for a step of a pipeline that has not run (no run selected). */
export const NOT_RUN: IStatusInfo = {
  label: 'Not run',
  symbol: '·',
  className: 'naas-mod-idle'
};

/** Every status, in the order the legend lists them. */
export const STATUSES: readonly StepStatus[] = [
  'PENDING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'SKIPPED',
  'CANCELLED',
  'INTERRUPTED'
];

/** How to show a status (an unknown one from a newer server reads as itself). */
export function statusInfo(status: StepStatus | null | undefined): IStatusInfo {
  if (!status) {
    return NOT_RUN;
  }
  return (
    STATUS[status] ?? {
      label: String(status),
      symbol: '?',
      className: 'naas-mod-idle'
    }
  );
}

/** The CSS class of a status (`naas-mod-succeeded`...). */
export function statusClass(status: StepStatus | null | undefined): string {
  return statusInfo(status).className;
}

/** True once a run (or step) can no longer change. */
export function isFinished(status: StepStatus): boolean {
  return status !== 'PENDING' && status !== 'RUNNING';
}

/** True while a run goes on (worth polling). */
export function isLive(run: IRun | null | undefined): boolean {
  return !!run && !isFinished(run.status);
}

/** Same rule as the server's slug_name: `__pipeline__` gives `pipeline`. */
export function slugName(text: string): string {
  const slug = text
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[_.-]+|[_.-]+$/g, '');
  return slug.slice(0, 64) || 'pipeline';
}

/** The stem of a notebook path: `sales/models/__pipeline__.ipynb` gives `__pipeline__`. */
export function notebookStem(path: string): string {
  return (path.split('/').pop() ?? path).replace(/\.ipynb$/, '');
}

/**
 * The names a pipeline notebook's runs may be recorded under: its `Pipeline(name)` once
 * read, and the notebook's name (a run is recorded with it until its definition is read).
 */
export function runNames(path: string, dagName?: string | null): string[] {
  const names = [dagName ?? '', slugName(notebookStem(path))].filter(Boolean);
  return [...new Set(names)];
}

/**
 * True when `run` is a run of the pipeline notebook at `path` (a run that does not know its
 * notebook counts when `path` is in its product).
 */
export function isRunOf(run: IRun, path: string): boolean {
  if (run.pipeline_path) {
    return run.pipeline_path === path;
  }
  return (
    run.product !== null &&
    (run.product === '' || path.startsWith(`${run.product}/`))
  );
}

/**
 * A short title for a pipeline notebook: its product's folder and the pipeline's name,
 * e.g. `sales · pipeline` for `teams/sales/models/__pipeline__.ipynb`.
 */
export function pipelineTitle(
  path: string,
  product?: string | null,
  name?: string | null
): string {
  const parts = path.split('/');
  const folder =
    product !== undefined && product !== null
      ? product.split('/').pop()
      : parts.length >= 3 && parts[parts.length - 2] === 'models'
        ? parts[parts.length - 3]
        : parts[parts.length - 2];
  const pipeline = name || slugName(notebookStem(path));
  return folder ? `${folder} · ${pipeline}` : pipeline;
}

/** Merge pages of runs: unique by id, newest first. */
export function mergeRuns(...lists: IRun[][]): IRun[] {
  const byId = new Map<string, IRun>();
  for (const list of lists) {
    for (const run of list) {
      byId.set(run.id, run);
    }
  }
  return [...byId.values()].sort((a, b) =>
    (b.created_at ?? b.id).localeCompare(a.created_at ?? a.id)
  );
}

/** The server's rule for a pipeline notebook: a code cell creates a `Pipeline(...)`. */
const PIPELINE_PATTERN = /\bPipeline\s*\(/;

interface INotebookLike {
  cells?: { cell_type?: string; source?: string | string[] }[];
}

/** True when a notebook's JSON has a code cell that creates a `Pipeline(...)`. */
export function isPipelineNotebook(notebook: unknown): boolean {
  const cells = (notebook as INotebookLike | null)?.cells;
  if (!Array.isArray(cells)) {
    return false;
  }
  return cells.some(cell => {
    if (cell?.cell_type !== 'code') {
      return false;
    }
    const source = Array.isArray(cell.source)
      ? cell.source.join('')
      : String(cell.source ?? '');
    return PIPELINE_PATTERN.test(source);
  });
}

/** Parameters a run sets itself: the form never shows them. */
export const RUN_SET_PARAMETERS: ReadonlySet<string> = new Set([
  'pipeline_output_path',
  'pipeline_run_id',
  'pipeline_failed_step',
  'pipeline_error'
]);

/** What a step's detail line says, for the graph's tooltip and the step panel. */
export function stepSummary(step: IRunStep): string {
  const info = statusInfo(step.status);
  const parts = [info.label];
  if (step.attempts > 1) {
    parts.push(`${step.attempts} attempts`);
  }
  if (step.error) {
    parts.push(`${step.error.name}: ${step.error.message}`);
  } else if (step.detail) {
    parts.push(step.detail);
  }
  return parts.join(' · ');
}

/** A run's status for a short list: "Failed", "Running"... */
export function runStatusLabel(status: RunStatus): string {
  return statusInfo(status).label;
}
