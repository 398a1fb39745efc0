/**
 * Typed REST client of the naas_lab_ext server extension.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { JSONObject } from '@lumino/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import {
  API_NAMESPACE,
  ICopiedTemplate,
  ICreatedProduct,
  IDatasetPage,
  IErrorBody,
  IPipeline,
  IProduct,
  IProductList,
  IProductSpec,
  IRun,
  IRunPage,
  IRunQuery,
  IStatus,
  ITemplateDetail,
  ITemplatePage,
  ITemplateQuery,
  ITemplateSyncStatus,
  IVersionPage
} from './tokens';

/**
 * An error answered by the server (or the network), with the message to show the user.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly field: string | null = null
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** True when the server extension is not installed or not enabled. */
  get isMissingServer(): boolean {
    return this.status === 404;
  }
}

/**
 * Call a route of the extension and parse its JSON answer.
 *
 * @param endpoint - path under /naas-lab-ext/ (e.g. 'products')
 * @param init - fetch options (method, body)
 * @param settings - server connection settings (tests inject a fake fetch here)
 */
export async function requestAPI<T>(
  endpoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, endpoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ApiError(
      `The Jupyter server cannot be reached (${String(error)}). Check that it is running.`,
      0
    );
  }
  const text = await response.text();
  let data: unknown = null;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const body = (data ?? {}) as Partial<IErrorBody>;
    if (response.status === 404 && !body.reason) {
      throw new ApiError(
        'The naas_lab_ext server extension does not answer. Install it with ' +
          '`pip install naas_lab_ext` (or enable it with `jupyter server extension ' +
          'enable naas_lab_ext`), then restart JupyterLab.',
        404
      );
    }
    throw new ApiError(
      body.message ||
        `The server answered ${response.status} ${response.statusText}.`,
      response.status,
      body.field ?? null
    );
  }
  return data as T;
}

/** Encode an API path for a URL, keeping its '/' separators. */
function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/**
 * The operations of the REST API, typed.
 */
export class NaasLabService {
  constructor(
    readonly serverSettings: ServerConnection.ISettings = ServerConnection.makeSettings()
  ) {}

  status(): Promise<IStatus> {
    return requestAPI<IStatus>('status', {}, this.serverSettings);
  }

  async listProducts(): Promise<IProduct[]> {
    const data = await requestAPI<IProductList>(
      'products',
      {},
      this.serverSettings
    );
    return data.products;
  }

  getProduct(path: string): Promise<IProduct> {
    return requestAPI<IProduct>(
      `products/${encodePath(path)}`,
      {},
      this.serverSettings
    );
  }

  createProduct(spec: IProductSpec): Promise<ICreatedProduct> {
    return requestAPI<ICreatedProduct>(
      'products',
      { method: 'POST', body: JSON.stringify(spec) },
      this.serverSettings
    );
  }

  /** The output datasets of a product, with their newest `versions` versions. */
  listDatasets(
    product: string,
    options: { offset?: number; limit?: number; versions?: number } = {}
  ): Promise<IDatasetPage> {
    return requestAPI<IDatasetPage>(
      `outputs${query({ product, ...options })}`,
      {},
      this.serverSettings
    );
  }

  /** The versions of one dataset ('layer/dataset'), newest first. */
  listVersions(
    product: string,
    dataset: string,
    options: { offset?: number; limit?: number } = {}
  ): Promise<IVersionPage> {
    return requestAPI<IVersionPage>(
      `outputs/versions${query({ product, dataset, ...options })}`,
      {},
      this.serverSettings
    );
  }

  /** Search the template library (ranked), with facets for the filters. */
  searchTemplates(
    search: ITemplateQuery,
    page: { offset?: number; limit?: number } = {}
  ): Promise<ITemplatePage> {
    return requestAPI<ITemplatePage>(
      `templates${query({ q: search.q.trim(), tool: search.tools, tag: search.tags, ...page })}`,
      {},
      this.serverSettings
    );
  }

