/**
 * Lab toasts for the runs of the products under the root that fail or are interrupted,
 * while Lab is open (whatever started them: a job, the CLI, a notebook), from the shared
 * events tail. One toast per run: a run a Pipeline view already toasted is not toasted
 * again (IRunNotices). Each names the product, the pipeline, the failed step and the error,
 * with "Open in Manager".
 */
import { INotifier } from '../deploy/deployer';
import { IRun } from '../pipelines/types';
import { IRunNotices } from '../tokens';
import { EventsModel, IEventsHold } from './events';
import { runOf } from './kinds';
import { IEvent } from './types';

/** The kinds of events that toast. */
export const TOASTED_KINDS: ReadonlySet<string> = new Set([
  'run.failed',
  'run.interrupted'
]);

/** The longest error text a toast shows. */
const MAX_ERROR = 300;

const clip = (text: string): string =>
  text.length > MAX_ERROR ? `${text.slice(0, MAX_ERROR - 1)}…` : text;

/**
 * The text of a failure toast: "Sales · pipeline: the run failed at step Check: ValueError:
 * 3 bad rows" (from the run when it could be read, else from the event).
 */
export function failureText(
  event: IEvent,
  run: IRun | null,
  productTitle: string
): string {
  const details = event.details ?? {};
  const pipeline =
    run?.pipeline ??
    (typeof details.pipeline === 'string' ? details.pipeline : 'pipeline');
  const head = `${productTitle} · ${pipeline}`;
  if (event.kind === 'run.interrupted') {
    const why =
      run?.error ?? (typeof details.error === 'string' ? details.error : null);
    return `${head}: the run was interrupted${why ? `: ${clip(why)}` : ' (the process running it stopped)'}`;
  }
  if (run) {
    const failed = run.steps.filter(s => s.status === 'FAILED');
    if (failed.length) {
      const names = failed.map(s => s.name).join(', ');
      const error = failed.find(s => s.error)?.error;
      return (
        `${head}: the run failed at step${failed.length > 1 ? 's' : ''} ${names}` +
        (error ? `: ${clip(`${error.name}: ${error.message}`)}` : '')
      );
    }
    if (run.error) {
      return `${head}: the run failed: ${clip(run.error)}`;
    }
  }
  // The run cannot be read: the event's message names the first failed step and its error.
  return `${head}: ${clip(event.message)}`;
}

export interface IRunFailureToastsOptions {
  events: EventsModel;
  /** Read a run (its steps and errors) for the toast's text. */
  getRun: (id: string) => Promise<IRun>;
  notices: IRunNotices;
  notifier: Pick<INotifier, 'emit'>;
  /** A product's title, from its folder. */
  titleOf: (product: string) => string;
  openInManager: (runId: string) => void;
}

export class RunFailureToasts {
  constructor(private readonly options: IRunFailureToastsOptions) {
    options.events.received.connect(this._onEvents, this);
  }

  /** Toast while true (the events tail is polled meanwhile). */
  get enabled(): boolean {
    return this._hold !== null;
  }

  set enabled(value: boolean) {
    if (value && !this._hold) {
      this._hold = this.options.events.acquire();
    } else if (!value && this._hold) {
      this._hold.dispose();
      this._hold = null;
    }
  }

  /** Toast the failures among these events (resolves once the toasts are shown). */
  async handle(events: readonly IEvent[]): Promise<void> {
    if (!this._hold) {
      return;
    }
    const shown: Promise<void>[] = [];
    for (const event of events) {
      const run = runOf(event);
      // A product outside the root (null) is not the user's here.
      if (!TOASTED_KINDS.has(event.kind) || event.product === null || !run) {
        continue;
      }
      // Claimed at once, before reading the run: a Pipeline view seeing the end meanwhile
      // does not toast it too.
      if (this.options.notices.claim(run)) {
        shown.push(this._toast(event, run));
      }
    }
    await Promise.all(shown);
  }

  dispose(): void {
    this.enabled = false;
    this.options.events.received.disconnect(this._onEvents, this);
  }

  private _onEvents(_: EventsModel, events: readonly IEvent[]): void {
    void this.handle(events);
  }

  private async _toast(event: IEvent, id: string): Promise<void> {
    const run = await this.options.getRun(id).catch(() => null);
    const product = event.product ?? run?.product ?? '';
    const text = failureText(event, run, this.options.titleOf(product));
    this.options.notifier.emit(text, 'error', {
      autoClose: false,
      actions: [
        {
          label: 'Open in Manager',
          caption: 'Show this run, its steps and its error in the Manager',
          callback: () => this.options.openInManager(id)
        }
      ]
    });
  }

  private _hold: IEventsHold | null = null;
}
