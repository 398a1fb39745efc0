/**
 * What the plugins of the extension share: their ids, the command IDs, the product as every
 * capability sees it, and the INaasLab token of the core plugin.
 *
 * Imports no module of the extension, so every module may import it. The REST types of one
 * capability live in its folder (products/types.ts, templates/types.ts...); together with
 * api/types.ts they mirror naas_lab_ext/openapi.yaml.
 */
import { ServerConnection } from '@jupyterlab/services';
import { Token } from '@lumino/coreutils';
import { ISignal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

/** The namespace of every route of the server extension. */
export const API_NAMESPACE = 'naas-lab-ext';

/** The id of the main plugin (also the settings schema file name). */
export const PLUGIN_ID = 'naas_lab_ext:plugin';

/** The id of the templates plugin (also its settings schema file name). */
export const TEMPLATES_PLUGIN_ID = 'naas_lab_ext:templates';

/** The id of the pipelines plugin (also its settings schema file name). */
export const PIPELINES_PLUGIN_ID = 'naas_lab_ext:pipelines';

/** The id of the deploy plugin (also its settings schema file name). */
export const DEPLOY_PLUGIN_ID = 'naas_lab_ext:deploy';

/** The id of the Manager plugin (also its settings schema file name). */
export const MANAGER_PLUGIN_ID = 'naas_lab_ext:manager';

/** Commands contributed by the extension; each appears in the palette. */
export namespace CommandIDs {
  export const newProduct = 'naas-lab-ext:new-product';
  export const openPanel = 'naas-lab-ext:open-panel';
  export const refreshProducts = 'naas-lab-ext:refresh-products';
  export const searchTemplates = 'naas-lab-ext:search-templates';
  export const syncTemplates = 'naas-lab-ext:sync-templates';
  export const openTemplate = 'naas-lab-ext:open-template-in-lab';
  export const addTemplateToModels = 'naas-lab-ext:add-template-to-models';
  export const openPipeline = 'naas-lab-ext:open-pipeline';
  export const runPipeline = 'naas-lab-ext:run-pipeline';
  export const deployProduct = 'naas-lab-ext:deploy-product';
  export const rollbackProduct = 'naas-lab-ext:rollback-product';
  export const openManager = 'naas-lab-ext:open-manager';
  export const manageSecrets = 'naas-lab-ext:manage-secrets';
}

export interface IContact {
  name: string;
  email: string;
}

/** The content of a product's product.json. */
export interface IManifest {
  name: string;
  title: string;
  description: string;
  contact: IContact;
  framework: string;
  framework_version: string;
  created_at: string;
}

/** A product found under the root (GET /products, GET /products/{path}). */
export interface IProduct {
  /** Folder of the product, relative to the Jupyter root ('/'-separated). */
  path: string;
  /** Null when product.json cannot be read; `error` then says why. */
  manifest: IManifest | null;
  error: string | null;
  folders: string[];
  models: string[];
  is_git: boolean;
}

/** The products found under the root and the selected one, kept fresh by the core plugin. */
export interface IProductsModel {
  /** Emitted whenever products, selection, status or error change. */
  readonly changed: ISignal<IProductsModel, void>;
  readonly products: readonly IProduct[];
  readonly selected: IProduct | null;
  /** Select the product at `path` (null: none), e.g. the one a command acts on. */
  select(path: string | null): void;
  /** Reload the product list now. */
  refresh(): Promise<void>;
}

/** A button another plugin adds to the details of the selected product (e.g. Deploy). */
export interface IProductAction {
  /** The button's text, e.g. "Deploy". */
  label: string;
  /** Its accessible name for a product title, e.g. "Deploy Sales". */
  ariaLabel: (title: string) => string;
  /** Its tooltip. */
  caption: string;
  execute: (product: IProduct) => void;
}

/** What the core plugin shares with the other plugins of the extension. */
export interface INaasLab {
  /** The connection to the Jupyter server: each capability's REST client uses it. */
  readonly serverSettings: ServerConnection.ISettings;
  readonly products: IProductsModel;
  /**
   * Add a section to the Data Products panel (at `index`, default: before New product),
   * folded if `folded` (it then takes no room until the user opens it).
   */
  addSection(widget: Widget, index?: number, folded?: boolean): void;
  /** Show the panel and expand a section of it. */
  revealSection(widget: Widget): void;
  /** Add a button to the details of the selected product (after Open README, Open setup). */
  addProductAction(action: IProductAction): void;
  /** Add an item (e.g. a ToolbarButton) to the panel's toolbar, after Refresh and New. */
  addToolbarItem(name: string, item: Widget): void;
  /** Open a file by its path under the root, with the right viewer. */
  open(path: string): void;
}

export const INaasLab = new Token<INaasLab>(
  'naas_lab_ext:INaasLab',
  'The Data Products panel, its model and the connection to naas_lab_ext.'
);

/**
 * The toasts that say a run ended: one per run, whoever sees the end first (the Pipeline
 * view following the run, or the Manager's run failure toasts).
 */
export interface IRunNotices {
  /**
   * True the first time it is asked for `runId`: the caller shows the run's toast. False
   * afterwards: it was shown already.
   */
  claim(runId: string): boolean;
}

export const IRunNotices = new Token<IRunNotices>(
  'naas_lab_ext:IRunNotices',
  'One toast per run that ended, shared by the Pipeline views and the Manager.'
);
