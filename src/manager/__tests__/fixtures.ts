/**
 * A Manager over fake services (vi.fn), a fake products model and events; and events as
 * the server answers them.
 */
import { JSONObject } from '@lumino/coreutils';
import { Signal } from '@lumino/signaling';
import { cleanup, render } from '@testing-library/react';
import * as React from 'react';
import { afterEach, vi } from 'vitest';

import { DeployService, SchedulesService } from '../../deploy/api';
import { PipelinesService } from '../../pipelines/api';
import { SecretsService } from '../../secrets/api';
import { ISecretInfo } from '../../secrets/types';
import { IProduct, IProductsModel } from '../../tokens';
import { ManagerService } from '../api';
import { EventsModel } from '../events';
import { IManagerHost } from '../host';
import { ManagerModel } from '../model';
import { EventLevel, IEvent } from '../types';

export function product(path: string, title: string): IProduct {
  return {
    path,
    manifest: {
      name: path.split('/').pop() ?? path,
      title,
      description: '',
      contact: { name: '', email: '' },
      framework: 'naas_lab_ext',
      framework_version: '0.1.0',
      created_at: '2026-11-01T00:00:00Z'
    },
    error: null,
    folders: [],
    models: [],
    is_git: false
  };
}

export class FakeProducts implements IProductsModel {
  constructor(public products: IProduct[] = []) {}
  readonly changed: Signal<IProductsModel, void> = new Signal(this);
  selected: IProduct | null = null;
  select = vi.fn();
  refresh = vi.fn(async () => undefined);
}

/** A secret as GET secrets lists it (a product's when `product` is given). */
export function secretInfo(
  name: string,
  product: string | null = null,
  updated_at = '2026-11-30T04:00:00Z'
): ISecretInfo {
  return {
    name,
    scope: product === null ? 'user' : 'product',
    product,
    updated_at
  };
}

let nextId = 1;

export function event(
  kind: string,
  extra: Partial<IEvent> = {},
  details: JSONObject = {}
): IEvent {
  const level: EventLevel =
    kind.endsWith('failed') || kind.endsWith('interrupted')
      ? 'error'
      : kind.endsWith('cancelled') || kind.endsWith('skipped')
        ? 'warning'
        : 'info';
  const id = extra.id ?? nextId++;
  return {
    id,
    at: '2026-11-30T04:00:00Z',
    kind,
    level,
    product: 'team/sales',
    subject_type:
      kind.startsWith('run.') || kind.startsWith('step.') ? 'run' : 'schedule',
    subject_id: 'r1',
    message: `${kind} happened`,
    details,
    ...extra
  };
}

/** Fake REST clients: every method a vi.fn the test may replace. */
export function fakeServices() {
  const manager = {
    events: vi.fn<ManagerService['events']>(async () => ({
      events: [],
      next_before: null
    })),
    tail: vi.fn<ManagerService['tail']>(async () => ({
      events: [],
      last_id: 0
    })),
    runs: vi.fn<ManagerService['runs']>(async () => ({
      runs: [],
      total: 0,
      offset: 0,
      limit: 50,
      next_before: null
    })),
    rerun: vi.fn<ManagerService['rerun']>(),
    setScheduleNotify: vi.fn<ManagerService['setScheduleNotify']>(),
    deleteSchedule: vi.fn<ManagerService['deleteSchedule']>(
      async () => undefined
    ),
    notificationSettings: vi.fn<ManagerService['notificationSettings']>(
      async () => ({
        smtp: {
          host: 'smtp.example.com',
          port: 587,
          security: 'starttls',
          user: 'robot',
          mail_from: 'naas@example.com',
          password_set: true
        },
        email_to: ['ops@example.com'],
        webhooks: ['https://hooks.example.com/services/***'],
        public_url: null
      })
    ),
    testNotification: vi.fn<ManagerService['testNotification']>()
  };
  const pipelines = {
    getRun: vi.fn<PipelinesService['getRun']>(),
    cancelRun: vi.fn<PipelinesService['cancelRun']>()
  };
  const schedules = {
    listSchedules: vi.fn<SchedulesService['listSchedules']>(async () => []),
    pause: vi.fn<SchedulesService['pause']>(),
    resume: vi.fn<SchedulesService['resume']>(),
    run: vi.fn<SchedulesService['run']>()
  };
  const deployments = {
    listDeployments: vi.fn<DeployService['listDeployments']>(async () => ({
      deployments: [],
      active: null
    })),
    activate: vi.fn<DeployService['activate']>()
  };
  const secrets = {
    list: vi.fn<SecretsService['list']>(async () => ({
      secrets: [],
      backend: 'file' as const
    })),
    set: vi.fn<SecretsService['set']>(),
    remove: vi.fn<SecretsService['remove']>(async () => undefined)
  };
  return { manager, pipelines, schedules, deployments, secrets };
}

export type FakeServices = ReturnType<typeof fakeServices>;

/** A ManagerModel on fake services (its events never poll on their own). */
export function fakeManager(
  services: FakeServices = fakeServices(),
  products: IProduct[] = [product('team/sales', 'Sales')]
) {
  const events = new EventsModel({
    source: services.manager,
    interval: 3600,
    standby: () => true
  });
  const productsModel = new FakeProducts(products);
  const model = new ManagerModel({
    services: {
      manager: services.manager as unknown as ManagerService,
      pipelines: services.pipelines as unknown as PipelinesService,
      schedules: services.schedules as unknown as SchedulesService,
      deployments: services.deployments as unknown as DeployService,
      secrets: services.secrets as unknown as SecretsService
    },
    events,
    products: productsModel,
    pageSize: 2,
    runRefresh: 3600
  });
  const host = {
    open: vi.fn<IManagerHost['open']>(),
    openPipeline: vi.fn<IManagerHost['openPipeline']>(),
    confirm: vi.fn<IManagerHost['confirm']>(async () => true),
    editNotify: vi.fn<IManagerHost['editNotify']>(),
    deploy: vi.fn<(product: string) => void>(),
    now: () => new Date('2026-11-30T05:00:00Z')
  };
  return { model, events, services, products: productsModel, host };
}

export type FakeManager = ReturnType<typeof fakeManager>;

/** The props every tab of the Manager takes. */
export interface ITabProps {
  model: ManagerModel;
  host: IManagerHost;
}

/** The fake rendered last: what cleanupManagerAfterEach disposes. */
let current: FakeManager | null = null;

/**
 * Render `Tab` on `fake`'s model and host (and `props`, any other it takes), and
 * remember `fake` for cleanupManagerAfterEach; returns it.
 */
export function renderTab<E extends object = object>(
  Tab: React.ComponentType<ITabProps & E>,
  fake: FakeManager = fakeManager(),
  props: E = {} as E
): FakeManager {
  current = fake;
  render(
    React.createElement(Tab, { ...props, model: fake.model, host: fake.host })
  );
  return fake;
}

/** After each test: unmount what it rendered, dispose the fake renderTab last had. */
export function cleanupManagerAfterEach(): void {
  afterEach(() => {
    cleanup();
    current?.model.dispose();
    current?.events.dispose();
    current = null;
  });
}

/** Make the model's events tail answer `events` (the first poll only sets the cursor). */
export async function deliver(
  fake: FakeManager,
  events: IEvent[]
): Promise<void> {
  const tail = fake.services.manager.tail;
  if (fake.events.cursor === null) {
    tail.mockResolvedValueOnce({ events: [], last_id: 0 });
    await fake.events.tick();
  }
  tail.mockResolvedValueOnce({
    events,
    last_id: events.length ? events[events.length - 1].id : 0
  });
  await fake.events.tick();
}
