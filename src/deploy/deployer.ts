/**
 * Deploys a product from Lab and follows it to its end: POST /deployments, then GET
 * /deployments/<id> every second until it is ACTIVE or FAILED, with ONE progress
 * notification updated in place ("Deploying Sales: Requirements…") that ends in success
 * ("Sales deployed: 1 schedule, next run in 3 h") or the error and what to open.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { ApiError, errorMessage } from '../api/errors';
import { formatTime } from '../format';
import { DeployService, SchedulesService } from './api';
import {
  failureMessage,
  isSettled,
  progressMessage,
  progressOf,
  successMessage
} from './progress';
import { IDeployment, ISchedule } from './types';
import { plural } from './words';

export type NotifyType = 'in-progress' | 'success' | 'error' | 'warning';

export interface INotifyAction {
  label: string;
  caption?: string;
  callback: () => void;
}

export interface INotifyOptions {
  autoClose: number | false;
  progress?: number;
  actions?: INotifyAction[];
}

/** What the deployer needs of JupyterLab's Notification (tests pass a fake). */
export interface INotifier {
  emit(message: string, type: NotifyType, options: INotifyOptions): string;
  update(
    args: { id: string; message: string; type: NotifyType } & INotifyOptions
  ): boolean;
  dismiss(id?: string): void;
}

export interface IDeployerOptions {
  deployments: DeployService;
  schedules: SchedulesService;
  notifier: INotifier;
  /** Open a file under the Jupyter root (the executed setup notebook, the tests report). */
  open: (path: string) => void;
  /** Show a product's deployment in the Data Products panel. */
  reveal: (product: string) => void;
  /** Seconds between two reads of a running deploy (default 1). */
  pollInterval?: number;
  now?: () => Date;
}

/** How long a success stays on screen (ms); failures stay until dismissed. */
const SUCCESS_CLOSE = 8000;
/** Reads of a running deploy that may fail in a row (server restarting) before giving up. */
const MAX_FAILURES = 6;
const MAX_WAIT = 30 * 1000;

/** An error worth trying again: the server did not answer, or answered 5xx. */
function isTransient(error: unknown): boolean {
  return (
    error instanceof ApiError && (error.status === 0 || error.status >= 500)
  );
}

