import { describe, expect, it } from 'vitest';

import { templateIdOf } from '../paths';

describe('templateIdOf', () => {
  it.each([
    [
      '__templates__/default/Pandas/Pandas_Read_CSV.ipynb',
      'default/Pandas/Pandas_Read_CSV.ipynb'
    ],
    ['__templates__/x.ipynb', 'x.ipynb'],
    ['sales/models/x.ipynb', null],
    ['__templates__/default/README.md', null],
    ['__templates__/../x.ipynb', null],
    ['__templates__x/y.ipynb', null]
  ])('%s -> %s', (path, id) => {
    expect(templateIdOf(path)).toBe(id);
  });
});
