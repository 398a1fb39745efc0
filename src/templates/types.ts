/**
 * REST types of the template library routes, and the search a user typed.
 */

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
  /** Add to models: the packages the template needs, e.g. `pandas>=2.0`. */
  requirements?: string[];
  /** ...and those the product's requirements.txt does not list yet. */
  missing_requirements?: string[];
}

/** The answer of adding a template's requirements to a product's requirements.txt. */
export interface IAddedRequirements {
  /** The requirements.txt, relative to the root. */
  path: string;
  requirements: string[];
  /** The lines added (empty: the file listed them all). */
  added: string[];
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

/** The search a user typed and filtered. */
export interface ITemplateQuery {
  q: string;
  tools: string[];
  tags: string[];
}