  /** One template, with its cells and parameters, for the preview. */
  getTemplate(id: string): Promise<ITemplateDetail> {
    return requestAPI<ITemplateDetail>(
      `templates/notebooks/${encodePath(id)}`,
      {},
      this.serverSettings
    );
  }

  /** Copy a template to the root under a free name ("Open in Lab"). */
  openTemplate(id: string): Promise<ICopiedTemplate> {
    return requestAPI<ICopiedTemplate>(
      'templates/open',
      { method: 'POST', body: JSON.stringify({ id }) },
      this.serverSettings
    );
  }

  /** Copy a template into a product's models/ folder. */
  addTemplateToModels(id: string, product: string): Promise<ICopiedTemplate> {
    return requestAPI<ICopiedTemplate>(
      'templates/add-to-models',
      { method: 'POST', body: JSON.stringify({ id, product }) },
      this.serverSettings
    );
  }

  templateSyncStatus(): Promise<ITemplateSyncStatus> {
    return requestAPI<ITemplateSyncStatus>(
      'templates/sync',
      {},
      this.serverSettings
    );
  }

  /** Start a sync of the template sources (answers at once). */
  syncTemplates(): Promise<ITemplateSyncStatus> {
    return requestAPI<ITemplateSyncStatus>(
      'templates/sync',
      { method: 'POST', body: JSON.stringify({}) },
      this.serverSettings
    );
  }

  /**
   * The pipeline notebooks of a product with their DAG and run form. Slow the first time:
   * the server runs each notebook's definition cells (then caches until it changes).
   */
  async listPipelines(product: string): Promise<IPipeline[]> {
    const data = await requestAPI<{ pipelines: IPipeline[] }>(
      `pipelines${query({ product })}`,
      {},
      this.serverSettings
    );
    return data.pipelines;
  }

  /** One pipeline notebook (or why it cannot be read, in `error`). */
  getPipeline(path: string): Promise<IPipeline> {
    return requestAPI<IPipeline>(
      `pipelines/${encodePath(path)}`,
      {},
      this.serverSettings
    );
  }

  /** Start a run; it is answered PENDING at once and goes on in the background. */
  startRun(pipeline: string, parameters: JSONObject = {}): Promise<IRun> {
    return requestAPI<IRun>(
      'runs',
      { method: 'POST', body: JSON.stringify({ pipeline, parameters }) },
      this.serverSettings
    );
  }

  /** One run with its steps. */
  getRun(id: string): Promise<IRun> {
    return requestAPI<IRun>(
      `runs/${encodeURIComponent(id)}`,
      {},
      this.serverSettings
    );
  }

  /** Runs, newest first, filtered and paged. */
  listRuns(filter: IRunQuery = {}): Promise<IRunPage> {
    return requestAPI<IRunPage>(
      `runs${query({ ...filter })}`,
      {},
      this.serverSettings
    );
  }

  /** Ask a run to stop (it ends CANCELLED shortly); 409 if it already ended. */
  cancelRun(id: string): Promise<IRun> {
    return requestAPI<IRun>(
      `runs/${encodeURIComponent(id)}/cancel`,
      { method: 'POST', body: JSON.stringify({}) },
      this.serverSettings
    );
  }

  /** The bytes of one file of a version (or of `latest`). */
  async downloadOutput(
    product: string,
    dataset: string,
    version: string,
    file: string
  ): Promise<Blob> {
    const url = URLExt.join(
      this.serverSettings.baseUrl,
      API_NAMESPACE,
      `outputs/file${query({ product, dataset, version, file })}`
    );
    const response = await ServerConnection.makeRequest(
      url,
      {},
      this.serverSettings
    );
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as IErrorBody;
      throw new ApiError(
        body.message || `The download failed (${response.status}).`,
        response.status
      );
    }
    return response.blob();
  }
}

/** A query string from defined values ('' when there are none); arrays repeat the key. */
export function query(
  values: Record<
    string,
    string | number | boolean | readonly string[] | undefined
  >
): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (Array.isArray(value)) {
      value.forEach(item => params.append(key, item));
    } else if (value !== undefined && value !== '') {
      params.set(key, String(value));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
