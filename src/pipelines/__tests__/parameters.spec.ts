import { describe, expect, it } from 'vitest';

import {
  IParameterField,
  fieldKind,
  formFields,
  parseField,
  validateParameters,
  valueText
} from '../parameters';
import { IRunParameter } from '../types';
import { etlPipeline } from './fixtures';

const parameter = (
  name: string,
  type: string | null,
  value: IRunParameter['value'],
  extra: Partial<IRunParameter> = {}
): IRunParameter => ({
  name,
  type,
  default: value === null ? 'None' : JSON.stringify(value),
  value,
  help: '',
  steps: [],
  ...extra
});

const field = (type: string | null, value: IRunParameter['value'] = null) =>
  formFields([parameter('x', type, value)])[0];

describe('fieldKind', () => {
  it.each([
    ['int', 'int', false],
    ['float', 'float', false],
    ['bool', 'bool', false],
    ['str', 'str', false],
    ['list', 'list', false],
    ['List[str]', 'list', false],
    ['typing.Dict[str, int]', 'dict', false],
    ['dict', 'dict', false],
    ['Optional[int]', 'int', true],
    ['str | None', 'str', true],
    ['Union[float, None]', 'float', true],
    ['datetime', 'any', true],
    [null, 'any', true]
  ])('%s gives a %s field (nullable: %s)', (type, kind, nullable) => {
    expect(fieldKind(type)).toEqual({ kind, nullable });
  });
});

describe('formFields', () => {
  it('leaves out what the run sets itself and shows the value a run uses', () => {
    const fields = formFields(etlPipeline().parameters);
    expect(fields.map(f => f.name)).toEqual(['days', 'region']);
    const [days, region] = fields;
    expect(days.kind).toBe('int');
    expect(days.placeholder).toBe('3');
    expect(days.hint).toBe('Default 3; the notebook says 7 (used by Collect)');
    expect(days.help).toBe('days of history');
    expect(region.placeholder).toBe('EU');
    expect(region.hint).toBe('Default EU (used by Collect, Clean A)');
  });

  it('says when the default is code it cannot evaluate', () => {
    const [when] = formFields([
      parameter('when', null, null, { default: 'datetime.now()' })
    ]);
    expect(when.placeholder).toBe('datetime.now()');
    expect(when.hint).toBe(
      'Default computed in the notebook: datetime.now() (pipeline notebook)'
    );
  });

  it('writes values as a user types them', () => {
    expect(valueText(true, 'bool')).toBe('True');
    expect(valueText('EU', 'str')).toBe('EU');
    expect(valueText(['a', 1], 'list')).toBe('["a",1]');
    expect(valueText(null, 'int')).toBe('');
  });
});

describe('parseField', () => {
  const ok = (f: IParameterField, text: string) => parseField(f, text);

  it('reads whole numbers and refuses anything else with a clear message', () => {
    expect(ok(field('int'), ' 42 ')).toEqual({ value: 42 });
    expect(ok(field('int'), '-3')).toEqual({ value: -3 });
    for (const bad of ['4.5', 'seven', '1e3', '99999999999999999999']) {
      expect(ok(field('int'), bad)).toEqual({
        error: 'x must be a whole number, e.g. 7.'
      });
    }
  });

  it('reads numbers', () => {
    expect(ok(field('float'), '0.25')).toEqual({ value: 0.25 });
    expect(ok(field('float'), '.5')).toEqual({ value: 0.5 });
    expect(ok(field('float'), '1e-3')).toEqual({ value: 0.001 });
    expect(ok(field('float'), 'NaN')).toEqual({
      error: 'x must be a number, e.g. 0.5.'
    });
  });

  it('reads booleans as Python writes them', () => {
    expect(ok(field('bool'), 'True')).toEqual({ value: true });
    expect(ok(field('bool'), 'false')).toEqual({ value: false });
    expect(ok(field('bool'), 'yes')).toEqual({
      error: 'x must be True or False.'
    });
  });

  it('takes text as typed, without quotes', () => {
    expect(ok(field('str'), ' EU ')).toEqual({ value: ' EU ' });
    expect(ok(field('str'), '"EU"')).toEqual({ value: '"EU"' });
  });

  it('reads lists and dicts as JSON and says how to write them', () => {
    expect(ok(field('List[str]'), '["a", "b"]')).toEqual({ value: ['a', 'b'] });
    expect(ok(field('list'), "['a']")).toEqual({
      error: 'x must be a JSON list, e.g. ["a", "b"] (with double quotes).'
    });
    expect(ok(field('list'), '{"a": 1}')).toEqual({
      error: 'x must be a JSON list, e.g. ["a", "b"].'
    });
    expect(ok(field('dict'), '{"a": 1}')).toEqual({ value: { a: 1 } });
    expect(ok(field('dict'), '[1]')).toEqual({
      error: 'x must be a JSON dict, e.g. {"key": "value"}.'
    });
  });

  it('reads an untyped value as JSON, else as text (like naas-lab run -p)', () => {
    expect(ok(field(null), '7')).toEqual({ value: 7 });
    expect(ok(field(null), '[1, 2]')).toEqual({ value: [1, 2] });
    expect(ok(field(null), 'EU')).toEqual({ value: 'EU' });
    expect(ok(field(null), 'None')).toEqual({ value: null });
  });

  it('accepts None only for optional types', () => {
    expect(ok(field('Optional[int]'), 'None')).toEqual({ value: null });
    expect(ok(field('int'), 'None')).toHaveProperty('error');
  });
});

describe('validateParameters', () => {
  const fields = formFields([
    parameter('days', 'int', 3),
    parameter('region', 'str', 'EU'),
    parameter('debug', 'bool', false)
  ]);

  it('sends only the fields filled in: the others keep each step its own value', () => {
    expect(
      validateParameters(fields, { days: '5', region: '  ', debug: '' })
    ).toEqual({
      parameters: { days: 5 },
      errors: {}
    });
    expect(validateParameters(fields, {})).toEqual({
      parameters: {},
      errors: {}
    });
  });

  it('reports every invalid field by name', () => {
    const { parameters, errors } = validateParameters(fields, {
      days: 'a week',
      region: 'US',
      debug: 'maybe'
    });
    expect(parameters).toEqual({ region: 'US' });
    expect(errors).toEqual({
      days: 'days must be a whole number, e.g. 7.',
      debug: 'debug must be True or False.'
    });
  });
});
