/**
 * The base of the capabilities' REST clients (products/api.ts, templates/api.ts...): the
 * server connection they share and its GET, POST, PATCH, PUT, DELETE and download calls.
 */
import { ServerConnection } from '@jupyterlab/services';

import { requestAPI, requestBlob } from './request';

export class ApiClient {
  constructor(
    readonly serverSettings: ServerConnection.ISettings = ServerConnection.makeSettings()
  ) {}

  /** GET a route and parse its JSON answer. */
  protected get<T>(endpoint: string): Promise<T> {
    return requestAPI<T>(endpoint, {}, this.serverSettings);
  }

  /** POST `body` as JSON to a route and parse its JSON answer. */
  protected post<T>(endpoint: string, body: unknown = {}): Promise<T> {
    return requestAPI<T>(
      endpoint,
      { method: 'POST', body: JSON.stringify(body) },
      this.serverSettings
    );
  }

  /** PATCH a route with `body` as JSON and parse its JSON answer. */
  protected patch<T>(endpoint: string, body: unknown): Promise<T> {
    return requestAPI<T>(
      endpoint,
      { method: 'PATCH', body: JSON.stringify(body) },
      this.serverSettings
    );
  }

  /** PUT `body` as JSON to a route and parse its JSON answer. */
  protected put<T>(endpoint: string, body: unknown): Promise<T> {
    return requestAPI<T>(
      endpoint,
      { method: 'PUT', body: JSON.stringify(body) },
      this.serverSettings
    );
  }

  /** DELETE a route (its answer, usually empty, is ignored). */
  protected async delete(endpoint: string): Promise<void> {
    await requestAPI<unknown>(
      endpoint,
      { method: 'DELETE' },
      this.serverSettings
    );
  }

  /** GET the bytes of a route (`failure` names what failed in an error message). */
  protected getBlob(endpoint: string, failure: string): Promise<Blob> {
    return requestBlob(endpoint, failure, this.serverSettings);
  }
}
