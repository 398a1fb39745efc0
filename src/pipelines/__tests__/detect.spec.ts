import { describe, expect, it, vi } from 'vitest';

import {
  MAX_CHECKED_SIZE,
  notPipelineMessage,
  PipelineNotebooks
} from '../detect';

const notebook = (...sources: string[]) => ({
  cells: sources.map(source => ({ cell_type: 'code', source }))
});

const files: Record<string, unknown> = {
  'shop/setup.ipynb': notebook('%pip install -r requirements.txt'),
  'shop/models/__pipeline__.ipynb': notebook(
    'from naas_data_product import Pipeline, NotebookStep',
    'pipeline = Pipeline([NotebookStep("Collect", "collect.ipynb")])'
  ),
  'shop/models/collect.ipynb': notebook('import pandas as pd')
};

function reader() {
  return {
    get: vi.fn(async (path: string) => ({
      content: files[path],
      last_modified: 't1'
    }))
  };
}

describe('UI finding 5: Run pipeline is offered on pipeline notebooks only', () => {
  it('knows, once the folder is listed, which notebooks are pipelines', async () => {
    const contents = reader();
    const known = new PipelineNotebooks(contents);
    const listed = Object.keys(files).map(path => ({
      path,
      type: 'notebook',
      size: 100,
      last_modified: 't1'
    }));
    expect(known.known('shop/setup.ipynb')).toBeUndefined();
    await known.scan(
      [
        ...listed,
        { path: 'shop/README.md', type: 'file', size: 10 },
        { path: 'shop/outputs/x.ipynb', type: 'notebook', size: 10 },
        { path: 'shop/big.ipynb', type: 'notebook', size: MAX_CHECKED_SIZE + 1 }
      ],
      path => !path.includes('/outputs/')
    );
    expect(known.known('shop/setup.ipynb')).toBe(false);
    expect(known.known('shop/models/collect.ipynb')).toBe(false);
    expect(known.known('shop/models/__pipeline__.ipynb')).toBe(true);
    // not read: not a notebook, not wanted, too big
    expect(contents.get).toHaveBeenCalledTimes(3);
    expect(known.known('shop/big.ipynb')).toBeUndefined();
    // listed again unchanged: not read again
    await known.scan(listed, () => true);
    expect(contents.get).toHaveBeenCalledTimes(3);
    // changed since: read again
    files['shop/setup.ipynb'] = notebook('p = Pipeline([])');
    await known.scan([{ ...listed[0], last_modified: 't2' }], () => true);
    expect(known.known('shop/setup.ipynb')).toBe(true);
  });

  it('says why a notebook cannot run in a message a toast shows whole', () => {
    const path =
      'a-product-with-a-rather-long-name/models/a_notebook_that_is_no_pipeline.ipynb';
    for (const message of [
      notPipelineMessage(path),
      notPipelineMessage('shop/README.md')
    ]) {
      expect(message.length).toBeLessThanOrEqual(140);
    }
    expect(notPipelineMessage(path)).toBe(
      'a_notebook_that_is_no_pipeline.ipynb is not a pipeline: no code cell ' +
        'creates a Pipeline(). Open models/__pipeline__.ipynb instead.'
    );
  });
});
