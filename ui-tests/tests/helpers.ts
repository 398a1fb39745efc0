import { IJupyterLabPageFixture, expect } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';

export const PANEL_ID = 'naas-lab-ext-panel';

export interface IProductFields {
  title?: string;
  name?: string;
  description?: string;
  contactName?: string;
  contactEmail?: string;
  parent?: string;
}

/** Page object of the Data Products sidebar panel. */
export class ProductsPanel {
  constructor(readonly page: IJupyterLabPageFixture) {}

  get root(): Locator {
    return this.page.locator(`#${PANEL_ID}`);
  }

  get form(): Locator {
    return this.root.getByRole('form', { name: 'New data product' });
  }

  get list(): Locator {
    return this.root.getByRole('listbox', { name: 'Data products' });
  }

  async open(): Promise<void> {
    await this.page.sidebar.openTab(PANEL_ID);
    await expect(this.root).toBeVisible();
  }

  /** Expand an accordion section of the panel (a no-op if it is expanded). */
  async expandSection(title: string): Promise<void> {
    await this.toggleSection(title, true);
  }

  private async toggleSection(title: string, expanded: boolean): Promise<void> {
    // Pipelines and Outputs name the selected product: "Outputs — sales Section".
    const escaped = title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const heading = this.root.getByRole('heading', {
      name: new RegExp(`^${escaped}( — .+)? Section$`)
    });
    const want = String(expanded);
    if ((await heading.getAttribute('aria-expanded')) !== want) {
      await heading.click();
    }
    await expect(heading).toHaveAttribute('aria-expanded', want);
  }

  /** The "New product" accordion section, expanded. */
  async showForm(): Promise<void> {
    await this.expandSection('New product');
    await expect(this.form).toBeVisible();
  }

  product(title: string | RegExp): Locator {
    return this.list.getByRole('option', { name: title });
  }
}

/** Fill the New data product form found in `scope` (sidebar or dialog). */
export async function fillForm(scope: Locator, fields: IProductFields): Promise<void> {
  const entries: [string, string | undefined][] = [
    ['Title', fields.title],
    ['Folder name', fields.name],
    ['Description', fields.description],
    ['Contact name', fields.contactName],
    ['Contact email', fields.contactEmail],
    ['Create in folder', fields.parent]
  ];
  for (const [label, value] of entries) {
    if (value !== undefined) {
      await scope.getByLabel(label, { exact: false }).fill(value);
    }
  }
}

export const TEMPLATES_PANEL_ID = 'naas-lab-ext-templates-panel';

/** Page object of the Templates panel of the left sidebar. */
export class TemplatesSection {
  constructor(readonly page: IJupyterLabPageFixture) {}

  get root(): Locator {
    return this.page.locator(`#${TEMPLATES_PANEL_ID}`);
  }

  get search(): Locator {
    return this.root.getByRole('searchbox', { name: 'Search templates' });
  }

  get list(): Locator {
    return this.root.getByRole('listbox', { name: 'Templates' });
  }

  /** Open the Templates panel. */
  async open(): Promise<void> {
    await this.page.sidebar.openTab(TEMPLATES_PANEL_ID);
    await expect(this.root).toBeVisible();
    await expect(this.search).toBeVisible();
  }

  template(title: string | RegExp): Locator {
    return this.list.getByRole('option', { name: title });
  }
}

/** A code cell for a notebook written through the contents API. */
export interface ICellSpec {
  source: string;
  /** Tag it `parameters` (papermill's parameters cell). */
  parameters?: boolean;
}

/** The JSON of a Python notebook with these code cells. */
export function notebookJson(cells: ICellSpec[]): string {
  return JSON.stringify({
    cells: cells.map((cell, index) => ({
      cell_type: 'code',
      execution_count: null,
      id: `cell-${index}`,
      metadata: cell.parameters ? { tags: ['parameters'] } : {},
      outputs: [],
      source: cell.source
    })),
    metadata: {
      kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' },
      language_info: { name: 'python' }
    },
    nbformat: 4,
    nbformat_minor: 5
  });
}

/** Create a data product through the app's command (as a user or a script would). */
export async function createProduct(
  page: IJupyterLabPageFixture,
  parent: string,
  name: string,
  title: string
): Promise<void> {
  await page.evaluate(
    async ({ parent, name, title }) => {
      await window.jupyterapp.commands.execute('naas-lab-ext:new-product', {
        name,
        title,
        parent
      });
    },
    { parent, name, title }
  );
}

/** Page object of a Pipeline view (main area). */
export class PipelineViewPage {
  constructor(
    readonly page: IJupyterLabPageFixture,
    readonly path: string
  ) {}

  get root(): Locator {
    return this.page.locator(`#naas-pipeline-${this.path.replace(/[^A-Za-z0-9_-]/g, '_')}`);
  }

  get graph(): Locator {
    return this.root.getByRole('group', { name: /^Steps of / });
  }

  /** The node of a step in the graph. */
  step(name: string): Locator {
    return this.graph.locator(`[data-step="${name}"]`);
  }

  get runForm(): Locator {
    return this.root.getByRole('form', { name: 'Run parameters' });
  }

  get details(): Locator {
    return this.root.locator('.naas-StepDetails');
  }

  get runs(): Locator {
    return this.root.getByRole('listbox', { name: 'Runs' });
  }

  /** Wait until the DAG is read (the graph shows). */
  async waitForGraph(): Promise<void> {
    await expect(this.graph).toBeVisible({ timeout: 45000 });
  }

