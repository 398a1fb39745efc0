/**
 * The schedules of a product's active deployment: the pipeline, the cron in words, the next
 * run in words, the last run, and Pause / Resume / Run now with what they did.
 */
import * as React from 'react';

import { errorMessage } from '../api/errors';
import { inFolder } from '../paths';
import { Status } from '../pipelines/Status';
import { SchedulesService } from './api';
import { ISchedule } from './types';
import { agoInWords, nextRunInWords } from './words';

export interface ISchedulesListProps {
  service: SchedulesService;
  /** The product's folder, relative to the Jupyter root. */
  product: string;
  schedules: readonly ISchedule[];
  now: () => Date;
  /** A schedule changed (paused or resumed): its new state. */
  onChanged: (schedule: ISchedule) => void;
  /** Open the Pipeline view of a pipeline notebook (relative to the Jupyter root). */
  onOpenPipeline: (path: string) => void;
}

type Action = 'pause' | 'resume' | 'run';
// The buttons say they are busy with aria-disabled rather than `disabled`: a disabled button
// loses the keyboard focus, and Pause turns into Resume under the user's focus.

interface IOutcome {
  error: boolean;
  text: string;
  /** The pipeline notebook to open to follow the run started. */
  open?: string;
}

function ScheduleItem(
  props: Omit<ISchedulesListProps, 'schedules'> & { schedule: ISchedule }
): JSX.Element {
  const { schedule, service, now } = props;
  const [busy, setBusy] = React.useState<Action | null>(null);
  const [outcome, setOutcome] = React.useState<IOutcome | null>(null);
  const pipeline = schedule.pipeline;
  const next = nextRunInWords(schedule, now());

  const act = async (action: Action): Promise<void> => {
    if (busy) {
      return;
    }
    setBusy(action);
    setOutcome(null);
    try {
      if (action === 'run') {
        const run = await service.run(schedule.id);
        setOutcome({
          error: false,
          text: `Run started (${run.status.toLowerCase()}).`,
          open: run.pipeline_path ?? inFolder(props.product, pipeline)
        });
      } else {
        const changed =
          action === 'pause'
            ? await service.pause(schedule.id)
            : await service.resume(schedule.id);
        props.onChanged(changed);
        setOutcome({
          error: false,
          text:
            action === 'pause'
              ? 'Paused: no run starts until you resume it.'
              : `Resumed: ${nextRunInWords(changed, now()) ?? 'no next run'}.`
        });
      }
    } catch (reason) {
      setOutcome({ error: true, text: errorMessage(reason) });
    } finally {
      setBusy(null);
    }
  };

  const toggle: Action = schedule.paused ? 'resume' : 'pause';
  return (
    <li
      className={'naas-Schedule' + (schedule.paused ? ' naas-mod-paused' : '')}
      aria-label={`Schedule of ${pipeline}`}
      data-schedule={schedule.id}
    >
      <div className="naas-Schedule-head">
        <code className="naas-Schedule-pipeline">{pipeline}</code>
        {schedule.paused ? (
          <span className="naas-Badge naas-mod-paused">Paused</span>
        ) : null}
        {schedule.every_minute ? (
          <span
            className="naas-Badge naas-mod-warning"
            title="This schedule starts a run every minute: check that its cron is what you meant."
          >
            ⚠ every minute
          </span>
        ) : null}
      </div>
      <div className="naas-Schedule-when">
        {schedule.description}
        {' — '}
        <span className="naas-Schedule-next">
          {schedule.paused ? 'paused' : (next ?? 'no next run')}
        </span>
      </div>
      <div className="naas-Schedule-meta">
        {schedule.last_run ? (
          <>
            {'last run '}
            <Status status={schedule.last_run.status} />{' '}
            <span title={schedule.last_run.started_at ?? ''}>
              {agoInWords(schedule.last_run.started_at, now())}
            </span>
          </>
        ) : (
          'never run'
        )}
      </div>
      <div className="naas-Schedule-actions">
        <button
          className="jp-mod-styled naas-Button"
          aria-label={`${schedule.paused ? 'Resume' : 'Pause'} ${pipeline}`}
          aria-busy={busy === toggle}
          aria-disabled={busy !== null}
          title={
            schedule.paused
              ? 'Fire this schedule again from its next due time'
              : 'Stop firing this schedule until it is resumed'
          }
          onClick={() => void act(toggle)}
        >
          {schedule.paused ? 'Resume' : 'Pause'}
        </button>
        <button
          className="jp-mod-styled naas-Button"
          aria-label={`Run ${pipeline} now`}
          aria-busy={busy === 'run'}
          aria-disabled={busy !== null}
          title="Start a run of the deployed pipeline now (production copy and kernel)"
          onClick={() => void act('run')}
        >
          Run now
        </button>
      </div>
      {outcome ? (
        <div
          className={
            'naas-Schedule-outcome' + (outcome.error ? ' naas-mod-error' : '')
          }
          role={outcome.error ? 'alert' : 'status'}
        >
          {outcome.text}
          {outcome.open ? (
            <>
              {' '}
              <button
                className="naas-LinkButton"
                onClick={() => props.onOpenPipeline(outcome.open as string)}
              >
                Follow it in the Pipeline view
              </button>
            </>
          ) : null}
        </div>
      ) : null}
    </li>
  );
}

export function SchedulesList(props: ISchedulesListProps): JSX.Element {
  const { schedules, product } = props;
  if (schedules.length === 0) {
    return (
      <p className="naas-Empty">
        No schedule. Declare one in setup.ipynb, e.g.{' '}
        <code>
          schedule(&quot;models/__pipeline__.ipynb&quot;, &quot;0 8 * * *&quot;)
        </code>
        , then deploy again.
      </p>
    );
  }
  return (
    <ul className="naas-Schedules" aria-label={`Schedules of ${product}`}>
      {schedules.map(schedule => (
        <ScheduleItem key={schedule.id} {...props} schedule={schedule} />
      ))}
    </ul>
  );
}
