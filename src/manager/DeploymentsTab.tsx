/**
 * The Deployments tab: for the chosen product, the active deployment and the history
 * (newest first) with what each deploy left (setup notebook, tests report), and "Roll back
 * to this" on an earlier successful one (after a confirmation).
 */
import * as React from 'react';

import { errorMessage } from '../api/errors';
import { failedStep } from '../deploy/progress';
import { IDeployment } from '../deploy/types';
import { agoInWords, shortSha, testsInWords } from '../deploy/words';
import { formatTime } from '../format';
import { Status } from '../pipelines/Status';
import { StepStatus } from '../pipelines/types';
import { IManagerHost } from './host';
import { useLoad, useSignal } from './hooks';
import { ManagerModel } from './model';
import { IOutcome, Outcome } from './Outcome';

/** A deployment's status as the Status component shows it. */
const STATUS_OF: Record<IDeployment['status'], StepStatus> = {
  PENDING: 'PENDING',
  RUNNING: 'RUNNING',
  ACTIVE: 'SUCCEEDED',
  INACTIVE: 'SKIPPED',
  FAILED: 'FAILED'
};

const STATUS_WORDS: Record<IDeployment['status'], string> = {
  PENDING: 'Pending',
  RUNNING: 'Deploying',
  ACTIVE: 'Active',
  INACTIVE: 'Earlier',
  FAILED: 'Failed'
};

function DeploymentStatus(props: { deployment: IDeployment }): JSX.Element {
  const status = props.deployment.status;
  return (
    <span className="naas-DeploymentStatus" data-status={status}>
      <Status status={STATUS_OF[status]} />
      <span className="naas-DeploymentStatus-word">
        ({STATUS_WORDS[status]})
      </span>
    </span>
  );
}

