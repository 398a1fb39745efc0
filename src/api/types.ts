/**
 * REST types every route shares (the capabilities' own are in their types.ts).
 */

/** GET /status */
export interface IStatus {
  version: string;
  api_version: number;
}

/** The JSON body of every error answer. */
export interface IErrorBody {
  message: string;
  reason?: string | null;
  /** The input field at fault, if any. */
  field?: string | null;
}

/** Paging fields shared by the paged answers. */
export interface IPage {
  total: number;
  offset: number;
  limit: number;
}
