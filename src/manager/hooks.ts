/**
 * React hooks of the Manager: re-render on a signal, load data again when its inputs
 * change (keeping what shows meanwhile), wait for typing to pause.
 */
import { ISignal } from '@lumino/signaling';
import * as React from 'react';

import { errorMessage } from '../api/errors';

/** Re-render whenever `signal` is emitted. */
export function useSignal<T>(signal: ISignal<T, unknown>): void {
  const [, setTick] = React.useState(0);
  React.useEffect(() => {
    const onEmit = (): void => setTick(t => t + 1);
    signal.connect(onEmit);
    return () => {
      signal.disconnect(onEmit);
    };
  }, [signal]);
}

export interface ILoaded<T> {
  /** The last data read (kept while reading again). */
  data: T | null;
  /** Why the last read failed (null when it worked). */
  error: string | null;
  loading: boolean;
  /** Change the data shown (after an action answered the new state). */
  setData: React.Dispatch<React.SetStateAction<T | null>>;
}

/** Read `load()` now and whenever `deps` change; a stale answer is dropped. */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: React.DependencyList
): ILoaded<T> {
  const [data, setData] = React.useState<T | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [loading, setLoading] = React.useState(true);
  React.useEffect(() => {
    let current = true;
    setLoading(true);
    load()
      .then(value => {
        if (current) {
          setData(value);
          setError(null);
        }
      })
      .catch(reason => current && setError(errorMessage(reason)))
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, deps);
  return { data, error, loading, setData };
}

/**
 * `value`, once it stayed the same for `ms` milliseconds (at once when `ms` is 0). Compared
 * with ===: give it a string or a number, not an object made at each render.
 */
export function useDebounced<T extends string | number>(
  value: T,
  ms: number
): T {
  const [settled, setSettled] = React.useState(value);
  React.useEffect(() => {
    if (ms <= 0) {
      setSettled(value);
      return;
    }
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return ms <= 0 ? value : settled;
}

/** One page of a list read with a cursor: its items and the cursor of the next page. */
export interface IPage<T, C> {
  items: T[];
  /** The cursor of the next (older) page; null after the last one. */
  next: C | null;
}

export interface IPagedList<T> {
  /** Every item of the pages read so far. */
  items: T[];
  /** Whether an older page is left ("Load more"). */
  hasMore: boolean;
  loading: boolean;
  /** Why the last read failed (null when it worked). */
  error: string | null;
  /** Whether a first page was ever read (before: show "Reading…"). */
  read: boolean;
  /** Read the next page and add it. */
  loadMore: () => Promise<void>;
}

/**
 * A live list read page by page with a cursor, newest first: the first page is read now,
 * again when `key` changes (the filters: the list is replaced) and when `tick` changes
 * (something changed on the server: it is merged into the pages already read, which keep
 * their cursor). `fetch(null)` reads the first page, `fetch(cursor)` the one after `cursor`;
 * `merge` joins lists (unique, newest first).
 */
export function usePagedList<T, C>(
  fetch: (before: C | null) => Promise<IPage<T, C>>,
  merge: (...lists: T[][]) => T[],
  key: string,
  tick: number
): IPagedList<T> {
  const [state, setState] = React.useState<{
    items: T[];
    next: C | null;
    loading: boolean;
    error: string | null;
  }>({ items: [], next: null, loading: true, error: null });
  const shownKey = React.useRef<string | null>(null);

  React.useEffect(() => {
    let current = true;
    const sameKey = shownKey.current === key;
    setState(s => ({ ...s, loading: true }));
    fetch(null)
      .then(page => {
        if (!current) {
          return;
        }
        setState(s => ({
          items: sameKey ? merge(s.items, page.items) : page.items,
          // more pages read than this first one: their cursor still holds
          next:
            sameKey && s.items.length > page.items.length ? s.next : page.next,
          loading: false,
          error: null
        }));
        shownKey.current = key;
      })
      .catch(reason => {
        if (current) {
          setState(s => ({
            ...s,
            loading: false,
            error: errorMessage(reason)
          }));
        }
      });
    return () => {
      current = false;
    };
  }, [key, tick]);

  const loadMore = async (): Promise<void> => {
    if (state.next === null || state.loading) {
      return;
    }
    setState(s => ({ ...s, loading: true }));
    try {
      const page = await fetch(state.next);
      setState(s => ({
        items: merge(s.items, page.items),
        next: page.next,
        loading: false,
        error: null
      }));
    } catch (reason) {
      setState(s => ({ ...s, loading: false, error: errorMessage(reason) }));
    }
  };

  return {
    items: state.items,
    hasMore: state.next !== null,
    loading: state.loading,
    error: state.error,
    read: shownKey.current !== null,
    loadMore
  };
}
