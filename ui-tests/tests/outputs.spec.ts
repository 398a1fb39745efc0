import { expect, test } from '@jupyterlab/galata';

import { ProductsPanel } from './helpers';

test.describe('Outputs of a product', () => {
  test('a notebook saves a versioned output; the panel lists it and opens it', async ({
    page,
    tmpPath
  }) => {
    // Given a product created by the scripted command
    await page.evaluate(async parent => {
      await window.jupyterapp.commands.execute('naas-lab-ext:new-product', {
        name: 'shop',
        title: 'Shop Metrics',
        parent
      });
    }, tmpPath);

    // When a notebook of the product saves an output through naas_data_product
    await page.filebrowser.openDirectory(`${tmpPath}/shop/models`);
    await page.notebook.createNew('collect.ipynb');
    await page.notebook.setCell(
      0,
      'code',
      'from naas_data_product import *\n' +
        'saved = save("day,amount\\n1,20\\n2,35\\n", "raw/orders/orders.csv")\n' +
        'print(saved.version)'
    );
    await page.notebook.run();
    const output = page.locator('.jp-OutputArea-output').first();
    await expect(output).toContainText(/\d{4}-\d{2}-\d{2}T\d{2}\.\d{2}\.\d{2}\.\d{3}Z/);

    // Then the Outputs section of the panel lists the dataset with its version and size
    const panel = new ProductsPanel(page);
    await panel.open();
    await panel.product(/Shop Metrics/).click();
    const section = panel.root.getByRole('list', { name: `Datasets of ${tmpPath}/shop` });
    await panel.expandSection('Outputs');
    const dataset = section.getByRole('button', { name: /raw\/orders/ });
    await expect(dataset).toContainText('1 version');
    await expect(dataset).toContainText('21 B');
    await dataset.click();

    // And Open shows the file of the latest version in Lab, 
    await section.getByRole('button', { name: 'Open orders.csv of raw/orders, latest' }).click();
    const latest = page.locator('.lm-TabBar-tab[data-naas-version="latest"]');
    await expect(latest).toContainText('orders.csv');
    // and a version opens in a tab of its own that says which (UI finding 12)
    await section
      .getByRole('button', { name: /^Open orders\.csv of raw\/orders, \d{4}-\d{2}-\d{2} / })
      .click();
    const version = page.locator('.lm-TabBar-tab[data-naas-version^="20"]');
    await expect(version).toContainText('orders.csv');
    for (const [tab, shown] of [
      [latest, /^"· latest"$/],
      [version, /^"· \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"$/]
    ] as const) {
      expect(await tab.evaluate(node => getComputedStyle(node, '::after').content)).toMatch(
        shown
      );
    }
    await page.screenshot({ path: 'test-results/outputs.png' });
  });
});