  /** Wait until `step` shows `status` (SUCCEEDED, FAILED...). */
  async waitForStatus(step: string, status: string, timeout = 45000): Promise<void> {
    await expect(this.step(step)).toHaveAttribute('data-status', status, { timeout });
  }
}

/** Run a command from the command palette by its label. */
export async function runFromPalette(page: IJupyterLabPageFixture, label: string): Promise<void> {
  await page.keyboard.press('Control+Shift+C');
  const palette = page.locator('#modal-command-palette');
  await palette.locator('input').fill(label);
  await palette.getByText(label, { exact: true }).click();
}

/** A notification as JupyterLab emitted or updated it. */
export interface INotificationRecord {
  id: string;
  message: string;
  type: string;
}

type RecordingWindow = Window & { naasNotifications?: INotificationRecord[] };

/** Record every notification the page emits or updates from now on (in order). */
export async function recordNotifications(page: IJupyterLabPageFixture): Promise<void> {
  await page.evaluate(() => {
    const log: INotificationRecord[] = [];
    (window as RecordingWindow).naasNotifications = log;
    window.galata.on('notification', notification => {
      log.push({ id: notification.id, message: notification.message, type: notification.type });
    });
  });
}

/** The notifications recorded since recordNotifications(). */
export async function recordedNotifications(
  page: IJupyterLabPageFixture
): Promise<INotificationRecord[]> {
  return page.evaluate(() => (window as RecordingWindow).naasNotifications ?? []);
}

/** Page object of the Deployment section of the Data Products panel. */
export class DeploymentSection {
  constructor(readonly page: IJupyterLabPageFixture) {}

  get panel(): ProductsPanel {
    return new ProductsPanel(this.page);
  }

  get heading(): Locator {
    return this.panel.root.getByRole('heading', { name: /^Deployment( — .+)? Section$/ });
  }

  /** The active deployment: id, when, commit, tests. */
  get active(): Locator {
    return this.panel.root.getByRole('region', { name: 'Active deployment' });
  }

  /** The schedules of a product (its folder under the root). */
  schedules(product: string): Locator {
    return this.panel.root.getByRole('list', { name: `Schedules of ${product}` });
  }

  /** A schedule, by its pipeline notebook (relative to the product). */
  schedule(product: string, pipeline: string): Locator {
    return this.schedules(product).getByRole('listitem', { name: `Schedule of ${pipeline}` });
  }
}

/** The tabs of the Manager. */
export type ManagerTabName = 'Jobs' | 'Runs' | 'Events' | 'Deployments' | 'Secrets';

/** Page object of the Manager (main area). */
export class ManagerPage {
  constructor(readonly page: IJupyterLabPageFixture) {}

  get root(): Locator {
    return this.page.locator('#naas-manager');
  }

  /** Its tab in Lab's main area. */
  get labTab(): Locator {
    return this.page.getByRole('tab', { name: 'Manager', exact: true });
  }

  tab(name: ManagerTabName): Locator {
    return this.root.getByRole('tablist', { name: 'Manager' }).getByRole('tab', { name });
  }

  /** Open it with the button of the Data Products panel's toolbar. */
  async openFromPanel(): Promise<void> {
    const panel = new ProductsPanel(this.page);
    await panel.open();
    await panel.root.getByRole('button', { name: 'Open Manager' }).click();
    await expect(this.root).toBeVisible();
  }

  /** Close it (as its tab's close button or Ctrl+Q... would). */
  async close(): Promise<void> {
    await this.labTab.click();
    await expect(this.labTab).toHaveAttribute('aria-selected', 'true');
    await this.page.evaluate(() => window.jupyterapp.commands.execute('application:close'));
    await expect(this.root).toHaveCount(0);
  }

  async showTab(name: ManagerTabName): Promise<void> {
    await this.tab(name).click();
    await expect(this.tab(name)).toHaveAttribute('aria-selected', 'true');
  }

  /** A job of the Jobs tab, by "<product title> · <pipeline notebook>". */
  job(label: string): Locator {
    return this.root.getByRole('row', { name: `Job ${label}` });
  }

  /** What the last action on a job did. */
  jobResult(label: string): Locator {
    return this.root.getByRole('status', { name: `Result for ${label}` });
  }

  /** The list of the Runs tab. */
  get runs(): Locator {
    return this.root.getByRole('listbox', { name: 'Runs' });
  }

  /** The shown run's detail. */
  get runDetail(): Locator {
    return this.root.getByRole('region', { name: /^Run / });
  }

  /** A step of the shown run's timeline. */
  timelineStep(name: string): Locator {
    return this.runDetail.getByRole('list', { name: /^Timeline of run / }).locator(
      `[data-step="${name}"]`
    );
  }

  /** The details of the shown step of the shown run. */
  step(name: string): Locator {
    return this.runDetail.getByRole('region', { name: `Step ${name}` });
  }

  /** A secret of the Secrets tab, by name and owner ("yours" or the product's title). */
  secret(name: string, owner: string): Locator {
    return this.root.getByRole('row', { name: `Secret ${name} (${owner})` });
  }

  /** The "Add a secret" form of the Secrets tab. */
  get addSecretForm(): Locator {
    return this.root.getByRole('form', { name: 'Add a secret' });
  }
}

/** The error toast (JupyterLab notification) whose text matches. */
export function errorToast(page: IJupyterLabPageFixture, text: string | RegExp): Locator {
  return page.locator('.jp-Notification-Toast-error').filter({ hasText: text });
}
