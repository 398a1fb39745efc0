import { describe, expect, it } from 'vitest';

import { kindLabel } from '../StepDetails';

describe('kindLabel', () => {
  it('names a DummyErrorStep apart from a DummyStep', () => {
    expect(kindLabel('dummy')).toBe('placeholder (DummyStep)');
    expect(kindLabel('dummy', true)).toBe(
      'placeholder that fails (DummyErrorStep)'
    );
    expect(kindLabel('notebook')).toBe('notebook');
    expect(kindLabel('custom')).toBe('custom');
  });
});
