import { expect, test } from '@jupyterlab/galata';

import {
  PipelineViewPage,
  ProductsPanel,
  createProduct,
  notebookJson
} from './helpers';

const IMPORTS = 'from naas_data_product import DummyStep, End, NotebookStep, Pipeline';

test.describe('Pipelines', () => {
  test('opens a pipeline, runs it with a parameter, steps turn green, opens an executed notebook', async ({
    page,
    tmpPath
  }) => {
    // Given a product with a step notebook and a pipeline of two notebook steps and a dummy
    const product = `${tmpPath}/etl`;
    await createProduct(page, tmpPath, 'etl', 'Nightly ETL');
    await page.contents.uploadContent(
      notebookJson([
        { source: "name = 'world'  # who to greet", parameters: true },
        { source: "print(f'hello {name}')" }
      ]),
      'text',
      `${product}/models/greet.ipynb`
    );
    await page.contents.uploadContent(
      notebookJson([
        {
          source:
            `${IMPORTS}\n` +
            'pipeline = Pipeline()\n' +
            'greet = NotebookStep("Greet", "models/greet.ipynb")\n' +
            'again = NotebookStep("Greet again", "models/greet.ipynb")\n' +
            'pipeline >> greet >> [again, DummyStep("Placeholder")] >> End()'
        },
        { source: 'pipeline.run()' }
      ]),
      'text',
      `${product}/models/nightly.ipynb`
    );

    // When the user opens it from the Pipelines section of the Data Products panel
    const panel = new ProductsPanel(page);
    await panel.open();
    await panel.product(/Nightly ETL/).click();
    await panel.expandSection('Pipelines');
    const section = panel.root.getByRole('list', { name: `Pipelines of ${product}` });
    await expect(section).toBeVisible({ timeout: 45000 });
    await page.screenshot({ path: 'test-results/pipelines-section.png' });
    await section.getByRole('button', { name: 'Open pipeline nightly' }).click();

    // Then the Pipeline view shows the DAG: three steps, not run yet
    const view = new PipelineViewPage(page, `${product}/models/nightly.ipynb`);
    await view.waitForGraph();
    for (const step of ['Greet', 'Greet again', 'Placeholder']) {
      await expect(view.step(step)).toHaveAttribute('data-status', 'NOT_RUN');
    }
    await expect(view.graph.locator('path.naas-Dag-edge')).toHaveCount(2);

    // When the user clicks Run, types a parameter and starts the run
    await view.root.getByRole('button', { name: '▶ Run' }).click();
    const field = view.runForm.getByLabel('name');
    await expect(field).toHaveAttribute('placeholder', 'world');
    await field.fill('galata');
    await page.screenshot({ path: 'test-results/pipeline-run-form.png' });
    await view.runForm.getByRole('button', { name: 'Start run' }).click();

    // Then the steps turn green, one after the other, and the run succeeds
    await view.waitForStatus('Greet', 'SUCCEEDED');
    await view.waitForStatus('Greet again', 'SUCCEEDED');
    await view.waitForStatus('Placeholder', 'SUCCEEDED');
    await expect(view.root.locator('.naas-RunCaption')).toContainText('Succeeded');
    // the run, after the current definition
    await expect(view.runs.getByRole('option')).toHaveCount(2);
    await expect(view.step('Greet')).toHaveAttribute('aria-label', /Greet, Succeeded/);
    await page.screenshot({ path: 'test-results/pipeline-succeeded.png' });

    // When the user activates a step with the keyboard
    await view.step('Greet again').focus();
    await page.keyboard.press('Enter');

    // Then its executed notebook of that run opens in Lab, with the parameter injected
    await expect(page.getByRole('tab', { name: /Greet_again\.greet\.ipynb/ })).toBeVisible();
    await expect(page.locator('.jp-OutputArea-output').first()).toContainText('hello galata');

    // And the view reads well in the dark theme too
    await page.theme.setDarkTheme();
    await view.step('Greet').click();
    await expect(view.details).toContainText('Open executed notebook');
    await expect(page.getByRole('tab', { name: /Greet\.greet\.ipynb/ })).toBeVisible();
    await page.screenshot({ path: 'test-results/pipeline-succeeded-dark.png' });
    await page.theme.setLightTheme();
  });

  test('a failing pipeline shows the failed step, its error, the handler and the skipped step', async ({
    page,
    tmpPath
  }) => {
    // Given a pipeline whose second step raises, with an error handler
    const product = `${tmpPath}/shop`;
    await createProduct(page, tmpPath, 'shop', 'Shop');
    await page.contents.uploadContent(
      notebookJson([{ source: "rows = 3\nraise ValueError(f'{rows} bad rows')" }]),
      'text',
      `${product}/models/check.ipynb`
    );
    await page.contents.uploadContent(
      notebookJson([
        {
          source:
            `${IMPORTS}\n` +
            'pipeline = Pipeline()\n' +
            'check = NotebookStep("Check", "models/check.ipynb")\n' +
            'pipeline >> DummyStep("Collect") >> check >> DummyStep("Publish") >> End()\n' +
            'check.on_error >> DummyStep("Alert")'
        }
      ]),
      'text',
      `${product}/models/__pipeline__.ipynb`
    );

    // When the user runs "Run pipeline" from the palette and picks it in the dialog
    const path = `${product}/models/__pipeline__.ipynb`;
    await page.keyboard.press('Control+Shift+C');
    const palette = page.locator('#modal-command-palette');
    await palette.locator('input').fill('Run pipeline');
    await palette.getByText('Run pipeline', { exact: true }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByLabel('Product')).toHaveValue(product);
    const choice = dialog.getByRole('radio', { name: /^models\/__pipeline__\.ipynb/ });
    await expect(choice).toBeChecked({ timeout: 45000 });
    await expect(dialog).toContainText('4 steps');
    await page.screenshot({ path: 'test-results/pipeline-chooser.png' });
    await dialog.getByRole('button', { name: 'Run pipeline' }).click();

    // Then the run ends FAILED: Check failed, Publish skipped, the handler ran
    const view = new PipelineViewPage(page, path);
    await view.waitForGraph();
    await view.waitForStatus('Check', 'FAILED');
    await view.waitForStatus('Publish', 'SKIPPED');
    await view.waitForStatus('Alert', 'SUCCEEDED');
    await expect(view.root.locator('.naas-RunCaption')).toContainText('Failed');
    await expect(view.root.locator('.naas-RunCaption')).toContainText('failed: Check');
    await expect(view.graph.locator('path.naas-Dag-edge.naas-mod-on_error')).toHaveCount(1);

    // When the user clicks the failed step, its error shows: exception, message, cell
    await view.step('Check').click();
    const error = view.details.getByRole('alert');
    await expect(error).toContainText('ValueError: 3 bad rows');
    await expect(error.locator('pre').first()).toContainText("raise ValueError(f'{rows} bad rows')");
    await page.screenshot({ path: 'test-results/pipeline-failed.png' });

    // And the skipped step says why
    await view.step('Publish').click();
    await expect(view.details).toContainText("Skipped: not run: upstream step 'Check' failed");

    await page.theme.setDarkTheme();
    await view.step('Check').click();
    await page.screenshot({ path: 'test-results/pipeline-failed-dark.png' });
    await page.theme.setLightTheme();
  });

  test('cancels a running pipeline; a pipeline that cannot be read shows why', async ({
    page,
    tmpPath
  }) => {
    // Seven kernels start (two runs' DAG reads, the step, the notebook, three views' DAG
    // reads) and Lab reloads: on a cold 2-core machine this takes more than the default 90 s.
    test.slow();

    // Given a pipeline with a slow step
    const product = `${tmpPath}/slow`;
    await createProduct(page, tmpPath, 'slow', 'Slow');
    await page.contents.uploadContent(
      notebookJson([
        { source: 'seconds = 60', parameters: true },
        { source: 'import time\ntime.sleep(seconds)' }
      ]),
      'text',
      `${product}/models/wait.ipynb`
    );
    const path = `${product}/models/slow.ipynb`;
    await page.contents.uploadContent(
      notebookJson([
        {
          source:
            `${IMPORTS}\n` +
            'pipeline = Pipeline()\n' +
            'pipeline >> NotebookStep("Wait", "models/wait.ipynb") >> DummyStep("After") >> End()'
        }
      ]),
      'text',
      path
    );

    // When the user runs it from the file browser's context menu (the form's integer
    // field refuses text first), then cancels the run
    await page.filebrowser.openDirectory(`${product}/models`);
    await page
      .locator('.jp-DirListing-item', { hasText: 'slow.ipynb' })
      .click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Run pipeline' }).click();
    const view = new PipelineViewPage(page, path);
    await view.waitForGraph();
    const seconds = view.runForm.getByLabel('seconds');
    await seconds.fill('a minute');
    await view.runForm.getByRole('button', { name: 'Start run' }).click();
    await expect(view.runForm).toContainText('seconds must be a whole number, e.g. 7.');
    await seconds.fill('30');
    await view.runForm.getByRole('button', { name: 'Start run' }).click();
    await view.waitForStatus('Wait', 'RUNNING');
    await view.root.getByRole('button', { name: '■ Cancel' }).click();

    // Then the run ends CANCELLED and the next step never runs
    await expect(view.root.locator('.naas-RunCaption')).toContainText('Cancelled', {
      timeout: 30000
    });
    await view.waitForStatus('Wait', 'CANCELLED');
    await expect(view.step('After')).not.toHaveAttribute('data-status', 'SUCCEEDED');
    await page.screenshot({ path: 'test-results/pipeline-cancelled.png' });

    // Given a pipeline notebook that names the same step twice
    const broken = `${product}/models/broken.ipynb`;
    await page.contents.uploadContent(
      notebookJson([
        {
          source:
            `${IMPORTS}\n` +
            'pipeline = Pipeline()\n' +
            'pipeline >> DummyStep("Twice") >> DummyStep("Twice") >> End()'
        }
      ]),
      'text',
      broken
    );

    // When the user opens it in Lab and asks for its pipeline view from the notebook's
    // context menu, the server's message names the step at fault
    await page.filebrowser.refresh();
    await page.locator('.jp-DirListing-item', { hasText: 'broken.ipynb' }).dblclick();
    const notebook = page.locator('.jp-NotebookPanel:visible .jp-Notebook');
    await expect(notebook).toBeVisible();
    await notebook.locator('.jp-Cell').first().click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Open pipeline view' }).click();
    const brokenView = new PipelineViewPage(page, broken);
    await expect(brokenView.root.getByRole('alert')).toContainText('This pipeline cannot be read', {
      timeout: 45000
    });
    await expect(brokenView.root.getByRole('alert')).toContainText('Twice');
    await expect(brokenView.root.getByRole('button', { name: '▶ Run' })).toBeDisabled();
    await page.screenshot({ path: 'test-results/pipeline-broken.png' });

    // And both views come back with the layout after a reload, once JupyterLab has saved
    // it (it saves a moment after a change: a reload sooner restores the layout before)
    await expect
      .poll(
        () =>
          page.evaluate(async () => {
            const config = document.getElementById('jupyter-config-data');
            const { workspace } = JSON.parse(config?.textContent ?? '{}') as {
              workspace?: string;
            };
            const state = await window.jupyterapp.serviceManager.workspaces.fetch(
              workspace || 'default'
            );
            return Object.keys(state.data).filter(key => key.startsWith('naas-pipeline:'));
          }),
        { timeout: 15000 }
      )
      .toHaveLength(2);
    // (a plain browser reload: Galata's own reload waits for a Launcher tab)
    await page.evaluate(() => window.location.reload());
    await expect(page.getByRole('tab', { name: 'slow · broken' })).toBeVisible({
      timeout: 30000
    });
    await expect(page.getByRole('tab', { name: 'slow · slow' })).toBeVisible();
    // Until the layout is restored, the restorer brings its saved current widget to the
    // front over a tab clicked meanwhile: switch views after that. (The saved current
    // widget was the notebook the broken view was opened from, while the view was shown:
    // a new view did not take the focus. It does now, so the view shown is the current.)
    await page.evaluate(() => window.jupyterapp.restored);
    await page.getByRole('tab', { name: 'slow · slow' }).click();
    await expect(view.graph).toBeVisible();
    const viewId = await view.root.getAttribute('id');
    await expect
      .poll(() => page.evaluate(() => window.jupyterapp.shell.currentWidget?.id))
      .toBe(viewId);
    await view.waitForStatus('Wait', 'CANCELLED');
  });
});
