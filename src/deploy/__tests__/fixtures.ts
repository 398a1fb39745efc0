/**
 * Deployments and schedules as the server answers them (shapes of the REST contract).
 */
import {
  DeployStepName,
  DeployStepStatus,
  DeploymentStatus,
  IDeployment,
  IDeployStep,
  ISchedule
} from '../types';

export const STEP_TITLES: Record<DeployStepName, string> = {
  tests: 'Product tests',
  copy: 'Production copy',
  requirements: 'Requirements',
  setup: 'setup.ipynb',
  schedules: 'Schedules'
};

const ORDER: DeployStepName[] = [
  'tests',
  'copy',
  'requirements',
  'setup',
  'schedules'
];

/**
 * The five steps: those before `at` SUCCEEDED, `at` in `atStatus`, the rest PENDING
 * (`at` null: all PENDING; 'done': all SUCCEEDED).
 */
export function steps(
  at: DeployStepName | null | 'done',
  atStatus: DeployStepStatus = 'RUNNING',
  message: string | null = null
): IDeployStep[] {
  const index = at === 'done' ? ORDER.length : at ? ORDER.indexOf(at) : -1;
  return ORDER.map((name, i) => {
    const status: DeployStepStatus =
      at === null
        ? 'PENDING'
        : i < index
          ? 'SUCCEEDED'
          : i === index
            ? atStatus
            : 'PENDING';
    return {
      name,
      title: STEP_TITLES[name],
      status,
      started_at: status === 'PENDING' ? null : '2026-11-29T23:50:01Z',
      ended_at:
        status === 'SUCCEEDED' || status === 'FAILED'
          ? '2026-11-29T23:50:02Z'
          : null,
      message: i === index ? message : null
    };
  });
}

export function deployment(
  status: DeploymentStatus,
  extra: Partial<IDeployment> = {}
): IDeployment {
  const settled = status === 'ACTIVE' || status === 'INACTIVE';
  return {
    id: '2026-11-29T23.50.00.000Z-ab12cd',
    product: 'team/sales',
    status,
    active: status === 'ACTIVE',
    skip_tests: false,
    tests: settled ? 'passed' : null,
    commit: settled ? '0123456789abcdef0123456789abcdef01234567' : null,
    created_at: '2026-11-29T23:50:00Z',
    started_at: '2026-11-29T23:50:01Z',
    ended_at: settled || status === 'FAILED' ? '2026-11-29T23:51:00Z' : null,
    error: null,
    steps: settled ? steps('done') : steps(null),
    setup_notebook: null,
    report: null,
    schedules: [],
    dependencies: [],
    requirements: [],
    ...extra
  };
}

export function schedule(extra: Partial<ISchedule> = {}): ISchedule {
  return {
    id: 's1',
    product: 'team/sales',
    pipeline: 'models/__pipeline__.ipynb',
    cron: '0 8 * * *',
    timezone: 'UTC',
    description: 'every day at 08:00 (UTC)',
    every_minute: false,
    parameters: {},
    notify: null,
    catch_up: 'skip',
    overlap: 'skip',
    paused: false,
    deployment_id: '2026-11-29T23.50.00.000Z-ab12cd',
    next_run: '2026-11-30T08:00:00Z',
    last_run: null,
    created_at: '2026-11-29T23:51:00Z',
    updated_at: '2026-11-29T23:51:00Z',
    ...extra
  };
}

/** 2026-11-30 05:00 UTC: three hours before the fixture schedule's next run. */
export const NOW = new Date('2026-11-30T05:00:00Z');
