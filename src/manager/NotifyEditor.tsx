/**
 * The "Edit notifications" form of a job: on failure, on success, on start, each on or off
 * with its extra e-mails and webhooks (dialogs.ts hosts it in a dialog whose value is the
 * `notify` of PATCH schedules/<id>).
 */
import * as React from 'react';

import {
  INotifyForm,
  IRuleForm,
  NOTIFY_EVENTS,
  NotifyEvent,
  formProblem,
  isEmail,
  isWebhook,
  splitList
} from './notify';

const HINTS: Record<NotifyEvent, string> = {
  on_failure:
    'Failures always go to the default recipients and webhooks; these are added.',
  on_success:
    'Without an address or webhook here, the default recipients get it.',
  on_start: 'Without an address or webhook here, the default recipients get it.'
};

/**
 * Say at once whether a field's items are right (the dialog disables Save while a field is
 * :invalid; React renders the message a moment later).
 */
function markValidity(
  field: HTMLInputElement | HTMLTextAreaElement,
  isRight: (item: string) => boolean,
  what: string
): void {
  const bad = splitList(field.value).find(item => !isRight(item));
  field.setCustomValidity(bad ? `"${bad}" is not ${what}.` : '');
}

export interface INotifyEditorProps {
  /** Prefix of the fields' ids. */
  idPrefix: string;
  value: INotifyForm;
  onChange: (value: INotifyForm) => void;
}

export function NotifyEditor(props: INotifyEditorProps): JSX.Element {
  const { value, idPrefix } = props;
  const set = (key: NotifyEvent, change: Partial<IRuleForm>): void =>
    props.onChange({ ...value, [key]: { ...value[key], ...change } });
  const problem = formProblem(value);
  return (
    <div className="naas-NotifyEditor">
      {NOTIFY_EVENTS.map(({ key, label }) => {
        const rule = value[key];
        const id = `${idPrefix}-${key}`;
        return (
          <fieldset key={key} className="naas-NotifyEditor-rule">
            <legend>
              <label>
                <input
                  type="checkbox"
                  checked={rule.enabled}
                  onChange={event =>
                    set(key, { enabled: event.target.checked })
                  }
                />{' '}
                {label}
              </label>
            </legend>
            <p className="naas-Form-hint">{HINTS[key]}</p>
            <label className="naas-Form-label" htmlFor={`${id}-emails`}>
              {label}: e-mails
            </label>
            <input
              id={`${id}-emails`}
              className="naas-Form-input"
              type="text"
              value={rule.emails}
              disabled={!rule.enabled}
              aria-invalid={splitList(rule.emails).some(e => !isEmail(e))}
              placeholder="ops@example.com, ana@example.com"
              onChange={event => {
                markValidity(event.target, isEmail, 'an e-mail address');
                set(key, { emails: event.target.value });
              }}
            />
            <label className="naas-Form-label" htmlFor={`${id}-webhooks`}>
              {label}: webhooks
            </label>
            <textarea
              id={`${id}-webhooks`}
              className="naas-Form-input"
              rows={2}
              value={rule.webhooks}
              disabled={!rule.enabled}
              aria-invalid={splitList(rule.webhooks).some(u => !isWebhook(u))}
              placeholder="https://hooks.slack.com/services/…"
              onChange={event => {
                markValidity(event.target, isWebhook, 'a webhook URL');
                set(key, { webhooks: event.target.value });
              }}
            />
          </fieldset>
        );
      })}
      {problem ? (
        <p className="naas-Form-error" role="alert">
          {problem}
        </p>
      ) : null}
      <p className="naas-NotifyEditor-note">
        Kept until the product&apos;s next deploy: its setup.ipynb&apos;s{' '}
        <code>schedule(..., notify=...)</code> then replaces these settings.
      </p>
    </div>
  );
}
