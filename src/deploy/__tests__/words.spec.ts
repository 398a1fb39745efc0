import { describe, expect, it } from 'vitest';

import {
  agoInWords,
  dueInWords,
  durationInWords,
  nextRunInWords,
  plural,
  shortSha,
  soonestRun,
  testsInWords
} from '../words';
import { NOW, schedule } from './fixtures';

const later = (seconds: number): string =>
  new Date(NOW.getTime() + seconds * 1000).toISOString();

describe('durationInWords', () => {
  it.each([
    [0, '0 s'],
    [45, '45 s'],
    [59.4, '59 s'],
    [59.6, '1 min'],
    [12 * 60 + 10, '12 min'],
    [3599, '1 h'],
    [80 * 60, '1 h 20 min'],
    [3 * 3600 - 200, '3 h'],
    [23.4 * 3600, '23 h'],
    [24 * 3600 - 10, '1 d'],
    [28 * 3600, '1 d 4 h'],
    [48 * 3600 - 60, '2 d'],
    [6.2 * 86400, '6 d']
  ])('%d s -> %s', (seconds, text) => {
    expect(durationInWords(seconds)).toBe(text);
  });
});

describe('nextRunInWords', () => {
  it('says how long until the next run, at the scale that matters', () => {
    expect(nextRunInWords(schedule(), NOW)).toBe('next in 3 h');
    expect(nextRunInWords(schedule({ next_run: later(30) }), NOW)).toBe(
      'next in 30 s'
    );
    expect(nextRunInWords(schedule({ next_run: later(90) }), NOW)).toBe(
      'next in 2 min'
    );
    expect(nextRunInWords(schedule({ next_run: later(3 * 86400) }), NOW)).toBe(
      'next in 3 d'
    );
  });

  it('says a due time that just passed is now, and an older one overdue', () => {
    expect(nextRunInWords(schedule({ next_run: later(-20) }), NOW)).toBe(
      'next run now'
    );
    expect(nextRunInWords(schedule({ next_run: later(-300) }), NOW)).toBe(
      'next run overdue by 5 min'
    );
  });

  it('is null while paused, or with no next run', () => {
    expect(nextRunInWords(schedule({ paused: true }), NOW)).toBeNull();
    expect(nextRunInWords(schedule({ next_run: null }), NOW)).toBeNull();
  });
});

describe('dueInWords', () => {
  it('keeps an unreadable time as it is', () => {
    expect(dueInWords('tomorrow', NOW)).toBe('at tomorrow');
  });
});

describe('soonestRun', () => {
  it('is the earliest next run of the schedules not paused', () => {
    const runs = [
      schedule({ id: 'a', next_run: later(7200) }),
      schedule({ id: 'b', next_run: later(60), paused: true }),
      schedule({ id: 'c', next_run: later(600) }),
      schedule({ id: 'd', next_run: null })
    ];
    expect(soonestRun(runs)).toBe(later(600));
    expect(soonestRun([schedule({ paused: true })])).toBeNull();
  });
});

describe('agoInWords', () => {
  it('says how long ago, "just now" under a minute', () => {
    expect(agoInWords(later(-10), NOW)).toBe('just now');
    expect(agoInWords(later(-3 * 3600), NOW)).toBe('3 h ago');
    expect(agoInWords(later(-2 * 86400), NOW)).toBe('2 d ago');
    expect(agoInWords(null, NOW)).toBe('—');
    expect(agoInWords('garbage', NOW)).toBe('garbage');
  });
});

describe('facts of a deployment', () => {
  it('shortens a commit, counts, and says how the tests went', () => {
    expect(shortSha('0123456789abcdef')).toBe('0123456');
    expect(shortSha(null)).toBeNull();
    expect(plural(1, 'schedule')).toBe('1 schedule');
    expect(plural(2, 'schedule')).toBe('2 schedules');
    expect(testsInWords({ tests: 'passed' })).toBe('passed');
    expect(testsInWords({ tests: 'skipped' })).toBe('skipped');
    expect(testsInWords({ tests: null })).toBe('not run');
  });
});
