/**
 * The line above the graph about the shown run: status, id, start, duration, parameters.
 */
import * as React from 'react';

import { formatDuration, formatTime } from '../format';
import { isLive } from './runs';
import { Status } from './Status';
import { IRun } from './types';

export function RunCaption(props: { run: IRun }): JSX.Element {
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
