/**
 * REST client of the pipelines and runs routes.
 */
import { JSONObject } from '@lumino/coreutils';

import { ApiClient } from '../api/client';
import { encodePath, query } from '../api/request';
import { IPipeline, IRun, IRunPage, IRunQuery } from './types';

export class PipelinesService extends ApiClient {
  /**
   * The pipeline notebooks of a product with their DAG and run form. Slow the first time:
   * the server runs each notebook's definition cells (then caches until it changes).
   */
  async listPipelines(product: string): Promise<IPipeline[]> {
    const data = await this.get<{ pipelines: IPipeline[] }>(
      `pipelines${query({ product })}`
    );
    return data.pipelines;
  }

  /** One pipeline notebook (or why it cannot be read, in `error`). */
  getPipeline(path: string): Promise<IPipeline> {
    return this.get<IPipeline>(`pipelines/${encodePath(path)}`);
  }

  /** Start a run; it is answered PENDING at once and goes on in the background. */
  startRun(pipeline: string, parameters: JSONObject = {}): Promise<IRun> {
    return this.post<IRun>('runs', { pipeline, parameters });
  }

  /** One run with its steps. */
  getRun(id: string): Promise<IRun> {
    return this.get<IRun>(`runs/${encodeURIComponent(id)}`);
  }

  /** Runs, newest first, filtered and paged. */
  listRuns(filter: IRunQuery = {}): Promise<IRunPage> {
    return this.get<IRunPage>(`runs${query({ ...filter })}`);
  }

  /** Ask a run to stop (it ends CANCELLED shortly); 409 if it already ended. */
  cancelRun(id: string): Promise<IRun> {
    return this.post<IRun>(`runs/${encodeURIComponent(id)}/cancel`, {});
  }
}
