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

describe('encodePath of a name that is not UTF-8', () => {
  it('keeps the separators, and says what to do with a name that is not UTF-8', () => {
    expect(encodePath('team/données 📈.csv')).toBe(
      'team/donn%C3%A9es%20%F0%9F%93%88.csv'
    );
    let error: unknown = null;
    try {
      encodePath('team/\udcff-bad');
    } catch (reason) {
      error = reason;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).message).toBe(
      "'team/\uFFFD-bad' is not a valid UTF-8 name, so it cannot be asked of the server: " +
        'rename it (for example in a terminal), then refresh.'
    );
  });
});
