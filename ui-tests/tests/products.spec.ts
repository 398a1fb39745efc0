import { expect, test } from '@jupyterlab/galata';

import { PANEL_ID, ProductsPanel, fillForm } from './helpers';

test.describe('Data Products panel', () => {
  test('creates a product from the sidebar form, opens its README and lists it', async ({
    page,
    tmpPath
  }) => {
    // Given the Data Products panel, opened from its own sidebar tab
    const panel = new ProductsPanel(page);
    await expect(page.locator(`.jp-SideBar [data-id="${PANEL_ID}"]`)).toBeVisible();
    await panel.open();
    await panel.showForm();

    // When the user fills the form and clicks Create
    await fillForm(panel.form, {
      title: 'Weekly Sales',
      description: 'Sales by region, every Monday.',
      contactName: 'Ada Lovelace',
      contactEmail: 'ada@example.com',
      parent: tmpPath
    });
    await expect(panel.form.getByLabel('Folder name', { exact: false })).toHaveValue(
      'weekly-sales'
    );
    await panel.form.getByRole('button', { name: 'Create' }).click();

    // Then the README of the new product opens, filled from the form
    const readmeTab = page.getByRole('tab', { name: 'README.md' });
    await expect(readmeTab).toBeVisible();
    const rendered = page.locator('.jp-RenderedMarkdown').last();
    await expect(rendered.getByRole('heading', { name: 'Weekly Sales', level: 1 })).toBeVisible();
    await expect(rendered).toContainText('Sales by region, every Monday.');
    await expect(rendered).toContainText('Ada Lovelace');

    // And the product is listed and selected, with its details
    await expect(panel.product(/Weekly Sales/)).toHaveAttribute('aria-selected', 'true');
    const details = panel.root.getByRole('region', { name: 'Details of Weekly Sales' });
    await expect(details).toContainText(`${tmpPath}/weekly-sales`);
    await expect(details).toContainText('__pipeline__.ipynb');

    // And the layout exists on disk (seen through the contents API)
    for (const path of [
      'setup.ipynb',
      'product.json',
      'requirements.txt',
      'models/__pipeline__.ipynb',
      'inputs/params.json',
      'tests/test_product.py',
      'utils/README.md',
      'assets/README.md',
      'outputs/README.md'
    ]) {
      expect(await page.contents.fileExists(`${tmpPath}/weekly-sales/${path}`)).toBe(true);
    }
    await page.screenshot({ path: 'test-results/product-created.png' });
  });

  test('runs "New data product" from the command palette', async ({ page, tmpPath }) => {
    // When the user runs the command from the palette
    await page.keyboard.press('Control+Shift+C');
    const palette = page.locator('#modal-command-palette');
    await palette.locator('input').fill('New data product');
    await palette.getByText('New data product', { exact: true }).click();

    // Then a dialog asks for the product, with the same form
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByText('New data product')).toBeVisible();
    await fillForm(dialog, { title: 'Churn Model', parent: tmpPath });
    await dialog.getByRole('button', { name: 'Create data product' }).click();

    // And the product is created: README open and listed in the panel
    await expect(dialog).toHaveCount(0);
    await expect(page.getByRole('tab', { name: 'README.md' })).toBeVisible();
    const panel = new ProductsPanel(page);
    await panel.open();
    await expect(panel.product(/Churn Model/)).toBeVisible();
  });

  test('shows what to fix: invalid input and an existing folder', async ({ page, tmpPath }) => {
    const panel = new ProductsPanel(page);
    await panel.open();
    await panel.showForm();

    // Invalid input is caught before anything is sent
    await fillForm(panel.form, { name: '../escape', contactEmail: 'nope', parent: tmpPath });
    await panel.form.getByRole('button', { name: 'Create' }).click();
    await expect(panel.form.getByText('Use a single folder name')).toBeVisible();
    await expect(panel.form.getByText('Enter an email address')).toBeVisible();

    // A folder that exists with content is refused by the server, on the name field
    await page.contents.uploadContent('mine', 'text', `${tmpPath}/taken/notes.txt`);
    await fillForm(panel.form, { name: 'taken', contactEmail: '' });
    await panel.form.getByRole('button', { name: 'Create' }).click();
    await expect(panel.form.getByText(/already exists and is not empty/)).toBeVisible();
    const name = panel.form.getByLabel('Folder name', { exact: false });
    await expect(name).toHaveAttribute('aria-invalid', 'true');
    // and the user's file is untouched
    expect(await page.contents.fileExists(`${tmpPath}/taken/notes.txt`)).toBe(true);
    expect(await page.contents.fileExists(`${tmpPath}/taken/product.json`)).toBe(false);
  });

  test('is readable in the dark theme', async ({ page }) => {
    await page.theme.setDarkTheme();
    const panel = new ProductsPanel(page);
    await panel.open();
    await panel.showForm();
    const background = await panel.root.evaluate(el => getComputedStyle(el).backgroundColor);
    const input = panel.form.getByLabel('Title');
    const inputColor = await input.evaluate(el => getComputedStyle(el).color);
    const luminance = (rgb: string): number => {
      const [r, g, b] = (rgb.match(/\d+/g) ?? ['0', '0', '0']).map(Number);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    // a dark panel with light text
    expect(luminance(background)).toBeLessThan(80);
    expect(luminance(inputColor)).toBeGreaterThan(150);
    await page.screenshot({ path: 'test-results/dark-theme.png' });
    await page.theme.setLightTheme();
  });
});

test.describe('Data Products panel, restored from an older layout', () => {
  test('gives every open section room again', async ({ page }) => {
    const panel = new ProductsPanel(page);
    await panel.open();
    // Given a saved layout with a section open but no height: what JupyterLab restores,
    // by position, from a layout saved by another version of the panel
    await page.evaluate(id => {
      const side = [...window.jupyterapp.shell.widgets('left')].find(w => w.id === id) as
        | {
            content: {
              widgets: readonly unknown[];
              expand(i: number): void;
              setRelativeSizes(s: number[]): void;
            };
          }
        | undefined;
      side?.content.expand(1);
      // every section but the first gets no height (however many there are)
      const sizes = (side?.content.widgets ?? []).map((_, i) => (i === 0 ? 1 : 0));
      side?.content.setRelativeSizes(sizes);
    }, PANEL_ID);
    const heights = async (): Promise<number[]> =>
      panel.root.evaluate(root =>
        Array.from(root.querySelectorAll('[aria-expanded="true"][aria-controls]')).map(
          header =>
            document.getElementById(header.getAttribute('aria-controls') ?? '')
              ?.getBoundingClientRect().height ?? 0
        )
      );
    await expect.poll(async () => Math.min(...(await heights()))).toBeLessThan(20);
    // (switching tabs makes the shell save its layout, a moment after it changes; the panel
    // shown again would share the room at once)
    await page.evaluate(() => window.jupyterapp.shell.activateById('filebrowser'));
    await page.waitForTimeout(1500);

    // When the page is loaded again
    await page.evaluate(() => window.location.reload());
    await expect(page.locator(`.jp-SideBar [data-id="${PANEL_ID}"]`)).toBeVisible({
      timeout: 30000
    });
    await panel.open();

    // Then every open section has room
    await expect.poll(async () => (await heights()).length).toBeGreaterThanOrEqual(2);
    await expect.poll(async () => Math.min(...(await heights()))).toBeGreaterThan(40);
  });
});
