/**
 * A run's detail in the Manager: what ran (product, pipeline, who started it, deployment,
 * times), the timeline of its steps, the selected step (its status, duration, error with
 * the failing cell and traceback, its executed notebook), the parameters; Cancel while it
 * goes, Re-run once it ended. Read again when an event concerns it, and every few seconds
 * while it goes.
 */
import * as React from 'react';

import { errorMessage } from '../api/errors';
import { formatDuration, formatTime } from '../format';
import { RUN_SET_PARAMETERS, isLive } from '../pipelines/runs';
import { Status } from '../pipelines/Status';
import { StepDetails } from '../pipelines/StepDetails';
import { IRun } from '../pipelines/types';
import { IManagerHost } from './host';
import { useLoad, useSignal } from './hooks';
import { ManagerModel } from './model';
import { notifySummary } from './notify';
import { RunTimeline } from './RunTimeline';
import { IOutcome, Outcome } from './Outcome';

/** The step to show first: the first that failed, else the one running, else the first. */
export function firstStepToShow(run: IRun): string | null {
  const steps = run.steps;
  return (
    steps.find(s => s.status === 'FAILED')?.name ??
    steps.find(s => s.status === 'RUNNING')?.name ??
    steps[0]?.name ??
    null
  );
}

function Parameters(props: { run: IRun }): JSX.Element {
  const entries = Object.entries(props.run.parameters).filter(
    ([name]) => !RUN_SET_PARAMETERS.has(name)
  );
  if (!entries.length) {
    return (
      <p className="naas-Empty">No parameter: the notebooks&apos; defaults.</p>
    );
  }
  return (
    <table
      className="naas-Manager-table naas-RunDetail-params"
      aria-label="Parameters"
    >
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([name, value]) => (
          <tr key={name}>
            <td>
              <code>{name}</code>
            </td>
            <td>
              <code>{JSON.stringify(value)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface IRunDetailProps {
  model: ManagerModel;
  host: IManagerHost;
  runId: string;
  onClose: () => void;
}

export function RunDetail(props: IRunDetailProps): JSX.Element {
  const { model, host, runId } = props;
  useSignal(model.changed);
  const now = (host.now ?? (() => new Date()))();
  const [refresh, setRefresh] = React.useState(0);
  const loaded = useLoad(
    () => model.services.pipelines.getRun(runId),
    [runId, model.runTick, refresh]
  );
  // The answer for another run (still showing while this one is read) is not shown.
  const run = loaded.data?.id === runId ? loaded.data : null;
  const [selected, setSelected] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState<'cancel' | 'rerun' | null>(null);
  const [outcome, setOutcome] = React.useState<IOutcome | null>(null);

  React.useEffect(() => {
    setSelected(null);
    setOutcome(null);
  }, [runId]);

  // A run that goes on is read again every few seconds (its steps move without events).
  const live = isLive(run);
  React.useEffect(() => {
    if (!live || !model.isVisible) {
      return;
    }
    const timer = setTimeout(
      () => setRefresh(r => r + 1),
      model.runRefresh * 1000
    );
    return () => clearTimeout(timer);
  }, [live, model.isVisible, loaded.data]);

  const heading = (
    <div className="naas-RunDetail-heading">
      <h3 className="naas-RunDetail-title" id={`naas-run-${runId}`}>
        {run ? `${model.titleOf(run.product)} · ${run.pipeline}` : 'Run'}
      </h3>
      <button
        className="jp-mod-styled naas-Button"
        aria-label="Close the run's detail"
        title="Back to the list of runs"
        onClick={props.onClose}
      >
        ✕ Close
      </button>
    </div>
  );

  if (!run) {
    return (
      <section className="naas-RunDetail" aria-label={`Run ${runId}`}>
        {heading}
        {loaded.error ? (
          <div className="naas-Banner naas-mod-error" role="alert">
            {loaded.error}
          </div>
        ) : (
          <p className="naas-Empty">Reading run {runId}…</p>
        )}
      </section>
    );
  }

  const stepName =
    selected && run.steps.some(s => s.name === selected)
      ? selected
      : firstStepToShow(run);
  const step = run.steps.find(s => s.name === stepName);
  const pipelinePath =
    run.pipeline_path &&
    run.product !== null &&
    (run.product === '' || run.pipeline_path.startsWith(`${run.product}/`))
      ? run.pipeline_path
      : null;

  const act = async (action: 'cancel' | 'rerun'): Promise<void> => {
    if (busy) {
      return;
    }
    setBusy(action);
    setOutcome(null);
    try {
      if (action === 'cancel') {
        loaded.setData(await model.services.pipelines.cancelRun(run.id));
        setOutcome({
          error: false,
          text: 'Cancel requested: its kernels are stopped, it ends Cancelled.'
        });
      } else {
        const started = await model.services.manager.rerun(run.id);
        model.showRun(started.id);
      }
    } catch (reason) {
      setOutcome({ error: true, text: errorMessage(reason) });
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="naas-RunDetail" aria-label={`Run ${run.id}`}>
      {heading}
      <div className="naas-RunDetail-status" aria-live="polite">
        <Status status={run.status} />
        {run.duration !== null ? (
          <span>{formatDuration(run.duration)}</span>
        ) : null}
        {run.cancel_requested && live ? <span>cancelling…</span> : null}
      </div>
      <dl className="naas-Manager-facts">
        <dt>Run</dt>
        <dd>
          <code>{run.id}</code>
        </dd>
        <dt>Product</dt>
        <dd>
          {model.titleOf(run.product)}{' '}
          <code className="naas-Job-path">{run.product ?? ''}</code>
        </dd>
        <dt>Pipeline</dt>
        <dd>
          {run.pipeline}
          {run.pipeline_path ? (
            <>
              {' '}
              <code className="naas-Job-path">{run.pipeline_path}</code>
            </>
          ) : null}
        </dd>
        <dt>Started by</dt>
        <dd>
          {run.source}
          {run.deployment_id ? (
            <>
              {', deployment '}
              <button
                className="naas-LinkButton"
                title="Show the product's deployments"
                onClick={() => model.showDeployments(run.product ?? '')}
              >
                <code>{run.deployment_id}</code>
              </button>
            </>
          ) : null}
        </dd>
        <dt>Created</dt>
        <dd title={run.created_at ?? ''}>{formatTime(run.created_at, now)}</dd>
        {run.started_at ? (
          <>
            <dt>Started</dt>
            <dd title={run.started_at}>{formatTime(run.started_at, now)}</dd>
          </>
        ) : null}
        {run.ended_at ? (
          <>
            <dt>Ended</dt>
            <dd title={run.ended_at}>{formatTime(run.ended_at, now)}</dd>
          </>
        ) : null}
        {run.notify ? (
          <>
            <dt>Notifications</dt>
            <dd>{notifySummary(run.notify)}</dd>
          </>
        ) : null}
        {run.output_dir ? (
          <>
            <dt>Executed notebooks</dt>
            <dd>
              <code>{run.output_dir}</code>
            </dd>
          </>
        ) : null}
      </dl>
      {run.error ? (
        <div className="naas-Banner naas-mod-error" role="alert">
          {run.error}
        </div>
      ) : null}
      <div className="naas-RunDetail-actions">
        {live ? (
          <button
            className="jp-mod-styled jp-mod-warn naas-Button"
            aria-busy={busy === 'cancel'}
            aria-disabled={busy !== null || run.cancel_requested}
            title="Cancel this run: its running kernels are killed"
            onClick={() => !run.cancel_requested && void act('cancel')}
          >
            {busy === 'cancel' || run.cancel_requested
              ? 'Cancelling…'
              : '■ Cancel'}
          </button>
        ) : (
          <button
            className="jp-mod-styled naas-Button"
            aria-busy={busy === 'rerun'}
            aria-disabled={busy !== null}
            title="Start a new run of the same pipeline with the same parameters (the same deployment for a production run)"
            onClick={() => void act('rerun')}
          >
            {busy === 'rerun' ? 'Starting…' : '↻ Re-run'}
          </button>
        )}
        {pipelinePath ? (
          <button
            className="jp-mod-styled naas-Button"
            title="Open the Pipeline view of this pipeline"
            onClick={() => host.openPipeline(pipelinePath)}
          >
            Open pipeline view
          </button>
        ) : null}
      </div>
      <Outcome outcome={outcome} />
      {loaded.error ? (
        <div className="naas-Banner naas-mod-warning" role="alert">
          {loaded.error}
        </div>
      ) : null}
      <h4 className="naas-Manager-subheading">Steps</h4>
      <RunTimeline
        run={run}
        now={now}
        selected={stepName}
        onSelect={setSelected}
      />
      {step && stepName ? (
        <StepDetails
          name={stepName}
          definition={undefined}
          step={step}
          run={run}
          root={run.product}
          open={host.open}
        />
      ) : null}
      <h4 className="naas-Manager-subheading">Parameters</h4>
      <Parameters run={run} />
    </section>
  );
}
