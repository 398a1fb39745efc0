/**
 * The server's notification settings (mail, default recipients, webhooks, the public URL
 * mails link to) and "Send a test notification", showing each target's result as the
 * server answered it.
 */
import * as React from 'react';

import { errorMessage } from '../api/errors';
import { ManagerService } from './api';
import { useLoad } from './hooks';
import { isEmail, isWebhook, splitList } from './notify';
import { INotificationResult, INotificationSettings } from './types';

function Settings(props: { settings: INotificationSettings }): JSX.Element {
  const { smtp, email_to, webhooks, public_url } = props.settings;
  return (
    <dl className="naas-Manager-facts">
      <dt>Mail</dt>
      <dd>
        {smtp.host ? (
          <>
            <code>
              {smtp.host}:{smtp.port}
            </code>{' '}
            ({smtp.security}
            {smtp.user ? `, user ${smtp.user}` : ''}
            {smtp.user
              ? smtp.password_set
                ? ', password set'
                : ', no password set'
              : ''}
            ){smtp.mail_from ? ` from ${smtp.mail_from}` : ''}
          </>
        ) : (
          <>
            not set up: set <code>NaasLabExtApp.smtp_host</code> (and{' '}
            <code>mail_from</code>) in the server&apos;s configuration
          </>
        )}
      </dd>
      <dt>Failures go to</dt>
      <dd>
        {email_to.length ? (
          email_to.join(', ')
        ) : (
          <>
            nobody by default (<code>NaasLabExtApp.notify_email_to</code>)
          </>
        )}
      </dd>
      <dt>Webhooks</dt>
      <dd>
        {webhooks.length ? (
          webhooks.map(url => (
            <code key={url} className="naas-Manager-url">
              {url}
            </code>
          ))
        ) : (
          <>
            none by default (<code>NaasLabExtApp.notify_webhook_urls</code>)
          </>
        )}
      </dd>
      <dt>Links in mails</dt>
      <dd>
        {public_url ? (
          <code>{public_url}</code>
        ) : (
          <>
            none: set <code>NaasLabExtApp.public_url</code> for links to the
            executed notebook and the Manager
          </>
        )}
      </dd>
    </dl>
  );
}

function Results(props: { results: INotificationResult[] }): JSX.Element {
  if (!props.results.length) {
    return (
      <p className="naas-Empty" role="status">
        Nothing was sent: no default recipient or webhook is set. Type an
        address or a webhook URL above.
      </p>
    );
  }
  return (
    <ul className="naas-Manager-results" aria-label="Test results">
      {props.results.map((result, index) => (
        <li
          key={`${result.channel}:${result.target}:${index}`}
          className="naas-Manager-result"
          data-ok={result.ok}
        >
          <span
            className={
              'naas-Status ' +
              (result.ok ? 'naas-mod-succeeded' : 'naas-mod-failed')
            }
          >
            <span className="naas-StatusSymbol" aria-hidden="true">
              {result.ok ? '✓' : '✕'}
            </span>{' '}
            {result.ok ? 'Sent' : 'Failed'}
          </span>{' '}
          {result.channel === 'email' ? 'e-mail' : 'webhook'}{' '}
          <code>{result.target}</code>: {result.message}
        </li>
      ))}
    </ul>
  );
}

export function NotificationsPanel(props: {
  service: ManagerService;
}): JSX.Element {
  const { service } = props;
  const settings = useLoad(() => service.notificationSettings(), [service]);
  const [to, setTo] = React.useState('');
  const [hooks, setHooks] = React.useState('');
  const [busy, setBusy] = React.useState(false);
  const [results, setResults] = React.useState<INotificationResult[] | null>(
    null
  );
  const [error, setError] = React.useState<string | null>(null);

  const emails = splitList(to);
  const urls = splitList(hooks);
  const problem =
    emails.find(e => !isEmail(e)) !== undefined
      ? `"${emails.find(e => !isEmail(e))}" is not an e-mail address.`
      : urls.find(u => !isWebhook(u)) !== undefined
        ? `"${urls.find(u => !isWebhook(u))}" is not a webhook URL (http:// or https://).`
        : null;

  const send = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault();
    if (busy || problem) {
      return;
    }
    setBusy(true);
    setError(null);
    setResults(null);
    try {
      const answer = await service.testNotification({
        ...(emails.length ? { to: emails } : {}),
        ...(urls.length ? { webhooks: urls } : {})
      });
      setResults(answer.results);
    } catch (reason) {
      setError(errorMessage(reason));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section
      className="naas-Manager-notifications"
      aria-label="Notification settings"
    >
      <h3 className="naas-Manager-heading">Notifications</h3>
      {settings.data ? (
        <Settings settings={settings.data} />
      ) : settings.error ? (
        <div className="naas-Banner naas-mod-warning" role="alert">
          The notification settings cannot be read: {settings.error}
        </div>
      ) : (
        <p className="naas-Empty">Reading the notification settings…</p>
      )}
      <form
        className="naas-Manager-test"
        aria-label="Send a test notification"
        onSubmit={event => void send(event)}
      >
        <label className="naas-Manager-field">
          <span>To (e-mails, optional)</span>
          <input
            className="naas-Form-input"
            type="text"
            value={to}
            placeholder="the default recipients"
            aria-invalid={emails.some(e => !isEmail(e))}
            onChange={event => setTo(event.target.value)}
          />
        </label>
        <label className="naas-Manager-field">
          <span>Webhooks (optional)</span>
          <input
            className="naas-Form-input"
            type="text"
            value={hooks}
            placeholder="the default webhooks"
            aria-invalid={urls.some(u => !isWebhook(u))}
            onChange={event => setHooks(event.target.value)}
          />
        </label>
        <button
          type="submit"
          className="jp-mod-styled naas-Button"
          aria-busy={busy}
          aria-disabled={busy || !!problem}
          title="Send a test message to these targets (the server's defaults when empty) and show what the server answered"
        >
          {busy ? 'Sending…' : 'Send a test notification'}
        </button>
      </form>
      {problem ? (
        <p className="naas-Form-error" role="alert">
          {problem}
        </p>
      ) : null}
      {error ? (
        <div className="naas-Banner naas-mod-error" role="alert">
          {error}
        </div>
      ) : null}
      {results ? <Results results={results} /> : null}
    </section>
  );
}
