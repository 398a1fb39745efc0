import { expect, test } from '@jupyterlab/galata';

import { TemplatesSection } from './helpers';

test.describe('Template library', () => {
  test('search ranks templates as you type, with filters', async ({ page }) => {
    const templates = new TemplatesSection(page);
    await templates.open();
    // The server syncs the bundled templates at start: the list fills
    await expect(templates.list.getByRole('option').first()).toBeVisible({ timeout: 30000 });

    await templates.search.fill('excel');
    await expect(templates.template(/Pandas - Read Excel/)).toBeVisible();
    await expect(templates.template(/Excel - Export Report/)).toBeVisible();
    // title and tool weigh more than body text: a title match comes first
    const first = templates.list.getByRole('option').first();
    await expect(first).toContainText(/Excel/);

    // the tool filter keeps one tool
    await templates.root
      .getByRole('combobox', { name: 'Filter by tool' })
      .selectOption('Excel');
    await expect(templates.template(/Pandas - Read Excel/)).toHaveCount(0);
    await expect(templates.template(/Excel - Export Report/)).toBeVisible();
  });

  test('preview shows the cells read-only; Open in Lab opens an editable copy', async ({
    page
  }) => {
    const templates = new TemplatesSection(page);
    await templates.open();
    await templates.search.fill('read csv');
    const item = templates.template(/Pandas - Read CSV/);
    await item.click();

    // the preview tab shows the template's markdown and code, rendered
    const preview = page.locator('#naas-template-preview');
    await expect(preview.getByRole('heading', { name: 'Pandas - Read CSV', level: 1 }).first())
      .toBeVisible();
    await expect(preview.locator('.naas-TemplatePreview-cell.naas-mod-code').first()).toBeVisible();
    await expect(preview.getByRole('table', { name: 'Parameters' })).toBeVisible();
    await page.screenshot({ path: 'test-results/template-preview.png' });

    // Open in Lab copies it to the root and opens the copy
    await templates.root.getByRole('button', { name: 'Open in Lab' }).click();
    await expect(page.getByRole('tab', { name: 'Pandas_Read_CSV.ipynb' })).toBeVisible();
    expect(await page.contents.fileExists('Pandas_Read_CSV.ipynb')).toBe(true);
    // a second copy never overwrites the first
    await templates.root.getByRole('button', { name: 'Open in Lab' }).click();
    await expect(page.getByRole('tab', { name: 'Pandas_Read_CSV_(1).ipynb' })).toBeVisible();
    await page.contents.deleteFile('Pandas_Read_CSV.ipynb');
    await page.contents.deleteFile('Pandas_Read_CSV_(1).ipynb');
  });

  test('right-click Add to models copies a template into the product', async ({
    page,
    tmpPath
  }) => {
    // Given a data product
    await page.evaluate(async parent => {
      await window.jupyterapp.commands.execute('naas-lab-ext:new-product', {
        name: 'crm',
        parent
      });
    }, tmpPath);

    // When the user right-clicks a notebook in __templates__ and chooses Add to models
    await page.filebrowser.openDirectory('__templates__/default/Requests');
    const item = page.locator('.jp-DirListing-item', {
      hasText: 'Requests_Call_HTTP_API.ipynb'
    });
    await item.click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Add to models' }).click();

    // Then (one product here, or asked which) the copy lands in its models/ and opens
    const dialog = page.getByRole('dialog');
    if (await dialog.isVisible()) {
      await dialog.getByRole('combobox').selectOption(`${tmpPath}/crm`);
      await dialog.getByRole('button', { name: 'Add' }).click();
    }
    await expect(page.getByRole('tab', { name: 'Requests_Call_HTTP_API.ipynb' })).toBeVisible();
    expect(
      await page.contents.fileExists(`${tmpPath}/crm/models/Requests_Call_HTTP_API.ipynb`)
    ).toBe(true);
  });

  test('__templates__ is read-only in the file browser', async ({ page }) => {
    // Saving a file into __templates__ through the contents API is refused with a message
    const response = await page.request.put(
      '/api/contents/__templates__/default/mine.txt',
      { data: { type: 'file', format: 'text', content: 'x' } }
    );
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain('read-only');
  });
});
