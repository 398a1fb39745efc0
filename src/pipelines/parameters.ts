/**
 * The run form of a pipeline: one field per parameter papermill's inspect_notebook found in
 * the pipeline notebook and its steps, typed from the inferred type, and the validation
 * that turns what the user typed into the JSON parameters of POST /runs.
 *
 * A run's parameters go to every notebook step, over each step's own values. So a field
 * left empty is not sent at all: each step keeps its own value (shown as the placeholder);
 * only what the user types is sent.
 */
import { JSONObject, JSONValue } from '@lumino/coreutils';

import { RUN_SET_PARAMETERS } from './runs';
import { IRunParameter } from './types';

/** How a field is typed and parsed. */
export type FieldKind =
  'bool' | 'int' | 'float' | 'str' | 'list' | 'dict' | 'any';

export interface IParameterField {
  name: string;
  kind: FieldKind;
  /** `Optional[...]` or `... | None`: "None" is accepted. */
  nullable: boolean;
  /** The type as papermill reports it ('' when unknown). */
  type: string;
  /** What a run uses when the field is left empty, as text ('' when unknown). */
  placeholder: string;
  /** A line about the default and where the parameter is declared. */
  hint: string;
  help: string;
  parameter: IRunParameter;
}

/** What the user typed, by parameter name ('' or absent: keep the default). */
export type FormValues = Record<string, string>;

export type FormErrors = Record<string, string>;

const OPTIONAL = /^(?:typing\.)?Optional\[(.*)\]$/;
const UNION_NONE =
  /^(?:typing\.)?Union\[(.*),\s*None\]$|^(.*?)\s*\|\s*None$|^None\s*\|\s*(.*)$/;

/** The kind of field for a papermill type name (`int`, `Optional[str]`, `List[int]`...). */
export function fieldKind(type: string | null): {
  kind: FieldKind;
  nullable: boolean;
} {
  let name = (type ?? '').trim();
  let nullable = false;
  const optional = OPTIONAL.exec(name);
  const union = UNION_NONE.exec(name);
  if (optional) {
    name = optional[1];
    nullable = true;
  } else if (union) {
    name = union[1] ?? union[2] ?? union[3] ?? '';
    nullable = true;
  }
  const base = name
    .replace(/^typing\./, '')
    .replace(/\[.*$/, '')
    .toLowerCase();
  switch (base) {
    case 'bool':
      return { kind: 'bool', nullable };
    case 'int':
      return { kind: 'int', nullable };
    case 'float':
      return { kind: 'float', nullable };
    case 'str':
      return { kind: 'str', nullable };
    case 'list':
    case 'tuple':
    case 'set':
    case 'sequence':
      return { kind: 'list', nullable };
    case 'dict':
    case 'mapping':
      return { kind: 'dict', nullable };
    default:
      return { kind: 'any', nullable: true };
  }
}

/** A JSON value as the user would type it in a field of `kind`. */
export function valueText(value: JSONValue | null, kind: FieldKind): string {
  if (value === null || value === undefined) {
    return '';
  }
  if (kind === 'bool' && typeof value === 'boolean') {
    return value ? 'True' : 'False';
  }
  if (typeof value === 'string' && (kind === 'str' || kind === 'any')) {
    return value;
  }
  return JSON.stringify(value);
}

/** The fields of the run form (parameters the run sets itself are left out). */
export function formFields(
  parameters: readonly IRunParameter[]
): IParameterField[] {
  return parameters
    .filter(p => !RUN_SET_PARAMETERS.has(p.name))
    .map(parameter => {
      const { kind, nullable } = fieldKind(parameter.type);
      const known = parameter.value !== null && parameter.value !== undefined;
      const placeholder = known
        ? valueText(parameter.value, kind)
        : (parameter.default ?? '');
      const where = parameter.steps.length
        ? `used by ${parameter.steps.join(', ')}`
        : 'pipeline notebook';
      let origin: string;
      if (known) {
        origin = `Default ${placeholder}`;
        const written = parameter.default?.replace(/^(['"])(.*)\1$/, '$2');
        if (parameter.default !== null && written !== placeholder) {
          // A step sets its own value: say what the notebook itself has.
          origin += `; the notebook says ${parameter.default}`;
        }
      } else {
        origin = parameter.default
          ? `Default computed in the notebook: ${parameter.default}`
          : 'No default known';
      }
      return {
        name: parameter.name,
        kind,
        nullable,
        type: parameter.type ?? '',
        placeholder,
        hint: `${origin} (${where})`,
        help: parameter.help,
        parameter
      };
    });
}

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The JSON value of what was typed in a field, or why it is not valid. */
export function parseField(
  field: IParameterField,
  text: string
): { value: JSONValue } | { error: string } {
  const input = field.kind === 'str' ? text : text.trim();
  if (field.nullable && /^(None|null)$/.test(input.trim())) {
    return { value: null };
  }
  switch (field.kind) {
    case 'bool':
      if (/^(true|false)$/i.test(input)) {
        return { value: input.toLowerCase() === 'true' };
      }
      return { error: `${field.name} must be True or False.` };
    case 'int': {
      const value = Number(input);
      if (!INT.test(input) || !Number.isSafeInteger(value)) {
        return { error: `${field.name} must be a whole number, e.g. 7.` };
      }
      return { value };
    }
    case 'float': {
      const value = Number(input);
      if (!FLOAT.test(input) || !Number.isFinite(value)) {
        return { error: `${field.name} must be a number, e.g. 0.5.` };
      }
      return { value };
    }
    case 'str':
      return { value: input };
    case 'list':
    case 'dict': {
      const what = field.kind === 'list' ? 'list' : 'dict';
      const example = field.kind === 'list' ? '["a", "b"]' : '{"key": "value"}';
      let value: JSONValue;
      try {
        value = JSON.parse(input) as JSONValue;
      } catch {
        return {
          error: `${field.name} must be a JSON ${what}, e.g. ${example} (with double quotes).`
        };
      }
      const isList = Array.isArray(value);
      const isDict = value !== null && typeof value === 'object' && !isList;
      if (
        (field.kind === 'list' && !isList) ||
        (field.kind === 'dict' && !isDict)
      ) {
        return {
          error: `${field.name} must be a JSON ${what}, e.g. ${example}.`
        };
      }
      return { value };
    }
    default:
      // Unknown type: a JSON value (7, true, [1, 2], "text"), anything else as text, like
      // `naas-lab run -p name=value`.
      try {
        return { value: JSON.parse(input) as JSONValue };
      } catch {
        return { value: input };
      }
  }
}

/**
 * Validate the form: the parameters to send (only the fields filled in) and the errors by
 * field name (empty when the run can start).
 */
export function validateParameters(
  fields: readonly IParameterField[],
  values: FormValues
): { parameters: JSONObject; errors: FormErrors } {
  const parameters: JSONObject = {};
  const errors: FormErrors = {};
  for (const field of fields) {
    const text = values[field.name] ?? '';
    if (text.trim() === '') {
      continue; // keep each step's own value
    }
    const parsed = parseField(field, text);
    if ('error' in parsed) {
      errors[field.name] = parsed.error;
    } else {
      parameters[field.name] = parsed.value;
    }
  }
  return { parameters, errors };
}
