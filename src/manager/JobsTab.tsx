/**
 * The Jobs tab: every schedule of every product (the cron in words, the next run, active or
 * paused, the last run, who is notified) with Run now, Pause / Resume, Delete and Edit
 * notifications, each saying what it did; and the server's notification settings with
 * "Send a test notification".
 */
import * as React from 'react';

import { errorMessage } from '../api/errors';
import { nextRunInWords, agoInWords } from '../deploy/words';
import { ISchedule } from '../deploy/types';
import { formatDuration, formatTime } from '../format';
import { Status } from '../pipelines/Status';
import { IManagerHost } from './host';
import { useLoad, useSignal } from './hooks';
import { ManagerModel } from './model';
import { notifySummary } from './notify';
import { NotificationsPanel } from './NotificationsPanel';
import { IOutcome, Outcome } from './Outcome';

type Action = 'run' | 'pause' | 'resume' | 'delete' | 'notify';

interface IJobOutcome extends IOutcome {
  /** A run the action started, to show. */
  run?: string;
}

export interface IJobsTabProps {
  model: ManagerModel;
  host: IManagerHost;
}

/** "Sales · models/__pipeline__.ipynb": how a job is named in buttons and dialogs. */
export function jobLabel(model: ManagerModel, schedule: ISchedule): string {
  return `${model.titleOf(schedule.product)} · ${schedule.pipeline}`;
}

function JobRow(props: {
  model: ManagerModel;
  host: IManagerHost;
  schedule: ISchedule;
  now: Date;
  onChanged: (schedule: ISchedule) => void;
  onDeleted: (schedule: ISchedule, text: string) => void;
}): JSX.Element {
  const { model, host, schedule, now } = props;
  const [busy, setBusy] = React.useState<Action | null>(null);
  const [outcome, setOutcome] = React.useState<IJobOutcome | null>(null);
  const label = jobLabel(model, schedule);
  const { schedules, manager } = model.services;

  const act = async (action: Action): Promise<void> => {
    if (busy) {
      return;
    }
    setBusy(action);
    setOutcome(null);
    try {
      switch (action) {
        case 'run': {
          const run = await schedules.run(schedule.id);
          setOutcome({
            error: false,
            text: `Run started (${run.status.toLowerCase()}): ${run.id}.`,
            run: run.id
          });
          break;
        }
        case 'pause':
        case 'resume': {
          const changed =
            action === 'pause'
              ? await schedules.pause(schedule.id)
              : await schedules.resume(schedule.id);
          props.onChanged(changed);
          setOutcome({
            error: false,
            text:
              action === 'pause'
                ? 'Paused: no run starts until you resume it.'
                : `Resumed: ${nextRunInWords(changed, now) ?? 'no next run'}.`
          });
          break;
        }
        case 'delete': {
          const sure = await host.confirm({
            title: 'Delete this job?',
            body:
              `${label} (${schedule.description}) stops running. Its runs are kept. ` +
              "The product's next deploy declares it again if its setup.ipynb still does.",
            accept: 'Delete',
            danger: true
          });
          if (!sure) {
            break;
          }
          await manager.deleteSchedule(schedule.id);
          props.onDeleted(schedule, `Deleted the job ${label}.`);
          return;
        }
        case 'notify': {
          const notify = await host.editNotify(schedule, label);
          if (notify === undefined) {
            break;
          }
          const changed = await manager.setScheduleNotify(schedule.id, notify);
          props.onChanged(changed);
          setOutcome({
            error: false,
            text:
              `Notifications saved: ${notifySummary(changed.notify)}. The product's ` +
              'next deploy replaces them with what its setup.ipynb declares.'
          });
          break;
        }
      }
    } catch (reason) {
      setOutcome({ error: true, text: errorMessage(reason) });
    } finally {
      setBusy(null);
    }
  };

  const next = nextRunInWords(schedule, now);
  const last = schedule.last_run;
  const toggle: Action = schedule.paused ? 'resume' : 'pause';
  const button = (
    action: Action,
    text: string,
    name: string,
    title: string,
    extra = ''
  ): JSX.Element => (
    <button
      className={`jp-mod-styled naas-Button${extra}`}
      aria-label={name}
      title={title}
      aria-busy={busy === action}
      // aria-disabled, not disabled: the button keeps the keyboard focus meanwhile.
      aria-disabled={busy !== null}
      onClick={() => void act(action)}
    >
      {text}
    </button>
  );
  return (
    <>
      <tr
        className={'naas-Job' + (schedule.paused ? ' naas-mod-paused' : '')}
        aria-label={`Job ${label}`}
        data-schedule={schedule.id}
      >
        <td>
          <span className="naas-Job-product">
            {model.titleOf(schedule.product)}
          </span>
          <code className="naas-Job-path">{schedule.product || '/'}</code>
        </td>
        <td>
          <code className="naas-Job-pipeline">{schedule.pipeline}</code>
        </td>
        <td>
          {schedule.description}
          <div className="naas-Job-cron">
            <code>{schedule.cron}</code> · {schedule.timezone}
            {schedule.every_minute ? (
              <span className="naas-Badge naas-mod-warning">
                ⚠ every minute
              </span>
            ) : null}
          </div>
        </td>
        <td title={schedule.next_run ? formatTime(schedule.next_run, now) : ''}>
          {schedule.paused ? '—' : (next ?? 'no next run')}
        </td>
        <td>
          <span
            className={
              'naas-Badge ' +
              (schedule.paused ? 'naas-mod-paused' : 'naas-mod-active')
            }
          >
            {schedule.paused ? 'Paused' : 'Active'}
          </span>
        </td>
        <td>
          {last ? (
            <button
              className="naas-LinkButton naas-Job-last"
              aria-label={`Show the last run of ${label}`}
              title={`Run ${last.id}, started ${formatTime(last.started_at, now)}`}
              onClick={() => model.showRun(last.id)}
            >
              <Status status={last.status} />{' '}
              {last.duration !== null ? formatDuration(last.duration) : ''}{' '}
              <span className="naas-Job-ago">
                {agoInWords(last.started_at, now)}
              </span>
            </button>
          ) : (
            <span className="naas-Empty">never run</span>
          )}
        </td>
        <td>
          <span className="naas-Job-notify">
            {notifySummary(schedule.notify)}
          </span>
        </td>
        <td>
          <div className="naas-Job-actions">
            {button(
              'run',
              'Run now',
              `Run ${label} now`,
              'Start a run of the deployed pipeline now (production copy and kernel)'
            )}
            {button(
              toggle,
              schedule.paused ? 'Resume' : 'Pause',
              `${schedule.paused ? 'Resume' : 'Pause'} ${label}`,
              schedule.paused
                ? 'Fire this job again from its next due time'
                : 'Stop firing this job until it is resumed'
            )}
            {button(
              'notify',
              'Notifications…',
              `Edit the notifications of ${label}`,
              'Who hears of its failures, successes and starts (e-mails, webhooks)'
            )}
            {button(
              'delete',
              'Delete',
              `Delete ${label}`,
              "Delete this job (its runs are kept; the product's next deploy declares it again)",
              ' jp-mod-warn'
            )}
          </div>
        </td>
      </tr>
      {outcome ? (
        <tr className="naas-Job-outcomeRow">
          <td colSpan={8}>
            <Outcome outcome={outcome} label={`Result for ${label}`}>
              {outcome.run ? (
                <>
                  {' '}
                  <button
                    className="naas-LinkButton"
                    onClick={() => model.showRun(outcome.run as string)}
                  >
                    Show the run
                  </button>
                </>
              ) : null}
            </Outcome>
          </td>
        </tr>
      ) : null}
    </>
  );
}

