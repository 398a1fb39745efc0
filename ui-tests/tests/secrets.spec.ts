import { IJupyterLabPageFixture, expect, test } from '@jupyterlab/galata';

import {
  ManagerPage,
  PipelineViewPage,
  createProduct,
  notebookJson,
  runFromPalette
} from './helpers';

const IMPORTS = 'from naas_data_product import End, NotebookStep, Pipeline';
const PIPELINE = 'models/__pipeline__.ipynb';
const TITLE = 'Vaulted Report';
const USER_SECRET = 'GALATA_USER_TOKEN';
const PRODUCT_SECRET = 'GALATA_CRM_KEY';

/** Values nobody prints by chance, new at each run: the test looks for them everywhere. */
const stamp = `${Date.now()}${Math.floor(Math.random() * 1e6)}`;
const USER_VALUE = `usr-${stamp}-Zq81xv`;
const FIRST_PRODUCT_VALUE = `first-${stamp}-Wm2p`;
const PRODUCT_VALUE = `crm-${stamp}-Kd93tq`;
const VALUES = [USER_VALUE, FIRST_PRODUCT_VALUE, PRODUCT_VALUE];

/** The values found in the page: its text, its HTML, and every field's value. */
async function valuesInPage(page: IJupyterLabPageFixture): Promise<string[]> {
  return page.evaluate(values => {
    const fields = Array.from(document.querySelectorAll('input, textarea')).map(
      field => (field as HTMLInputElement).value
    );
    const texts = [document.body.innerText, document.documentElement.outerHTML, ...fields];
    return values.filter(value => texts.some(text => text.includes(value)));
  }, VALUES);
}

