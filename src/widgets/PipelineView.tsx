/**
 * The Pipeline view: the DAG of a pipeline notebook as a graph coloured by the shown run,
 * Run (with the parameters form) and Cancel, the selected step's details (its executed
 * notebook, its error, why it was skipped) and the recent runs. Pure React over a
 * PipelineModel (hosted by PipelinePanel).
 */
import { JSONObject } from '@lumino/coreutils';
import * as React from 'react';

import { DagGraph, GraphLegend, IGraphStep } from '../components/DagGraph';
import { formatDuration, formatTime } from '../format';
import { PipelineModel } from '../pipelineModel';
import { isLive, notebookStem, slugName, statusInfo } from '../runs';
import { IDagStep, IRun, IRunStep } from '../tokens';
import { ParametersForm } from './ParametersForm';

export interface IPipelineViewProps {
  model: PipelineModel;
  /** Open a file by its path under the root. */
  open: (path: string) => void;
  /** Incremented to ask for a run (the Run pipeline command): form, or start at once. */
  runRequest?: number;
}

/** Re-render whenever the model changes. */
function useModel(model: PipelineModel): void {
  const [, setTick] = React.useState(0);
  React.useEffect(() => {
    const onChange = (): void => setTick(t => t + 1);
    model.changed.connect(onChange);
    return () => {
      model.changed.disconnect(onChange);
    };
  }, [model]);
}

/** Seconds since `active` became true (for long operations). */
function useElapsed(active: boolean): number {
  const [seconds, setSeconds] = React.useState(0);
  React.useEffect(() => {
    setSeconds(0);
    if (!active) {
      return;
    }
    const started = Date.now();
    const timer = setInterval(
      () => setSeconds(Math.floor((Date.now() - started) / 1000)),
      1000
    );
    return () => clearInterval(timer);
  }, [active]);
  return seconds;
}

function Status(props: {
  status: IRunStep['status'] | null;
  className?: string;
}): JSX.Element {
  const info = statusInfo(props.status);
  return (
    <span className={`naas-Status ${info.className} ${props.className ?? ''}`}>
      <span className="naas-StatusSymbol" aria-hidden="true">
        {info.symbol}
      </span>{' '}
      {info.label}
    </span>
  );
}

/** The product-relative notebook of a step, as a path under the root. */
function inProduct(root: string | null | undefined, path: string): string {
  return root ? `${root}/${path}` : path;
}

function StepError(props: { step: IRunStep }): JSX.Element | null {
  const error = props.step.error;
  if (!error) {
    return null;
  }
  return (
    <div className="naas-StepError" role="alert">
      <p className="naas-StepError-message">
        <strong>{error.name}</strong>: {error.message}
      </p>
      {error.cell_source !== null ? (
        <>
          <p className="naas-StepError-where">
            Failing cell
            {error.execution_count !== null
              ? ` In [${error.execution_count}]`
              : error.cell_index !== null
                ? ` (cell ${error.cell_index + 1} of the executed notebook)`
                : ''}
            :
          </p>
          <pre className="naas-StepError-cell">{error.cell_source}</pre>
        </>
      ) : null}
      {error.traceback ? (
        <details className="naas-StepError-traceback">
          <summary>Traceback</summary>
          <pre>{error.traceback}</pre>
        </details>
      ) : null}
    </div>
  );
}

