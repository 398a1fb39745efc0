/**
 * REST types of the pipelines and runs routes.
 */
import { JSONObject, JSONValue } from '@lumino/coreutils';

import { INotify, IPage } from '../api/types';

/** Status of a run. INTERRUPTED: the process running it died before it ended. */
export type RunStatus =
  'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'INTERRUPTED';

/** Status of a step of a run. */
export type StepStatus = RunStatus | 'SKIPPED';

/** A step of a pipeline's DAG (as the pipeline notebook defines it). */
export interface IDagStep {
  name: string;
  kind: string;
  /** on_error steps run only when a step they handle fails. */
  role: 'step' | 'on_error';
  upstream: string[];
  /** First steps of the error handlers of this step. */
  on_error: string[];
  timeout: number | null;
  retries: number;
  retry_delay: number;
  /** Notebook of a notebook step, relative to the product root. */
  notebook_path?: string;
  parameters?: JSONObject;
  kernel_name?: string | null;
  /** Delay of a dummy step (seconds). */
  delay?: number;
  /** A DummyErrorStep: a placeholder that fails on purpose (to try on_error wiring). */
  fails?: boolean;
}

export interface IDagLink {
  from: string;
  to: string;
  kind: 'next' | 'on_error';
}

export interface IPipelineDag {
  /** Pipeline name (folder of its executions). */
  name: string;
  /** Product root the notebook paths are relative to (relative to the Jupyter root). */
  root: string;
  /** In a run order (upstream before downstream). */
  steps: IDagStep[];
  edges: IDagLink[];
}

/** A field of the run form: a parameter papermill found in a notebook of the pipeline. */
export interface IRunParameter {
  name: string;
  /** Type papermill infers (int, str, ...), or null when unknown. */
  type: string | null;
  /** The default as written in the notebook (Python source). */
  default: string | null;
  /** The value a run gets when the form leaves it (JSON), if known. */
  value: JSONValue | null;
  help: string;
  /** Steps whose notebook declares it (empty for the pipeline notebook's own). */
  steps: string[];
}

/** GET /pipelines?product= and GET /pipelines/{path} */
export interface IPipeline {
  /** The pipeline notebook, relative to the Jupyter root. */
  path: string;
  product: string | null;
  name: string | null;
  /** Null when the notebook cannot be read (`error` says why). */
  dag: IPipelineDag | null;
  parameters: IRunParameter[];
  error: { message: string; step: string | null } | null;
}

/** Why a step failed: the exception and the cell that raised it. */
export interface IStepFailure {
  /** Exception class, e.g. ValueError, StepTimeout, DeadKernelError. */
  name: string;
  message: string;
  cell_index: number | null;
  execution_count: number | null;
  cell_source: string | null;
  traceback: string;
}

export interface IRunStep {
  name: string;
  kind: string;
  role: 'step' | 'on_error';
  status: StepStatus;
  started_at: string | null;
  ended_at: string | null;
  /** Seconds. */
  duration: number | null;
  attempts: number;
  /** The input notebook, relative to the product root. */
  notebook_path: string | null;
  /** The executed copy, relative to the Jupyter root (open it in Lab). */
  output_path: string | null;
  error: IStepFailure | null;
  /** Why it was skipped or cancelled, the retry going on... */
  detail: string;
  upstream: string[];
  on_error: string[];
  /** Where its last attempt ran, when the executor says (a Dask worker); null: locally. */
  worker?: string | null;
}

/** GET /runs/{id}, POST /runs, POST /runs/{id}/cancel */
export interface IRun {
  id: string;
  pipeline: string;
  status: RunStatus;
  /** Product root, relative to the Jupyter root. */
  product: string | null;
  /** The pipeline notebook, relative to the Jupyter root, when known. */
  pipeline_path: string | null;
  /** Who started it (api, cli, notebook, python, scheduler). */
  source: string;
  parameters: JSONObject;
  created_at: string | null;
  started_at: string | null;
  ended_at: string | null;
  duration: number | null;
  /** Why the run failed as a whole (e.g. its definition cannot be read). */
  error: string | null;
  /** Folder of the executed notebooks, relative to the Jupyter root. */
  output_dir: string | null;
  cancel_requested: boolean;
  /** The deployment a production (scheduled) run executed; null otherwise. */
  deployment_id: string | null;
  /** Who hears of this run (its schedule's rules, or POST runs' `notify`). */
  notify: INotify | null;
  /** Empty while PENDING; then every step in a run order. */
  steps: IRunStep[];
}

/** GET /runs */
export interface IRunPage extends IPage {
  runs: IRun[];
}

/** Filters of GET /runs. */
export interface IRunQuery {
  product?: string;
  /** The pipeline's name (not its path). */
  pipeline?: string;
  status?: RunStatus[];
  limit?: number;
  offset?: number;
}
