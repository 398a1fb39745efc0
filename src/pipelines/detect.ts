/**
 * Which notebooks are pipeline notebooks, known before a menu opens: the file browser's
 * folder is checked as it is listed, so "Run pipeline" / "Open pipeline" are offered on
 * pipeline notebooks only (not on setup.ipynb or a step notebook).
 */
import { isPipelineNotebook } from './runs';

/** What the checker reads a notebook with (Contents.IManager's `get`). */
export interface INotebookReader {
  get(
    path: string,
    options: { type: 'notebook'; content: true }
  ): Promise<{ content: unknown; last_modified?: string }>;
}

/** A listed file: path, type, size and change time. */
export interface IListedFile {
  path: string;
  type: string;
  size?: number | null;
  last_modified?: string;
}

/** Notebooks larger than this are not read ahead (they stay offered). */
export const MAX_CHECKED_SIZE = 2 * 1024 * 1024;

/** Why `path` cannot be run as a pipeline, short enough for a toast (140 characters). */
export function notPipelineMessage(path: string): string {
  const name = path.split('/').pop() ?? path;
  return path.endsWith('.ipynb')
    ? `${name} is not a pipeline: no code cell creates a Pipeline(). Open models/__pipeline__.ipynb instead.`
    : `${name} is not a notebook: open a pipeline notebook (.ipynb).`;
}

export class PipelineNotebooks {
  constructor(private readonly reader: INotebookReader) {}

  /** True or false once `path` was read; undefined while unknown. */
  known(path: string): boolean | undefined {
    return this._known.get(path)?.pipeline;
  }

  /** Read `path` (unless read at this `lastModified`) and remember if it is a pipeline. */
  async check(path: string, lastModified?: string): Promise<boolean> {
    const cached = this._known.get(path);
    if (cached && lastModified && cached.lastModified === lastModified) {
      return cached.pipeline;
    }
    const model = await this.reader.get(path, {
      type: 'notebook',
      content: true
    });
    const pipeline = isPipelineNotebook(model.content);
    this._known.set(path, {
      pipeline,
      lastModified: model.last_modified ?? lastModified
    });
    return pipeline;
  }

  /** Check the notebooks of a listed folder that `wanted` accepts (errors are ignored). */
  async scan(
    files: Iterable<IListedFile>,
    wanted: (path: string) => boolean
  ): Promise<void> {
    const checks: Promise<unknown>[] = [];
    for (const file of files) {
      if (
        file.type === 'notebook' &&
        wanted(file.path) &&
        (file.size ?? 0) <= MAX_CHECKED_SIZE
      ) {
        checks.push(
          this.check(file.path, file.last_modified).catch(() => undefined)
        );
      }
    }
    await Promise.all(checks);
  }

  private _known = new Map<
    string,
    { pipeline: boolean; lastModified?: string }
  >();
}
