/**
 * The Secrets tab: the names of the user's secrets or of a product's (with the user's it
 * falls back to), when each was last set, "Add secret", "Replace value…" and "Delete".
 * Values are write-only: typed into a password field, sent, and cleared at once; the
 * server never answers one, so nothing here can show one.
 */
import * as React from 'react';

import { ApiError, errorMessage } from '../api/errors';
import { agoInWords } from '../deploy/words';
import { formatTime } from '../format';
import { ISecretInfo, ISecretList } from '../secrets/types';
import { nameProblem, valueProblem } from '../secrets/validation';
import { IManagerHost } from './host';
import { useLoad, useSignal } from './hooks';
import { ManagerModel } from './model';
import { IOutcome, Outcome } from './Outcome';

export interface ISecretsTabProps {
  model: ManagerModel;
  host: IManagerHost;
}

/** The list as read for one scope (what shows while another scope is read is not it). */
interface IScoped {
  scope: string | null;
  list: ISecretList;
}

/** The value of the scope picker for a scope ('' : the user's). */
const scopeValue = (scope: string | null): string =>
  scope === null ? '' : `product:${scope}`;

const scopeOf = (value: string): string | null =>
  value.startsWith('product:') ? value.slice('product:'.length) : null;

/** Where a secret applies, as the scope a write or a delete names (null: the user's). */
export const productOf = (secret: ISecretInfo): string | null =>
  secret.scope === 'product' ? secret.product : null;

const keyOf = (secret: ISecretInfo): string =>
  `${secret.scope}:${secret.product ?? ''}:${secret.name}`;

/** The product's secrets first, then the user's; by name in each. */
export function sortSecrets(secrets: readonly ISecretInfo[]): ISecretInfo[] {
  return [...secrets].sort(
    (a, b) =>
      (a.scope === b.scope ? 0 : a.scope === 'product' ? -1 : 1) ||
      a.name.localeCompare(b.name)
  );
}

/** The list with `secret` added, or replacing the one of the same name and scope. */
export function withSecret(
  secrets: readonly ISecretInfo[],
  secret: ISecretInfo
): ISecretInfo[] {
  return sortSecrets([
    ...secrets.filter(s => keyOf(s) !== keyOf(secret)),
    secret
  ]);
}

/** The code a notebook or a pipeline step reads a secret with. */
export function usage(name: string): string {
  return `secret.get("${name}")`;
}

function BackendNote(props: { list: ISecretList | null }): JSX.Element {
  const where =
    props.list?.backend === 'keyring'
      ? "in the operating system's keyring"
      : props.list?.backend === 'file'
        ? 'encrypted, in a file of the Jupyter data folder readable by you alone'
        : null;
  return (
    <p className="naas-Secrets-note">
      Values are write-only: once saved, nobody reads one back here, and runs
      get them at run time, never as parameters.
      {where ? ` They are kept ${where}.` : ''} In a notebook or a pipeline
      step: <code>from naas_data_product import secret</code>, then{' '}
      <code>{usage('NAME')}</code>; what it prints shows as <code>***</code>.
    </p>
  );
}

function FieldError(props: {
  id: string;
  text: string | null;
}): JSX.Element | null {
  return props.text ? (
    <span id={props.id} className="naas-Form-error">
      {props.text}
    </span>
  ) : null;
}

