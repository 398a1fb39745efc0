/**
 * Add to models offers to add the packages the template needs to the product's
 * requirements.txt (those it does not list yet).
 */
import { ICopiedTemplate } from './types';

/** The offer's text (short enough for a toast), or null when nothing is missing. */
export function requirementsOffer(copied: ICopiedTemplate): string | null {
  const missing = copied.missing_requirements ?? [];
  if (copied.product === null || !missing.length) {
    return null;
  }
  const file = copied.product
    ? `${copied.product}/requirements.txt`
    : 'requirements.txt';
  const shown =
    missing.length > 3
      ? `${missing.slice(0, 3).join(', ')} and ${missing.length - 3} more`
      : missing.join(', ');
  const text = `This template needs ${shown}, not in ${file}.`;
  return text.length <= 140
    ? text
    : `This template needs packages not in ${file}.`;
}
