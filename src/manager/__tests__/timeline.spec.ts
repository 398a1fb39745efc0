import { describe, expect, it } from 'vitest';

import { etlRun } from '../../pipelines/__tests__/fixtures';
import { IRun, IRunStep } from '../../pipelines/types';
import { axisTicks, offsetLabel, runTimeline } from '../timeline';

const T0 = '2026-11-30T04:00:00.000Z';
const at = (seconds: number): string =>
  new Date(new Date(T0).getTime() + seconds * 1000).toISOString();

function step(
  name: string,
  status: IRunStep['status'],
  start: number | null,
  end: number | null,
  extra: Partial<IRunStep> = {}
): IRunStep {
  return {
    ...etlRun('1', 'FAILED').steps[0],
    name,
    status,
    started_at: start === null ? null : at(start),
    ended_at: end === null ? null : at(end),
    duration: start !== null && end !== null ? end - start : null,
    ...extra
  };
}

function run(
  status: IRun['status'],
  steps: IRunStep[],
  end: number | null
): IRun {
  return {
    ...etlRun('1', status),
    started_at: T0,
    ended_at: end === null ? null : at(end),
    steps
  };
}

describe('runTimeline', () => {
  it('places each step on the run’s span, and nothing for those that did not start', () => {
    const timeline = runTimeline(
      run(
        'FAILED',
        [
          step('Collect', 'SUCCEEDED', 0, 10),
          step('Clean', 'FAILED', 10, 30),
          step('Alert', 'SUCCEEDED', 30, 40, { role: 'on_error' }),
          step('Publish', 'SKIPPED', null, null)
        ],
        40
      )
    )!;
    expect(timeline.span).toBe(40);
    const rows = Object.assign(
      {},
      ...timeline.rows.map(r => ({ [r.name]: r }))
    ) as Record<string, (typeof timeline.rows)[number]>;
    expect(rows.Collect).toMatchObject({
      ran: true,
      left: 0,
      width: 0.25,
      offset: 0
    });
    expect(rows.Clean).toMatchObject({
      status: 'FAILED',
      left: 0.25,
      width: 0.5,
      offset: 10,
      duration: 20
    });
    expect(rows.Alert).toMatchObject({
      role: 'on_error',
      left: 0.75,
      width: 0.25
    });
    expect(rows.Publish).toMatchObject({ ran: false, width: 0, offset: null });
    // Ticks every 10 s from 0 to the end
    expect(timeline.ticks.map(t => t.label)).toEqual([
      '0 s',
      '+10 s',
      '+20 s',
      '+30 s',
      '+40 s'
    ]);
    expect(timeline.ticks.map(t => t.at)).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('runs a live run’s axis, and its running step, up to now', () => {
    const timeline = runTimeline(
      run(
        'RUNNING',
        [
          step('Collect', 'SUCCEEDED', 0, 30),
          step('Clean', 'RUNNING', 30, null)
        ],
        null
      ),
      new Date(at(120))
    )!;
    expect(timeline.span).toBe(120);
    expect(timeline.rows[0]).toMatchObject({ left: 0, width: 0.25 });
    expect(timeline.rows[1]).toMatchObject({
      left: 0.25,
      width: 0.75,
      duration: 90
    });
    expect(timeline.ticks.map(t => t.label)).toEqual([
      '0 s',
      '+30 s',
      '+1 min',
      '+1 min 30 s',
      '+2 min'
    ]);
  });

  it('uses a step’s duration when its end was not written, and keeps bars inside', () => {
    const timeline = runTimeline(
      run(
        'SUCCEEDED',
        [
          step('A', 'SUCCEEDED', 0, null, { duration: 2 }),
          // A clock a little off: the step "ends" after the run
          step('B', 'SUCCEEDED', 2, 5)
        ],
        4
      )
    )!;
    expect(timeline.span).toBe(5);
    expect(timeline.rows[0]).toMatchObject({ left: 0, width: 0.4 });
    expect(timeline.rows[1].left + timeline.rows[1].width).toBeLessThanOrEqual(
      1
    );
  });

  it('has no timeline before anything started', () => {
    expect(
      runTimeline({ ...etlRun('1', 'PENDING'), started_at: null })
    ).toBeNull();
  });
});

describe('axis', () => {
  it('picks round spacings and labels them', () => {
    expect(axisTicks(0.9).map(t => t.label)).toEqual([
      '0 s',
      '+200 ms',
      '+400 ms',
      '+600 ms',
      '+800 ms'
    ]);
    expect(axisTicks(3 * 3600).length).toBeLessThanOrEqual(7);
    expect(axisTicks(0)).toHaveLength(1);
    expect(offsetLabel(5400)).toBe('+1 h 30 min');
    expect(offsetLabel(7200)).toBe('+2 h');
    expect(offsetLabel(2.5)).toBe('+2.5 s');
  });
});
