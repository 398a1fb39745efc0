import { describe, expect, it } from 'vitest';

import { inFolder, isWellFormed, relativeTo, templateIdOf } from '../paths';

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

describe('isWellFormed', () => {
  it('tells names Jupyter can put in a URL from names with lone surrogates', () => {
    expect(isWellFormed('données 📈.csv')).toBe(true);
    expect(isWellFormed('a/b/c.csv')).toBe(true);
    expect(isWellFormed('\udcff\udcfe-bad.csv')).toBe(false);
    expect(isWellFormed('x\ud83d')).toBe(false);
    expect(isWellFormed('\ude00x')).toBe(false);
  });
});
