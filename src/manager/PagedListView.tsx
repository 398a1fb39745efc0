/**
 * What a live paged list of the Manager shows around its items (usePagedList): "Reading…",
 * the error of a read, what to say when there is no item, "Load more" or the end.
 */
import * as React from 'react';

import { IPagedList } from './hooks';

export function PagedListView<T>(props: {
  state: IPagedList<T>;
  /** What the items are, plural: "Reading the runs…", "Load more runs". */
  noun: string;
  /** Shown when a read found no item. */
  empty: JSX.Element;
  /** The items' list. */
  children: JSX.Element;
  /** The line after the last page (none: nothing). */
  end?: (count: number) => string;
}): JSX.Element {
  const { state, noun } = props;
  let list: JSX.Element;
  if (!state.read && state.error) {
    list = (
      <div className="naas-Banner naas-mod-error" role="alert">
        {state.error}
      </div>
    );
  } else if (!state.read) {
    list = <p className="naas-Empty">Reading the {noun}…</p>;
  } else if (!state.items.length) {
    list = props.empty;
  } else {
    list = props.children;
  }
  return (
    <>
      {state.read && state.error ? (
        <div className="naas-Banner naas-mod-warning" role="alert">
          {state.error}
        </div>
      ) : null}
      {list}
      {state.read && state.hasMore ? (
        <button
          className="jp-mod-styled naas-Button naas-Manager-more"
          aria-busy={state.loading}
          onClick={() => void state.loadMore()}
        >
          {state.loading ? 'Loading…' : `Load more ${noun}`}
        </button>
      ) : state.read && state.items.length && props.end ? (
        <p className="naas-Empty naas-Manager-end">
          {props.end(state.items.length)}
        </p>
      ) : null}
    </>
  );
}
