/**
 * Front-end state: the server status, the products found under the root, the selection.
 * Refreshed by a Poll that backs off on errors and stands by while the page is hidden.
 */
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiError, errorMessage } from '../api/errors';
import { IStoreStatus } from '../api/types';
import { IProduct, IProductsModel } from '../tokens';
import { ProductsService } from './api';
import { ICreatedProduct, IProductSpec } from './types';

/** Where the connection to the server extension stands. */
export type ServerState =
  | { kind: 'checking' }
  | { kind: 'ready'; version: string; store?: IStoreStatus | null }
  | { kind: 'mismatch'; version: string; expected: string }
  | { kind: 'missing'; message: string };

export class ProductsModel implements IProductsModel {
  constructor(
    readonly service: ProductsService,
    readonly frontendVersion: string,
    refreshSeconds = 15
  ) {
    this._poll = new Poll({
      factory: () => this.refresh(),
      frequency: {
        interval: refreshSeconds * 1000,
        backoff: true,
        max: 300 * 1000
      },
      name: 'naas_lab_ext:products',
      standby: 'when-hidden'
    });
  }

  /** Emitted whenever products, selection, status or error change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get products(): readonly IProduct[] {
    return this._products;
  }

  get selected(): IProduct | null {
    return this._products.find(p => p.path === this._selectedPath) ?? null;
  }

  get server(): ServerState {
    return this._server;
  }

  /** The last refresh error, to show in the panel (null when fine). */
  get error(): string | null {
    return this._error;
  }

  get isDisposed(): boolean {
    return this._poll.isDisposed;
  }

  select(path: string | null): void {
    if (path !== this._selectedPath) {
      this._selectedPath = path;
      this._changed.emit();
    }
  }

  /** Set how often the list refreshes (seconds), e.g. from the settings. */
  set refreshSeconds(seconds: number) {
    this._poll.frequency = {
      ...this._poll.frequency,
      interval: Math.max(1, seconds) * 1000
    };
  }

  /**
   * Check that the server part answers with the same version as this front end.
   * Called once at start; the panel shows an actionable message otherwise.
   */
  async checkServer(): Promise<ServerState> {
    try {
      const status = await this.service.status();
      this._server =
        status.version === this.frontendVersion
          ? { kind: 'ready', version: status.version, store: status.store }
          : {
              kind: 'mismatch',
              version: status.version,
              expected: this.frontendVersion
            };
    } catch (error) {
      this._server = {
        kind: 'missing',
        message:
          error instanceof ApiError
            ? error.message
            : `The naas_lab_ext server extension cannot be reached (${String(error)}).`
      };
    }
    this._changed.emit();
    return this._server;
  }

  /** Reload the product list now. */
  async refresh(): Promise<void> {
    if (this._server.kind === 'missing') {
      return;
    }
    try {
      this._products = await this.service.listProducts();
      this._error = null;
    } catch (error) {
      this._error = errorMessage(error);
      this._changed.emit();
      throw error; // lets the Poll back off
    }
    this._changed.emit();
  }

  /** Create a product, refresh the list and select it. */
  async create(spec: IProductSpec): Promise<ICreatedProduct> {
    const created = await this.service.createProduct(spec);
    this._selectedPath = created.product.path;
    try {
      await this.refresh();
    } catch {
      // the product exists; the poll will list it on its next tick
    }
    this._changed.emit();
    return created;
  }

  dispose(): void {
    this._poll.dispose();
    Signal.clearData(this);
  }

  private _poll: Poll;
  private _changed = new Signal<this, void>(this);
  private _products: IProduct[] = [];
  private _selectedPath: string | null = null;
  private _server: ServerState = { kind: 'checking' };
  private _error: string | null = null;
}
