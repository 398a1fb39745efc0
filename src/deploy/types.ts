/**
 * REST types of the deployments and schedules routes (naas_lab_ext/openapi.yaml).
 */
import { JSONObject } from '@lumino/coreutils';

import { INotify } from '../api/types';
import { RunStatus } from '../pipelines/types';

/**
 * Status of a deployment. INACTIVE: it succeeded once but is not the active one now (a newer
 * deploy or a rollback replaced it).
 */
export type DeploymentStatus =
  'PENDING' | 'RUNNING' | 'ACTIVE' | 'INACTIVE' | 'FAILED';

/** The steps of a deploy, in the order they run. */
export type DeployStepName =
  'tests' | 'copy' | 'requirements' | 'setup' | 'schedules';

export type DeployStepStatus =
  'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';

/** Whether the product's tests passed (null: not run yet, or the deploy stopped before). */
export type TestsOutcome = 'passed' | 'skipped' | 'failed' | null;

export interface IDeployStep {
  name: DeployStepName;
  /** For the user: "Product tests", "Production copy", "Requirements", "setup.ipynb"... */
  title: string;
  status: DeployStepStatus;
  started_at: string | null;
  ended_at: string | null;
  /** What went wrong (pip's message, the failing test...), or a note. */
  message: string | null;
}

/** A schedule as setup.ipynb declares it (`schedule(...)`). */
export interface IScheduleSpec {
  /** The pipeline notebook, relative to the product root. */
  pipeline: string;
  cron: string;
  timezone: string;
  parameters: JSONObject;
  /** Who hears of its runs (null: the defaults, failures to notify_email_to). */
  notify: INotify | null;
  catch_up: 'skip' | 'latest';
  overlap: 'skip' | 'queue';
}

/** POST /deployments, GET /deployments/{id}, POST /deployments/{id}/activate */
export interface IDeployment {
  /** e.g. "2026-11-29T23.50.00.000Z-ab12cd". */
  id: string;
  /** The product's folder, relative to the Jupyter root. */
  product: string;
  status: DeploymentStatus;
  /** True for the deployment production runs execute now. */
  active: boolean;
  skip_tests: boolean;
  tests: TestsOutcome;
  /** The git commit of the product when it is a repository. */
  commit: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  /** Why the deploy failed. */
  error: string | null;
  steps: IDeployStep[];
  /** The executed setup.ipynb, relative to the Jupyter root (open it in Lab). */
  setup_notebook: string | null;
  /** The report of the product's tests, relative to the Jupyter root. */
  report: string | null;
  /** The schedules setup.ipynb declared. */
  schedules: IScheduleSpec[];
  /** Files and folders declared with `dependency()`, relative to the product root. */
  dependencies: string[];
  /** The requirements installed for production runs. */
  requirements: string[];
}

/** GET /deployments?product= */
export interface IDeploymentList {
  /** Newest first. */
  deployments: IDeployment[];
  /** The id of the active deployment, if any. */
  active: string | null;
}

/** The last run a schedule started. */
export interface IScheduleLastRun {
  id: string;
  status: RunStatus;
  started_at: string | null;
  ended_at: string | null;
  /** Seconds. */
  duration: number | null;
}

/** GET /schedules/{id}, POST /schedules/{id}/pause and /resume */
export interface ISchedule extends IScheduleSpec {
  id: string;
  /** The product's folder, relative to the Jupyter root. */
  product: string;
  /** The cron in words, from the server: "every day at 08:00 (UTC)". */
  description: string;
  /** True for a cron that fires every minute (allowed, with a warning). */
  every_minute: boolean;
  paused: boolean;
  /** The deployment whose copy the runs execute. */
  deployment_id: string;
  /** The next due time (null while paused). */
  next_run: string | null;
  last_run: IScheduleLastRun | null;
  created_at: string;
  updated_at: string;
}

/** GET /schedules */
export interface IScheduleList {
  schedules: ISchedule[];
}
