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
