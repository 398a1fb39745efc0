/**
 * REST client of the secrets routes: list names, set a value (write-only: the answer never
 * holds it), delete. `product` is a product's folder relative to the root; null means the
 * user's own secrets.
 */
import { ApiClient } from '../api/client';
import { query } from '../api/request';
import { ISecretInfo, ISecretList, ISecretWrite } from './types';

/**
 * `?product=<folder>`, or '' for the user's scope (the server reads an empty product as
 * the user's too: a product at the root itself has no secrets of its own).
 */
export function productQuery(product: string | null | undefined): string {
  return query({ product: product ?? undefined });
}

/** The route of one secret. */
export function secretRoute(name: string): string {
  return `secrets/${encodeURIComponent(name)}`;
}

export class SecretsService extends ApiClient {
  /** The user's secrets, or a product's then the user's (names and times only). */
  list(product: string | null = null): Promise<ISecretList> {
    return this.get<ISecretList>(`secrets${productQuery(product)}`);
  }

  /** Create or replace a secret's value; answers what is stored, without the value. */
  set(
    name: string,
    value: string,
    product: string | null = null
  ): Promise<ISecretInfo> {
    const body: ISecretWrite = { value, product };
    return this.put<ISecretInfo>(secretRoute(name), body);
  }

  /** Delete a secret (a 404 ApiError when there is none of that name in that scope). */
  remove(name: string, product: string | null = null): Promise<void> {
    return this.delete(`${secretRoute(name)}${productQuery(product)}`);
  }
}
