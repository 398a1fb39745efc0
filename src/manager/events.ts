/**
 * The events tail, polled once for the whole page: GET events?after=<last id> about every
 * 2 s, backing off on errors (server restarting), standing by while the page is hidden.
 * Whoever wants the live events (the Manager while open, the run failure toasts) acquires
 * it; it polls while someone holds it and stops when nobody does.
 */
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { errorMessage } from '../api/errors';
import { IEvent, IEventTail } from './types';

/** Where the events come from (ManagerService; tests pass a fake). */
export interface IEventsSource {
  tail(after: number, limit?: number): Promise<IEventTail>;
}

export interface IEventsModelOptions {
  source: IEventsSource;
  /** Seconds between two polls (default 2). */
  interval?: number;
  /** The longest wait after errors, in seconds (default 60). */
  maxInterval?: number;
  /** Events asked for at most per poll (default 200; the rest come at the next one). */
  limit?: number;
  /** When to stand by (default: while the page is hidden). */
  standby?: Poll.Standby | (() => boolean | Poll.Standby);
}

/** A hold on the events model: it polls until every hold is disposed. */
export interface IEventsHold {
  readonly isDisposed: boolean;
  dispose(): void;
}

/** Asking for events after this id answers none, only the last id: start from now. */
const FROM_NOW = -1;

export class EventsModel {
  constructor(options: IEventsModelOptions) {
    this._source = options.source;
    this._limit = options.limit ?? 200;
    this._poll = new Poll({
      auto: false,
      factory: () => this.tick(),
      frequency: {
        interval: (options.interval ?? 2) * 1000,
        backoff: true,
        max: (options.maxInterval ?? 60) * 1000
      },
      name: 'naas_lab_ext:events',
      standby: options.standby ?? 'when-hidden'
    });
  }

  /** New events, oldest first, as they are recorded. */
  get received(): ISignal<this, readonly IEvent[]> {
    return this._received;
  }

  /** Emitted when `error` changes. */
  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  /** The id of the last event seen (null until the first answer). */
  get cursor(): number | null {
    return this._cursor;
  }

  /** Why the last poll failed (null when it worked): updates are late meanwhile. */
  get error(): string | null {
    return this._error;
  }

  /** The poll (its frequency, its state). */
  get poll(): Poll {
    return this._poll;
  }

  /** How many hold the model now (it polls while one does). */
  get users(): number {
    return this._users;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Seconds between two polls. */
  set interval(seconds: number) {
    this._poll.frequency = {
      ...this._poll.frequency,
      interval: Math.max(0.5, seconds) * 1000
    };
  }

  /** Poll until the returned handle is disposed (by everyone who acquired). */
  acquire(): IEventsHold {
    let released = false;
    this._users++;
    if (this._users === 1 && !this._isDisposed) {
      // Start from now: events recorded while nobody listened are not news.
      this._cursor = null;
      void this._poll.start();
    }
    const handle: IEventsHold = {
      get isDisposed() {
        return released;
      },
      dispose: () => {
        if (released) {
          return;
        }
        released = true;
        this._users--;
        if (this._users === 0 && !this._isDisposed) {
          void this._poll.stop();
        }
      }
    };
    return handle;
  }

  /**
   * One poll: the events after the cursor, emitted oldest first. Rejects when the server
   * does not answer, so that the Poll backs off.
   */
  async tick(): Promise<void> {
    const after = this._cursor ?? FROM_NOW;
    let answer: IEventTail;
    try {
      answer = await this._source.tail(after, this._limit);
    } catch (reason) {
      this._setError(errorMessage(reason));
      throw reason;
    }
    this._setError(null);
    if (this._isDisposed) {
      return;
    }
    const events = (answer.events ?? []).filter(e => e.id > after);
    if (this._cursor === null) {
      this._cursor = answer.last_id;
      return;
    }
    // `last_id` is the next `after` (it also moves back when the log starts again lower,
    // in a new store); a full page stops at its last event whatever `last_id` says.
    const lastSeen = events.length ? events[events.length - 1].id : null;
    this._cursor =
      lastSeen !== null &&
      (events.length >= this._limit || answer.last_id < lastSeen)
        ? lastSeen
        : answer.last_id;
    if (events.length) {
      this._received.emit(events);
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._poll.dispose();
    Signal.clearData(this);
  }

  private _setError(error: string | null): void {
    if (error !== this._error) {
      this._error = error;
      this._stateChanged.emit();
    }
  }

  private _source: IEventsSource;
  private _limit: number;
  private _poll: Poll;
  private _cursor: number | null = null;
  private _error: string | null = null;
  private _users = 0;
  private _isDisposed = false;
  private _received = new Signal<this, readonly IEvent[]>(this);
  private _stateChanged = new Signal<this, void>(this);
}
