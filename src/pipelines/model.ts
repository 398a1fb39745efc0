/**
 * The state of one Pipeline view: the pipeline notebook's DAG and run form, its recent runs,
 * the run the graph shows (followed live while it goes) and the selected step.
 *
 * A live run is refreshed by a Poll that stops when the run ends and stands by while the
 * view is hidden; the run list is refreshed by a slower Poll (runs also start from the CLI,
 * notebooks and schedules).
 */
import { JSONObject } from '@lumino/coreutils';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage } from '../api/errors';
import { PipelinesService } from './api';
import { IParameterField, formFields } from './parameters';
import { isLive, isRunOf, mergeRuns, runNames } from './runs';
import { IPipeline, IRun } from './types';

export interface IPipelineModelOptions {
  service: PipelinesService;
  /** The pipeline notebook, relative to the Jupyter root. */
  path: string;
  /** Seconds between refreshes of a live run (default 1). */
  pollInterval?: number;
  /** Seconds between refreshes of the run list (default 15). */
  listInterval?: number;
  /** Runs shown in the list (default 20). */
  runLimit?: number;
  /** False while the view is hidden: polling stands by. */
  isVisible?: () => boolean;
}

/** The steps and links of a DAG or run, comparable as a string. */
export function stepShape(
  steps: readonly {
    name: string;
    upstream: readonly string[];
    on_error: readonly string[];
  }[]
): string {
  return JSON.stringify(
    steps
      .map(s => [s.name, [...s.upstream].sort(), [...s.on_error].sort()])
      .sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1))
  );
}

/** What the view is doing on the user's behalf. */
export type Busy = 'starting' | 'cancelling' | null;

export class PipelineModel {
  constructor(options: IPipelineModelOptions) {
    this.service = options.service;
    this.path = options.path;
    this._runLimit = options.runLimit ?? 20;
    const isVisible = options.isVisible ?? (() => true);
    this._runPoll = new Poll({
      auto: false,
      factory: () => this.refreshRun(),
      frequency: {
        interval: (options.pollInterval ?? 1) * 1000,
        backoff: true,
        max: 30 * 1000
      },
      name: `naas_lab_ext:run:${options.path}`,
      standby: () => !isVisible() || 'when-hidden'
    });
    this._listPoll = new Poll({
      auto: false,
      factory: () => this.refreshRuns(),
      frequency: {
        interval: (options.listInterval ?? 15) * 1000,
        backoff: true,
        max: 300 * 1000
      },
      name: `naas_lab_ext:runs:${options.path}`,
      standby: () => !isVisible() || 'when-hidden'
    });
  }

  readonly service: PipelinesService;
  readonly path: string;

  /** Emitted whenever anything shown changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Emitted once when a run this model followed live ends. */
  get runFinished(): ISignal<this, IRun> {
    return this._runFinished;
  }

  /** The pipeline (null until read); its `error` says why its DAG cannot be read. */
  get pipeline(): IPipeline | null {
    return this._pipeline;
  }

  /** True while the DAG is being read (the server runs its definition cells). */
  get loading(): boolean {
    return this._loading;
  }

  /** Why the pipeline could not be asked for (network, not found...). */
  get loadError(): string | null {
    return this._loadError;
  }

  /** The fields of the run form. */
  get fields(): IParameterField[] {
    return formFields(this._pipeline?.parameters ?? []);
  }

  /** The recent runs of this pipeline, newest first. */
  get runs(): readonly IRun[] {
    return this._runs;
  }

  get runsError(): string | null {
    return this._runsError;
  }

  /** The run the graph shows (null: the pipeline's definition). */
  get run(): IRun | null {
    return this._run;
  }

  get selectedStep(): string | null {
    return this._selectedStep;
  }

  get busy(): Busy {
    return this._busy;
  }

  /** The last failed action (cancel, refresh of the run), to show. */
  get actionError(): string | null {
    return this._actionError;
  }

