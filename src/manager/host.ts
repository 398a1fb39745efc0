/**
 * What the Manager asks of JupyterLab (the plugin gives it; tests pass fakes): open files
 * and pipeline views, ask for a confirmation, edit a job's notifications in a dialog.
 */
import { INotify } from '../api/types';
import { ISchedule } from '../deploy/types';

export interface IConfirmation {
  title: string;
  body: string;
  /** The label of the button that goes ahead ("Delete", "Roll back"). */
  accept: string;
  /** True for an action that destroys something (a warning-coloured button). */
  danger?: boolean;
}

export interface IManagerHost {
  /** Open a file by its path under the root (an executed notebook...). */
  open(path: string): void;
  /** Open the Pipeline view of a pipeline notebook (relative to the root). */
  openPipeline(path: string): void;
  /** Ask the user to confirm; resolves true to go ahead. */
  confirm(confirmation: IConfirmation): Promise<boolean>;
  /**
   * Let the user edit a job's notifications: resolves with the `notify` to save (null:
   * back to the defaults), undefined when cancelled.
   */
  editNotify(
    schedule: ISchedule,
    label: string
  ): Promise<INotify | null | undefined>;
  /** Start a deploy of a product (absent: no Deploy button). */
  deploy?(product: string): void;
  /** The time now (tests fix it). */
  now?(): Date;
}
