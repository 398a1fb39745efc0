import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitFor } from '@testing-library/react';

import { ApiError } from '../../api/errors';
import { EventsModel } from '../events';
import { IEvent, IEventTail } from '../types';
import { event } from './fixtures';

let model: EventsModel | null = null;
afterEach(() => model?.dispose());

/** A model whose polls never run on their own (the test calls tick()). */
function manual(tail: (after: number, limit?: number) => Promise<IEventTail>) {
  const source = { tail: vi.fn(tail) };
  model = new EventsModel({
    source,
    interval: 3600,
    limit: 2,
    standby: () => true
  });
  const received: IEvent[][] = [];
  model.received.connect((_, events) => received.push([...events]));
  return { model, source, received };
}

describe('EventsModel', () => {
  it('starts from now, then emits what comes after its cursor, oldest first', async () => {
    const answers: IEventTail[] = [
      { events: [], last_id: 40 },
      { events: [], last_id: 40 },
      {
        events: [
          event('run.started', { id: 41 }),
          event('run.failed', { id: 42 })
        ],
        last_id: 43
      },
      { events: [event('run.succeeded', { id: 43 })], last_id: 43 }
    ];
    const { model, source, received } = manual(async () => answers.shift()!);

    await model.tick();
    expect(source.tail).toHaveBeenLastCalledWith(-1, 2);
    expect(model.cursor).toBe(40);
    expect(received).toEqual([]);

    await model.tick();
    expect(source.tail).toHaveBeenLastCalledWith(40, 2);
    expect(received).toEqual([]);

    // A full page (limit 2): the cursor is the last event given, not the last recorded.
    await model.tick();
    expect(received.map(list => list.map(e => e.id))).toEqual([[41, 42]]);
    expect(model.cursor).toBe(42);

    await model.tick();
    expect(source.tail).toHaveBeenLastCalledWith(42, 2);
    expect(received.map(list => list.map(e => e.id))).toEqual([[41, 42], [43]]);
    expect(model.cursor).toBe(43);
  });

  it('goes on from last_id, never emits an event twice, follows a log that starts again lower', async () => {
    const answers: IEventTail[] = [
      { events: [], last_id: 10 },
      {
        events: [
          event('run.failed', { id: 10 }),
          event('run.failed', { id: 11 })
        ],
        last_id: 11
      },
      { events: [], last_id: 3 },
      { events: [event('run.failed', { id: 4 })], last_id: 9 },
      { events: [], last_id: 9 }
    ];
    const { model, received } = manual(async () => answers.shift()!);
    await model.tick();
    await model.tick();
    expect(received.map(list => list.map(e => e.id))).toEqual([[11]]);
    expect(model.cursor).toBe(11);
    // A new store (ids below the cursor): go on from its last id.
    await model.tick();
    expect(model.cursor).toBe(3);
    await model.tick();
    expect(received.map(list => list.map(e => e.id))).toEqual([[11], [4]]);
    // Past the events the server left out (other roots): the next call asks after 9
    expect(model.cursor).toBe(9);
    await model.tick();
    expect(received).toHaveLength(2);
  });

  it('says why a poll failed, rejects (for the backoff), and recovers', async () => {
    let fail = true;
    const { model } = manual(async () => {
      if (fail) {
        throw new ApiError('The Jupyter server cannot be reached.', 0);
      }
      return { events: [], last_id: 5 };
    });
    const changes = vi.fn();
    model.stateChanged.connect(changes);
    await expect(model.tick()).rejects.toThrow('cannot be reached');
    expect(model.error).toBe('The Jupyter server cannot be reached.');
    expect(model.cursor).toBeNull();
    fail = false;
    await model.tick();
    expect(model.error).toBeNull();
    expect(model.cursor).toBe(5);
    expect(changes).toHaveBeenCalledTimes(2);
  });

  it('polls while held, with backoff, and stops when nobody holds it', async () => {
    let calls = 0;
    const source = {
      tail: vi.fn(async (after: number) => {
        calls++;
        // The first two polls fail: the poll backs off, then goes on.
        if (calls <= 2) {
          throw new Error('down');
        }
        return {
          events: after >= 0 ? [event('run.failed', { id: after + 1 })] : [],
          last_id: after + 1
        };
      })
    };
    model = new EventsModel({
      source,
      interval: 0.005,
      maxInterval: 0.05,
      standby: 'never'
    });
    expect(model.poll.frequency).toMatchObject({ interval: 5, backoff: true });
    const received: number[] = [];
    model.received.connect((_, events) =>
      events.forEach(e => received.push(e.id))
    );
    expect(model.poll.state.phase).toBe('constructed');

    const first = model.acquire();
    const second = model.acquire();
    expect(model.users).toBe(2);
    await waitFor(() => expect(received.length).toBeGreaterThanOrEqual(2));
    expect(calls).toBeGreaterThan(3);
    expect(model.error).toBeNull();
    // Each id once, in order
    expect(received).toEqual([...received].sort((a, b) => a - b));
    expect(new Set(received).size).toBe(received.length);

    first.dispose();
    first.dispose();
    expect(model.users).toBe(1);
    expect(model.poll.state.phase).not.toBe('stopped');
    second.dispose();
    expect(model.users).toBe(0);
    await waitFor(() => expect(model!.poll.state.phase).toBe('stopped'));
  });

  it('starts from now again when held anew', async () => {
    const { model, source } = manual(async after => ({
      events: [],
      last_id: after < 0 ? 7 : after
    }));
    const hold = model.acquire();
    await model.tick();
    expect(model.cursor).toBe(7);
    hold.dispose();
    model.acquire();
    expect(model.cursor).toBeNull();
    await model.tick();
    expect(source.tail).toHaveBeenLastCalledWith(-1, 2);
  });

  it('changes its interval', () => {
    const { model } = manual(async () => ({ events: [], last_id: 0 }));
    model.interval = 5;
    expect(model.poll.frequency.interval).toBe(5000);
    model.interval = 0.1;
    expect(model.poll.frequency.interval).toBe(500);
  });
});
