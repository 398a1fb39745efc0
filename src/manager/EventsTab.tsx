/**
 * The Events tab: the log, newest first, filtered by level, product and kind, paged by the
 * server ("Load more"); an event about a run or a deployment shows it in its tab.
 */
import * as React from 'react';

import { formatTime } from '../format';
import { GROUP, IEventsFilter, NO_EVENTS_FILTER, eventsQuery } from './filters';
import { IManagerHost } from './host';
import { usePagedList, useSignal } from './hooks';
import { KIND_GROUPS, kindLabel, levelInfo, runOf } from './kinds';
import { ManagerModel } from './model';
import { PagedListView } from './PagedListView';
import { ProductField } from './ProductField';
import { EventLevel, IEvent } from './types';

/** Merge pages of events: unique by id, newest first. */
export function mergeEvents(...lists: IEvent[][]): IEvent[] {
  const byId = new Map<number, IEvent>();
  for (const list of lists) {
    for (const event of list) {
      byId.set(event.id, event);
    }
  }
  return [...byId.values()].sort((a, b) => b.id - a.id);
}

function EventsFilterBar(props: {
  model: ManagerModel;
  filter: IEventsFilter;
  onChange: (filter: IEventsFilter) => void;
}): JSX.Element {
  const { filter, model } = props;
  const set = (change: Partial<IEventsFilter>): void =>
    props.onChange({ ...filter, ...change });
  return (
    <form
      className="naas-Manager-filters"
      role="search"
      aria-label="Filter events"
      onSubmit={event => event.preventDefault()}
    >
      <label className="naas-Manager-field">
        <span>Level</span>
        <select
          className="naas-Form-input"
          value={filter.level}
          onChange={event =>
            set({ level: event.target.value as EventLevel | '' })
          }
        >
          <option value="">Any level</option>
          <option value="error">Errors</option>
          <option value="warning">Warnings and errors</option>
          <option value="info">Info</option>
        </select>
      </label>
      <ProductField
        model={model}
        value={filter.product}
        onChange={product => set({ product })}
      />
      <label className="naas-Manager-field">
        <span>Kind</span>
        <select
          className="naas-Form-input"
          value={filter.kind}
          onChange={event => set({ kind: event.target.value })}
        >
          <option value="">Any kind</option>
          {KIND_GROUPS.map(group => (
            <optgroup key={group.id} label={group.label}>
              <option value={GROUP + group.id}>
                All {group.label.toLowerCase()}
              </option>
              {group.kinds.map(kind => (
                <option key={kind} value={kind}>
                  {kindLabel(kind)}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </label>
      {filter.level || filter.product || filter.kind ? (
        <button
          type="button"
          className="jp-mod-styled naas-Button"
          onClick={() => props.onChange(NO_EVENTS_FILTER)}
        >
          Clear filters
        </button>
      ) : null}
    </form>
  );
}

function EventItem(props: {
  model: ManagerModel;
  event: IEvent;
  now: Date;
}): JSX.Element {
  const { model, event, now } = props;
  const level = levelInfo(event.level);
  const run = runOf(event);
  const hasDetails = Object.keys(event.details ?? {}).length > 0;
  return (
    <li
      className={`naas-Event naas-mod-${event.level}`}
      data-kind={event.kind}
      data-event={event.id}
    >
      <span className="naas-Event-time" title={event.at}>
        {formatTime(event.at, now)}
      </span>
      <span className={`naas-Status ${level.className}`}>
        <span className="naas-StatusSymbol" aria-hidden="true">
          {level.symbol}
        </span>{' '}
        {level.label}
      </span>
      <span className="naas-Event-kind" title={event.kind}>
        {kindLabel(event.kind)}
      </span>
      <span className="naas-Event-product">
        {event.product !== null ? model.titleOf(event.product) : ''}
      </span>
      <span className="naas-Event-message">{event.message}</span>
      <span className="naas-Event-actions">
        {run ? (
          <button
            className="naas-LinkButton"
            aria-label={`Show run ${run}`}
            onClick={() => model.showRun(run)}
          >
            Show run
          </button>
        ) : null}
        {event.subject_type === 'deployment' && event.product !== null ? (
          <button
            className="naas-LinkButton"
            onClick={() => model.showDeployments(event.product as string)}
          >
            Show deployments
          </button>
        ) : null}
        {event.subject_type === 'secret' ? (
          <button
            className="naas-LinkButton"
            onClick={() => model.showSecrets(event.product)}
          >
            Show secrets
          </button>
        ) : null}
      </span>
      {hasDetails ? (
        <details className="naas-Event-details">
          <summary>Details</summary>
          <pre>{JSON.stringify(event.details, null, 2)}</pre>
        </details>
      ) : null}
    </li>
  );
}

export function EventsTab(props: {
  model: ManagerModel;
  host: IManagerHost;
}): JSX.Element {
  const { model, host } = props;
  useSignal(model.changed);
  const now = (host.now ?? (() => new Date()))();
  const [filter, setFilter] = React.useState<IEventsFilter>(NO_EVENTS_FILTER);
  const key = JSON.stringify(filter);
  const tick = model.tick('events');
  const state = usePagedList<IEvent, number>(
    before =>
      model.services.manager
        .events({
          ...eventsQuery(filter, model.pageSize),
          ...(before === null ? {} : { before })
        })
        .then(page => ({ items: page.events, next: page.next_before })),
    mergeEvents,
    key,
    tick
  );
  const filtered = !!(filter.level || filter.product || filter.kind);
  return (
    <div className="naas-Manager-tab naas-EventsTab" aria-busy={state.loading}>
      <EventsFilterBar model={model} filter={filter} onChange={setFilter} />
      <PagedListView
        state={state}
        noun="events"
        empty={
          filtered ? (
            <p className="naas-Empty">
              No event matches these filters: clear them to see all.
            </p>
          ) : (
            <p className="naas-Empty">
              No event yet: runs starting and ending, deploys, jobs changing and
              notifications sent show here as they happen.
            </p>
          )
        }
      >
        <ol className="naas-Events" aria-label="Events">
          {state.items.map(event => (
            <EventItem key={event.id} model={model} event={event} now={now} />
          ))}
        </ol>
      </PagedListView>
    </div>
  );
}
