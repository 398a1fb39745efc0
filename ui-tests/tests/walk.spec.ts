/**
 * The UI findings of issue 14, walked again in the browser.
 */
import { expect, test } from '@jupyterlab/galata';

import {
  PANEL_ID,
  ProductsPanel,
  TemplatesSection,
  createProduct
} from './helpers';

test.describe('UI findings of the walk', () => {
  test('the panel at the default sidebar width, light and dark (finding 9)', async ({
    page,
    tmpPath
  }) => {
    await page.evaluate(async parent => {
      await window.jupyterapp.commands.execute('naas-lab-ext:new-product', {
        name: 'sales',
        title: 'Weekly Sales Report',
        description:
          'Orders of the week per region and channel, cleaned and joined with the ' +
          'customer table, for the Monday sales meeting.',
        parent
      });
    }, tmpPath);
    const panel = new ProductsPanel(page);
    await panel.open();
    await panel.product(/Weekly Sales Report/).click();
    await panel.root.screenshot({
      path: 'test-results/walk-products-light.png'
    });
    // Templates have a panel of their own (UI finding 9), the search has its whole height
    const templates = new TemplatesSection(page);
    await templates.open();
    await expect(templates.template(/Clean Table/)).toBeVisible();
    await expect(templates.search).toBeFocused();
    await templates.root.screenshot({ path: 'test-results/walk-templates-light.png' });
    await panel.open();
    await expect(panel.root.getByRole('heading', { name: /^Templates/ })).toHaveCount(0);
    // The Tab key meets the sections in their order on screen (UI finding 6)
    const titles = panel.root.locator('.lm-AccordionPanel-title');
    const inDom = await titles.allTextContents();
    const tops = await titles.evaluateAll(nodes =>
      nodes.map(node => node.getBoundingClientRect().top)
    );
    const onScreen = inDom
      .map((text, index) => ({ text, top: tops[index] }))
      .sort((a, b) => a.top - b.top)
      .map(title => title.text);
    expect(inDom).toEqual(onScreen);
    expect(inDom.length).toBeGreaterThanOrEqual(5);
    // Products folded: the product's sections still say which product they show
    await panel.root
      .getByRole('heading', { name: /^Products Section$/ })
      .click();
    await panel.expandSection('Pipelines');
    await expect(
      panel.root.getByRole('heading', { name: 'Pipelines — sales Section' })
    ).toBeVisible();
    await panel.root.screenshot({ path: 'test-results/walk-panel-light.png' });
    await page.theme.setDarkTheme();
    await panel.root.screenshot({ path: 'test-results/walk-panel-dark.png' });
    await page.theme.setLightTheme();
  });

  test('a new product\'s notebook closes without "Save changes?" (finding 7)', async ({
    page,
    tmpPath
  }) => {
    await createProduct(page, tmpPath, 'shop', 'Shop');
    await page.filebrowser.openDirectory(`${tmpPath}/shop`);
    await page.filebrowser.open('setup.ipynb');
    await expect(
      page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
    ).toBeVisible({
      timeout: 30000
    });
    await page.waitForTimeout(1000);
    const tab = page.getByRole('tab', { name: /setup\.ipynb/ });
    await expect(tab).not.toHaveClass(/jp-mod-dirty/);
    await page.menu.clickMenuItem('File>Close Tab');
    await expect(page.locator('.jp-Dialog')).toHaveCount(0);
    await expect(tab).toHaveCount(0);
  });

  test('"Show Data Products panel" brings the keyboard focus into it (finding 6)', async ({
    page
  }) => {
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('naas-lab-ext:open-panel')
    );
    await expect
      .poll(() =>
        page.evaluate(
          id => !!document.activeElement?.closest(`#${id}`),
          PANEL_ID
        )
      )
      .toBe(true);
  });

  test('__templates__ offers no Rename, Move to Trash or New Folder (finding 13)', async ({
    page
  }) => {
    await page.filebrowser.openDirectory('__templates__');
    await expect(
      page.locator('.jp-FileBrowser [data-jp-item-name="new-directory"]')
    ).toBeHidden();
    const folder = page.locator('.jp-DirListing-item').first();
    await folder.click({ button: 'right' });
    const menu = page.locator('.lm-Menu').last();
    await expect(menu.getByText('Open', { exact: true })).toBeVisible();
    for (const label of [
      'Rename',
      'Delete',
      'Cut',
      'Duplicate',
      'New Folder'
    ]) {
      await expect(menu.getByText(label, { exact: true })).toBeHidden();
    }
    await page.keyboard.press('Escape');
    // elsewhere the menu is as before
    await page.filebrowser.openDirectory('/');
    await page
      .locator('.jp-DirListing-content')
      .click({ button: 'right', position: { x: 40, y: 200 } });
    await expect(
      page.locator('.lm-Menu').last().getByText('New Folder', { exact: true })
    ).toBeVisible();
    await page.keyboard.press('Escape');
  });
});
