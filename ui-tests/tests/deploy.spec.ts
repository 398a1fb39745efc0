import { expect, test } from '@jupyterlab/galata';

import {
  DeploymentSection,
  ProductsPanel,
  createProduct,
  notebookJson,
  recordNotifications,
  recordedNotifications,
  runFromPalette
} from './helpers';

const PIPELINE = 'models/__pipeline__.ipynb';
const STEP_TITLES = ['Product tests', 'Production copy', 'Requirements', 'setup.ipynb', 'Schedules'];

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test.describe('Deploy', () => {
  test('"Deploy product" from the palette shows its steps and ends with the schedule in the panel', async ({
    page,
    tmpPath
  }) => {
    // A deploy runs the product's tests, builds a virtual environment and runs setup.ipynb.
    test.slow();

    // Given a product whose setup.ipynb declares the starter schedule, and a second product
    // (so that the command asks which one)
    const product = `${tmpPath}/sales`;
    await createProduct(page, tmpPath, 'sales', 'Sales');
    await createProduct(page, tmpPath, 'other', 'Other');
    await page.contents.uploadContent(
      notebookJson([
        {
          source:
            'from naas_data_product import schedule\n' +
            `schedule("${PIPELINE}", "0 8 * * *")`
        }
      ]),
      'text',
      `${product}/setup.ipynb`
    );
    await recordNotifications(page);

    // When the user runs "Deploy product" from the palette and picks Sales
    await runFromPalette(page, 'Deploy product');
    const dialog = page.getByRole('dialog');
    await expect(dialog).toContainText('Deploy which product?');
    await dialog.getByRole('combobox').selectOption({ label: `Sales (${product})` });
    await dialog.getByRole('button', { name: 'Deploy', exact: true }).click();

    // Then the progress notification ends in success, with the schedule and its next run
    const success = page.getByText(/^Sales deployed: 1 schedule, next run in \d/);
    await expect(success).toBeVisible({ timeout: 150 * 1000 });
    await page.screenshot({ path: 'test-results/deploy-success.png' });

    // And it was ONE notification, updated in place: in progress naming a step, then success
    const notes = (await recordedNotifications(page)).filter(n =>
      /^(Deploying Sales: |Sales deployed: )/.test(n.message)
    );
    expect(new Set(notes.map(n => n.id)).size).toBe(1);
    expect(notes[0].type).toBe('in-progress');
    const steps = notes
      .filter(n => n.type === 'in-progress')
      .map(n => n.message.replace(/^Deploying Sales: (.*)…$/, '$1'));
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.every(step => STEP_TITLES.includes(step))).toBe(true);
    expect(notes[notes.length - 1].type).toBe('success');

    // And the Deployment section of the panel is shown for Sales: the active deployment...
    const panel = new ProductsPanel(page);
    const section = new DeploymentSection(page);
    await expect(section.heading).toHaveAttribute('aria-expanded', 'true');
    await expect(panel.product(new RegExp(`^Sales.*${escape(product)}`))).toHaveAttribute(
      'aria-selected',
      'true'
    );
    await expect(section.active).toContainText(/Deployed\s*(just now|\d+ (s|min) ago)/);
    await expect(section.active).toContainText(/Tests\s*passed/);

    // ...and its schedule, the cron in words and the next run
    const schedule = section.schedule(product, PIPELINE);
    await expect(schedule).toContainText('every day at 08:00 (UTC)');
    await expect(schedule).toContainText(/— next in \d/);
    await page.screenshot({ path: 'test-results/deploy-schedule.png' });

    // When the user pauses it, it says so and shows paused
    await schedule.getByRole('button', { name: `Pause ${PIPELINE}` }).click();
    await expect(schedule.getByRole('status')).toHaveText(
      'Paused: no run starts until you resume it.'
    );
    await expect(schedule).toContainText('— paused');
    await expect(schedule.getByRole('button', { name: `Resume ${PIPELINE}` })).toBeFocused();

    // And resuming it brings the next run back
    await schedule.getByRole('button', { name: `Resume ${PIPELINE}` }).click();
    await expect(schedule.getByRole('status')).toHaveText(/^Resumed: next in \d/);
    await expect(schedule).toContainText(/— next in \d/);

    // And the section reads well in the dark theme too
    await page.theme.setDarkTheme();
    await expect(schedule).toContainText(/— next in \d/);
    await page.screenshot({ path: 'test-results/deploy-schedule-dark.png' });
    await page.theme.setLightTheme();
  });
});
