import { describe, expect, it } from 'vitest';

import {
  codeAsMarkdown,
  formatBytes,
  formatDuration,
  formatTime,
  formatVersion
} from '../format';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KB'],
    [500 * 1024 * 1024, '500 MB'],
    [3.25 * 1024 ** 3, '3.3 GB'],
    [-1, '—']
  ])('%d -> %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('formatVersion', () => {
  it('shows a version as a readable UTC time', () => {
    expect(formatVersion('2026-11-23T08.05.09.123Z')).toBe(
      '2026-11-23 08:05:09 UTC'
    );
    expect(formatVersion('latest')).toBe('latest');
  });
});

describe('formatDuration', () => {
  it.each([
    [0.85, '850 ms'],
    [12.34, '12.3 s'],
    [245, '4 min 05 s'],
    [7380, '2 h 03 min'],
    [null, '—']
  ])('%s -> %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('codeAsMarkdown', () => {
  it('fences code longer than any fence inside it', () => {
    expect(codeAsMarkdown('x = 1')).toBe('```python\nx = 1\n```');
    const tricky = 'doc = """\n```\nnot the end\n```\n"""';
    const md = codeAsMarkdown(tricky);
    expect(md.startsWith('````python\n')).toBe(true);
    expect(md.endsWith('\n````')).toBe(true);
  });
});

describe('formatTime', () => {
  // Local time: build the expectations from Date too, so any time zone passes.
  const at = new Date(2026, 10, 24, 9, 5, 7);

  it('shows the time of a timestamp of today, the date and time otherwise', () => {
    expect(formatTime(at.toISOString(), new Date(2026, 10, 24, 18, 0))).toBe(
      '09:05:07'
    );
    expect(formatTime(at.toISOString(), new Date(2026, 10, 25, 1, 0))).toBe(
      '2026-11-24 09:05'
    );
  });

  it('shows a dash when missing and unreadable text as is', () => {
    expect(formatTime(null)).toBe('—');
    expect(formatTime('soon')).toBe('soon');
  });
});
