/**
 * The pipelines of a product, for the "Pipelines" section of the Data Products panel: each
 * pipeline notebook with its step count (or why it cannot be read), its last run, and
 * Open / Run. Pure React (hosted by PipelinesSection).
 */
import * as React from 'react';

import { errorMessage } from '../api/errors';
import { formatTime } from '../format';
import { relativeTo } from '../paths';
import { PipelinesService } from './api';
import { isLive, notebookStem } from './runs';
import { Status } from './Status';
import { IPipeline, IRun } from './types';

export interface IPipelinesViewProps {
  service: PipelinesService;
  /** The product's folder, relative to the Jupyter root. */
  product: string;
  /** Changes when the runs may have changed (the panel's refresh tick). */
  tick: number;
  onOpen: (path: string) => void;
  onRun: (path: string) => void;
}

/** How often the last runs refresh while one of them goes on. */
const LIVE_REFRESH_MS = 2000;

/** The last run of each pipeline notebook, from a page of runs (newest first). */
export function lastRuns(runs: readonly IRun[]): Map<string, IRun> {
  const last = new Map<string, IRun>();
  for (const run of runs) {
    if (run.pipeline_path && !last.has(run.pipeline_path)) {
      last.set(run.pipeline_path, run);
    }
  }
  return last;
}

export function PipelinesView(props: IPipelinesViewProps): JSX.Element {
  const { service, product } = props;
  const [pipelines, setPipelines] = React.useState<IPipeline[] | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [reload, setReload] = React.useState(0);
  const [runs, setRuns] = React.useState<Map<string, IRun>>(new Map());
  const [elapsed, setElapsed] = React.useState(0);

  React.useEffect(() => {
    let cancelled = false;
    const started = Date.now();
    const timer = setInterval(
      () => setElapsed(Math.floor((Date.now() - started) / 1000)),
      1000
    );
    setPipelines(null);
    setError(null);
    setElapsed(0);
    service
      .listPipelines(product)
      .then(found => !cancelled && setPipelines(found))
      .catch(reason => !cancelled && setError(errorMessage(reason)))
      .finally(() => clearInterval(timer));
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [product, reload]);

  const [follow, setFollow] = React.useState(0);
  React.useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    service
      .listRuns({ product, limit: 50 })
      .then(page => {
        if (cancelled) {
          return;
        }
        const last = lastRuns(page.runs);
        setRuns(last);
        // While a run goes on, follow it closely (the panel's tick is slow).
        if ([...last.values()].some(run => isLive(run))) {
          timer = setTimeout(() => setFollow(f => f + 1), LIVE_REFRESH_MS);
        }
      })
      .catch(() => undefined); // the last runs are a bonus: the list stands without them
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [product, props.tick, reload, follow]);

  if (error) {
    return (
      <div className="naas-Pipelines">
        <div className="naas-Banner naas-mod-error" role="alert">
          {error}
        </div>
        <button
          className="jp-mod-styled naas-Button"
          onClick={() => setReload(reload + 1)}
        >
          Try again
        </button>
      </div>
    );
  }
  if (pipelines === null) {
    return (
      <div className="naas-Pipelines" aria-busy="true">
        <div
          className="naas-ProgressBar"
          role="progressbar"
          aria-label="Reading the pipelines"
        />
        <p className="naas-Empty">
          Reading the pipelines of {product || 'the root'}: their definition
          cells run on a fresh kernel{elapsed ? ` (${elapsed} s)` : ''}…
        </p>
      </div>
    );
  }
  return (
    <div className="naas-Pipelines">
      {pipelines.length === 0 ? (
        <p className="naas-Empty">
          No pipeline notebook in this product: a notebook whose code creates a{' '}
          <code>Pipeline()</code> (e.g. models/__pipeline__.ipynb).
        </p>
      ) : (
        <ul
          className="naas-Pipelines-items"
          aria-label={`Pipelines of ${product}`}
        >
          {pipelines.map(pipeline => {
            const name = pipeline.name ?? notebookStem(pipeline.path);
            const last = runs.get(pipeline.path);
            return (
              <li key={pipeline.path} className="naas-Pipelines-item">
                <div className="naas-Pipelines-head">
                  <span className="naas-Pipelines-name">{name}</span>
                  <code className="naas-Pipelines-path">
                    {relativeTo(product, pipeline.path)}
                  </code>
                </div>
                {pipeline.error ? (
                  <div className="naas-Pipelines-error">
                    {pipeline.error.message}
                  </div>
                ) : (
                  <div className="naas-Pipelines-meta">
                    {pipeline.dag?.steps.length ?? 0} step
                    {pipeline.dag?.steps.length === 1 ? '' : 's'}
                    {last ? (
                      <>
                        {' · last run '}
                        <Status status={last.status} />{' '}
                        {formatTime(last.started_at ?? last.created_at)}
                      </>
                    ) : (
                      ' · never run'
                    )}
                  </div>
                )}
                <div className="naas-Pipelines-actions">
                  <button
                    className="jp-mod-styled naas-Button"
                    aria-label={`Open pipeline ${name}`}
                    onClick={() => props.onOpen(pipeline.path)}
                  >
                    Open
                  </button>
                  <button
                    className="jp-mod-styled jp-mod-accept naas-Button"
                    aria-label={`Run pipeline ${name}`}
                    disabled={!pipeline.dag}
                    title={
                      pipeline.dag
                        ? 'Open the pipeline and ask its parameters'
                        : 'Fix the pipeline notebook first'
                    }
                    onClick={() => props.onRun(pipeline.path)}
                  >
                    Run
                  </button>
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <button className="naas-LinkButton" onClick={() => setReload(reload + 1)}>
        Read the pipelines again
      </button>
    </div>
  );
}
