import { describe, expect, it } from 'vitest';

import {
  EMPTY_FORM,
  nameError,
  parentError,
  suggestName,
  toSpec,
  validateForm
} from '../validation';

describe('nameError', () => {
  it.each(['sales', 'sales-report', 'Sales_2026', 'v1.2', 'a', 'x'.repeat(64)])(
    'accepts %s',
    name => {
      expect(nameError(name)).toBeNull();
    }
  );

  it.each([
    ['', 'Give the product a folder name'],
    ['   ', 'Give the product a folder name'],
    ['..', 'single folder name'],
    ['a/b', 'single folder name'],
    ['a\\b', 'single folder name'],
    ['-lead', 'starting with a letter or digit'],
    ['.hidden', 'starting with a letter or digit'],
    ['sp ace', 'letters, digits'],
    ['x'.repeat(65), '1-64'],
    ['end.', 'must not end with']
  ])('refuses %j with a message', (name, words) => {
    expect(nameError(name)).toContain(words);
  });
});

describe('parentError', () => {
  it('accepts empty and nested relative folders', () => {
    expect(parentError('')).toBeNull();
    expect(parentError('products/marketing')).toBeNull();
  });

  it.each([
    ['/etc', 'relative'],
    ['C:/data', 'relative'],
    ['a\\b', '"/"'],
    ['a/../../b', 'inside the Jupyter root'],
    ['__templates__/x', 'read-only']
  ])('refuses %j', (parent, words) => {
    expect(parentError(parent)).toContain(words);
  });
});

describe('validateForm', () => {
  it('reports every bad field at once', () => {
    const errors = validateForm({
      ...EMPTY_FORM,
      name: '../x',
      title: 't'.repeat(121),
      description: 'd'.repeat(2001),
      contact_email: 'not-an-email',
      parent: '/abs'
    });
    expect(Object.keys(errors).sort()).toEqual([
      'contact_email',
      'description',
      'name',
      'parent',
      'title'
    ]);
  });

  it('is empty for a valid form', () => {
    expect(
      validateForm({
        ...EMPTY_FORM,
        name: 'sales',
        contact_email: 'ada@example.com'
      })
    ).toEqual({});
  });
});

describe('toSpec', () => {
  it('trims values and leaves empty optional fields out', () => {
    expect(
      toSpec({
        ...EMPTY_FORM,
        name: ' sales ',
        title: ' Sales ',
        contact_email: ''
      })
    ).toEqual({ name: 'sales', title: 'Sales' });
  });
});

describe('suggestName', () => {
  it.each([
    ['Sales Report', 'sales-report'],
    ['  Énergie & Coûts 2026 ', 'energie-couts-2026'],
    ['***', ''],
    ['a'.repeat(80), 'a'.repeat(64)]
  ])('%j -> %j', (title, name) => {
    expect(suggestName(title)).toBe(name);
    if (name) {
      expect(nameError(name)).toBeNull();
    }
  });
});
