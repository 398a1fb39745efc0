/**
 * The deployment of a product, for the "Deployment" section of the Data Products panel: a
 * deploy going on (its steps), the active deployment (id, when, commit, tests) or "Not
 * deployed yet", a failed last deploy, and the schedules. Pure React (hosted by
 * DeploymentSection).
 */
import * as React from 'react';

import { errorMessage } from '../api/errors';
import { formatTime } from '../format';
import { Status } from '../pipelines/Status';
import { DeployService, SchedulesService } from './api';
import { failedStep, isSettled, progressOf } from './progress';
import { SchedulesList } from './SchedulesList';
import { IDeployment, IDeploymentList, ISchedule } from './types';
import { agoInWords, shortSha, testsInWords } from './words';

export interface IDeploymentViewProps {
  deployments: DeployService;
  schedules: SchedulesService;
  /** The product's folder, relative to the Jupyter root. */
  product: string;
  /** The product's title, for the buttons' names. */
  title: string;
  /** Changes when the deployments may have changed (the panel's refresh tick). */
  tick: number;
  /** The deploy of this product this page follows while it runs (null: none). */
  running: IDeployment | null;
  /** Start a deploy of the product. */
  onDeploy: () => void;
  /** Choose an earlier deployment to make active again. */
  onRollback: () => void;
  /** Open a file under the Jupyter root (setup notebook, tests report). */
  onOpen: (path: string) => void;
  /** Open the Pipeline view of a pipeline notebook. */
  onOpenPipeline: (path: string) => void;
  now?: () => Date;
  /** How often (ms) to read a deploy started elsewhere (CLI, another page) while it runs. */
  liveRefreshMs?: number;
}

const LIVE_REFRESH_MS = 2000;

