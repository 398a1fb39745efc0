/**
 * What the server accepts as a secret's name and value, checked before sending so the
 * form can say what to fix (the server checks again and has the last word).
 */

/** Same rule as naas_lab_ext/secrets: a letter or _, then letters, digits, _ . or -. */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

/** The largest value, in UTF-8 bytes (64 KiB). */
export const MAX_VALUE_BYTES = 64 * 1024;

/** Why a name is refused (null: it is fine). */
export function nameProblem(name: string): string | null {
  if (!name) {
    return 'Type a name, e.g. OPENAI_API_KEY.';
  }
  if (name.length > 128) {
    return 'A name has at most 128 characters.';
  }
  if (!NAME_PATTERN.test(name)) {
    return (
      'A name starts with a letter or _ and has only letters, digits, _, . ' +
      'or - (no space), e.g. OPENAI_API_KEY.'
    );
  }
  return null;
}

/** Why a value is refused (null: it is fine). Never quotes the value. */
export function valueProblem(value: string): string | null {
  if (!value) {
    return 'Type or paste the value.';
  }
  if (value.includes('\0')) {
    return 'The value holds a NUL character: paste it again without it.';
  }
  if (new TextEncoder().encode(value).length > MAX_VALUE_BYTES) {
    return 'The value is longer than 64 KiB: store a shorter one (e.g. a path or a key, not a file).';
  }
  return null;
}
