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
    const heading = this.root.getByRole('heading', { name: `${title} Section` });
    if ((await heading.getAttribute('aria-expanded')) !== 'true') {
      await heading.click();
    }
    await expect(heading).toHaveAttribute('aria-expanded', 'true');
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

/** Page object of the Templates section of the Data Products panel. */
export class TemplatesSection {
  constructor(readonly page: IJupyterLabPageFixture) {}

  get panel(): ProductsPanel {
    return new ProductsPanel(this.page);
  }

  get search(): Locator {
    return this.panel.root.getByRole('searchbox', { name: 'Search templates' });
  }

  get list(): Locator {
    return this.panel.root.getByRole('listbox', { name: 'Templates' });
  }

  /** Open the panel and expand the Templates section. */
  async open(): Promise<void> {
    await this.panel.open();
    await this.panel.expandSection('Templates');
    await expect(this.search).toBeVisible();
  }

  template(title: string | RegExp): Locator {
    return this.list.getByRole('option', { name: title });
  }
}