function StepDetails(props: {
  name: string;
  definition: IDagStep | undefined;
  step: IRunStep | undefined;
  run: IRun | null;
  root: string | null | undefined;
  open: (path: string) => void;
}): JSX.Element {
  const { name, definition, step, run, open } = props;
  const notebook = step?.notebook_path ?? definition?.notebook_path ?? null;
  const kind = step?.kind ?? definition?.kind ?? '';
  const role = step?.role ?? definition?.role ?? 'step';
  return (
    <section className="naas-StepDetails" aria-label={`Step ${name}`}>
      <h3 className="naas-StepDetails-title">
        {name}
        {run ? <Status status={step?.status ?? run.status} /> : null}
      </h3>
      <dl className="naas-StepDetails-facts">
        <dt>Kind</dt>
        <dd>
          {kind === 'dummy'
            ? 'placeholder (DummyStep)'
            : kind === 'notebook'
              ? 'notebook'
              : kind}
          {role === 'on_error' ? ', error handler' : ''}
        </dd>
        {notebook ? (
          <>
            <dt>Notebook</dt>
            <dd>
              <code>{notebook}</code>
            </dd>
          </>
        ) : null}
        {step?.started_at ? (
          <>
            <dt>Started</dt>
            <dd title={step.started_at}>{formatTime(step.started_at)}</dd>
          </>
        ) : null}
        {step?.duration !== null && step?.duration !== undefined ? (
          <>
            <dt>Duration</dt>
            <dd>{formatDuration(step.duration)}</dd>
          </>
        ) : null}
        {step && step.attempts > 1 ? (
          <>
            <dt>Attempts</dt>
            <dd>{step.attempts}</dd>
          </>
        ) : null}
        {!run && definition ? (
          <>
            {definition.timeout ? (
              <>
                <dt>Timeout</dt>
                <dd>{formatDuration(definition.timeout)}</dd>
              </>
            ) : null}
            {definition.retries ? (
              <>
                <dt>Retries</dt>
                <dd>
                  {definition.retries}, {formatDuration(definition.retry_delay)}{' '}
                  apart
                </dd>
              </>
            ) : null}
            {definition.parameters &&
            Object.keys(definition.parameters).length ? (
              <>
                <dt>Parameters</dt>
                <dd>
                  <code>{JSON.stringify(definition.parameters)}</code>
                </dd>
              </>
            ) : null}
          </>
        ) : null}
      </dl>
      {step?.detail ? (
        <p className="naas-StepDetails-detail">
          {step.status === 'SKIPPED' ? 'Skipped: ' : ''}
          {step.detail}
        </p>
      ) : null}
      {step?.status === 'SKIPPED' && !step.detail ? (
        <p className="naas-StepDetails-detail">
          Skipped: an upstream step did not succeed.
        </p>
      ) : null}
      {step ? <StepError step={step} /> : null}
      {run && !step ? (
        <p className="naas-Empty">This step is not part of the shown run.</p>
      ) : null}
      <div className="naas-StepDetails-actions">
        {step?.output_path ? (
          <button
            className="jp-mod-styled jp-mod-accept naas-Button"
            onClick={() => open(step.output_path as string)}
          >
            Open executed notebook
          </button>
        ) : null}
        {notebook ? (
          <button
            className="jp-mod-styled naas-Button"
            onClick={() => open(inProduct(props.root, notebook))}
          >
            Open source notebook
          </button>
        ) : null}
      </div>
    </section>
  );
}

