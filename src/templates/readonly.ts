/**
 * `__templates__` is read-only (the server refuses every write there): the file browser
 * does not offer what would be refused, and a refused save points to Open in Lab.
 */
import { TEMPLATES_FOLDER, templateIdOf } from '../paths';

/** File browser commands that write into the folder they act on or the item they name. */
export const ITEM_WRITES = [
  'filebrowser:rename',
  'filebrowser:delete',
  'filebrowser:cut',
  'filebrowser:duplicate'
] as const;
export const FOLDER_WRITES = [
  'filebrowser:create-new-directory',
  'filebrowser:create-new-file',
  'filebrowser:create-new-markdown-file',
  'filebrowser:paste'
] as const;

/** True for `__templates__` itself and anything inside it. */
export function inTemplates(path: string): boolean {
  const clean = path.replace(/^\/+/, '');
  return clean === TEMPLATES_FOLDER || clean.startsWith(`${TEMPLATES_FOLDER}/`);
}

/** The file browser commands to hide from a context menu opened with the browser in
 * `folder` and `selected` items (templates, or the templates folder, are not written). */
export function hiddenCommands(
  folder: string,
  selected: readonly string[]
): string[] {
  const hidden: string[] = [];
  if (inTemplates(folder) || selected.some(inTemplates)) {
    hidden.push(...ITEM_WRITES);
  }
  if (inTemplates(folder)) {
    hidden.push(...FOLDER_WRITES);
  }
  return hidden;
}

/** JupyterLab's warning when a read-only document is saved ("… Use "Save as…" instead."). */
const READ_ONLY_SAVE = /is read-only\. Use "Save as…" instead\.$/;

/** What to say instead when the document saved is a template, or null to leave it. */
export function templateSaveNotice(
  message: string,
  currentPath: string | null
): { message: string; templateId: string } | null {
  const id = currentPath ? templateIdOf(currentPath) : null;
  if (!id || !READ_ONLY_SAVE.test(message)) {
    return null;
  }
  const name = id.split('/').pop() as string;
  return {
    templateId: id,
    message: `${name} is a template: templates are read-only. Open in Lab makes an editable copy.`
  };
}