  /** True while the shown run is followed live. */
  get isPolling(): boolean {
    return this._runPoll.state.phase !== 'stopped' && isLive(this._run);
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Read the pipeline and its runs; show the newest run. */
  async load(): Promise<void> {
    // The runs show at once; once the DAG is read (seconds), they are asked for again with
    // the product and the pipeline's own name.
    await Promise.all([
      this.refreshRuns().catch(() => undefined),
      this.reloadPipeline().then(() =>
        this.refreshRuns().catch(() => undefined)
      )
    ]);
    void this._listPoll.start();
  }

  /** Read the DAG and run form again (fast when the notebook has not changed). */
  async reloadPipeline(): Promise<void> {
    this._loading = true;
    this._emit();
    try {
      const before = this._pipeline?.dag;
      this._pipeline = await this.service.getPipeline(this.path);
      this._loadError = null;
      const dag = this._pipeline.dag;
      const shown = this._run;
      // The notebook was edited: a finished run of the earlier steps no longer says what
      // the pipeline is; show the new definition (the runs stay listed to pick).
      if (
        before &&
        dag &&
        stepShape(before.steps) !== stepShape(dag.steps) &&
        shown &&
        !isLive(shown) &&
        shown.steps.length &&
        stepShape(shown.steps) !== stepShape(dag.steps)
      ) {
        this._runChosen = true;
        this._showRun(null);
      }
    } catch (reason) {
      this._loadError = errorMessage(reason);
    } finally {
      this._loading = false;
      this._emit();
    }
  }

  /** Reload the run list (the runs recorded under this pipeline's names). */
  async refreshRuns(): Promise<void> {
    const product = this._pipeline?.product ?? undefined;
    const names = runNames(this.path, this._pipeline?.name);
    try {
      const pages = await Promise.all(
        names.map(pipeline =>
          this.service.listRuns({
            product,
            pipeline,
            limit: this._runLimit
          })
        )
      );
      const runs = mergeRuns(...pages.map(p => p.runs))
        .filter(run => isRunOf(run, this.path))
        .slice(0, this._runLimit);
      // The run followed live is fresher than the list.
      const shown = this._run;
      this._runs = shown
        ? runs.map(run => (run.id === shown.id && isLive(shown) ? shown : run))
        : runs;
      if (shown && !runs.some(run => run.id === shown.id)) {
        this._runs = mergeRuns(this._runs, [shown]).slice(0, this._runLimit);
      }
      this._runsError = null;
    } catch (reason) {
      this._runsError = errorMessage(reason);
      this._emit();
      throw reason; // lets the Poll back off
    }
    const newest = this._runs[0];
    if (!this._runChosen && newest && newest.id !== this._run?.id) {
      // Until the user picks a run, show the newest (e.g. one just started from the CLI).
      this._showRun(newest);
    }
    this._emit();
  }

  /** Show a run in the graph (null: the pipeline's definition), following it if live. */
  async selectRun(id: string | null): Promise<void> {
    this._runChosen = true;
    if (id === null) {
      this._showRun(null);
      this._emit();
      return;
    }
    const listed = this._runs.find(run => run.id === id);
    if (listed) {
      this._showRun(listed);
      this._emit();
    }
    try {
      this._showRun(await this.service.getRun(id));
      this._actionError = null;
    } catch (reason) {
      this._actionError = errorMessage(reason);
    }
    this._emit();
  }

  selectStep(name: string | null): void {
    if (name !== this._selectedStep) {
      this._selectedStep = name;
      this._emit();
    }
  }

  /**
   * Start a run with `parameters`; resolves with it at once (PENDING) and follows it.
   * Rejects with the server's message (e.g. a bad parameter) for the form to show.
   */
  async start(parameters: JSONObject = {}): Promise<IRun> {
    this._busy = 'starting';
    this._actionError = null;
    this._emit();
    try {
      const run = await this.service.startRun(this.path, parameters);
      this._runChosen = true;
      this._runs = mergeRuns([run], this._runs).slice(0, this._runLimit);
      this._showRun(run);
      return run;
    } finally {
      this._busy = null;
      this._emit();
    }
  }

  /** Cancel the shown run (it ends CANCELLED shortly; the poll sees it). */
  async cancel(): Promise<void> {
    const run = this._run;
    if (!run || !isLive(run)) {
      return;
    }
    this._busy = 'cancelling';
    this._actionError = null;
    this._emit();
    try {
      this._showRun(await this.service.cancelRun(run.id));
    } catch (reason) {
      this._actionError = errorMessage(reason);
      await this.refreshRun().catch(() => undefined);
    } finally {
      this._busy = null;
      this._emit();
    }
  }

  /** Fetch the shown run again; stop following it once it ended. */
  async refreshRun(): Promise<void> {
    const shown = this._run;
    if (!shown) {
      void this._runPoll.stop();
      return;
    }
    let run: IRun;
    try {
      run = await this.service.getRun(shown.id);
    } catch (reason) {
      this._actionError = errorMessage(reason);
      this._emit();
      throw reason; // lets the Poll back off
    }
    if (this._run?.id !== run.id) {
      return; // another run was selected meanwhile
    }
    this._showRun(run);
    this._emit();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._runPoll.dispose();
    this._listPoll.dispose();
    Signal.clearData(this);
  }

  /** Show `run`, update it in the list, and follow it while it is live. */
  private _showRun(run: IRun | null): void {
    const shown = this._run;
    if (run && shown?.id === run.id && !isLive(shown) && isLive(run)) {
      // An answer sent before the run ended (a cancel's, overtaken by the poll that saw
      // it end): a run never goes back to live, so the newer state stays.
      return;
    }
    this._run = run;
    if (run) {
      this._runs = this._runs.map(r => (r.id === run.id ? run : r));
    }
    if (run && isLive(run)) {
      void this._runPoll.start(); // (does nothing if it goes already)
      this._followed.add(run.id);
    } else {
      void this._runPoll.stop();
      if (run && this._followed.delete(run.id)) {
        this._runFinished.emit(run);
      }
    }
  }

  private _emit(): void {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private _runPoll: Poll;
  private _listPoll: Poll;
  private _runLimit: number;
  private _changed = new Signal<this, void>(this);
  private _runFinished = new Signal<this, IRun>(this);
  private _pipeline: IPipeline | null = null;
  private _loading = false;
  private _loadError: string | null = null;
  private _runs: IRun[] = [];
  private _runsError: string | null = null;
  private _run: IRun | null = null;
  /** The user picked a run (or the definition): do not jump to the newest. */
  private _runChosen = false;
  /** Runs seen live: `runFinished` fires when they end. */
  private _followed = new Set<string>();
  private _selectedStep: string | null = null;
  private _busy: Busy = null;
  private _actionError: string | null = null;
  private _isDisposed = false;
}
