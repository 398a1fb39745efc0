/**
 * A run's steps on a time axis: one row a step, its bar from its start to its end in its
 * status' colour, its status in words and its duration beside. Each row is a button that
 * shows the step's details.
 */
import * as React from 'react';

import { formatDuration } from '../format';
import { Status } from '../pipelines/Status';
import { statusInfo } from '../pipelines/runs';
import { IRun } from '../pipelines/types';
import { offsetLabel, runTimeline } from './timeline';

const percent = (fraction: number): string => `${(fraction * 100).toFixed(3)}%`;

export function RunTimeline(props: {
  run: IRun;
  now: Date;
  selected: string | null;
  onSelect: (step: string) => void;
}): JSX.Element {
  const { run, selected } = props;
  const timeline = runTimeline(run, props.now);
  if (!timeline || !run.steps.length) {
    return (
      <p className="naas-Empty">
        No step has started yet: the run is{' '}
        {statusInfo(run.status).label.toLowerCase()}.
      </p>
    );
  }
  return (
    <div className="naas-Timeline">
      <div className="naas-Timeline-axis" aria-hidden="true">
        <span className="naas-Timeline-axisName" />
        <span className="naas-Timeline-axisTrack">
          {timeline.ticks.map(tick => (
            <span
              key={tick.seconds}
              className="naas-Timeline-tick"
              style={{ left: percent(tick.at) }}
            >
              {tick.label}
            </span>
          ))}
        </span>
        <span className="naas-Timeline-axisStatus" />
      </div>
      <ol
        className="naas-Timeline-rows"
        aria-label={`Timeline of run ${run.id}`}
      >
        {timeline.rows.map(row => {
          const info = statusInfo(row.status);
          const isSelected = row.name === selected;
          const when = row.ran
            ? `started ${offsetLabel(row.offset ?? 0)}, ${formatDuration(row.duration)}`
            : 'did not start';
          return (
            <li
              key={row.name}
              className={
                `naas-Timeline-row ${info.className}` +
                (isSelected ? ' jp-mod-selected' : '') +
                (row.role === 'on_error' ? ' naas-mod-handler' : '')
              }
              data-step={row.name}
              data-status={row.status}
            >
              <button
                className="naas-Timeline-name"
                aria-pressed={isSelected}
                aria-label={`${row.name}: ${info.label}, ${when}`}
                title={`${row.name}${row.role === 'on_error' ? ' (error handler)' : ''}: ${info.label}, ${when}`}
                onClick={() => props.onSelect(row.name)}
              >
                {row.name}
              </button>
              <span className="naas-Timeline-track" aria-hidden="true">
                {row.ran ? (
                  <span
                    className="naas-Timeline-bar"
                    style={{
                      left: percent(row.left),
                      width: percent(row.width)
                    }}
                  />
                ) : null}
              </span>
              <span className="naas-Timeline-status">
                <Status status={row.status} />
                <span className="naas-Timeline-duration">
                  {row.ran ? formatDuration(row.duration) : ''}
                </span>
              </span>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
