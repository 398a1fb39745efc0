import { describe, expect, it } from 'vitest';

import {
  formProblem,
  notifyForm,
  notifyFromForm,
  notifySummary,
  ruleOf,
  splitList,
  webhookName
} from '../notify';

describe('notifySummary', () => {
  it('says the defaults when a job says nothing', () => {
    expect(notifySummary(null)).toBe('failure → defaults');
    expect(notifySummary({})).toBe('failure → defaults');
  });

  it('says who hears of each event, webhooks by their host only', () => {
    expect(
      notifySummary({
        on_failure: {
          to: ['ops@example.com'],
          webhooks: ['https://hooks.slack.com/services/T0/B0/secret']
        },
        on_success: { to: ['ana@example.com'] },
        on_start: true
      })
    ).toBe(
      'failure → defaults + ops@example.com, webhook hooks.slack.com; ' +
        'success → ana@example.com; start → defaults'
    );
    expect(notifySummary({ on_failure: false })).toBe('failure → nobody');
    expect(webhookName('not a url')).toBe('webhook');
  });

  it('reads absent keys as the server does', () => {
    expect(ruleOf(undefined, 'on_failure')).toBe(true);
    expect(ruleOf({}, 'on_success')).toBe(false);
    expect(ruleOf({ on_start: true }, 'on_start')).toBe(true);
  });
});

describe('the notifications form', () => {
  it('shows a job’s notify and gives it back unchanged', () => {
    const notify = {
      on_failure: { to: ['ops@example.com', 'b@example.com'] },
      on_success: false,
      on_start: { webhooks: ['https://example.com/hook'] }
    };
    const form = notifyForm(notify);
    expect(form.on_failure).toEqual({
      enabled: true,
      emails: 'ops@example.com, b@example.com',
      webhooks: ''
    });
    expect(form.on_success.enabled).toBe(false);
    expect(form.on_start.webhooks).toBe('https://example.com/hook');
    expect(notifyFromForm(form)).toEqual(notify);
  });

  it('says every key: on without targets is true, off is false', () => {
    const form = notifyForm(null);
    expect(notifyFromForm(form)).toEqual({
      on_failure: true,
      on_success: false,
      on_start: false
    });
    form.on_success = {
      enabled: true,
      emails: 'ana@example.com;ana@example.com\nbo@example.com',
      webhooks: ''
    };
    form.on_failure = {
      enabled: false,
      emails: 'kept@example.com',
      webhooks: ''
    };
    expect(notifyFromForm(form)).toEqual({
      on_failure: false,
      on_success: { to: ['ana@example.com', 'bo@example.com'] },
      on_start: false
    });
  });

  it('names a wrong address or URL of a rule that is on', () => {
    const form = notifyForm(null);
    expect(formProblem(form)).toBeNull();
    form.on_start = { enabled: true, emails: 'ops@example', webhooks: '' };
    expect(formProblem(form)).toBe(
      'On start: "ops@example" is not an e-mail address.'
    );
    form.on_start = { enabled: true, emails: '', webhooks: 'ftp://x' };
    expect(formProblem(form)).toContain('"ftp://x" is not a webhook URL');
    form.on_start.enabled = false;
    expect(formProblem(form)).toBeNull();
    expect(splitList(' a, b ,,c ')).toEqual(['a', 'b', 'c']);
  });
});