export function DeploymentsTab(props: {
  model: ManagerModel;
  host: IManagerHost;
}): JSX.Element {
  const { model, host } = props;
  useSignal(model.changed);
  useSignal(model.products.changed);
  const now = (host.now ?? (() => new Date()))();
  const products = model.products.products.filter(p => p.manifest);
  const [chosen, setChosen] = React.useState<string | null>(null);
  // "Show deployments" elsewhere (a run, an event) asks for its product.
  React.useEffect(() => setChosen(null), [model.product]);
  const product =
    chosen ??
    model.product ??
    model.products.selected?.path ??
    products[0]?.path ??
    null;
  const tick = model.tick('deployments');
  const [busy, setBusy] = React.useState<string | null>(null);
  const [outcome, setOutcome] = React.useState<IOutcome | null>(null);
  const loaded = useLoad(
    () =>
      product === null
        ? Promise.resolve(null)
        : model.services.deployments.listDeployments(product, 50),
    [product, tick]
  );

  if (!products.length) {
    return (
      <div className="naas-Manager-tab naas-DeploymentsTab">
        <p className="naas-Empty">
          No product yet: create one with &quot;New data product&quot;, then
          deploy it.
        </p>
      </div>
    );
  }

  const title = model.titleOf(product);
  const rollback = async (deployment: IDeployment): Promise<void> => {
    if (busy) {
      return;
    }
    const sure = await host.confirm({
      title: `Roll back ${title}?`,
      body:
        `Deployment ${deployment.id} (${formatTime(deployment.ended_at ?? deployment.created_at, now)}) ` +
        'becomes the active one again, with its schedules; production runs use its copy.',
      accept: 'Roll back'
    });
    if (!sure) {
      return;
    }
    setBusy(deployment.id);
    setOutcome(null);
    try {
      const active = await model.services.deployments.activate(deployment.id);
      setOutcome({
        error: false,
        text: `Rolled back: ${active.id} is active again, with its schedules.`
      });
      loaded.setData(
        await model.services.deployments.listDeployments(active.product, 50)
      );
    } catch (reason) {
      setOutcome({ error: true, text: errorMessage(reason) });
    } finally {
      setBusy(null);
    }
  };

  const list = loaded.data;
  const active = list?.deployments.find(d => d.id === list.active) ?? null;
  return (
    <div className="naas-Manager-tab naas-DeploymentsTab">
      <form
        className="naas-Manager-filters"
        aria-label="Choose a product"
        onSubmit={event => event.preventDefault()}
      >
        <label className="naas-Manager-field">
          <span>Product</span>
          <select
            className="naas-Form-input"
            value={product ?? ''}
            onChange={event => {
              setChosen(event.target.value);
              setOutcome(null);
            }}
          >
            {products.map(p => (
              <option key={p.path} value={p.path}>
                {p.manifest?.title || p.path || '/'} ({p.path || '/'})
              </option>
            ))}
          </select>
        </label>
        {host.deploy && product !== null ? (
          <button
            type="button"
            className="jp-mod-styled naas-Button"
            aria-label={`Deploy ${title}`}
            title="Run the product's tests, freeze a production copy, install its requirements, run setup.ipynb and apply its schedules"
            onClick={() => host.deploy?.(product)}
          >
            Deploy
          </button>
        ) : null}
      </form>
      <Outcome outcome={outcome} />
      {loaded.error ? (
        <div className="naas-Banner naas-mod-error" role="alert">
          {loaded.error}
        </div>
      ) : null}
      {list === null ? (
        loaded.error ? null : (
          <p className="naas-Empty">Reading the deployments…</p>
        )
      ) : !list.deployments.length ? (
        <p className="naas-Empty">
          {title} is not deployed yet: deploy it with &quot;Deploy product&quot;
          (the palette, or its Deploy button in the Data Products panel).
        </p>
      ) : (
        <>
          <section aria-label={`Active deployment of ${title}`}>
            <h3 className="naas-Manager-heading">Active</h3>
            {active ? (
              <p>
                <code>{active.id}</code>, deployed{' '}
                {agoInWords(active.ended_at ?? active.created_at, now)}
                {shortSha(active.commit)
                  ? `, commit ${shortSha(active.commit)}`
                  : ''}
                , tests {testsInWords(active)}.
              </p>
            ) : (
              <p className="naas-Empty">
                None: no deploy of {title} succeeded yet.
              </p>
            )}
          </section>
          <table
            className="naas-Manager-table naas-Deployments"
            aria-label={`Deployments of ${title}`}
          >
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Deployment</th>
                <th scope="col">When</th>
                <th scope="col">Commit</th>
                <th scope="col">Tests</th>
                <th scope="col">Notes</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {list.deployments.map(deployment => {
                const failed = failedStep(deployment);
                return (
                  <tr
                    key={deployment.id}
                    aria-label={`Deployment ${deployment.id}`}
                    data-deployment={deployment.id}
                  >
                    <td>
                      <DeploymentStatus deployment={deployment} />
                    </td>
                    <td>
                      <code>{deployment.id}</code>
                    </td>
                    <td title={deployment.created_at}>
                      {formatTime(
                        deployment.ended_at ?? deployment.created_at,
                        now
                      )}
                    </td>
                    <td>
                      {shortSha(deployment.commit) ? (
                        <code title={deployment.commit ?? ''}>
                          {shortSha(deployment.commit)}
                        </code>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>{testsInWords(deployment)}</td>
                    <td>
                      {deployment.status === 'FAILED' ? (
                        <span className="naas-Deployments-error">
                          {failed ? `${failed.title}: ` : ''}
                          {failed?.message || deployment.error || 'failed'}
                        </span>
                      ) : null}
                      {deployment.setup_notebook ? (
                        <button
                          className="naas-LinkButton"
                          onClick={() =>
                            host.open(deployment.setup_notebook as string)
                          }
                        >
                          setup notebook
                        </button>
                      ) : null}
                      {deployment.report ? (
                        <button
                          className="naas-LinkButton"
                          onClick={() => host.open(deployment.report as string)}
                        >
                          tests report
                        </button>
                      ) : null}
                    </td>
                    <td>
                      {deployment.status === 'INACTIVE' ? (
                        <button
                          className="jp-mod-styled naas-Button"
                          aria-label={`Roll back ${title} to ${deployment.id}`}
                          aria-busy={busy === deployment.id}
                          aria-disabled={busy !== null}
                          title="Make this deployment (and its schedules) the active one again"
                          onClick={() => void rollback(deployment)}
                        >
                          Roll back to this
                        </button>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