/** The steps of a deploy, each with its status and message. */
function DeploySteps(props: { deployment: IDeployment }): JSX.Element {
  const { deployment } = props;
  return (
    <ol className="naas-DeploySteps" aria-label="Steps of the deploy">
      {deployment.steps.map(step => (
        <li
          key={step.name}
          className="naas-DeploySteps-step"
          data-step={step.name}
          data-status={step.status}
        >
          <span className="naas-DeploySteps-title">{step.title}</span>
          <Status status={step.status} />
          {step.message ? (
            <div
              className={
                'naas-DeploySteps-message' +
                (step.status === 'FAILED' ? ' naas-mod-failed' : '')
              }
            >
              {step.message}
            </div>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

/** Links to what a deploy left to read: its executed setup.ipynb and its tests report. */
function DeployFiles(props: {
  deployment: IDeployment;
  onOpen: (path: string) => void;
}): JSX.Element | null {
  const { deployment, onOpen } = props;
  if (!deployment.setup_notebook && !deployment.report) {
    return null;
  }
  return (
    <div className="naas-Deployment-files">
      {deployment.setup_notebook ? (
        <button
          className="naas-LinkButton"
          onClick={() => onOpen(deployment.setup_notebook as string)}
        >
          Open setup notebook
        </button>
      ) : null}
      {deployment.report ? (
        <button
          className="naas-LinkButton"
          onClick={() => onOpen(deployment.report as string)}
        >
          Open test report
        </button>
      ) : null}
    </div>
  );
}

function ActiveDeployment(props: {
  deployment: IDeployment;
  now: Date;
}): JSX.Element {
  const { deployment, now } = props;
  const deployedAt = deployment.ended_at ?? deployment.created_at;
  const sha = shortSha(deployment.commit);
  return (
    <section
      className="naas-Deployment-active"
      aria-label="Active deployment"
      data-deployment={deployment.id}
    >
      <dl className="naas-Deployment-facts">
        <dt>Active</dt>
        <dd>
          <code className="naas-Deployment-id">{deployment.id}</code>
        </dd>
        <dt>Deployed</dt>
        <dd title={formatTime(deployedAt, now)}>
          {agoInWords(deployedAt, now)}
        </dd>
        <dt>Commit</dt>
        <dd>
          {sha ? (
            <code title={deployment.commit ?? ''}>{sha}</code>
          ) : (
            'none (not a git repository)'
          )}
        </dd>
        <dt>Tests</dt>
        <dd>{testsInWords(deployment)}</dd>
      </dl>
    </section>
  );
}

export function DeploymentView(props: IDeploymentViewProps): JSX.Element {
  const { product, title, running } = props;
  const now = props.now ?? (() => new Date());
  const [list, setList] = React.useState<IDeploymentList | null>(null);
  const [schedules, setSchedules] = React.useState<ISchedule[] | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [reload, setReload] = React.useState(0);
  const [follow, setFollow] = React.useState(0);
  // A deploy followed here changes state: read the list again when it does (a new
  // active deployment, new schedules).
  const runningKey = running ? `${running.id}:${running.status}` : '';

  React.useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    Promise.all([
      props.deployments.listDeployments(product, 20),
      props.schedules.listSchedules(product)
    ])
      .then(([found, scheduled]) => {
        if (cancelled) {
          return;
        }
        setList(found);
        setSchedules(scheduled);
        setError(null);
        // A deploy started elsewhere (the CLI, another page) is followed more closely
        // than the panel's tick while it runs.
        const newest = found.deployments[0];
        if (newest && !isSettled(newest) && !running) {
          timer = setTimeout(
            () => setFollow(f => f + 1),
            props.liveRefreshMs ?? LIVE_REFRESH_MS
          );
        }
      })
      .catch(reason => !cancelled && setError(errorMessage(reason)));
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [product, props.tick, reload, follow, runningKey]);

  if (error && list === null) {
    return (
      <div className="naas-Deployment">
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
  if (list === null || schedules === null) {
    return (
      <div className="naas-Deployment" aria-busy="true">
        <p className="naas-Empty">Reading the deployments…</p>
      </div>
    );
  }

  const newest = list.deployments[0] ?? null;
  // The deploy this page follows, else one started elsewhere, while it runs.
  const live =
    running && !isSettled(running)
      ? running
      : newest && !isSettled(newest)
        ? newest
        : null;
  const active = list.deployments.find(d => d.id === list.active) ?? null;
  // The last deploy failed after the active one (or with none active): say why.
  const failed = newest && newest.status === 'FAILED' && !live ? newest : null;
  const earlier = list.deployments.filter(d => d.status === 'INACTIVE');
  const deployLabel = active || failed ? 'Deploy again' : 'Deploy';

  return (
    <div className="naas-Deployment">
      {error ? (
        <div className="naas-Banner naas-mod-warning" role="alert">
          {error}
        </div>
      ) : null}
      {live ? (
        <section
          className="naas-Deployment-live"
          aria-label={`Deploying ${title}`}
        >
          <div className="naas-Deployment-liveHeading">
            Deploying{' '}
            <span className="naas-Deployment-liveTime">
              (started {agoInWords(live.created_at, now())})
            </span>
          </div>
          <progress
            className="naas-Deployment-progress"
            max={1}
            value={progressOf(live)}
            aria-label={`Progress of the deploy of ${title}`}
          />
          <DeploySteps deployment={live} />
        </section>
      ) : null}
      {failed ? (
        <div className="naas-Banner naas-mod-error" role="alert">
          The last deploy ({agoInWords(failed.created_at, now())}) failed
          {failedStep(failed) ? ` at ${failedStep(failed)?.title}` : ''}:{' '}
          {failedStep(failed)?.message || failed.error || 'no reason given'}.{' '}
          {active
            ? 'Production still runs the active deployment below.'
            : 'Nothing was deployed.'}
          <DeployFiles deployment={failed} onOpen={props.onOpen} />
        </div>
      ) : null}
      {active ? (
        <ActiveDeployment deployment={active} now={now()} />
      ) : (
        <p className="naas-Empty naas-Deployment-none">Not deployed yet.</p>
      )}
      <div className="naas-Deployment-actions">
        <button
          className="jp-mod-styled jp-mod-accept naas-Button"
          aria-label={`${deployLabel} ${title}`}
          aria-busy={!!live}
          // aria-disabled, not disabled: the button keeps the keyboard focus meanwhile.
          aria-disabled={!!live}
          title="Run the product's tests, freeze a production copy, install its requirements, run setup.ipynb and apply its schedules"
          onClick={() => !live && props.onDeploy()}
        >
          {live ? 'Deploying…' : deployLabel}
        </button>
        {earlier.length > 0 ? (
          <button
            className="jp-mod-styled naas-Button"
            aria-label={`Roll back ${title}`}
            disabled={!!live}
            title="Make an earlier deployment (and its schedules) the active one again"
            onClick={props.onRollback}
          >
            Roll back…
          </button>
        ) : null}
      </div>
      {active || schedules.length > 0 ? (
        <>
          <h4 className="naas-Deployment-heading">Schedules</h4>
          <SchedulesList
            service={props.schedules}
            product={product}
            schedules={schedules}
            now={now}
            onChanged={changed =>
              setSchedules(current =>
                (current ?? []).map(s => (s.id === changed.id ? changed : s))
              )
            }
            onOpenPipeline={props.onOpenPipeline}
          />
        </>
      ) : null}
    </div>
  );
}
