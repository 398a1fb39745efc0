/**
 * Paths of the Jupyter root the extension gives a meaning to, and how paths join.
 */

/** The folder the server keeps the template library in, under the root. */
export const TEMPLATES_FOLDER = '__templates__';

/** The template id of a path in the file browser, or null if it is not a template. */
export function templateIdOf(path: string): string | null {
  const prefix = `${TEMPLATES_FOLDER}/`;
  if (!path.startsWith(prefix) || !path.endsWith('.ipynb')) {
    return null;
  }
  const id = path.slice(prefix.length);
  return id.split('/').includes('..') ? null : id;
}

/** `name` inside `folder` ('' or none: the root), e.g. `sales/README.md`. */
export function inFolder(
  folder: string | null | undefined,
  name: string
): string {
  return folder ? `${folder}/${name}` : name;
}

/** `path` relative to `folder` when it is inside it, else `path` as it is. */
export function relativeTo(folder: string, path: string): string {
  return folder && path.startsWith(`${folder}/`)
    ? path.slice(folder.length + 1)
    : path;
}

/**
 * Whether `text` is well-formed Unicode. A file name that is not valid UTF-8 on disk reaches
 * the browser with lone surrogates (the server's surrogateescape): Jupyter cannot build a
 * URL for it (`encodeURIComponent` throws "URI malformed"), so it cannot be opened from Lab.
 */
export function isWellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(
    text
  );
}
