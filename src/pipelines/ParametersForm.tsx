/**
 * The run form of a pipeline: a typed field per parameter of its notebooks, each showing
 * the value a run uses when it is left empty. Validates as the user types (once submitted)
 * and shows the server's answer when it refuses the run.
 */
import { JSONObject } from '@lumino/coreutils';
import * as React from 'react';

import { errorMessage } from '../api/errors';
import {
  FormErrors,
  FormValues,
  IParameterField,
  validateParameters
} from './parameters';

export interface IParametersFormProps {
  fields: readonly IParameterField[];
  /** Start the run; rejects with an Error whose message is shown in the form. */
  onSubmit: (parameters: JSONObject) => Promise<void>;
  onCancel?: () => void;
  /** Prefix of element ids (two forms may share a page). */
  idPrefix: string;
  /** The label of the submit button. */
  submitLabel?: string;
}

function ParameterInput(props: {
  id: string;
  field: IParameterField;
  value: string;
  error?: string;
  onChange: (value: string) => void;
}): JSX.Element {
  const { field, id } = props;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const common = {
    id,
    name: field.name,
    'aria-invalid': props.error ? true : undefined,
    'aria-describedby': [hintId, props.error ? errorId : '']
      .filter(Boolean)
      .join(' '),
    className: 'jp-mod-styled naas-Form-input'
  };
  let input: JSX.Element;
  if (field.kind === 'bool') {
    input = (
      <select
        {...common}
        value={props.value}
        onChange={e => props.onChange(e.target.value)}
      >
        <option value="">Default ({field.placeholder || 'as set'})</option>
        <option value="True">True</option>
        <option value="False">False</option>
        {field.nullable ? <option value="None">None</option> : null}
      </select>
    );
  } else if (field.kind === 'list' || field.kind === 'dict') {
    input = (
      <textarea
        {...common}
        rows={2}
        spellCheck={false}
        placeholder={field.placeholder}
        value={props.value}
        onChange={e => props.onChange(e.target.value)}
      />
    );
  } else {
    input = (
      <input
        {...common}
        type="text"
        inputMode={
          field.kind === 'int'
            ? 'numeric'
            : field.kind === 'float'
              ? 'decimal'
              : undefined
        }
        autoComplete="off"
        spellCheck={false}
        placeholder={field.placeholder}
        value={props.value}
        onChange={e => props.onChange(e.target.value)}
      />
    );
  }
  return (
    <div className="naas-Form-field naas-ParametersForm-field">
      <label htmlFor={id} className="naas-Form-label">
        <code>{field.name}</code>
        {field.type ? (
          <span className="naas-ParametersForm-type">{field.type}</span>
        ) : null}
      </label>
      {input}
      <div id={hintId} className="naas-Form-hint">
        {field.help ? `${field.help}. ` : ''}
        {field.hint}
      </div>
      {props.error ? (
        <div id={errorId} className="naas-Form-error">
          {props.error}
        </div>
      ) : null}
    </div>
  );
}

export function ParametersForm(props: IParametersFormProps): JSX.Element {
  const { fields } = props;
  const [values, setValues] = React.useState<FormValues>({});
  const [errors, setErrors] = React.useState<FormErrors>({});
  const [submitted, setSubmitted] = React.useState(false);
  const [busy, setBusy] = React.useState(false);
  const [failure, setFailure] = React.useState<string | null>(null);
  const formRef = React.useRef<HTMLFormElement>(null);

  const update = (name: string, value: string): void => {
    const next = { ...values, [name]: value };
    setValues(next);
    setFailure(null);
    if (submitted) {
      setErrors(validateParameters(fields, next).errors);
    }
  };

  const submit = async (event: React.FormEvent): Promise<void> => {
    event.preventDefault();
    setSubmitted(true);
    const checked = validateParameters(fields, values);
    setErrors(checked.errors);
    const invalid = fields.find(f => checked.errors[f.name]);
    if (invalid) {
      formRef.current
        ?.querySelector<HTMLElement>(
          `[name="${invalid.name.replace(/"/g, '')}"]`
        )
        ?.focus();
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      await props.onSubmit(checked.parameters);
    } catch (reason) {
      setFailure(errorMessage(reason));
    } finally {
      setBusy(false);
    }
  };

  const errorCount = Object.keys(errors).length;
  return (
    <form
      ref={formRef}
      className="naas-Form naas-ParametersForm"
      aria-label="Run parameters"
      noValidate
      onSubmit={submit}
    >
      {fields.length ? (
        <p className="naas-Form-hint">
          Leave a field empty to keep the value each step has (shown in grey). A
          value you type goes to every notebook step of the run.
        </p>
      ) : (
        <p className="naas-Empty">
          This pipeline&apos;s notebooks declare no parameters (no cell tagged{' '}
          <code>parameters</code>).
        </p>
      )}
      <div className="naas-ParametersForm-fields">
        {fields.map(field => (
          <ParameterInput
            key={field.name}
            id={`${props.idPrefix}-${field.name}`}
            field={field}
            value={values[field.name] ?? ''}
            error={errors[field.name]}
            onChange={value => update(field.name, value)}
          />
        ))}
      </div>
      {errorCount ? (
        <div className="naas-Form-failure" role="alert">
          {errorCount === 1
            ? 'One value is not valid: fix it to start the run.'
            : `${errorCount} values are not valid: fix them to start the run.`}
        </div>
      ) : null}
      {failure ? (
        <div className="naas-Form-failure" role="alert">
          {failure}
        </div>
      ) : null}
      <div className="naas-Form-actions naas-ParametersForm-actions">
        {props.onCancel ? (
          <button
            type="button"
            className="jp-mod-styled jp-mod-reject naas-Button"
            onClick={props.onCancel}
          >
            Close
          </button>
        ) : null}
        <button
          type="submit"
          className="jp-mod-styled jp-mod-accept naas-Button"
          disabled={busy}
          aria-busy={busy}
        >
          {busy ? 'Starting…' : (props.submitLabel ?? 'Start run')}
        </button>
      </div>
    </form>
  );
}
