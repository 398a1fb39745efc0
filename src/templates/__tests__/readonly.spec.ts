import { describe, expect, it } from 'vitest';

import { hiddenCommands, inTemplates, templateSaveNotice } from '../readonly';

describe('UI finding 13: __templates__ offers nothing the server refuses', () => {
  it('hides Rename, Move to Trash, New Folder... inside the templates folder', () => {
    const inside = hiddenCommands('__templates__/default/Pandas', [
      '__templates__/default/Pandas/Pandas_Read_CSV.ipynb'
    ]);
    for (const command of [
      'filebrowser:rename',
      'filebrowser:delete',
      'filebrowser:create-new-directory',
      'filebrowser:paste'
    ]) {
      expect(inside).toContain(command);
    }
    // the blank area of the folder: no New Folder either
    expect(hiddenCommands('__templates__', [])).toContain(
      'filebrowser:create-new-directory'
    );
  });

  it('hides Rename and Move to Trash of the templates folder itself, not New Folder at the root', () => {
    const hidden = hiddenCommands('', ['__templates__']);
    expect(hidden).toContain('filebrowser:rename');
    expect(hidden).toContain('filebrowser:delete');
    expect(hidden).not.toContain('filebrowser:create-new-directory');
  });

  it('leaves every other folder alone', () => {
    expect(hiddenCommands('sales/models', ['sales/models/x.ipynb'])).toEqual(
      []
    );
    expect(hiddenCommands('', ['__templates__x'])).toEqual([]);
    expect(inTemplates('/__templates__/a.ipynb')).toBe(true);
  });

  it('points a refused save of a template to Open in Lab', () => {
    const notice = templateSaveNotice(
      'Notebook is read-only. Use "Save as…" instead.',
      '__templates__/default/Pandas/Pandas_Read_CSV.ipynb'
    );
    expect(notice).toEqual({
      templateId: 'default/Pandas/Pandas_Read_CSV.ipynb',
      message:
        'Pandas_Read_CSV.ipynb is a template: templates are read-only. ' +
        'Open in Lab makes an editable copy.'
    });
    expect(notice!.message).not.toContain('Save as');
    // another read-only file, or another message: left as JupyterLab says it
    expect(
      templateSaveNotice(
        'Notebook is read-only. Use "Save as…" instead.',
        'sales/x.ipynb'
      )
    ).toBeNull();
    expect(
      templateSaveNotice('Saved', '__templates__/default/x.ipynb')
    ).toBeNull();
  });
});
