/**
 * The Runs tab: every run, newest first, filtered by product, pipeline, status, source,
 * time range and a text found in the errors; paged by the server ("Load more" asks the
 * next page with its cursor); the selected run's detail beside.
 */
import * as React from 'react';

import { formatDuration, formatTime } from '../format';
import { isLive, mergeRuns } from '../pipelines/runs';
import { Status } from '../pipelines/Status';
import { IRun } from '../pipelines/types';
import {
  IRunsFilter,
  NO_RUNS_FILTER,
  RANGES,
  SOURCES,
  SOURCE_LABELS,
  STATUS_CHOICES,
  TimeRange,
  isUnfiltered,
  runsQuery
} from './filters';
import { IManagerHost } from './host';
import { useDebounced, usePagedList, useSignal } from './hooks';
import { ManagerModel } from './model';
import { PagedListView } from './PagedListView';
import { ProductField } from './ProductField';
import { RunDetail } from './RunDetail';
import { RunSource } from './types';

export interface IRunsTabProps {
  model: ManagerModel;
  host: IManagerHost;
  /** Milliseconds typing must pause before the text filters apply (default 400). */
  debounceMs?: number;
}

/** What a run's row says of its failure: the first failed step and its error. */
export function failureLine(run: IRun): string {
  const failed = run.steps.find(s => s.status === 'FAILED');
  if (failed) {
    return failed.error
      ? `${failed.name}: ${failed.error.name}: ${failed.error.message}`
      : failed.name;
  }
  return run.error ?? '';
}

function RunsFilterBar(props: {
  model: ManagerModel;
  filter: IRunsFilter;
  onChange: (filter: IRunsFilter) => void;
}): JSX.Element {
  const { filter, model } = props;
  const set = (change: Partial<IRunsFilter>): void =>
    props.onChange({ ...filter, ...change });
  return (
    <form
      className="naas-Manager-filters"
      role="search"
      aria-label="Filter runs"
      onSubmit={event => event.preventDefault()}
    >
      <ProductField
        model={model}
        value={filter.product}
        onChange={product => set({ product })}
      />
      <label className="naas-Manager-field">
        <span>Pipeline</span>
        <input
          className="naas-Form-input"
          type="text"
          value={filter.pipeline}
          placeholder="any (its name, e.g. pipeline)"
          onChange={event => set({ pipeline: event.target.value })}
        />
      </label>
      <label className="naas-Manager-field">
        <span>Status</span>
        <select
          className="naas-Form-input"
          value={filter.status}
          onChange={event => set({ status: event.target.value })}
        >
          {STATUS_CHOICES.map(choice => (
            <option key={choice.value} value={choice.value}>
              {choice.label}
            </option>
          ))}
        </select>
      </label>
      <label className="naas-Manager-field">
        <span>Started by</span>
        <select
          className="naas-Form-input"
          value={filter.source}
          onChange={event =>
            set({ source: event.target.value as RunSource | '' })
          }
        >
          <option value="">Anyone</option>
          {SOURCES.map(source => (
            <option key={source} value={source}>
              {SOURCE_LABELS[source]}
            </option>
          ))}
        </select>
      </label>
      <label className="naas-Manager-field">
        <span>When</span>
        <select
          className="naas-Form-input"
          value={filter.range}
          onChange={event => set({ range: event.target.value as TimeRange })}
        >
          {RANGES.map(range => (
            <option key={range.id} value={range.id}>
              {range.label}
            </option>
          ))}
        </select>
      </label>
      {filter.range === 'custom'
        ? (['from', 'to'] as const).map(bound => (
            <label key={bound} className="naas-Manager-field">
              <span>{bound === 'from' ? 'From' : 'To'}</span>
              <input
                className="naas-Form-input"
                type="datetime-local"
                value={filter[bound]}
                onChange={event => set({ [bound]: event.target.value })}
              />
            </label>
          ))
        : null}
      <label className="naas-Manager-field naas-mod-grow">
        <span>Search in errors</span>
        <input
          className="naas-Form-input"
          type="search"
          maxLength={200}
          value={filter.q}
          placeholder="e.g. KeyError, timeout, a file name"
          onChange={event => set({ q: event.target.value })}
        />
      </label>
      {!isUnfiltered(filter) ? (
        <button
          type="button"
          className="jp-mod-styled naas-Button"
          onClick={() => props.onChange(NO_RUNS_FILTER)}
        >
          Clear filters
        </button>
      ) : null}
    </form>
  );
}

