/**
 * How the extension opens files: an executed notebook (a pipeline step's or a deploy's
 * copy, under a product's outputs/) opens without a kernel, to read, not to run.
 */
import { IDocumentManager } from '@jupyterlab/docmanager';

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
  return docManager.openOrReveal(
    path,
    factory,
    undefined,
    options,
    isExecutedNotebook(path)
      ? { shouldStart: false, canStart: true, autoStartDefault: false }
      : undefined
  );
}
