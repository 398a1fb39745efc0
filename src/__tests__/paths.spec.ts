import { describe, expect, it } from 'vitest';

import { inFolder, relativeTo, templateIdOf } from '../paths';

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

describe('inFolder', () => {
  it.each([
    ['sales', 'README.md', 'sales/README.md'],
    ['teams/sales', 'models/a.ipynb', 'teams/sales/models/a.ipynb'],
    ['', 'README.md', 'README.md'],
    [null, 'README.md', 'README.md']
  ])('%s + %s -> %s', (folder, name, path) => {
    expect(inFolder(folder, name)).toBe(path);
  });
});

describe('relativeTo', () => {
  it.each([
    ['shop', 'shop/models/etl.ipynb', 'models/etl.ipynb'],
    ['shop', 'shopping/models/etl.ipynb', 'shopping/models/etl.ipynb'],
    ['', 'models/etl.ipynb', 'models/etl.ipynb']
  ])('%s, %s -> %s', (folder, path, relative) => {
    expect(relativeTo(folder, path)).toBe(relative);
  });
});
