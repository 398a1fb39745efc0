/**
 * Client-side validation of the "New data product" form.
 *
 * Mirrors naas_lab_ext/core/paths.py and products/scaffold.py so the user sees a problem as
 * they type; the server checks again and stays the authority.
 */
import { TEMPLATES_FOLDER } from '../paths';
import { IProductSpec } from './types';

/** Same rule as NAME_PATTERN on the server. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const EMAIL_PATTERN = /^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$/;
export const MAX_TITLE = 120;
export const MAX_DESCRIPTION = 2000;

/** The form's fields, as typed (all strings). */
export interface IProductForm {
  name: string;
  title: string;
  description: string;
  contact_name: string;
  contact_email: string;
  parent: string;
}

export type FormErrors = Partial<Record<keyof IProductForm, string>>;

export const EMPTY_FORM: IProductForm = {
  name: '',
  title: '',
  description: '',
  contact_name: '',
  contact_email: '',
  parent: ''
};

/** Why `name` cannot be a product folder name, or null if it can. */
export function nameError(name: string): string | null {
  const value = name.trim();
  if (!value) {
    return 'Give the product a folder name, such as sales-report.';
  }
  if (value.includes('/') || value.includes('\\') || value === '..') {
    return 'Use a single folder name, without "/" or "..".';
  }
  if (!NAME_PATTERN.test(value)) {
    return 'Use 1-64 letters, digits, "_", "-" or ".", starting with a letter or digit.';
  }
  if (value.endsWith('.')) {
    return 'The name must not end with ".".';
  }
  return null;
}

/** Why `parent` cannot hold a product, or null. */
export function parentError(parent: string): string | null {
  const value = parent.trim();
  if (!value) {
    return null;
  }
  if (value.startsWith('/') || /^[A-Za-z]:/.test(value)) {
    return 'Give a folder relative to the Jupyter root, such as products.';
  }
  if (value.includes('\\')) {
    return 'Separate folders with "/".';
  }
  if (value.split('/').some(part => part === '..')) {
    return 'The folder must stay inside the Jupyter root (no "..").';
  }
  if (value.split('/')[0] === TEMPLATES_FOLDER) {
    return `${TEMPLATES_FOLDER} is read-only: choose another folder.`;
  }
  return null;
}

/** Every problem of the form, by field; an empty object means it can be sent. */
export function validateForm(form: IProductForm): FormErrors {
  const errors: FormErrors = {};
  const name = nameError(form.name);
  if (name) {
    errors.name = name;
  }
  if (form.title.trim().length > MAX_TITLE) {
    errors.title = `At most ${MAX_TITLE} characters.`;
  }
  if (form.description.trim().length > MAX_DESCRIPTION) {
    errors.description = `At most ${MAX_DESCRIPTION} characters.`;
  }
  if (form.contact_name.trim().length > MAX_TITLE) {
    errors.contact_name = `At most ${MAX_TITLE} characters.`;
  }
  const email = form.contact_email.trim();
  if (email && !EMAIL_PATTERN.test(email)) {
    errors.contact_email = 'Enter an email address such as name@example.com.';
  }
  const parent = parentError(form.parent);
  if (parent) {
    errors.parent = parent;
  }
  return errors;
}

/** The request body for a valid form (trimmed; empty optional fields left out). */
export function toSpec(form: IProductForm): IProductSpec {
  const spec: IProductSpec = { name: form.name.trim() };
  const optional: (keyof IProductForm)[] = [
    'title',
    'description',
    'contact_name',
    'contact_email',
    'parent'
  ];
  for (const key of optional) {
    const value = form[key].trim();
    if (value) {
      spec[key as Exclude<keyof IProductSpec, 'name'>] = value;
    }
  }
  return spec;
}

/** A folder name suggested from a title ("Sales Report" -> "sales-report"). */
export function suggestName(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/g, '');
}
