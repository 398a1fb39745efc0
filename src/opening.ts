/**
 * How the extension opens files: an executed notebook (a pipeline step's or a deploy's
 * copy, under a product's outputs/) opens without a kernel, to read, not to run; a file of
 * an output's version says which version in its tab (`data.json · latest`).
 */
import { IDocumentManager } from '@jupyterlab/docmanager';

import { formatVersion } from './format';

/** The `data-*` attribute (Lumino sets it as written) of a tab that names the version of the output file it shows. */
export const VERSION_DATASET_KEY = 'naas-version';

/**
 * Which copy of an output a file is, by its path (`outputs/<layer>/<dataset>/<version or
 * latest>/<file>`): "latest" or the version's date and time (UTC); null for any other file.
 */
export function outputVersionOf(path: string): string | null {
  const parts = path.split('/');
  const outputs = parts.lastIndexOf('outputs');
  if (outputs < 0 || parts.length - outputs < 5) {
    return null;
  }
  const folder = parts[parts.length - 2];
  if (folder === 'latest') {
    return 'latest';
  }
  const date = formatVersion(folder);
  return date === folder ? null : date.replace(/ UTC$/, '');
}

/** True for a notebook under an `outputs` or `pipeline_executions` folder. */
export function isExecutedNotebook(path: string): boolean {
  if (!path.endsWith('.ipynb')) {
    return false;
  }
  const folders = path.split('/').slice(0, -1);
  return folders.some(
    part => part === 'outputs' || part === 'pipeline_executions'
  );
}

/** Open (or reveal) `path`; an executed notebook gets no kernel. */
export function openDocument(
  docManager: Pick<IDocumentManager, 'openOrReveal'>,
  path: string,
  factory?: string,
  options?: Parameters<IDocumentManager['openOrReveal']>[3]
): ReturnType<IDocumentManager['openOrReveal']> {
  const widget = docManager.openOrReveal(
    path,
    factory,
    undefined,
    options,
    isExecutedNotebook(path)
      ? { shouldStart: false, canStart: true, autoStartDefault: false }
      : undefined
  );
  const version = outputVersionOf(path);
  if (widget && version) {
    // Not the label: a document's tab label is its file name, and changing it renames the
    // file. The tab shows this after the name (style/base.css).
    widget.title.dataset = {
      ...widget.title.dataset,
      [VERSION_DATASET_KEY]: version
    };
  }
  return widget;
}
