/**
 * The "New data product" form, used in the sidebar and in the palette command's dialog.
 */
import * as React from 'react';

import {
  EMPTY_FORM,
  FormErrors,
  IProductForm,
  MAX_DESCRIPTION,
  suggestName,
  validateForm
} from './validation';

export interface IProductFormProps {
  /** Initial values (e.g. default contact from the settings). */
  initial?: Partial<IProductForm>;
  /** Errors to show at start (e.g. from the server, on the field at fault). */
  initialErrors?: FormErrors;
  /** Called with a valid form; rejects with an Error (and optional field) to show. */
  onSubmit?: (form: IProductForm) => Promise<void>;
  /** Reports every change, for hosts that read the value themselves (the dialog). */
  onChange?: (form: IProductForm) => void;
  /** Show the Create button (the dialog has its own). */
  showSubmit?: boolean;
  /** Prefix for element ids, so two forms can live on one page. */
  idPrefix: string;
}

interface IFieldProps {
  id: string;
  label: string;
  name: keyof IProductForm;
  value: string;
  error?: string;
  hint?: string;
  type?: string;
  multiline?: boolean;
  required?: boolean;
  placeholder?: string;
  onChange: (name: keyof IProductForm, value: string) => void;
}

function Field(props: IFieldProps): JSX.Element {
  const errorId = `${props.id}-error`;
  const hintId = `${props.id}-hint`;
  const describedBy =
    [props.error ? errorId : '', props.hint ? hintId : '']
      .filter(Boolean)
      .join(' ') || undefined;
  const common = {
    id: props.id,
    name: props.name,
    value: props.value,
    placeholder: props.placeholder,
    'aria-invalid': props.error ? true : undefined,
    'aria-describedby': describedBy,
    'aria-required': props.required ? true : undefined,
    className: 'jp-mod-styled naas-Form-input'
  };
  return (
    <div className="naas-Form-field">
      <label htmlFor={props.id} className="naas-Form-label">
        {props.label}
        {props.required ? <span aria-hidden="true"> *</span> : null}
      </label>
      {props.multiline ? (
        <textarea
          {...common}
          rows={3}
          maxLength={MAX_DESCRIPTION}
          onChange={e => props.onChange(props.name, e.target.value)}
        />
      ) : (
        <input
          {...common}
          type={props.type ?? 'text'}
          autoComplete="off"
          spellCheck={false}
          onChange={e => props.onChange(props.name, e.target.value)}
        />
      )}
      {props.hint ? (
        <div id={hintId} className="naas-Form-hint">
          {props.hint}
        </div>
      ) : null}
      {props.error ? (
        <div id={errorId} className="naas-Form-error">
          {props.error}
        </div>
      ) : null}
    </div>
  );
}

/** An error with the form field it concerns (thrown by `onSubmit`). */
export interface IFieldError extends Error {
  field?: string | null;
}

export function ProductForm(props: IProductFormProps): JSX.Element {
  const [form, setForm] = React.useState<IProductForm>({
    ...EMPTY_FORM,
    ...props.initial
  });
  const [errors, setErrors] = React.useState<FormErrors>(
    props.initialErrors ?? {}
  );
  const [touched, setTouched] = React.useState(false);
  const [nameEdited, setNameEdited] = React.useState(
    Boolean(props.initial?.name)
  );
  const [busy, setBusy] = React.useState(false);
  const [failure, setFailure] = React.useState<string | null>(null);
  const formNode = React.useRef<HTMLFormElement>(null);
  // Bumped by a refused submit: the first field at fault (or the failure) gets the focus,
  // which brings it into view in a scrolled sidebar section.
  const [focusRequest, setFocusRequest] = React.useState(0);
  React.useEffect(() => {
    if (!focusRequest || !formNode.current) {
      return;
    }
    const target = formNode.current.querySelector<HTMLElement>(
      '[aria-invalid="true"], .naas-Form-failure'
    );
    if (target) {
      target.focus();
      target.scrollIntoView?.({ block: 'nearest' });
    }
  }, [focusRequest]);

  const update = (name: keyof IProductForm, value: string): void => {
    const next = { ...form, [name]: value };
    if (name === 'name') {
      setNameEdited(value !== '');
    }
    if (name === 'title' && !nameEdited) {
      next.name = suggestName(value);
    }
    setForm(next);
    setFailure(null);
    if (touched) {
      setErrors(validateForm(next));
    }
    props.onChange?.(next);
  };

  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault();
    setTouched(true);
    const found = validateForm(form);
    setErrors(found);
    if (Object.keys(found).length > 0) {
      setFocusRequest(n => n + 1);
      return;
    }
    if (!props.onSubmit) {
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      await props.onSubmit(form);
      setForm({ ...EMPTY_FORM, ...props.initial, name: '', title: '' });
      setNameEdited(false);
      setTouched(false);
      setErrors({});
    } catch (error) {
      const err = error as IFieldError;
      if (err.field && err.field in EMPTY_FORM) {
        setErrors({ [err.field as keyof IProductForm]: err.message });
      } else {
        setFailure(err.message ?? String(error));
      }
      setFocusRequest(n => n + 1);
    } finally {
      setBusy(false);
    }
  };

  const field = (
    name: keyof IProductForm,
    label: string,
    extra: Partial<IFieldProps> = {}
  ): JSX.Element => (
    <Field
      id={`${props.idPrefix}-${name}`}
      name={name}
      label={label}
      value={form[name]}
      error={errors[name]}
      onChange={update}
      {...extra}
    />
  );

  return (
    <form
      ref={formNode}
      className="naas-Form"
      aria-label="New data product"
      noValidate
      onSubmit={submit}
    >
      {field('title', 'Title', { placeholder: 'e.g. Sales report' })}
      {field('name', 'Folder name', {
        required: true,
        placeholder: 'e.g. sales-report',
        hint: 'Letters, digits, "-", "_" or "."; the product folder is created with this name.'
      })}
      {field('description', 'Description', {
        multiline: true,
        placeholder: 'e.g. What the product delivers, and to whom'
      })}
      {field('contact_name', 'Contact name', {
        placeholder: 'e.g. Ada Lovelace'
      })}
      {field('contact_email', 'Contact email', {
        type: 'email',
        placeholder: 'e.g. ada@example.com'
      })}
      {field('parent', 'Create in folder', {
        placeholder: '(the Jupyter root)',
        hint: 'Optional folder under the Jupyter root, e.g. products.'
      })}
      {failure ? (
        <div className="naas-Form-failure" role="alert" tabIndex={-1}>
          {failure}
        </div>
      ) : null}
      {props.showSubmit === false ? null : (
        <div className="naas-Form-actions">
          <button
            type="submit"
            className="jp-mod-styled jp-mod-accept naas-Button"
            disabled={busy}
            aria-busy={busy}
          >
            {busy ? 'Creating…' : 'Create'}
          </button>
        </div>
      )}
    </form>
  );
}
