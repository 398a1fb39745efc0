import { describe, expect, it } from 'vitest';

import { ApiError, errorMessage } from '../errors';
import { encodePath, query } from '../request';

describe('query', () => {
  it('keeps defined values, repeats the key of an array, and is empty without values', () => {
    expect(
      query({
        q: 'a b',
        tool: ['x', 'y'],
        limit: 5,
        empty: '',
        none: undefined
      })
    ).toBe('?q=a+b&tool=x&tool=y&limit=5');
    expect(query({ none: undefined, empty: '', tags: [] })).toBe('');
  });
});

describe('encodePath', () => {
  it('encodes each segment but keeps the slashes', () => {
    expect(encodePath('team a/c#1/x?.ipynb')).toBe('team%20a/c%231/x%3F.ipynb');
  });
});

describe('errorMessage', () => {
  it("gives an Error's message, and any other reason as text", () => {
    expect(errorMessage(new ApiError('Conflict', 409))).toBe('Conflict');
    expect(errorMessage(new TypeError('Failed to fetch'))).toBe(
      'Failed to fetch'
    );
    expect(errorMessage('timeout')).toBe('timeout');
    expect(errorMessage(undefined)).toBe('undefined');
  });
});