function RunsList(props: {
  model: ManagerModel;
  host: IManagerHost;
  runs: readonly IRun[];
  selected: string | null;
}): JSX.Element {
  const { model, runs, selected } = props;
  const now = (props.host.now ?? (() => new Date()))();
  const index = runs.findIndex(r => r.id === selected);
  const onKeyDown = (event: React.KeyboardEvent<HTMLUListElement>): void => {
    const keys: Record<string, number> = {
      ArrowDown: Math.min(runs.length - 1, index + 1),
      ArrowUp: Math.max(0, index - 1),
      Home: 0,
      End: runs.length - 1
    };
    if (!runs.length || !(event.key in keys)) {
      return;
    }
    event.preventDefault();
    const next = runs[keys[event.key]];
    model.showRun(next.id);
    event.currentTarget
      .querySelector<HTMLElement>(`[data-run="${next.id}"]`)
      ?.focus();
  };
  return (
    <ul
      className="naas-Runs"
      role="listbox"
      aria-label="Runs"
      onKeyDown={onKeyDown}
    >
      {runs.map((run, i) => {
        const isSelected = run.id === selected;
        const failure = failureLine(run);
        return (
          <li
            key={run.id}
            role="option"
            aria-selected={isSelected}
            tabIndex={isSelected || (index < 0 && i === 0) ? 0 : -1}
            data-run={run.id}
            data-status={run.status}
            className={
              'naas-Runs-item' + (isSelected ? ' jp-mod-selected' : '')
            }
            title={`Run ${run.id}`}
            onClick={() => model.showRun(run.id)}
            onKeyDown={event => {
              if (event.key === 'Enter' || event.key === ' ') {
                event.preventDefault();
                model.showRun(run.id);
              }
            }}
          >
            <Status status={run.status} />
            <span className="naas-Runs-what">
              <span className="naas-Runs-product">
                {model.titleOf(run.product)}
              </span>
              {' · '}
              <span className="naas-Runs-pipeline">{run.pipeline}</span>
            </span>
            <span className="naas-Runs-time" title={run.created_at ?? ''}>
              {formatTime(run.started_at ?? run.created_at, now)}
            </span>
            <span className="naas-Runs-duration">
              {isLive(run) ? '…' : formatDuration(run.duration)}
            </span>
            <span className="naas-Runs-source">{run.source}</span>
            {failure ? (
              <span className="naas-Runs-failure">{failure}</span>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

export function RunsTab(props: IRunsTabProps): JSX.Element {
  const { model, host } = props;
  useSignal(model.changed);
  const now = host.now ?? (() => new Date());
  const [filter, setFilter] = React.useState<IRunsFilter>(NO_RUNS_FILTER);
  // Typing in the text fields waits for a pause; the lists apply at once.
  const typed = useDebounced(
    JSON.stringify([filter.pipeline, filter.q, filter.from, filter.to]),
    props.debounceMs ?? 400
  );
  const [pipeline, q, from, to] = JSON.parse(typed) as string[];
  const applied: IRunsFilter = { ...filter, pipeline, q, from, to };
  const key = JSON.stringify(applied);
  const tick = model.tick('runs');
  // The first page, again when the filters change (replacing the list) or an event says
  // runs changed (merged into the pages already read).
  const state = usePagedList<IRun, string>(
    before =>
      model.services.manager
        .runs({
          ...runsQuery(applied, now()),
          limit: model.pageSize,
          ...(before === null ? {} : { before })
        })
        .then(page => ({ items: page.runs, next: page.next_before })),
    mergeRuns,
    key,
    tick
  );

  const selected = model.run;
  const read = state.read;
  return (
    <div className="naas-Manager-tab naas-RunsTab">
      <RunsFilterBar model={model} filter={filter} onChange={setFilter} />
      <div className="naas-RunsTab-body">
        <div className="naas-RunsTab-list" aria-busy={state.loading}>
          <PagedListView
            state={state}
            noun="runs"
            empty={
              isUnfiltered(applied) ? (
                <p className="naas-Empty">
                  No run yet: run a pipeline (its Pipeline view&apos;s Run
                  button) or deploy a product with a schedule.
                </p>
              ) : (
                <p className="naas-Empty">
                  No run matches these filters: widen the time range or clear
                  the filters.
                </p>
              )
            }
            end={count =>
              count === 1 ? 'The only run.' : `All ${count} runs.`
            }
          >
            <RunsList
              model={model}
              host={host}
              runs={state.items}
              selected={selected}
            />
          </PagedListView>
        </div>
        {selected ? (
          <RunDetail
            model={model}
            host={host}
            runId={selected}
            onClose={() => model.showRun(null)}
          />
        ) : read && state.items.length ? (
          <p className="naas-Empty naas-RunsTab-hint">
            Select a run (click, or the arrow keys in the list) for its steps,
            errors and executed notebooks.
          </p>
        ) : null}
      </div>
    </div>
  );
}
