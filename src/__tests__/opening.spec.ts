import { describe, expect, it, vi } from 'vitest';

import { isExecutedNotebook, openDocument } from '../opening';

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
