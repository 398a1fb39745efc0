/**
 * REST types of the secrets routes (naas_lab_ext/openapi.yaml): names, scopes and update
 * times only. A value goes to the server and never comes back.
 */

/** Whose a secret is: the user's (every product's runs) or one product's. */
export type SecretScope = 'user' | 'product';

/** Where the server keeps the values. */
export type SecretsBackend = 'keyring' | 'file';

/** A secret as the server lists it (never its value). */
export interface ISecretInfo {
  name: string;
  scope: SecretScope;
  /** The product's folder relative to the root (null for the user's). */
  product: string | null;
  /** ISO time, UTC ("...Z"). */
  updated_at: string;
}

/** GET /secrets */
export interface ISecretList {
  /** With a product: the product's first, then the user's. */
  secrets: ISecretInfo[];
  backend: SecretsBackend;
}

/** PUT /secrets/{name} body. */
export interface ISecretWrite {
  value: string;
  /** The product's folder (null: the user's secret). */
  product: string | null;
}