test.describe('Secrets', () => {
  test('adds secrets in the Manager, never shows a value, and a run reads them masked', async ({
    page,
    tmpPath
  }) => {
    // A pipeline run starts fresh kernels.
    test.slow();

    // Given a product whose pipeline step reads two secrets and prints them
    const product = `${tmpPath}/vaulted`;
    await createProduct(page, tmpPath, 'vaulted', TITLE);
    await page.contents.uploadContent(
      notebookJson([
        {
          source:
            'from naas_data_product import secret\n' +
            `v = secret.get("${USER_SECRET}")\n` +
            'print(v)\n' +
            'print("user length", len(v))\n' +
            `crm = secret.get("${PRODUCT_SECRET}")\n` +
            'print(crm)\n' +
            'print("crm length", len(crm))'
        }
      ]),
      'text',
      `${product}/models/use_secret.ipynb`
    );
    await page.contents.uploadContent(
      notebookJson([
        {
          source:
            `${IMPORTS}\n` +
            'pipeline = Pipeline()\n' +
            'pipeline >> NotebookStep("Use", "models/use_secret.ipynb") >> End()'
        }
      ]),
      'text',
      `${product}/${PIPELINE}`
    );
    // Every URL asked and every answer of the secrets routes, to look for the values in
    const urls: string[] = [];
    const answers: Promise<string>[] = [];
    page.on('request', request => urls.push(request.url()));
    page.on('response', response => {
      if (response.url().includes('/naas-lab-ext/secrets')) {
        answers.push(response.text().catch(() => ''));
      }
    });

    // When the user runs "Manage secrets" from the palette
    await runFromPalette(page, 'Manage secrets');

    // Then the Manager shows its Secrets tab
    const manager = new ManagerPage(page);
    await expect(manager.tab('Secrets')).toHaveAttribute('aria-selected', 'true');
    const scope = manager.root.getByLabel('Secrets of', { exact: true });
    await expect(scope).toHaveValue('');

    // When the user adds a secret of theirs: a name, and a value in a password field
    const form = manager.addSecretForm;
    await form.getByLabel('Name').fill(USER_SECRET);
    const value = form.getByLabel('Value');
    await expect(value).toHaveAttribute('type', 'password');
    await value.fill(USER_VALUE);
    await form.getByRole('button', { name: 'Add secret' }).click();

    // Then it is listed by name, the field is empty again, and the value shows nowhere
    await expect(manager.secret(USER_SECRET, 'yours')).toContainText('updated just now');
    await expect(manager.secret(USER_SECRET, 'yours')).toContainText('You');
    await expect(
      manager.root.getByRole('status').filter({ hasText: `Saved ${USER_SECRET} for you` })
    ).toBeVisible();
    await expect(value).toHaveValue('');
    expect(await valuesInPage(page)).toEqual([]);

    // When the user shows the product's secrets and adds one with the keyboard alone
    await scope.selectOption({ label: `${TITLE} (${product})` });
    await expect(manager.secret(USER_SECRET, 'yours')).toBeVisible();
    await form.getByLabel('Name').fill(PRODUCT_SECRET);
    await page.keyboard.press('Tab');
    await expect(value).toBeFocused();
    await page.keyboard.type(FIRST_PRODUCT_VALUE);
    await page.keyboard.press('Enter');

    // Then the product's secret is listed first, with the user's it falls back to
    const crm = manager.secret(PRODUCT_SECRET, TITLE);
    await expect(crm).toContainText(TITLE);
    await expect(crm).toContainText(product);
    const table = manager.root.getByRole('table', { name: `Secrets of ${TITLE}` });
    await expect(table.getByRole('row')).toHaveCount(3);
    await expect(table.getByRole('row').nth(1)).toHaveAttribute('data-secret', PRODUCT_SECRET);

    // When the user replaces its value, by keyboard: Replace value…, type, Enter
    const replace = crm.getByRole('button', {
      name: `Replace the value of ${PRODUCT_SECRET} (${TITLE})`
    });
    await replace.focus();
    await page.keyboard.press('Enter');
    const newValue = manager.root.getByRole('textbox', {
      name: `New value of ${PRODUCT_SECRET}`,
      exact: true
    });
    await expect(newValue).toBeFocused();
    await expect(newValue).toHaveAttribute('type', 'password');
    await page.keyboard.type(PRODUCT_VALUE);
    await page.screenshot({ path: 'test-results/secrets-replace.png' });
    await page.keyboard.press('Enter');

    // Then it says so, the form closes, and the keyboard is back on the button
    await expect(
      manager.root.getByRole('status', { name: `Result for ${PRODUCT_SECRET} (${TITLE})` })
    ).toHaveText(`Replaced the value of ${PRODUCT_SECRET}: the next runs read the new one.`);
    await expect(newValue).toHaveCount(0);
    await expect(replace).toBeFocused();
    expect(await valuesInPage(page)).toEqual([]);
    await page.screenshot({ path: 'test-results/secrets-tab.png' });

    // And the tab reads well in the dark theme too
    await page.theme.setDarkTheme();
    await expect(crm).toBeVisible();
    await page.screenshot({ path: 'test-results/secrets-tab-dark.png' });
    await page.theme.setLightTheme();

    // When the user runs the pipeline
    const path = `${product}/${PIPELINE}`;
    await page.evaluate(path => {
      void window.jupyterapp.commands.execute('naas-lab-ext:run-pipeline', {
        path,
        parameters: {}
      });
    }, path);

    // Then the step that reads and prints the secrets succeeds
    const view = new PipelineViewPage(page, path);
    await view.waitForGraph();
    await view.waitForStatus('Use', 'SUCCEEDED', 120 * 1000);

    // And its executed notebook shows *** where the values were printed, and their lengths
    // (the run did read them: the product's new value, the user's)
    await view.step('Use').click();
    await view.details.getByRole('button', { name: 'Open executed notebook' }).click();
    await expect(page.getByRole('tab', { name: /Use\.use_secret\.ipynb/ })).toBeVisible();
    const output = page.locator('.jp-NotebookPanel:visible .jp-OutputArea-output').first();
    await expect(output).toContainText(`user length ${USER_VALUE.length}`);
    await expect(output).toContainText(`crm length ${PRODUCT_VALUE.length}`);
    await expect(output).toContainText('***');
    await page.screenshot({ path: 'test-results/secrets-masked.png' });
    // ...and the file itself holds none of them
    const executed = await page.evaluate(async () => {
      const widget = window.jupyterapp.shell.currentWidget as unknown as {
        context?: { path: string };
      } | null;
      const where = widget?.context?.path ?? '';
      const model = await window.jupyterapp.serviceManager.contents.get(where, {
        content: true
      });
      return { where, text: JSON.stringify(model.content) };
    });
    expect(executed.where).toMatch(/Use\.use_secret\.ipynb$/);
    expect(executed.text).toContain('***');
    for (const secret of VALUES) {
      expect(executed.text).not.toContain(secret);
    }
    expect(await valuesInPage(page)).toEqual([]);

    // When the user goes back to the Manager (beside the executed notebook now)
    await manager.labTab.click();
    await expect(manager.tab('Secrets')).toHaveAttribute('aria-selected', 'true');
    await expect(crm).toBeVisible();

    // When the user deletes their secret, once confirmed
    await manager.root.getByRole('button', { name: `Delete ${USER_SECRET} (yours)` }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog).toContainText(`Delete the secret ${USER_SECRET}?`);
    await dialog.getByRole('button', { name: 'Delete' }).click();

    // Then it is gone, and the keyboard lands on what happened
    await expect(manager.secret(USER_SECRET, 'yours')).toHaveCount(0);
    const deleted = manager.root
      .getByRole('status')
      .filter({ hasText: `Deleted your secret ${USER_SECRET}.` });
    await expect(deleted).toBeFocused();
    await expect(crm).toBeVisible();
    await page.screenshot({ path: 'test-results/secrets-tab-narrow.png' });
    await page.theme.setDarkTheme();
    await expect(crm).toBeVisible();
    await page.screenshot({ path: 'test-results/secrets-tab-narrow-dark.png' });
    await page.theme.setLightTheme();

    // And no value ever went into a URL or came back from the server
    for (const secret of VALUES) {
      expect(urls.filter(url => url.includes(secret))).toEqual([]);
    }
    const bodies = await Promise.all(answers);
    expect(bodies.length).toBeGreaterThan(3);
    for (const secret of VALUES) {
      expect(bodies.filter(body => body.includes(secret))).toEqual([]);
    }
  });
});
