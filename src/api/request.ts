/**
 * The one place that talks to the server extension: URLs under /naas-lab-ext/, the request,
 * and the error answers turned into ApiErrors with a message for the user.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { isWellFormed } from '../paths';
import { API_NAMESPACE } from '../tokens';
import { ApiError } from './errors';
import { IErrorBody } from './types';

/** The URL of a route of the extension. */
export function apiUrl(
  settings: ServerConnection.ISettings,
  endpoint: string
): string {
  return URLExt.join(settings.baseUrl, API_NAMESPACE, endpoint);
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
  const url = apiUrl(settings, endpoint);
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

/**
 * Get the bytes a route answers (a file to download).
 *
 * @param failure - what failed, for the message of an error answer without one
 */
export async function requestBlob(
  endpoint: string,
  failure: string,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<Blob> {
  const response = await ServerConnection.makeRequest(
    apiUrl(settings, endpoint),
    {},
    settings
  );
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as IErrorBody;
    throw new ApiError(
      body.message || `${failure} (${response.status}).`,
      response.status
    );
  }
  return response.blob();
}

/**
 * Encode an API path for a URL, keeping its '/' separators. A path whose name is not valid
 * UTF-8 on disk (lone surrogates here) has no URL: an ApiError says so and what to do, instead
 * of the browser's "URI malformed".
 */
export function encodePath(path: string): string {
  if (!isWellFormed(path)) {
    const shown = path.replace(/[\uD800-\uDFFF]/g, '\uFFFD');
    throw new ApiError(
      `'${shown}' is not a valid UTF-8 name, so it cannot be asked of the server: rename it ` +
        '(for example in a terminal), then refresh.',
      400
    );
  }
  return path.split('/').map(encodeURIComponent).join('/');
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
