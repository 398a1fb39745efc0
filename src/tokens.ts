/**
 * The REST contract (mirrors naas_lab_ext/openapi.yaml) and the command IDs.
 */
import { JSONObject, JSONValue, Token } from '@lumino/coreutils';

/** The namespace of every route of the server extension. */
export const API_NAMESPACE = 'naas-lab-ext';

/** The id of the main plugin (also the settings schema file name). */
export const PLUGIN_ID = 'naas_lab_ext:plugin';

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
}

/** The id of the templates plugin (also its settings schema file name). */
export const TEMPLATES_PLUGIN_ID = 'naas_lab_ext:templates';

/** GET /status */
export interface IStatus {
  version: string;
  api_version: number;
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

/** A product found under the root. */
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

/** GET /products */
export interface IProductList {
  products: IProduct[];
}

/** POST /products body: the fields of the "New data product" form. */
export interface IProductSpec {
  name: string;
  title?: string;
  description?: string;
  contact_name?: string;
  contact_email?: string;
  /** Folder under the root in which to create the product ('' = the root). */
  parent?: string;
}

/** POST /products answer. */
export interface ICreatedProduct {
  product: IProduct;
  /** Path of the new README.md, to open it. */
  readme: string;
  git_commit: string | null;
  warnings: string[];
}

/** The JSON body of every error answer. */
export interface IErrorBody {
  message: string;
  reason?: string | null;
  /** The input field at fault, if any. */
  field?: string | null;
}

/** A file of an output version (or of a dataset's `latest`). */
export interface IOutputFile {
  name: string;
  /** Bytes. */
  size: number;
  /** Path relative to the Jupyter root: open it with the document manager. */
  path: string;
  is_latest: boolean;
  version: string | null;
}

/** One version of a dataset, newest first in every list. */
export interface IOutputVersion {
  version: string;
  created_at: string;
  size: number;
  files: IOutputFile[];
  is_newest: boolean;
}

/** A dataset: outputs/<layer>/<dataset>. */
export interface IDataset {
  /** 'layer/dataset' */
  name: string;
  layer: string;
  dataset: string;
  version_count: number;
  latest_version: string | null;
  /** Bytes of all versions. */
  size: number;
  latest: IOutputFile[];
  /** The newest versions, as many as asked. */
  versions: IOutputVersion[];
}

/** Paging fields shared by the paged answers. */
export interface IPage {
  total: number;
  offset: number;
  limit: number;
}

/** GET /outputs */
export interface IDatasetPage extends IPage {
  datasets: IDataset[];
  /** Versions kept per dataset for this product (0 keeps all). */
  keep_versions: number;
}

/** GET /outputs/versions */
export interface IVersionPage extends IPage {
  versions: IOutputVersion[];
}

/** A template as search results list it. */
export interface ITemplateSummary {
  /** Path of the notebook inside __templates__: the only handle on a template. */
  id: string;
  title: string;
  tool: string;
  action: string;
  tags: string[];
  author: string;
  description: string;
  cell_count: number;
  has_parameters: boolean;
  source: string;
}

export interface IFacet {
  name: string;
  count: number;
}

/** GET /templates */
export interface ITemplatePage {
  query: string;
  total: number;
  limit: number;
  offset: number;
  items: ITemplateSummary[];
  facets: { tools: IFacet[]; tags: IFacet[] };
}

export interface ITemplateCell {
  cell_type: 'markdown' | 'code' | 'raw';
  source: string;
  tags: string[];
}

export interface ITemplateParameter {
  name: string;
  type: string;
  default: string;
  help: string;
}

/** GET /templates/notebooks/{id} */
export interface ITemplateDetail extends ITemplateSummary {
  /** Path of the notebook relative to the root (read-only). */
  path: string;
  size: number;
  modified: string;
  parameters: ITemplateParameter[];
  cells: ITemplateCell[];
}

/** POST /templates/open and /templates/add-to-models */
export interface ICopiedTemplate {
  template: string;
  /** Path of the new notebook, to open. */
  path: string;
  product: string | null;
}

export interface ITemplateSourceStatus {
  name: string;
  kind: 'embedded' | 'folder' | 'git';
  location: string;
  ok: boolean;
  error: string | null;
  kept_previous: boolean;
  revision: string | null;
  files: number;
  notebooks: number;
  skipped: string[];
  duration_ms: number;
}

export interface ITemplateSyncReport {
  started_at: string;
  finished_at: string;
  duration_ms: number;
  ok: boolean;
  sources: ITemplateSourceStatus[];
  warnings: string[];
  templates: number;
}

/** GET/POST /templates/sync */
export interface ITemplateSyncStatus {
  running: boolean;
  last: ITemplateSyncReport | null;
  templates: number;
  broken: { id: string; error: string }[];
  config_errors: string[];
  interval: number;
  next_sync_at: string | null;
}

/** The id of the pipelines plugin (also its settings schema file name). */
export const PIPELINES_PLUGIN_ID = 'naas_lab_ext:pipelines';

/** Status of a run. INTERRUPTED: the process running it died before it ended. */
export type RunStatus =
  'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'INTERRUPTED';

/** Status of a step of a run. */
export type StepStatus = RunStatus | 'SKIPPED';

/** A step of a pipeline's DAG (as the pipeline notebook defines it). */
export interface IDagStep {
  name: string;
  kind: string;
  /** on_error steps run only when a step they handle fails. */
  role: 'step' | 'on_error';
  upstream: string[];
  /** First steps of the error handlers of this step. */
  on_error: string[];
  timeout: number | null;
  retries: number;
  retry_delay: number;
  /** Notebook of a notebook step, relative to the product root. */
  notebook_path?: string;
  parameters?: JSONObject;
  kernel_name?: string | null;
  /** Delay of a dummy step (seconds). */
  delay?: number;
}

export interface IDagLink {
  from: string;
  to: string;
  kind: 'next' | 'on_error';
}

export interface IPipelineDag {
  /** Pipeline name (folder of its executions). */
  name: string;
  /** Product root the notebook paths are relative to (relative to the Jupyter root). */
  root: string;
  /** In a run order (upstream before downstream). */
  steps: IDagStep[];
  edges: IDagLink[];
}

/** A field of the run form: a parameter papermill found in a notebook of the pipeline. */
export interface IRunParameter {
  name: string;
  /** Type papermill infers (int, str, ...), or null when unknown. */
  type: string | null;
  /** The default as written in the notebook (Python source). */
  default: string | null;
  /** The value a run gets when the form leaves it (JSON), if known. */
  value: JSONValue | null;
  help: string;
  /** Steps whose notebook declares it (empty for the pipeline notebook's own). */
  steps: string[];
}

/** GET /pipelines?product= and GET /pipelines/{path} */
export interface IPipeline {
  /** The pipeline notebook, relative to the Jupyter root. */
  path: string;
  product: string | null;
  name: string | null;
  /** Null when the notebook cannot be read (`error` says why). */
  dag: IPipelineDag | null;
  parameters: IRunParameter[];
  error: { message: string; step: string | null } | null;
}

/** Why a step failed: the exception and the cell that raised it. */
export interface IStepError {
  /** Exception class, e.g. ValueError, StepTimeout, DeadKernelError. */
  name: string;
  message: string;
  cell_index: number | null;
  execution_count: number | null;
  cell_source: string | null;
  traceback: string;
}

export interface IRunStep {
  name: string;
  kind: string;
  role: 'step' | 'on_error';
  status: StepStatus;
  started_at: string | null;
  ended_at: string | null;
  /** Seconds. */
  duration: number | null;
  attempts: number;
  /** The input notebook, relative to the product root. */
  notebook_path: string | null;
  /** The executed copy, relative to the Jupyter root (open it in Lab). */
  output_path: string | null;
  error: IStepError | null;
  /** Why it was skipped or cancelled, the retry going on... */
  detail: string;
  upstream: string[];
  on_error: string[];
}

/** GET /runs/{id}, POST /runs, POST /runs/{id}/cancel */
export interface IRun {
  id: string;
  pipeline: string;
  status: RunStatus;
  /** Product root, relative to the Jupyter root. */
  product: string | null;
  /** The pipeline notebook, relative to the Jupyter root, when known. */
  pipeline_path: string | null;
  /** Who started it (api, cli, notebook, python, scheduler). */
  source: string;
  parameters: JSONObject;
  created_at: string | null;
  started_at: string | null;
  ended_at: string | null;
  duration: number | null;
  /** Why the run failed as a whole (e.g. its definition cannot be read). */
  error: string | null;
  /** Folder of the executed notebooks, relative to the Jupyter root. */
  output_dir: string | null;
  cancel_requested: boolean;
  /** Empty while PENDING; then every step in a run order. */
  steps: IRunStep[];
}

/** GET /runs */
export interface IRunPage extends IPage {
  runs: IRun[];
}

/** Filters of GET /runs. */
export interface IRunQuery {
  product?: string;
  /** The pipeline's name (not its path). */
  pipeline?: string;
  status?: RunStatus[];
  limit?: number;
  offset?: number;
}

/** The search a user typed and filtered. */
export interface ITemplateQuery {
  q: string;
  tools: string[];
  tags: string[];
}

/** What the core plugin shares with the other plugins of the extension. */
export interface INaasLab {
  readonly service: import('./handler').NaasLabService;
  readonly products: import('./model').ProductsModel;
  /**
   * Add a section to the Data Products panel (at `index`, default: before New product),
   * folded if `folded` (it then takes no room until the user opens it).
   */
  addSection(
    widget: import('@lumino/widgets').Widget,
    index?: number,
    folded?: boolean
  ): void;
  /** Show the panel and expand a section of it. */
  revealSection(widget: import('@lumino/widgets').Widget): void;
  /** Open a file by its path under the root, with the right viewer. */
  open(path: string): void;
}

export const INaasLab = new Token<INaasLab>(
  'naas_lab_ext:INaasLab',
  'The Data Products panel, its model and the REST client of naas_lab_ext.'
);