/** "Add secret": a name, a value in a password field, for the scope shown. */
function AddForm(props: {
  model: ManagerModel;
  scope: string | null;
  /** Names already set in this scope (adding one replaces its value). */
  existing: ReadonlySet<string>;
  onSaved: (secret: ISecretInfo) => void;
}): JSX.Element {
  const { model, scope } = props;
  const [name, setName] = React.useState('');
  const [busy, setBusy] = React.useState(false);
  const [errors, setErrors] = React.useState<{
    name: string | null;
    value: string | null;
  }>({ name: null, value: null });
  const [failure, setFailure] = React.useState<string | null>(null);
  const nameInput = React.useRef<HTMLInputElement>(null);
  // Uncontrolled: the value lives in the field until the form is sent, never in state.
  const valueInput = React.useRef<HTMLInputElement>(null);
  const trimmed = name.trim();
  const owner = scope === null ? null : model.titleOf(scope);

  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault();
    if (busy) {
      return;
    }
    const field = valueInput.current;
    const value = field?.value ?? '';
    const problems = { name: nameProblem(trimmed), value: valueProblem(value) };
    setErrors(problems);
    setFailure(null);
    if (problems.name || problems.value) {
      (problems.name ? nameInput : valueInput).current?.focus();
      return;
    }
    if (field) {
      field.value = '';
    }
    setBusy(true);
    try {
      const saved = await model.services.secrets.set(trimmed, value, scope);
      setName('');
      props.onSaved(saved);
    } catch (reason) {
      const text = errorMessage(reason);
      const at = reason instanceof ApiError ? reason.field : null;
      if (at === 'name') {
        setErrors({ name: text, value: null });
        nameInput.current?.focus();
      } else {
        setFailure(`${text} Nothing was saved: type the value again.`);
        valueInput.current?.focus();
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="naas-Secrets-add"
      aria-label="Add a secret"
      noValidate
      onSubmit={event => void submit(event)}
    >
      <div className="naas-Manager-filters">
        <label className="naas-Manager-field">
          <span>Name</span>
          <input
            ref={nameInput}
            className="naas-Form-input"
            value={name}
            placeholder="e.g. OPENAI_API_KEY"
            autoComplete="off"
            spellCheck={false}
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={
              errors.name ? 'naas-secret-name-error' : undefined
            }
            onChange={event => {
              setName(event.target.value);
              setErrors(current => ({ ...current, name: null }));
            }}
          />
        </label>
        <label className="naas-Manager-field naas-mod-grow">
          <span>Value</span>
          <input
            ref={valueInput}
            className="naas-Form-input"
            type="password"
            autoComplete="new-password"
            spellCheck={false}
            aria-invalid={errors.value ? true : undefined}
            aria-describedby={
              errors.value ? 'naas-secret-value-error' : undefined
            }
            onChange={() =>
              setErrors(current =>
                current.value ? { ...current, value: null } : current
              )
            }
          />
        </label>
        <button
          type="submit"
          className="jp-mod-styled jp-mod-accept naas-Button"
          aria-busy={busy}
          aria-disabled={busy}
          title={
            owner === null
              ? 'Save it for you: the runs of every product can read it'
              : `Save it for ${owner} only: its runs read it rather than yours of the same name`
          }
        >
          Add secret
        </button>
      </div>
      <FieldError id="naas-secret-name-error" text={errors.name} />
      <FieldError id="naas-secret-value-error" text={errors.value} />
      <p className="naas-Form-hint">
        {owner === null
          ? "For you: every product's runs can read it."
          : `For ${owner} only: its runs read it rather than yours of the same name.`}
        {trimmed && props.existing.has(trimmed)
          ? ` ${trimmed} is set here already: adding it replaces its value.`
          : ''}
      </p>
      {failure ? (
        <div className="naas-Manager-outcome naas-mod-error" role="alert">
          {failure}
        </div>
      ) : null}
    </form>
  );
}

function SecretRow(props: {
  model: ManagerModel;
  host: IManagerHost;
  secret: ISecretInfo;
  /** The product's own secret of that name wins over this (the user's) one. */
  shadowedBy: string | null;
  now: Date;
  onSaved: (secret: ISecretInfo) => void;
  onDeleted: (secret: ISecretInfo, text: string) => void;
}): JSX.Element {
  const { model, host, secret, now } = props;
  const [editing, setEditing] = React.useState(false);
  const [busy, setBusy] = React.useState<'replace' | 'delete' | null>(null);
  const [outcome, setOutcome] = React.useState<IOutcome | null>(null);
  const replaceButton = React.useRef<HTMLButtonElement>(null);
  const valueInput = React.useRef<HTMLInputElement>(null);
  const wasEditing = React.useRef(false);
  const product = productOf(secret);
  const owner = product === null ? 'yours' : model.titleOf(product);
  const label = `${secret.name} (${owner})`;

  React.useEffect(() => {
    if (editing) {
      valueInput.current?.focus();
    } else if (wasEditing.current) {
      replaceButton.current?.focus();
    }
    wasEditing.current = editing;
  }, [editing]);

  const replace = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault();
    if (busy) {
      return;
    }
    const field = valueInput.current;
    const value = field?.value ?? '';
    const problem = valueProblem(value);
    if (problem) {
      setOutcome({ error: true, text: problem });
      field?.focus();
      return;
    }
    if (field) {
      field.value = '';
    }
    setBusy('replace');
    setOutcome(null);
    try {
      const saved = await model.services.secrets.set(
        secret.name,
        value,
        product
      );
      props.onSaved(saved);
      setOutcome({
        error: false,
        text: `Replaced the value of ${secret.name}: the next runs read the new one.`
      });
      setEditing(false);
    } catch (reason) {
      setOutcome({
        error: true,
        text: `${errorMessage(reason)} The value was not replaced: type it again.`
      });
      field?.focus();
    } finally {
      setBusy(null);
    }
  };

  const remove = async (): Promise<void> => {
    if (busy) {
      return;
    }
    const sure = await host.confirm({
      title: `Delete the secret ${secret.name}?`,
      body:
        product === null
          ? `Your ${secret.name} is deleted. Runs that read it with ${usage(secret.name)} ` +
            'then fail (unless their product has its own), and a deploy of a product whose ' +
            'notebooks read it without a default fails until it is set again.'
          : `${model.titleOf(product)}'s ${secret.name} is deleted. Its runs then read ` +
            'yours of that name, if you have one.',
      accept: 'Delete',
      danger: true
    });
    if (!sure) {
      return;
    }
    setBusy('delete');
    setOutcome(null);
    try {
      await model.services.secrets.remove(secret.name, product);
      props.onDeleted(
        secret,
        product === null
          ? `Deleted your secret ${secret.name}.`
          : `Deleted ${secret.name} of ${model.titleOf(product)}.`
      );
    } catch (reason) {
      setOutcome({ error: true, text: errorMessage(reason) });
      setBusy(null);
    }
  };

  return (
    <>
      <tr
        className={
          'naas-Secret' + (props.shadowedBy ? ' naas-mod-shadowed' : '')
        }
        aria-label={`Secret ${label}`}
        data-secret={secret.name}
        data-scope={secret.scope}
      >
        {/* One column for what it is (two in all: a narrow Manager still shows it). */}
        <td>
          <code className="naas-Secret-name">{secret.name}</code>
          <span className="naas-Secret-meta">
            <span
              className={
                'naas-Badge ' +
                (product === null ? 'naas-mod-user' : 'naas-mod-product')
              }
              title={
                product === null
                  ? "Yours: every product's runs can read it"
                  : `${model.titleOf(product)}'s: its runs read it rather than yours`
              }
            >
              {product === null ? 'You' : model.titleOf(product)}
            </span>{' '}
            <span
              className="naas-Secret-updated"
              title={formatTime(secret.updated_at, now)}
            >
              updated {agoInWords(secret.updated_at, now)}
            </span>
          </span>
          {product !== null ? (
            <code className="naas-Secret-path">{product || '/'}</code>
          ) : null}
          {props.shadowedBy ? (
            <span className="naas-Secret-shadowed">
              {props.shadowedBy}&apos;s own {secret.name} wins in its runs
            </span>
          ) : null}
        </td>
        <td>
          <div className="naas-Job-actions">
            <button
              ref={replaceButton}
              className="jp-mod-styled naas-Button"
              aria-label={`Replace the value of ${label}`}
              aria-expanded={editing}
              aria-disabled={busy !== null}
              title="Type a new value (the current one is never shown)"
              onClick={() => {
                if (busy === null) {
                  setOutcome(null);
                  setEditing(!editing);
                }
              }}
            >
              Replace value…
            </button>
            <button
              className="jp-mod-styled jp-mod-warn naas-Button"
              aria-label={`Delete ${label}`}
              aria-busy={busy === 'delete'}
              aria-disabled={busy !== null}
              title="Delete this secret (after a confirmation)"
              onClick={() => void remove()}
            >
              Delete
            </button>
          </div>
        </td>
      </tr>
      {editing || outcome ? (
        <tr className="naas-Job-outcomeRow">
          <td colSpan={2}>
            {editing ? (
              <form
                className="naas-Manager-filters naas-Secret-replace"
                aria-label={`New value of ${label}`}
                noValidate
                onSubmit={event => void replace(event)}
                onKeyDown={event => {
                  if (event.key === 'Escape') {
                    event.preventDefault();
                    event.stopPropagation();
                    setEditing(false);
                  }
                }}
              >
                <label className="naas-Manager-field naas-mod-grow">
                  <span>New value of {secret.name}</span>
                  <input
                    ref={valueInput}
                    className="naas-Form-input"
                    type="password"
                    autoComplete="new-password"
                    spellCheck={false}
                  />
                </label>
                <button
                  type="submit"
                  className="jp-mod-styled jp-mod-accept naas-Button"
                  aria-busy={busy === 'replace'}
                  aria-disabled={busy !== null}
                >
                  Save
                </button>
                <button
                  type="button"
                  className="jp-mod-styled naas-Button"
                  onClick={() => setEditing(false)}
                >
                  Cancel
                </button>
              </form>
            ) : null}
            <Outcome outcome={outcome} label={`Result for ${label}`} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

export function SecretsTab(props: ISecretsTabProps): JSX.Element {
  const { model, host } = props;
  useSignal(model.changed);
  useSignal(model.products.changed);
  const now = (host.now ?? (() => new Date()))();
  const scope = model.secretsScope;
  // A product at the root itself cannot have secrets of its own (the server reads an
  // empty product as the user's).
  const products = model.products.products.filter(p => p.manifest && p.path);
  const tick = model.tick('secrets');
  const loaded = useLoad<IScoped>(
    () => model.services.secrets.list(scope).then(list => ({ scope, list })),
    [scope, tick]
  );
  const [message, setMessage] = React.useState<string | null>(null);
  const messageRef = React.useRef<HTMLDivElement>(null);
  // What was read for another scope does not show while this one is read.
  const list = loaded.data?.scope === scope ? loaded.data.list : null;
  const secrets = list?.secrets ?? [];
  const own = new Set(
    secrets.filter(s => productOf(s) === scope).map(s => s.name)
  );
  const owner = scope === null ? null : model.titleOf(scope);

  const update = (change: (secrets: ISecretInfo[]) => ISecretInfo[]): void =>
    loaded.setData(current =>
      current && current.scope === scope
        ? {
            scope,
            list: { ...current.list, secrets: change(current.list.secrets) }
          }
        : current
    );

  let body: JSX.Element;
  if (list === null) {
    body = loaded.error ? (
      <div className="naas-Banner naas-mod-error" role="alert">
        {loaded.error}
      </div>
    ) : (
      <p className="naas-Empty">Reading the secrets…</p>
    );
  } else if (!secrets.length) {
    body = (
      <p className="naas-Empty">
        {owner === null
          ? 'You have no secret yet.'
          : `Neither ${owner} nor you have a secret yet.`}{' '}
        Add one above (an API key, a token, a password), then read it in a
        notebook with <code>{usage('NAME')}</code> instead of writing it there.
      </p>
    );
  } else {
    body = (
      <table
        className="naas-Manager-table naas-Secrets"
        aria-label={owner === null ? 'Your secrets' : `Secrets of ${owner}`}
      >
        <thead>
          <tr>
            <th scope="col">Secret</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {secrets.map(secret => (
            <SecretRow
              key={keyOf(secret)}
              model={model}
              host={host}
              secret={secret}
              shadowedBy={
                owner !== null &&
                secret.scope === 'user' &&
                secrets.some(
                  s => s.scope === 'product' && s.name === secret.name
                )
                  ? owner
                  : null
              }
              now={now}
              onSaved={saved => update(current => withSecret(current, saved))}
              onDeleted={(deleted, text) => {
                update(current =>
                  current.filter(s => keyOf(s) !== keyOf(deleted))
                );
                setMessage(text);
                // The row and its buttons are gone: the keyboard lands on what happened.
                requestAnimationFrame(() => messageRef.current?.focus());
              }}
            />
          ))}
        </tbody>
      </table>
    );
  }

  return (
    <div className="naas-Manager-tab naas-SecretsTab">
      <form
        className="naas-Manager-filters"
        aria-label="Choose whose secrets"
        onSubmit={event => event.preventDefault()}
      >
        <div className="naas-Manager-field">
          {/* Not wrapped: the label's text is "Secrets of", not its options' too. */}
          <label htmlFor="naas-secrets-scope">Secrets of</label>
          <select
            id="naas-secrets-scope"
            className="naas-Form-input"
            value={scopeValue(scope)}
            onChange={event => {
              setMessage(null);
              model.setSecretsScope(scopeOf(event.target.value));
            }}
          >
            <option value="">You (read by every product)</option>
            {products.map(p => (
              <option key={p.path} value={scopeValue(p.path)}>
                {p.manifest?.title || p.path || '/'} ({p.path || '/'})
              </option>
            ))}
            {scope !== null && !products.some(p => p.path === scope) ? (
              <option value={scopeValue(scope)}>{scope || '/'}</option>
            ) : null}
          </select>
        </div>
      </form>
      <AddForm
        model={model}
        scope={scope}
        existing={own}
        onSaved={saved => {
          update(current => withSecret(current, saved));
          setMessage(
            `Saved ${saved.name} ` +
              (saved.scope === 'product'
                ? `for ${model.titleOf(saved.product)}`
                : 'for you') +
              `: read it with ${usage(saved.name)}.`
          );
        }}
      />
      {message ? (
        <div
          ref={messageRef}
          className="naas-Manager-outcome"
          role="status"
          tabIndex={-1}
        >
          {message}
        </div>
      ) : null}
      {list !== null && loaded.error ? (
        <div className="naas-Banner naas-mod-warning" role="alert">
          {loaded.error}
        </div>
      ) : null}
      {body}
      <BackendNote list={list} />
    </div>
  );
}
