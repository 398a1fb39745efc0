/**
 * The Pipeline view: the DAG of a pipeline notebook as a graph coloured by the shown run,
 * Run (with the parameters form) and Cancel, the selected step's details (its executed
 * notebook, its error, why it was skipped) and the recent runs. Pure React over a
 * PipelineModel (hosted by PipelinePanel).
 */
import { JSONObject } from '@lumino/coreutils';
import * as React from 'react';

import { errorMessage } from '../api/errors';
import { DagGraph, GraphLegend, IGraphStep } from './DagGraph';
import { useElapsed, useModel } from './hooks';
import { PipelineModel } from './model';
import { ParametersForm } from './ParametersForm';
import { RunCaption } from './RunCaption';
import { RunList } from './RunList';
import { isLive, notebookStem, slugName } from './runs';
import { StepDetails } from './StepDetails';
import { IRunStep } from './types';

export interface IPipelineViewProps {
  model: PipelineModel;
  /** Open a file by its path under the root. */
  open: (path: string) => void;
  /** Incremented to ask for a run (the Run pipeline command): form, or start at once. */
  runRequest?: number;
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
      start().catch(reason => setStartError(errorMessage(reason)));
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
