import { afterEach, describe, expect, it, vi } from 'vitest';

import { etlRun } from '../../pipelines/__tests__/fixtures';
import { IRun } from '../../pipelines/types';
import { EventsModel } from '../events';
import { RunNotices } from '../notices';
import { RunFailureToasts, failureText } from '../toasts';
import { IEvent } from '../types';
import { event } from './fixtures';

const failedRun = (id: string): IRun =>
  etlRun(
    id,
    'FAILED',
    { Collect: 'SUCCEEDED', 'Clean A': 'FAILED', Publish: 'SKIPPED' },
    { pipeline: 'etl', product: 'team/sales' }
  );

function withError(run: IRun): IRun {
  return {
    ...run,
    steps: run.steps.map(s =>
      s.status === 'FAILED'
        ? {
            ...s,
            error: {
              name: 'ValueError',
              message: '3 bad rows',
              cell_index: 1,
              execution_count: 2,
              cell_source: 'raise ValueError()',
              traceback: ''
            }
          }
        : s
    )
  };
}

let events: EventsModel | null = null;
afterEach(() => events?.dispose());

function setUp(
  getRun: (id: string) => Promise<IRun> = async id => withError(failedRun(id))
) {
  events = new EventsModel({
    source: { tail: async () => ({ events: [], last_id: 0 }) },
    interval: 3600,
    standby: () => true
  });
  const notices = new RunNotices();
  const notifier = {
    emit: vi.fn<(text: string, type: string, options: unknown) => string>(
      () => 'toast'
    )
  };
  const openInManager = vi.fn();
  const toasts = new RunFailureToasts({
    events,
    getRun: vi.fn(getRun),
    notices,
    notifier,
    titleOf: product => (product === 'team/sales' ? 'Sales' : product),
    openInManager
  });
  toasts.enabled = true;
  return { toasts, notices, notifier, openInManager, events };
}

const failed = (run: string, extra: Partial<IEvent> = {}): IEvent =>
  event(
    'run.failed',
    { subject_id: run, ...extra },
    { run_id: run, pipeline: 'etl' }
  );

describe('RunFailureToasts', () => {
  it('toasts a failed run: product, pipeline, failed step and error, Open in Manager', async () => {
    const { toasts, notifier, openInManager } = setUp();
    await toasts.handle([event('run.started'), failed('r1')]);
    expect(notifier.emit).toHaveBeenCalledTimes(1);
    const [text, type, options] = notifier.emit.mock.calls[0] as unknown as [
      string,
      string,
      { autoClose: false; actions: { label: string; callback: () => void }[] }
    ];
    expect(text).toBe(
      'Sales · etl: the run failed at step Clean A: ValueError: 3 bad rows'
    );
    expect(type).toBe('error');
    expect(options.autoClose).toBe(false);
    expect(options.actions.map(a => a.label)).toEqual(['Open in Manager']);
    options.actions[0].callback();
    expect(openInManager).toHaveBeenCalledWith('r1');
  });

  it('toasts a run once, whoever saw it first, and only under the root', async () => {
    const { toasts, notices, notifier } = setUp();
    // A Pipeline view toasted r2 already
    expect(notices.claim('r2')).toBe(true);
    await toasts.handle([
      failed('r1'),
      failed('r1', { id: 1001 }),
      event('run.interrupted', { subject_id: 'r1' }),
      failed('r2'),
      failed('r3', { product: null }),
      event('run.cancelled', { subject_id: 'r4' })
    ]);
    expect(notifier.emit).toHaveBeenCalledTimes(1);
    // ...and the Pipeline view following r1 does not toast it either.
    expect(notices.claim('r1')).toBe(false);
  });

  it('listens to the shared events only while enabled', async () => {
    const { toasts, notifier, events } = setUp();
    expect(events.users).toBe(1);
    toasts.enabled = false;
    expect(events.users).toBe(0);
    await toasts.handle([failed('r5')]);
    expect(notifier.emit).not.toHaveBeenCalled();
    toasts.enabled = true;
    toasts.enabled = true;
    expect(events.users).toBe(1);
    toasts.dispose();
    expect(events.users).toBe(0);
  });

  it('says what the event says when the run cannot be read', async () => {
    const { toasts, notifier } = setUp(async () => {
      throw new Error('gone');
    });
    await toasts.handle([
      event(
        'run.failed',
        {
          subject_id: 'r6',
          message: "Run of 'etl' failed at step Check: ValueError: 3 bad rows"
        },
        { run_id: 'r6', pipeline: 'etl', failed_steps: ['Check'] }
      )
    ]);
    expect(notifier.emit.mock.calls[0][0]).toBe(
      "Sales · etl: Run of 'etl' failed at step Check: ValueError: 3 bad rows"
    );
  });
});

describe('failureText', () => {
  it('says an interrupted run, a run error, several failed steps', () => {
    const interrupted = event('run.interrupted', {}, { pipeline: 'etl' });
    expect(failureText(interrupted, null, 'Sales')).toBe(
      'Sales · etl: the run was interrupted (the process running it stopped)'
    );
    const run = {
      ...etlRun('7', 'FAILED'),
      error: 'Its definition cannot be read.'
    };
    expect(failureText(failed('7'), run, 'Shop')).toBe(
      'Shop · etl: the run failed: Its definition cannot be read.'
    );
    const two = etlRun('8', 'FAILED', {
      Collect: 'FAILED',
      'Clean A': 'FAILED'
    });
    expect(failureText(failed('8'), two, 'Shop')).toBe(
      'Shop · etl: the run failed at steps Collect, Clean A'
    );
    const long = { ...run, error: 'x'.repeat(400) };
    expect(failureText(failed('7'), long, 'Shop').length).toBeLessThan(340);
  });
});

describe('RunNotices', () => {
  it('says yes once a run, and forgets the oldest beyond its size', () => {
    const notices = new RunNotices(2);
    expect(notices.claim('a')).toBe(true);
    expect(notices.claim('a')).toBe(false);
    notices.claim('b');
    notices.claim('c');
    expect(notices.claim('a')).toBe(true);
    expect(notices.claim('c')).toBe(false);
  });
});
