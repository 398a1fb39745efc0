/**
 * Paths of the Jupyter root the extension gives a meaning to.
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
