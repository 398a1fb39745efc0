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
