/**
 * REST client of the Manager's routes: the events log and its tail, runs with the
 * Manager's filters and cursor, re-run, a schedule's notifications and delete, the
 * notification settings and test. (Runs, schedules and deployments otherwise go through
 * PipelinesService, SchedulesService and DeployService.)
 */
import { ApiClient } from '../api/client';
import { query } from '../api/request';
import { INotify } from '../api/types';
import { ISchedule } from '../deploy/types';
import { IRun } from '../pipelines/types';
import {
  IEventPage,
  IEventQuery,
  IEventTail,
  INotificationSettings,
  INotificationTest,
  INotificationTestResults,
  IRunsPage,
  IRunsQuery
} from './types';

/** The query string of GET /runs for these filters ('' when there are none). */
export function runsQueryString(filter: IRunsQuery): string {
  return query({
    product: filter.product,
    pipeline: filter.pipeline,
    status: filter.status,
    source: filter.source,
    since: filter.since,
    until: filter.until,
    q: filter.q?.trim() || undefined,
    before: filter.before,
    limit: filter.limit
  });
}

/** The query string of GET /events for these filters ('' when there are none). */
export function eventsQueryString(filter: IEventQuery): string {
  return query({
    product: filter.product,
    level: filter.level,
    kind: filter.kind,
    subject_type: filter.subject_type,
    subject_id: filter.subject_id,
    before: filter.before,
    limit: filter.limit
  });
}

export class ManagerService extends ApiClient {
  /** A page of the events log, newest first. */
  events(filter: IEventQuery = {}): Promise<IEventPage> {
    return this.get<IEventPage>(`events${eventsQueryString(filter)}`);
  }

  /**
   * The events recorded after event `after`, oldest first (live updates): `after` -1
   * answers none but the last id, to start from now.
   */
  tail(after: number, limit?: number): Promise<IEventTail> {
    return this.get<IEventTail>(`events${query({ after, limit })}`);
  }

  /** A page of runs, newest first; the next page is asked with its `next_before`. */
  runs(filter: IRunsQuery = {}): Promise<IRunsPage> {
    return this.get<IRunsPage>(`runs${runsQueryString(filter)}`);
  }

  /** A new run of the same pipeline with the same parameters (same deployment if any). */
  rerun(id: string): Promise<IRun> {
    return this.post<IRun>(`runs/${encodeURIComponent(id)}/rerun`);
  }

  /**
   * Set a schedule's notifications (null: back to the defaults). Kept until the product's
   * next deploy declares the schedule again.
   */
  setScheduleNotify(id: string, notify: INotify | null): Promise<ISchedule> {
    return this.patch<ISchedule>(`schedules/${encodeURIComponent(id)}`, {
      notify
    });
  }

  /** Delete a schedule (its runs stay; the product's next deploy declares it again). */
  deleteSchedule(id: string): Promise<void> {
    return this.delete(`schedules/${encodeURIComponent(id)}`);
  }

  /** The server's mail and webhook settings (never a password or a token). */
  notificationSettings(): Promise<INotificationSettings> {
    return this.get<INotificationSettings>('notifications/settings');
  }

  /** Send a test message to these targets (the defaults when none) and say how it went. */
  testNotification(
    targets: INotificationTest = {}
  ): Promise<INotificationTestResults> {
    return this.post<INotificationTestResults>('notifications/test', targets);
  }
}