function RunList(props: {
  runs: readonly IRun[];
  shown: IRun | null;
  /** Offer the pipeline as defined now (no run) as the first entry. */
  hasDefinition: boolean;
  error: string | null;
  onSelect: (id: string | null) => void;
}): JSX.Element {
  const { runs, shown } = props;
  // null: the current definition (the DAG as the notebook defines it now)
  const entries: (IRun | null)[] = props.hasDefinition
    ? [null, ...runs]
    : [...runs];
  const shownIndex = entries.findIndex(
    e => (e?.id ?? null) === (shown?.id ?? null)
  );
  const onKeyDown = (event: React.KeyboardEvent<HTMLUListElement>): void => {
    if (!entries.length || !['ArrowDown', 'ArrowUp'].includes(event.key)) {
      return;
    }
    event.preventDefault();
    const step = event.key === 'ArrowDown' ? 1 : -1;
    const next =
      entries[Math.min(entries.length - 1, Math.max(0, shownIndex + step))];
    props.onSelect(next?.id ?? null);
    event.currentTarget
      .querySelector<HTMLElement>(`[data-run="${next?.id ?? ''}"]`)
      ?.focus();
  };
  return (
    <section className="naas-RunList" aria-label="Recent runs">
      <h3 className="naas-RunList-title">Recent runs</h3>
      {props.error ? (
        <div className="naas-Banner naas-mod-warning" role="alert">
          {props.error}
        </div>
      ) : null}
      {runs.length === 0 ? (
        <p className="naas-Empty">No run yet. Click Run to start one.</p>
      ) : (
        <ul
          className="naas-RunList-items"
          role="listbox"
          aria-label="Runs"
          onKeyDown={onKeyDown}
        >
          {entries.map((run, index) => {
            const selected = index === shownIndex;
            const common = {
              role: 'option',
              'aria-selected': selected,
              tabIndex: selected || (shownIndex < 0 && index === 0) ? 0 : -1,
              'data-run': run?.id ?? '',
              className: `naas-RunList-item${selected ? ' jp-mod-selected' : ''}`,
              onClick: () => props.onSelect(run?.id ?? null)
            };
            if (!run) {
              return (
                <li
                  key=""
                  {...common}
                  title="The steps as the pipeline notebook defines them now"
                >
                  <span className="naas-RunList-definition">
                    Current definition (no run)
                  </span>
                </li>
              );
            }
            return (
              <li
                key={run.id}
                {...common}
                title={`Run ${run.id} (started by ${run.source})`}
              >
                <Status status={run.status} />
                <span className="naas-RunList-time">
                  {formatTime(run.started_at ?? run.created_at)}
                </span>
                <span className="naas-RunList-duration">
                  {isLive(run) ? '…' : formatDuration(run.duration)}
                </span>
                <span className="naas-RunList-source">{run.source}</span>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function RunCaption(props: { run: IRun }): JSX.Element {
  const { run } = props;
  const failed = run.steps.filter(s => s.status === 'FAILED').map(s => s.name);
  return (
    <div className="naas-RunCaption" aria-live="polite">
      <Status status={run.status} />
      <span>
        Run <code title={run.id}>{run.id}</code>
      </span>
      <span>started {formatTime(run.started_at ?? run.created_at)}</span>
      {run.duration !== null ? (
        <span>{formatDuration(run.duration)}</span>
      ) : null}
      {run.cancel_requested && isLive(run) ? <span>cancelling…</span> : null}
      {failed.length ? (
        <span className="naas-RunCaption-failed">
          failed: {failed.join(', ')}
        </span>
      ) : null}
      {Object.keys(run.parameters).length ? (
        <span className="naas-RunCaption-params">
          parameters <code>{JSON.stringify(run.parameters)}</code>
        </span>
      ) : null}
    </div>
  );
}

export function PipelineView(props: IPipelineViewProps): JSX.Element {
  const { model, open } = props;
  useModel(model);
  const [formOpen, setFormOpen] = React.useState(false);
  // Requests count from 0 in the panel: one made before the first render is still due.
  const handledRequest = React.useRef(0);
  const pipeline = model.pipeline;
  const run = model.run;
  const fields = model.fields;
  const reading = model.loading;
  const elapsed = useElapsed(reading);

  const runButton = React.useRef<HTMLButtonElement>(null);
  const start = async (parameters: JSONObject = {}): Promise<void> => {
    await model.start(parameters);
    setFormOpen(false);
    // The form goes away: keep the keyboard focus in the view.
    runButton.current?.focus();
  };
  const [startError, setStartError] = React.useState<string | null>(null);
  const requestRun = (): void => {
    setStartError(null);
    if (fields.length) {
      setFormOpen(true);
    } else {
      start().catch(reason =>
        setStartError(reason instanceof Error ? reason.message : String(reason))
      );
    }
  };

  // The Run pipeline command asks through `runRequest`, once the DAG is known.
  React.useEffect(() => {
    const request = props.runRequest ?? 0;
    if (request > handledRequest.current && pipeline && !reading) {
      handledRequest.current = request;
      if (pipeline.dag) {
        requestRun();
      }
    }
  }, [props.runRequest, pipeline, reading]);

  const dag = pipeline?.dag ?? null;
  const runSteps = run?.steps ?? [];
  const graphSteps: readonly IGraphStep[] = runSteps.length
    ? runSteps
    : (dag?.steps ?? []);
  const status = new Map<string, IRunStep>(runSteps.map(s => [s.name, s]));
  const pendingStatus =
    run && !runSteps.length
      ? new Map(
          graphSteps.map(s => [
            s.name,
            { status: run.status, duration: null } as IRunStep
          ])
        )
      : null;
  const selected = model.selectedStep;
  const definitions = new Map((dag?.steps ?? []).map(s => [s.name, s]));

  const activate = (name: string): void => {
    model.selectStep(name);
    const step = status.get(name);
    // A step that ran opens its executed notebook; a failed one shows its error here.
    if (step?.output_path && step.status !== 'FAILED') {
      open(step.output_path);
    }
  };

  const live = isLive(run);
  const title =
    pipeline?.name ?? dag?.name ?? slugName(notebookStem(model.path));
  return (
    <div className="naas-PipelineView">
      <header className="naas-PipelineView-header">
        <div className="naas-PipelineView-heading">
          <h2 className="naas-PipelineView-title">{title}</h2>
          <code className="naas-PipelineView-path">{model.path}</code>
        </div>
        <div className="naas-PipelineView-actions">
          <button
            ref={runButton}
            className="jp-mod-styled jp-mod-accept naas-Button"
            disabled={!dag || model.busy === 'starting'}
            aria-busy={model.busy === 'starting'}
            onClick={requestRun}
            title="Run the pipeline (asks its parameters first)"
          >
            {model.busy === 'starting' ? 'Starting…' : '▶ Run'}
          </button>
          <button
            className={`jp-mod-styled naas-Button${live ? ' jp-mod-warn' : ''}`}
            disabled={
              !live || model.busy === 'cancelling' || !!run?.cancel_requested
            }
            aria-busy={model.busy === 'cancelling'}
            onClick={() => void model.cancel()}
            title="Cancel the shown run: its running kernels are killed"
          >
            {model.busy === 'cancelling' || (live && run?.cancel_requested)
              ? 'Cancelling…'
              : '■ Cancel'}
          </button>
          <button
            className="jp-mod-styled naas-Button"
            disabled={reading}
            onClick={() =>
              void model
                .reloadPipeline()
                .then(() => model.refreshRuns())
                .catch(() => undefined)
            }
            title="Read the pipeline notebook again"
          >
            ⟳ Reload
          </button>
          <button
            className="jp-mod-styled naas-Button"
            onClick={() => open(model.path)}
            title="Open the pipeline notebook"
          >
            Open notebook
          </button>
        </div>
      </header>

      {reading ? (
        <div className="naas-PipelineView-progress">
          <div
            className="naas-ProgressBar"
            role="progressbar"
            aria-label="Reading the pipeline"
          />
          <p className="naas-Empty">
            Reading the pipeline: its definition cells run on a fresh kernel
            {elapsed ? ` (${elapsed} s)` : ''}…
          </p>
        </div>
      ) : null}
      {model.loadError ? (
        <div className="naas-Banner naas-mod-error" role="alert">
          {model.loadError}
        </div>
      ) : null}
      {pipeline?.error ? (
        <div className="naas-Banner naas-mod-error" role="alert">
          <strong>This pipeline cannot be read.</strong>{' '}
          {pipeline.error.message}
          {pipeline.error.step ? (
            <>
              {' '}
              (step <code>{pipeline.error.step}</code>).
            </>
          ) : null}{' '}
          <button className="naas-LinkButton" onClick={() => open(model.path)}>
            Open the notebook
          </button>
        </div>
      ) : null}
      {startError ? (
        <div className="naas-Banner naas-mod-error" role="alert">
          {startError}
        </div>
      ) : null}
      {model.actionError ? (
        <div className="naas-Banner naas-mod-warning" role="alert">
          {model.actionError}
        </div>
      ) : null}

      {formOpen ? (
        <section className="naas-PipelineView-form" aria-label="Run">
          <h3 className="naas-PipelineView-formTitle">Run {title}</h3>
          <ParametersForm
            idPrefix={`naas-run-${model.path.replace(/[^A-Za-z0-9_-]/g, '-')}`}
            fields={fields}
            onSubmit={start}
            onCancel={() => setFormOpen(false)}
          />
        </section>
      ) : null}

      <div className="naas-PipelineView-body">
        <section
          className="naas-PipelineView-graph"
          aria-label="Pipeline graph"
        >
          {run ? <RunCaption run={run} /> : null}
          {run?.error ? (
            <div className="naas-Banner naas-mod-error" role="alert">
              {run.error}
            </div>
          ) : null}
          {graphSteps.length ? (
            <div className="naas-Dag">
              <DagGraph
                steps={graphSteps}
                status={pendingStatus ?? status}
                selected={selected}
                faulty={pipeline?.error?.step ?? null}
                onActivate={activate}
                label={`Steps of ${title}`}
              />
            </div>
          ) : !reading && !pipeline?.error && !model.loadError ? (
            <p className="naas-Empty">This pipeline has no step yet.</p>
          ) : null}
          {graphSteps.length ? <GraphLegend /> : null}
        </section>
        <aside className="naas-PipelineView-side">
          {selected && (status.has(selected) || definitions.has(selected)) ? (
            <StepDetails
              name={selected}
              definition={definitions.get(selected)}
              step={status.get(selected)}
              run={run}
              root={run?.product ?? dag?.root ?? pipeline?.product}
              open={open}
            />
          ) : graphSteps.length ? (
            <p className="naas-Empty">
              Click a step (or press Enter on it) for its details: a step that
              ran opens its executed notebook, a failed one shows its error.
            </p>
          ) : null}
          <RunList
            runs={model.runs}
            shown={run}
            hasDefinition={!!dag}
            error={model.runsError}
            onSelect={id => void model.selectRun(id)}
          />
        </aside>
      </div>
    </div>
  );
}
