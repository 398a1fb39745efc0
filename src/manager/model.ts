/**
 * The state of the Manager: the tab shown, the run whose detail shows, and a tick per tab
 * that changes when live events concern that tab's data (the tab then reads it again).
 * While the Manager is hidden, concerned tabs are only marked stale; they tick when it
 * shows again.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { DeployService, SchedulesService } from '../deploy/api';
import { PipelinesService } from '../pipelines/api';
import { SecretsService } from '../secrets/api';
import { IProductsModel } from '../tokens';
import { ManagerService } from './api';
import { EventsModel, IEventsHold } from './events';
import { ManagerTab, runOf, tabsConcerned } from './kinds';
import { IEvent } from './types';

/** The REST clients the Manager uses. */
export interface IManagerServices {
  manager: ManagerService;
  pipelines: PipelinesService;
  schedules: SchedulesService;
  deployments: DeployService;
  secrets: SecretsService;
}

export interface IManagerModelOptions {
  services: IManagerServices;
  events: EventsModel;
  products: IProductsModel;
  /** Runs and events asked for per page (default 50). */
  pageSize?: number;
  /** Seconds between two reads of a live run's detail (default 2). */
  runRefresh?: number;
}

/** A product's title from the products model (its folder when unknown, "/" for the root). */
export function productTitle(
  products: IProductsModel,
  product: string | null | undefined
): string {
  if (product === null || product === undefined) {
    return 'outside the root';
  }
  const found = products.products.find(p => p.path === product);
  return found?.manifest?.title || product || '/';
}

const NO_TICKS: Record<ManagerTab, number> = {
  jobs: 0,
  runs: 0,
  events: 0,
  deployments: 0,
  secrets: 0
};

export class ManagerModel {
  constructor(options: IManagerModelOptions) {
    this.services = options.services;
    this.events = options.events;
    this.products = options.products;
    this.pageSize = options.pageSize ?? 50;
    this.runRefresh = options.runRefresh ?? 2;
    this._hold = this.events.acquire();
    this.events.received.connect(this._onEvents, this);
    this.events.stateChanged.connect(this._emit, this);
  }

  readonly services: IManagerServices;
  readonly events: EventsModel;
  readonly products: IProductsModel;
  readonly pageSize: number;
  readonly runRefresh: number;

  /**
   * Emitted when the tab, the shown run, a tick, the secrets' scope or the visibility
   * changes.
   */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get tab(): ManagerTab {
    return this._tab;
  }

  /** The run whose detail the Runs tab shows (null: none). */
  get run(): string | null {
    return this._run;
  }

  /** Changes when the data of `tab` may have changed. */
  tick(tab: ManagerTab): number {
    return this._ticks[tab];
  }

  /** Changes when an event concerns the shown run. */
  get runTick(): number {
    return this._runTick;
  }

  /** A product of a filter chosen elsewhere (e.g. the Deployments tab's product). */
  get product(): string | null {
    return this._product;
  }

  /** Whose secrets the Secrets tab shows: a product's folder, or null for the user's. */
  get secretsScope(): string | null {
    return this._secretsScope;
  }

  /** True while the Manager shows on screen. */
  get isVisible(): boolean {
    return this._visible;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** A product's title (its folder when it has none, "/" for the root). */
  titleOf(product: string | null | undefined): string {
    return productTitle(this.products, product);
  }

  setTab(tab: ManagerTab): void {
    if (tab !== this._tab) {
      this._tab = tab;
      this._emit();
    }
  }

  /** Show a run's detail on the Runs tab (null: close the detail). */
  showRun(id: string | null): void {
    this._tab = id ? 'runs' : this._tab;
    if (id !== this._run) {
      this._run = id;
      this._runTick++;
    }
    this._emit();
  }

  /** Show the Deployments tab on a product. */
  showDeployments(product: string): void {
    this._tab = 'deployments';
    this._product = product;
    this._emit();
  }

  /** Show the secrets of a product (its folder) or the user's (null) on the Secrets tab. */
  setSecretsScope(product: string | null): void {
    if (product !== this._secretsScope) {
      this._secretsScope = product;
      this._emit();
    }
  }

  /** Show the Secrets tab on a product's secrets, or the user's (null). */
  showSecrets(product: string | null): void {
    this._tab = 'secrets';
    this._secretsScope = product;
    this._emit();
  }

  /** The Manager shows (true) or is hidden (false): stale tabs refresh when it shows. */
  setVisible(visible: boolean): void {
    if (visible === this._visible) {
      return;
    }
    this._visible = visible;
    if (visible) {
      for (const tab of this._stale) {
        this._ticks[tab]++;
      }
      if (this._staleRun) {
        this._runTick++;
      }
      this._stale.clear();
      this._staleRun = false;
    }
    this._emit();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this.events.received.disconnect(this._onEvents, this);
    this.events.stateChanged.disconnect(this._emit, this);
    this._hold.dispose();
    Signal.clearData(this);
  }

  private _onEvents(_: EventsModel, events: readonly IEvent[]): void {
    const tabs = new Set<ManagerTab>();
    let run = false;
    for (const event of events) {
      tabsConcerned(event).forEach(tab => tabs.add(tab));
      if (this._run && runOf(event) === this._run) {
        run = true;
      }
    }
    if (!this._visible) {
      tabs.forEach(tab => this._stale.add(tab));
      this._staleRun = this._staleRun || run;
      return;
    }
    tabs.forEach(tab => this._ticks[tab]++);
    if (run) {
      this._runTick++;
    }
    this._emit();
  }

  private _emit(): void {
    if (!this._isDisposed) {
      this._changed.emit();
    }
  }

  private _hold: IEventsHold;
  private _tab: ManagerTab = 'jobs';
  private _run: string | null = null;
  private _product: string | null = null;
  private _secretsScope: string | null = null;
  private _ticks: Record<ManagerTab, number> = { ...NO_TICKS };
  private _runTick = 0;
  private _visible = true;
  private _stale = new Set<ManagerTab>();
  private _staleRun = false;
  private _isDisposed = false;
  private _changed = new Signal<this, void>(this);
}
