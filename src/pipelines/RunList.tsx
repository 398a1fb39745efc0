/**
 * The recent runs of a pipeline (and its current definition) to pick the one the graph
 * shows.
 */
import * as React from 'react';

import { formatDuration, formatTime } from '../format';
import { isLive } from './runs';
import { Status } from './Status';
import { IRun } from './types';

export function RunList(props: {
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
