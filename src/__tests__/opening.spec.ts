import { describe, expect, it, vi } from 'vitest';

import { isExecutedNotebook, openDocument, outputVersionOf } from '../opening';

describe('isExecutedNotebook', () => {
  it.each([
    ['shop/outputs/pipeline_executions/etl/r1/Collect.ipynb', true],
    ['shop/outputs/setup/20261124/setup.ipynb', true],
    ['a/b/pipeline_executions/etl/1/x.ipynb', true],
    ['shop/models/__pipeline__.ipynb', false],
    ['shop/setup.ipynb', false],
    ['shop/outputs/clean/orders.csv', false],
    ['outputs.ipynb', false]
  ])('%s -> %s', (path, executed) => {
    expect(isExecutedNotebook(path)).toBe(executed);
  });
});

describe('openDocument (UI finding 11)', () => {
  it('opens an executed notebook without starting a kernel', () => {
    const docManager = { openOrReveal: vi.fn() };
    const options = { mode: 'split-right' as const, ref: 'p' };
    openDocument(
      docManager,
      'shop/outputs/pipeline_executions/etl/r1/Collect.ipynb',
      undefined,
      options
    );
    expect(docManager.openOrReveal).toHaveBeenCalledWith(
      'shop/outputs/pipeline_executions/etl/r1/Collect.ipynb',
      undefined,
      undefined,
      options,
      expect.objectContaining({ shouldStart: false, autoStartDefault: false })
    );
  });

  it('opens a notebook to work on with the default kernel', () => {
    const docManager = { openOrReveal: vi.fn() };
    openDocument(docManager, 'shop/models/__pipeline__.ipynb');
    expect(docManager.openOrReveal).toHaveBeenCalledWith(
      'shop/models/__pipeline__.ipynb',
      undefined,
      undefined,
      undefined,
      undefined
    );
  });
});

describe('the version of an output file (UI finding 12)', () => {
  it.each([
    ['shop/outputs/raw/orders/latest/data.json', 'latest'],
    [
      'shop/outputs/raw/orders/2026-11-23T08.00.00.000Z/data.json',
      '2026-11-23 08:00:00'
    ],
    ['outputs/raw/orders/latest/data.json', 'latest'],
    ['shop/outputs/raw/latest/data.json', null],
    ['shop/outputs/pipeline_executions/etl/r1/Collect.ipynb', null],
    ['shop/models/latest/data.json', null],
    ['shop/outputs/raw/orders/notes/data.json', null]
  ])('%s -> %s', (path, version) => {
    expect(outputVersionOf(path)).toBe(version);
  });

  it("puts the version in the document's tab, never in its label", () => {
    const title = { label: 'data.json', dataset: { other: 'kept' } };
    const docManager = { openOrReveal: vi.fn(() => ({ title })) };
    openDocument(
      docManager as never,
      'shop/outputs/raw/orders/2026-11-23T08.00.00.000Z/data.json'
    );
    expect(title.label).toBe('data.json');
    expect(title.dataset).toEqual({
      other: 'kept',
      'naas-version': '2026-11-23 08:00:00'
    });
    const plain = { label: 'README.md', dataset: {} };
    openDocument(
      { openOrReveal: vi.fn(() => ({ title: plain })) } as never,
      'shop/README.md'
    );
    expect(plain.dataset).toEqual({});
  });
});
