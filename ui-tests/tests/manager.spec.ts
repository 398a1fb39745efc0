import { expect, test } from '@jupyterlab/galata';

import {
  ManagerPage,
  createProduct,
  errorToast,
  notebookJson,
  recordNotifications,
  recordedNotifications
} from './helpers';

const IMPORTS = 'from naas_data_product import End, NotebookStep, Pipeline';
const PIPELINE = 'models/__pipeline__.ipynb';
const TITLE = 'Failing Report';
const JOB = `${TITLE} · ${PIPELINE}`;
/** The toast of a failed run of the product: product, pipeline, failed step, error. */
const FAILURE = new RegExp(
  `^${TITLE} · \\S+: the run failed at step Check: ValueError: 3 bad rows`
);

test.describe('Manager', () => {
  test('runs a job now, toasts its failure, shows the failed run, its error and notebook, pauses the job', async ({
    page,
    tmpPath
  }) => {
    // A deploy builds an environment and the production run starts fresh kernels.
    test.slow();

    // Given a product whose pipeline fails (a notebook step raising), deployed with a
    // schedule declared in its setup.ipynb
    const product = `${tmpPath}/failing`;
    await createProduct(page, tmpPath, 'failing', TITLE);
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
            'pipeline >> NotebookStep("Check", "models/check.ipynb") >> End()'
        }
      ]),
      'text',
      `${product}/${PIPELINE}`
    );
    await page.contents.uploadContent(
      notebookJson([
        {
          source:
            'from naas_data_product import schedule\n' + `schedule("${PIPELINE}", "0 8 * * *")`
        }
      ]),
      'text',
      `${product}/setup.ipynb`
    );
    await recordNotifications(page);
    await page.evaluate(product => {
      void window.jupyterapp.commands.execute('naas-lab-ext:deploy-product', {
        product,
        skipTests: true
      });
    }, product);
    await expect(page.getByText(new RegExp(`^${TITLE} deployed: 1 schedule`))).toBeVisible({
      timeout: 150 * 1000
    });

    // When the user opens the Manager from the Data Products panel: its Jobs tab lists the
    // job, the cron in words, the next run and who hears of its failures
    const manager = new ManagerPage(page);
    await manager.openFromPanel();
    await expect(manager.tab('Jobs')).toHaveAttribute('aria-selected', 'true');
    const job = manager.job(JOB);
    await expect(job).toContainText('every day at 08:00 (UTC)');
    await expect(job).toContainText(/next in \d/);
    await expect(job).toContainText('Active');
    await expect(job).toContainText('never run');
    await expect(job).toContainText('failure → defaults');

    // And runs it now
    await job.getByRole('button', { name: `Run ${JOB} now` }).click();
    await expect(manager.jobResult(JOB)).toContainText('Run started');

    // Then, once the scheduled run fails, a toast says so: product, pipeline, failed step
    // and error, with "Open in Manager"; and the job's last run turns Failed by itself
    const toast = errorToast(page, FAILURE);
    await expect(toast).toBeVisible({ timeout: 120 * 1000 });
    await expect(job).toContainText('Failed');
    await page.screenshot({ path: 'test-results/manager-toast.png' });
    // ...one toast for that run
    const toasts = (await recordedNotifications(page)).filter(n => FAILURE.test(n.message));
    expect(toasts).toHaveLength(1);
    expect(toasts[0].type).toBe('error');

    // When the user clicks "Open in Manager"
    await toast.getByRole('button', { name: 'Open in Manager' }).click();
    await expect(toast).toBeHidden();

    // Then the Runs tab shows the failed run, selected, started by the scheduler
    await expect(manager.tab('Runs')).toHaveAttribute('aria-selected', 'true');
    const failed = manager.runs.getByRole('option', { selected: true });
    await expect(failed).toHaveAttribute('data-status', 'FAILED');
    await expect(failed).toContainText(TITLE);
    await expect(failed).toContainText('scheduler');
    await expect(failed).toContainText('Check: ValueError: 3 bad rows');
    const runId = await failed.getAttribute('data-run');
    expect(runId).toBeTruthy();

    // And its detail: the timeline with the failed step, its error and failing cell
    await expect(manager.runDetail).toHaveAccessibleName(`Run ${runId}`);
    await expect(manager.timelineStep('Check')).toHaveAttribute('data-status', 'FAILED');
    await expect(manager.timelineStep('Check')).toContainText('Failed');
    const error = manager.step('Check').getByRole('alert');
    await expect(error).toContainText('ValueError: 3 bad rows');
    await expect(error.locator('pre').first()).toContainText(
      "raise ValueError(f'{rows} bad rows')"
    );

    // When the user closes the detail and picks the run in the list again, it shows again
    await manager.runDetail.getByRole('button', { name: "Close the run's detail" }).click();
    await expect(manager.runDetail).toBeHidden();
    await manager.runs.locator(`[data-run="${runId}"]`).click();
    await expect(manager.step('Check').getByRole('alert')).toContainText(
      'ValueError: 3 bad rows'
    );
    await page.screenshot({ path: 'test-results/manager-run-failed.png' });

    // And "Open executed notebook" opens the executed copy of the failed step, its error
    // in the output
    await manager.step('Check').getByRole('button', { name: 'Open executed notebook' }).click();
    await expect(page.getByRole('tab', { name: /Check\.check\.ipynb/ })).toBeVisible();
    await expect(
      page.locator('.jp-NotebookPanel:visible .jp-OutputArea-output').filter({
        hasText: 'ValueError'
      })
    ).not.toHaveCount(0);

    // When the user goes back to the Manager's Jobs tab and pauses the job
    await manager.labTab.click();
    await manager.showTab('Jobs');
    await job.getByRole('button', { name: `Pause ${JOB}` }).click();

    // Then it says so, shows it paused, and the keyboard focus stays on the button
    await expect(manager.jobResult(JOB)).toHaveText('Paused: no run starts until you resume it.');
    await expect(job).toContainText('Paused');
    await expect(job.getByRole('button', { name: `Resume ${JOB}` })).toBeFocused();
    await page.screenshot({ path: 'test-results/manager-jobs.png' });

    // And the Manager reads well in the dark theme too
    await page.theme.setDarkTheme();
    await expect(job).toContainText('Paused');
    await page.screenshot({ path: 'test-results/manager-jobs-dark.png' });
    await manager.showTab('Runs');
    await manager.runs.locator(`[data-run="${runId}"]`).click();
    await expect(manager.step('Check').getByRole('alert')).toContainText('ValueError');
    await page.screenshot({ path: 'test-results/manager-run-failed-dark.png' });
    await page.theme.setLightTheme();

    // And a link to the run (as failure mails give) opens the Manager on it
    await manager.close();
    await page.evaluate(id => {
      const url = new URL(window.location.href);
      url.searchParams.set('naas-manager', `run:${id}`);
      window.location.assign(url.toString());
    }, runId);
    await expect(manager.runDetail).toHaveAccessibleName(`Run ${runId}`, { timeout: 30000 });
    await expect(manager.tab('Runs')).toHaveAttribute('aria-selected', 'true');
    await expect(manager.step('Check').getByRole('alert')).toContainText(
      'ValueError: 3 bad rows'
    );
  });
});
