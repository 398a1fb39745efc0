/**
 * REST types every route shares (the capabilities' own are in their types.ts).
 */

/** GET /status */
export interface IStatus {
  version: string;
  api_version: number;
  /** The store of runs, schedules, deployments and events (null: not known). */
  store?: IStoreStatus | null;
}

/** Whether the store can be used; when not, the routes that need it answer 503. */
export interface IStoreStatus {
  ok: boolean;
  /** The SQLite file, or the database URL without its password. */
  location: string;
  /** What is wrong and what to do (e.g. move the damaged file aside). */
  error: string | null;
  /** This start created the store: its history was not found. */
  warning: string | null;
}

/** The JSON body of every error answer. */
export interface IErrorBody {
  message: string;
  reason?: string | null;
  /** The input field at fault, if any. */
  field?: string | null;
}

/** Paging fields shared by the paged answers. */
export interface IPage {
  total: number;
  offset: number;
  limit: number;
}

/**
 * Who hears of a rule's runs: `true` = the server's defaults (notify_email_to,
 * notify_webhook_urls), `false` = nobody, an object = these targets (in addition to the
 * defaults for on_failure, instead of nothing for on_success and on_start).
 */
export type NotifyRule = boolean | INotifyTargets;

export interface INotifyTargets {
  /** E-mail addresses. */
  to?: string[];
  /** Webhook URLs (a POST of JSON with a Slack-compatible `text`). */
  webhooks?: string[];
}

/**
 * The notifications of a schedule or a run (`schedule(..., notify={...})`, PATCH
 * schedules/<id>, POST runs). Absent keys: on_failure true, on_success and on_start false.
 */
export interface INotify {
  on_failure?: NotifyRule;
  on_success?: NotifyRule;
  on_start?: NotifyRule;
}