/** Wait `ms`, or less if `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true }
    );
  });
}

interface IFollowed {
  deployment: IDeployment;
  controller: AbortController;
}

export class Deployer {
  constructor(private readonly options: IDeployerOptions) {
    this._pollInterval = options.pollInterval ?? 1;
  }

  /** Emitted with each new state of a deploy followed here, and when it ends. */
  get changed(): ISignal<this, IDeployment> {
    return this._changed;
  }

  /** Seconds between two reads of a running deploy. */
  get pollInterval(): number {
    return this._pollInterval;
  }

  set pollInterval(seconds: number) {
    this._pollInterval = Math.max(0.01, seconds);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** The deploy of `product` this page follows while it runs (null: none). */
  running(product: string): IDeployment | null {
    return this._followed.get(product)?.deployment ?? null;
  }

  /**
   * Deploy a product and follow it with a progress notification.
   *
   * @param title - the product as the user knows it (its manifest's title)
   * @returns the deployment as it ended (null: not started, or no longer followed)
   */
  async deploy(
    product: string,
    title: string,
    skipTests = false
  ): Promise<IDeployment | null> {
    const { notifier } = this.options;
    const show = this._showAction(product);
    if (this._followed.has(product)) {
      notifier.emit(
        `A deploy of ${title} is already running: its steps show in the Deployment section.`,
        'warning',
        { autoClose: 6000, actions: [show] }
      );
      return null;
    }
    let deployment: IDeployment;
    try {
      deployment = await this.options.deployments.startDeployment(
        product,
        skipTests
      );
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        notifier.emit(
          `A deploy of ${title} is already running (from another page or the CLI): ` +
            'wait for it to end, then deploy again.',
          'warning',
          { autoClose: 8000, actions: [show] }
        );
        return null;
      }
      throw error;
    }
    const controller = new AbortController();
    const followed: IFollowed = { deployment, controller };
    this._followed.set(product, followed);
    let message = progressMessage(deployment, title);
    const id = notifier.emit(message, 'in-progress', {
      autoClose: false,
      progress: progressOf(deployment)
    });
    this._changed.emit(deployment);
    try {
      const ended = await this._follow(deployment, controller.signal, next => {
        followed.deployment = next;
        const text = progressMessage(next, title);
        if (!isSettled(next) && text !== message) {
          message = text;
          notifier.update({
            id,
            message,
            type: 'in-progress',
            autoClose: false,
            progress: progressOf(next)
          });
        }
        this._changed.emit(next);
      });
      if (!ended) {
        notifier.dismiss(id);
        return null;
      }
      await this._conclude(id, ended, title);
      return ended;
    } catch (error) {
      notifier.update({
        id,
        message: `Lost track of the deploy of ${title}: ${errorMessage(error)}`,
        type: 'error',
        autoClose: false,
        actions: [show]
      });
      return null;
    } finally {
      this._followed.delete(product);
      this._changed.emit(followed.deployment);
    }
  }

  /**
   * Make an earlier successful deployment the active one again (with its schedules) and
   * say so.
   */
  async activate(deployment: IDeployment, title: string): Promise<IDeployment> {
    const active = await this.options.deployments.activate(deployment.id);
    this._changed.emit(active);
    const schedules = await this._schedulesOf(active.product);
    this.options.notifier.emit(
      `${title} rolled back to the deployment of ` +
        `${formatTime(deployment.ended_at ?? deployment.created_at, this._now())}` +
        (schedules ? `: ${plural(schedules.length, 'schedule')}.` : '.'),
      'success',
      {
        autoClose: SUCCESS_CLOSE,
        actions: [this._showAction(active.product)]
      }
    );
    return active;
  }

  /** Stop following every deploy (their notifications go away; the deploys go on). */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    for (const followed of this._followed.values()) {
      followed.controller.abort();
    }
    Signal.clearData(this);
  }

  /** Read the deployment until it settles; null when aborted. */
  private async _follow(
    first: IDeployment,
    signal: AbortSignal,
    onUpdate: (deployment: IDeployment) => void
  ): Promise<IDeployment | null> {
    let current = first;
    let failures = 0;
    while (!isSettled(current)) {
      const wait = Math.min(
        this._pollInterval * 1000 * 2 ** failures,
        MAX_WAIT
      );
      await sleep(wait, signal);
      if (signal.aborted) {
        return null;
      }
      try {
        current = await this.options.deployments.getDeployment(current.id);
        failures = 0;
      } catch (error) {
        if (!isTransient(error) || ++failures > MAX_FAILURES) {
          throw error;
        }
        continue;
      }
      if (signal.aborted) {
        return null;
      }
      onUpdate(current);
    }
    return current;
  }

  /** Turn the progress notification into the outcome. */
  private async _conclude(
    id: string,
    deployment: IDeployment,
    title: string
  ): Promise<void> {
    const { notifier, open } = this.options;
    const show = this._showAction(deployment.product);
    if (deployment.status === 'FAILED') {
      const actions: INotifyAction[] = [];
      if (deployment.setup_notebook) {
        const path = deployment.setup_notebook;
        actions.push({
          label: 'Open setup notebook',
          caption: 'The executed setup.ipynb of this deploy, with its outputs',
          callback: () => open(path)
        });
      }
      if (deployment.report) {
        const path = deployment.report;
        actions.push({
          label: 'Open test report',
          caption: "The report of the product's tests",
          callback: () => open(path)
        });
      }
      actions.push(show);
      notifier.update({
        id,
        message: failureMessage(deployment, title),
        type: 'error',
        autoClose: false,
        progress: progressOf(deployment),
        actions
      });
      return;
    }
    const schedules = await this._schedulesOf(deployment.product);
    notifier.update({
      id,
      message: schedules
        ? successMessage(title, schedules, this._now())
        : `${title} deployed.`,
      type: 'success',
      autoClose: SUCCESS_CLOSE,
      progress: 1,
      actions: [show]
    });
  }

  /** The product's schedules, or null if they cannot be read (the deploy succeeded anyway). */
  private _schedulesOf(product: string): Promise<ISchedule[] | null> {
    return this.options.schedules.listSchedules(product).catch(() => null);
  }

  private _showAction(product: string): INotifyAction {
    return {
      label: 'Show deployment',
      caption: 'The Deployment section of the Data Products panel',
      callback: () => this.options.reveal(product)
    };
  }

  private _now(): Date {
    return this.options.now ? this.options.now() : new Date();
  }

  private _changed = new Signal<this, IDeployment>(this);
  private _followed = new Map<string, IFollowed>();
  private _pollInterval: number;
  private _isDisposed = false;
}
