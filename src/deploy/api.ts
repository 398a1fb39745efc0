/**
 * REST clients of the deployments and schedules routes.
 */
import { ApiClient } from '../api/client';
import { query } from '../api/request';
import { IRun } from '../pipelines/types';
import {
  IDeployment,
  IDeploymentList,
  ISchedule,
  IScheduleList
} from './types';

export class DeployService extends ApiClient {
  /**
   * Start a deploy of a product; answered at once (PENDING), it goes on in the background.
   * 409 when a deploy of that product already runs.
   */
  startDeployment(product: string, skipTests = false): Promise<IDeployment> {
    return this.post<IDeployment>('deployments', {
      product,
      skip_tests: skipTests
    });
  }

  /** One deployment with its steps. */
  getDeployment(id: string): Promise<IDeployment> {
    return this.get<IDeployment>(`deployments/${encodeURIComponent(id)}`);
  }

  /** A product's deployments, newest first, and which one is active. */
  listDeployments(product: string, limit = 20): Promise<IDeploymentList> {
    return this.get<IDeploymentList>(`deployments${query({ product, limit })}`);
  }

  /** Make an earlier successful deployment (and its schedules) the active one again. */
  activate(id: string): Promise<IDeployment> {
    return this.post<IDeployment>(
      `deployments/${encodeURIComponent(id)}/activate`
    );
  }
}

export class SchedulesService extends ApiClient {
  /** The schedules of a product (of every product when none is given). */
  async listSchedules(product?: string): Promise<ISchedule[]> {
    const data = await this.get<IScheduleList>(
      `schedules${query({ product })}`
    );
    // A product at the Jupyter root ('') cannot be said in the query: the server answers
    // every product's schedules, keep its own.
    return product === undefined
      ? data.schedules
      : data.schedules.filter(s => s.product === product);
  }

  getSchedule(id: string): Promise<ISchedule> {
    return this.get<ISchedule>(`schedules/${encodeURIComponent(id)}`);
  }

  /** Stop firing a schedule until it is resumed. */
  pause(id: string): Promise<ISchedule> {
    return this.post<ISchedule>(`schedules/${encodeURIComponent(id)}/pause`);
  }

  /** Fire a paused schedule again, from its next due time. */
  resume(id: string): Promise<ISchedule> {
    return this.post<ISchedule>(`schedules/${encodeURIComponent(id)}/resume`);
  }

  /** Start a run of the schedule's pipeline now (from its deployment). */
  run(id: string): Promise<IRun> {
    return this.post<IRun>(`schedules/${encodeURIComponent(id)}/run`);
  }
}
