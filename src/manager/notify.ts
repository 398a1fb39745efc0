/**
 * A job's notifications in words, and the form of the "Edit notifications" dialog to and
 * from the `notify` JSON of PATCH schedules/<id>.
 */
import { INotify, NotifyRule } from '../api/types';

export type NotifyEvent = 'on_failure' | 'on_success' | 'on_start';

export const NOTIFY_EVENTS: readonly { key: NotifyEvent; label: string }[] = [
  { key: 'on_failure', label: 'On failure' },
  { key: 'on_success', label: 'On success' },
  { key: 'on_start', label: 'On start' }
];

/** What the server does for a key that is absent. */
const DEFAULTS: Record<NotifyEvent, boolean> = {
  on_failure: true,
  on_success: false,
  on_start: false
};

/** A rule of `notify`, absent keys read as the server reads them. */
export function ruleOf(
  notify: INotify | null | undefined,
  key: NotifyEvent
): NotifyRule {
  const rule = notify?.[key];
  return rule === undefined || rule === null ? DEFAULTS[key] : rule;
}

function targetsInWords(rule: Exclude<NotifyRule, boolean>): string {
  const targets = [
    ...(rule.to ?? []),
    ...(rule.webhooks ?? []).map(webhookName)
  ];
  return targets.length ? targets.join(', ') : 'nobody';
}

/** A webhook URL, short: its host (the path may hold a token). */
export function webhookName(url: string): string {
  try {
    return `webhook ${new URL(url).host}`;
  } catch {
    return 'webhook';
  }
}

/**
 * A job's notifications in a few words: "failure → defaults", "failure → defaults +
 * ops@x.com; success → ana@x.com".
 */
export function notifySummary(notify: INotify | null | undefined): string {
  const parts: string[] = [];
  for (const { key } of NOTIFY_EVENTS) {
    const rule = ruleOf(notify, key);
    const name = key.replace('on_', '');
    if (rule === false) {
      if (key === 'on_failure') {
        parts.push('failure → nobody');
      }
      continue;
    }
    if (rule === true) {
      parts.push(`${name} → defaults`);
    } else if (key === 'on_failure') {
      parts.push(`${name} → defaults + ${targetsInWords(rule)}`);
    } else {
      parts.push(`${name} → ${targetsInWords(rule)}`);
    }
  }
  return parts.join('; ');
}

/** One rule in the form. */
export interface IRuleForm {
  enabled: boolean;
  /** Addresses, separated by commas, spaces or new lines. */
  emails: string;
  /** URLs, one a line (or separated by spaces). */
  webhooks: string;
}

export type INotifyForm = Record<NotifyEvent, IRuleForm>;

/** The form showing `notify`. */
export function notifyForm(notify: INotify | null | undefined): INotifyForm {
  const form = {} as INotifyForm;
  for (const { key } of NOTIFY_EVENTS) {
    const rule = ruleOf(notify, key);
    form[key] = {
      enabled: rule !== false,
      emails: typeof rule === 'object' ? (rule.to ?? []).join(', ') : '',
      webhooks: typeof rule === 'object' ? (rule.webhooks ?? []).join('\n') : ''
    };
  }
  return form;
}

/** The items of a text field: split on commas, spaces and new lines, no duplicates. */
export function splitList(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).filter(Boolean))];
}

/** A plausible e-mail address (the server checks it for real). */
export function isEmail(text: string): boolean {
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(text);
}

/** A plausible webhook URL. */
export function isWebhook(text: string): boolean {
  return /^https?:\/\/\S+$/.test(text);
}

/** What is wrong with the form (null: nothing). */
export function formProblem(form: INotifyForm): string | null {
  for (const { key, label } of NOTIFY_EVENTS) {
    const rule = form[key];
    if (!rule.enabled) {
      continue;
    }
    const bad = splitList(rule.emails).find(e => !isEmail(e));
    if (bad) {
      return `${label}: "${bad}" is not an e-mail address.`;
    }
    const badUrl = splitList(rule.webhooks).find(u => !isWebhook(u));
    if (badUrl) {
      return `${label}: "${badUrl}" is not a webhook URL (http:// or https://).`;
    }
  }
  return null;
}

/** The `notify` JSON of the form: every key said, a rule with targets as an object. */
export function notifyFromForm(form: INotifyForm): INotify {
  const notify: INotify = {};
  for (const { key } of NOTIFY_EVENTS) {
    const rule = form[key];
    const to = splitList(rule.emails);
    const webhooks = splitList(rule.webhooks);
    if (!rule.enabled) {
      notify[key] = false;
    } else if (!to.length && !webhooks.length) {
      notify[key] = true;
    } else {
      notify[key] = {
        ...(to.length ? { to } : {}),
        ...(webhooks.length ? { webhooks } : {})
      };
    }
  }
  return notify;
}