export function JobsTab(props: IJobsTabProps): JSX.Element {
  const { model, host } = props;
  useSignal(model.changed);
  const now = (host.now ?? (() => new Date()))();
  const tick = model.tick('jobs');
  const loaded = useLoad(
    () => model.services.schedules.listSchedules(),
    [tick]
  );
  const [message, setMessage] = React.useState<string | null>(null);
  const schedules = loaded.data;

  let body: JSX.Element;
  if (schedules === null) {
    body = loaded.error ? (
      <div className="naas-Banner naas-mod-error" role="alert">
        {loaded.error}
      </div>
    ) : (
      <p className="naas-Empty">Reading the jobs…</p>
    );
  } else if (schedules.length === 0) {
    body = (
      <p className="naas-Empty">
        No job yet: declare one in a product&apos;s setup.ipynb, e.g.{' '}
        <code>
          schedule(&quot;models/__pipeline__.ipynb&quot;, &quot;0 8 * * *&quot;)
        </code>
        , then deploy the product.
      </p>
    );
  } else {
    body = (
      <table className="naas-Manager-table naas-Jobs" aria-label="Jobs">
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Pipeline</th>
            <th scope="col">When</th>
            <th scope="col">Next run</th>
            <th scope="col">State</th>
            <th scope="col">Last run</th>
            <th scope="col">Notifications</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {schedules.map(schedule => (
            <JobRow
              key={schedule.id}
              model={model}
              host={host}
              schedule={schedule}
              now={now}
              onChanged={changed =>
                loaded.setData(current =>
                  (current ?? []).map(s => (s.id === changed.id ? changed : s))
                )
              }
              onDeleted={(deleted, text) => {
                loaded.setData(current =>
                  (current ?? []).filter(s => s.id !== deleted.id)
                );
                setMessage(text);
              }}
            />
          ))}
        </tbody>
      </table>
    );
  }

  return (
    <div className="naas-Manager-tab naas-JobsTab">
      {schedules !== null && loaded.error ? (
        <div className="naas-Banner naas-mod-warning" role="alert">
          {loaded.error}
        </div>
      ) : null}
      {message ? (
        <div className="naas-Manager-outcome" role="status">
          {message}
        </div>
      ) : null}
      {body}
      <NotificationsPanel service={model.services.manager} />
    </div>
  );
}
