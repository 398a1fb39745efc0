/**
 * The REST contract (mirrors naas_lab_ext/openapi.yaml) and the command IDs.
 */

/** The namespace of every route of the server extension. */
export const API_NAMESPACE = 'naas-lab-ext';

/** The id of the main plugin (also the settings schema file name). */
export const PLUGIN_ID = 'naas_lab_ext:plugin';

/** Commands contributed by the extension; each appears in the palette. */
export namespace CommandIDs {
  export const newProduct = 'naas-lab-ext:new-product';
  export const openPanel = 'naas-lab-ext:open-panel';
  export const refreshProducts = 'naas-lab-ext:refresh-products';
}

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
