/**
 * Server connection settings whose HTTP calls go to a function instead of a server.
 */
import { ServerConnection } from '@jupyterlab/services';
import { vi } from 'vitest';

type FetchArgs = [RequestInfo, RequestInit?];

/** Settings whose requests `respond` answers; `calls` records them. */
export function settingsWith(respond: (request: Request) => Response): {
  settings: ServerConnection.ISettings;
  calls: Request[];
} {
  const calls: Request[] = [];
  const fakeFetch = vi.fn(async (...args: FetchArgs) => {
    const request = new Request(args[0], args[1]);
    calls.push(request);
    return respond(request);
  });
  const settings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/lab-base/',
    fetch: fakeFetch as unknown as typeof fetch,
    token: 'secret'
  });
  return { settings, calls };
}

export const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' }
  });

/** A REST client whose HTTP calls go to `respond`; `calls` records them. */
export function clientWith<T>(
  Client: new (settings: ServerConnection.ISettings) => T,
  respond: (request: Request) => Response
): { service: T; calls: Request[] } {
  const { settings, calls } = settingsWith(respond);
  return { service: new Client(settings), calls };
}
