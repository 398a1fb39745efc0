import { describe, expect, it } from 'vitest';

import { MAX_VALUE_BYTES, nameProblem, valueProblem } from '../validation';

describe('nameProblem', () => {
  it('takes the names the server takes', () => {
    for (const name of ['OPENAI_API_KEY', '_x', 'a.b-c_9', 'A'.repeat(128)]) {
      expect(nameProblem(name)).toBeNull();
    }
  });

  it('says what to fix in any other', () => {
    expect(nameProblem('')).toMatch(/Type a name/);
    expect(nameProblem('A'.repeat(129))).toMatch(/at most 128/);
    for (const name of ['1KEY', 'MY KEY', '-x', '.env', 'a/b', 'clé', 'a\0b']) {
      expect(nameProblem(name)).toMatch(/starts with a letter or _/);
    }
  });
});

describe('valueProblem', () => {
  it('takes any text up to 64 KiB of UTF-8', () => {
    expect(valueProblem('x')).toBeNull();
    expect(valueProblem(' spaces and\nnew lines ')).toBeNull();
    expect(valueProblem('a'.repeat(MAX_VALUE_BYTES))).toBeNull();
  });

  it('refuses nothing, a NUL and more than 64 KiB, without quoting the value', () => {
    expect(valueProblem('')).toBe('Type or paste the value.');
    const nul = valueProblem('top\0secret');
    expect(nul).toMatch(/NUL/);
    expect(nul).not.toContain('secret');
    expect(valueProblem('a'.repeat(MAX_VALUE_BYTES + 1))).toMatch(/64 KiB/);
    // Bytes, not characters: 'é' is two
    expect(valueProblem('é'.repeat(MAX_VALUE_BYTES / 2 + 1))).toMatch(/64 KiB/);
  });
});
