/**
 * The errors of the REST client, and the message of any error to show the user.
 */

/**
 * An error answered by the server (or the network), with the message to show the user.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly field: string | null = null
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** True when the server extension is not installed or not enabled. */
  get isMissingServer(): boolean {
    return this.status === 404;
  }
}

/** The message of a rejection reason: an Error's message, else the reason as text. */
export function errorMessage(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
