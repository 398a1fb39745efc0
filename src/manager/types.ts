/**
 * REST types of the Manager's routes: events (a page, and the tail for live updates), runs
 * with the Manager's filters and cursor, notifications (settings, test). Runs, schedules and
 * deployments are the types of pipelines/ and deploy/.
 */
import { JSONObject } from '@lumino/coreutils';

import { IRunPage, IRunQuery } from '../pipelines/types';

/** How serious an event is. */
export type EventLevel = 'info' | 'warning' | 'error';

/** What an event is about. */
export type EventSubject =
  | 'run'
  | 'deployment'
  | 'schedule'
  | 'templates'
  | 'notification'
  | 'secret'
  | 'store';

/** One entry of the events log. */
export interface IEvent {
  /** Increasing: a later event has a greater id. */
  id: number;
  /** ISO time, UTC ("...Z"). */
  at: string;
  /** e.g. run.failed, deploy.succeeded, schedule.paused (see kinds.ts). */
  kind: string;
  level: EventLevel;
  /** The product's folder relative to the Jupyter root; null: none, or outside the root. */
  product: string | null;
  subject_type: EventSubject | string;
  /** The run, schedule or deployment id. */
  subject_id: string | null;
  message: string;
  /** Run events: run_id, pipeline, status, source, deployment_id, error, failed_steps... */
  details: JSONObject;
}

/** GET /events (a page, newest first). */
export interface IEventPage {
  events: IEvent[];
  /** The `before` of the next (older) page; null: this was the last. */
  next_before: number | null;
}

/** GET /events?after= (the tail, oldest first). */
export interface IEventTail {
  events: IEvent[];
  /** The id of the last event recorded (the next `after`). */
  last_id: number;
}

/** Filters of GET /events. */
export interface IEventQuery {
  product?: string;
  level?: EventLevel[];
  kind?: string[];
  subject_type?: string;
  subject_id?: string;
  before?: number;
  limit?: number;
}

/** Who started a run. */
export type RunSource = 'api' | 'cli' | 'notebook' | 'python' | 'scheduler';

/** Filters of GET /runs as the Manager asks them (keyset paging: `before`, not offset). */
export interface IRunsQuery extends Omit<IRunQuery, 'offset'> {
  source?: RunSource[];
  /** ISO times: runs created at or after `since`, before `until`. */
  since?: string;
  until?: string;
  /** Text found in the run's error or a step's error. */
  q?: string;
  /** The `next_before` of the previous page. */
  before?: string;
}

/** GET /runs with a cursor. */
export interface IRunsPage extends IRunPage {
  /** The `before` of the next (older) page; null: this was the last. */
  next_before: string | null;
}

/** The server's mail settings (never the password). */
export interface ISmtpSettings {
  host: string;
  port: number;
  security: 'starttls' | 'ssl' | 'none';
  user: string;
  mail_from: string;
  /** True when the environment variable naming the password is set. */
  password_set: boolean;
}

/** GET /notifications/settings */
export interface INotificationSettings {
  smtp: ISmtpSettings;
  /** Default recipients of failure mail. */
  email_to: string[];
  /** Default webhooks of failures (tokens redacted). */
  webhooks: string[];
  /** The URL mails link to (null: unknown, no links). */
  public_url: string | null;
}

/** POST /notifications/test body: the defaults when empty. */
export interface INotificationTest {
  to?: string[];
  webhooks?: string[];
}

/** The outcome of sending to one target. */
export interface INotificationResult {
  channel: 'email' | 'webhook';
  /** The address or URL (redacted). */
  target: string;
  ok: boolean;
  /** The server's answer: the SMTP reply or error, the HTTP status. */
  message: string;
}

/** POST /notifications/test answer. */
export interface INotificationTestResults {
  results: INotificationResult[];
}
