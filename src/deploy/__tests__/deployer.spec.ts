import { waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { ApiError } from '../../api/errors';
import { DeployService, SchedulesService } from '../api';
import { Deployer, INotifier, INotifyOptions, NotifyType } from '../deployer';
import { IDeployment, ISchedule } from '../types';
import { NOW, deployment, schedule, steps } from './fixtures';

interface INote extends INotifyOptions {
  id: string;
  message: string;
  type: NotifyType;
}

/** Records what the deployer shows: every emit and update, by notification id. */
function fakeNotifier() {
  const emitted: INote[] = [];
  const updates: INote[] = [];
  const dismissed: string[] = [];
  const notifier: INotifier = {
    emit: (message, type, options) => {
      const id = `n${emitted.length + 1}`;
      emitted.push({ id, message, type, ...options });
      return id;
    },
    update: args => {
      updates.push({ ...args });
      return true;
    },
    dismiss: id => {
      dismissed.push(id ?? '*');
    }
  };
  /** The last state of a notification. */
  const last = (id: string): INote =>
    [...emitted, ...updates].filter(n => n.id === id).pop() as INote;
  return { notifier, emitted, updates, dismissed, last };
}

/** A server whose deploy answers `states` one read after another (the last one stays). */
function fakeServer(
  states: IDeployment[],
  scheduled: ISchedule[] = [schedule()]
) {
  let reads = 0;
  const deployments = {
    startDeployment: vi.fn(async () => deployment('PENDING')),
    getDeployment: vi.fn(
      async () => states[Math.min(reads++, states.length - 1)]
    ),
    activate: vi.fn(async () => deployment('ACTIVE'))
  };
  const schedules = { listSchedules: vi.fn(async () => scheduled) };
  return {
    deployments,
    schedules,
    services: {
      deployments: deployments as unknown as DeployService,
      schedules: schedules as unknown as SchedulesService
    }
  };
}

let deployer: Deployer | null = null;
afterEach(() => deployer?.dispose());

function newDeployer(
  server: ReturnType<typeof fakeServer>,
  notifier: INotifier,
  extra: { open?: (path: string) => void; reveal?: (p: string) => void } = {}
): Deployer {
  deployer = new Deployer({
    ...server.services,
    notifier,
    open: extra.open ?? vi.fn(),
    reveal: extra.reveal ?? vi.fn(),
    pollInterval: 0.01,
    now: () => NOW
  });
  return deployer;
}

describe('Deployer', () => {
  it('shows ONE notification naming each step, updated in place, ending in success', async () => {
    // Given a deploy that goes through its steps, then becomes active
    const server = fakeServer([
      deployment('RUNNING', { steps: steps('tests') }),
      deployment('RUNNING', { steps: steps('requirements') }),
      deployment('RUNNING', { steps: steps('requirements') }),
      deployment('RUNNING', { steps: steps('setup') }),
      deployment('ACTIVE')
    ]);
    const notes = fakeNotifier();
    const reveal = vi.fn();
    const seen: string[] = [];
    const d = newDeployer(server, notes.notifier, { reveal });
    d.changed.connect((_, changed) => seen.push(changed.status));

    // When the product is deployed
    const ended = await d.deploy('team/sales', 'Sales');

    // Then one notification was emitted, in progress and kept open...
    expect(ended?.status).toBe('ACTIVE');
    expect(server.deployments.startDeployment).toHaveBeenCalledWith(
      'team/sales',
      false
    );
    expect(notes.emitted).toHaveLength(1);
    expect(notes.emitted[0]).toMatchObject({
      message: 'Deploying Sales: Product tests…',
      type: 'in-progress',
      autoClose: false
    });
    // ...updated in place at each new step (not twice for the same one)...
    expect(notes.updates.every(u => u.id === notes.emitted[0].id)).toBe(true);
    expect(notes.updates.map(u => u.message)).toEqual([
      'Deploying Sales: Requirements…',
      'Deploying Sales: setup.ipynb…',
      'Sales deployed: 1 schedule, next run in 3 h'
    ]);
    // ...ending in success, with the way to the section
    const end = notes.last('n1');
    expect(end.type).toBe('success');
    expect(end.autoClose).toBeGreaterThan(0);
    end.actions?.find(a => a.label === 'Show deployment')?.callback();
    expect(reveal).toHaveBeenCalledWith('team/sales');
    expect(server.schedules.listSchedules).toHaveBeenCalledWith('team/sales');
    // and the section heard every state, then that it is no longer running
    expect(seen[0]).toBe('PENDING');
    expect(seen[seen.length - 1]).toBe('ACTIVE');
    expect(d.running('team/sales')).toBeNull();
  });

  it('ends a failed deploy with its error and what to open', async () => {
    const failed = deployment('FAILED', {
      steps: steps(
        'setup',
        'FAILED',
        "NameError: name 'schedul' is not defined"
      ),
      setup_notebook: 'team/sales/outputs/deployments/x/setup.ipynb',
      report: 'team/sales/outputs/deployments/x/tests.html'
    });
    const server = fakeServer([failed]);
    const notes = fakeNotifier();
    const open = vi.fn();
    const d = newDeployer(server, notes.notifier, { open });

    await d.deploy('team/sales', 'Sales');

    const end = notes.last('n1');
    expect(end.type).toBe('error');
    expect(end.autoClose).toBe(false);
    expect(end.message).toBe(
      'Deploy of Sales failed at setup.ipynb, production unchanged: ' +
        "NameError: name 'schedul' is not defined"
    );
    expect(end.actions?.map(a => a.label)).toEqual([
      'Open setup notebook',
      'Open test report',
      'Show deployment'
    ]);
    end.actions?.[0].callback();
    end.actions?.[1].callback();
    expect(open.mock.calls).toEqual([
      ['team/sales/outputs/deployments/x/setup.ipynb'],
      ['team/sales/outputs/deployments/x/tests.html']
    ]);
    expect(server.schedules.listSchedules).not.toHaveBeenCalled();
  });

  it('offers only what a failed deploy left to open', async () => {
    const failed = deployment('FAILED', {
      steps: steps(
        'tests',
        'FAILED',
        '1 failed: test_params_are_a_json_object'
      ),
      report: 'team/sales/outputs/deployments/x/tests.html'
    });
    const notes = fakeNotifier();
    await newDeployer(fakeServer([failed]), notes.notifier).deploy(
      'team/sales',
      'Sales'
    );
    expect(notes.last('n1').actions?.map(a => a.label)).toEqual([
      'Open test report',
      'Show deployment'
    ]);
  });

  it('says when a deploy of the product already runs (409), and follows nothing', async () => {
    const server = fakeServer([]);
    server.deployments.startDeployment.mockRejectedValueOnce(
      new ApiError('A deploy of team/sales is running.', 409)
    );
    const notes = fakeNotifier();
    const ended = await newDeployer(server, notes.notifier).deploy(
      'team/sales',
      'Sales'
    );
    expect(ended).toBeNull();
    expect(notes.emitted).toHaveLength(1);
    expect(notes.emitted[0].type).toBe('warning');
    expect(notes.emitted[0].message).toContain(
      'A deploy of Sales is already running'
    );
    expect(server.deployments.getDeployment).not.toHaveBeenCalled();
  });

  it('lets other refusals reach the command (400, 404)', async () => {
    const server = fakeServer([]);
    server.deployments.startDeployment.mockRejectedValueOnce(
      new ApiError("'nope' is not a data product.", 404)
    );
    await expect(
      newDeployer(server, fakeNotifier().notifier).deploy('nope', 'Nope')
    ).rejects.toThrow('is not a data product');
  });

  it('does not start a second deploy of a product it follows', async () => {
    const server = fakeServer([
      deployment('RUNNING', { steps: steps('copy') })
    ]);
    const notes = fakeNotifier();
    const d = newDeployer(server, notes.notifier);
    void d.deploy('team/sales', 'Sales');
    await waitFor(() => expect(d.running('team/sales')).not.toBeNull());
    expect(await d.deploy('team/sales', 'Sales')).toBeNull();
    expect(server.deployments.startDeployment).toHaveBeenCalledTimes(1);
    expect(notes.emitted[1].type).toBe('warning');
  });

  it('reads through a server restart, and gives up on a lasting error', async () => {
    const server = fakeServer([deployment('ACTIVE')]);
    server.deployments.getDeployment
      .mockRejectedValueOnce(new ApiError('The server cannot be reached', 0))
      .mockRejectedValueOnce(new ApiError('Bad gateway', 502));
    const notes = fakeNotifier();
    const ended = await newDeployer(server, notes.notifier).deploy(
      'team/sales',
      'Sales'
    );
    expect(ended?.status).toBe('ACTIVE');
    expect(server.deployments.getDeployment).toHaveBeenCalledTimes(3);

    const gone = fakeServer([]);
    gone.deployments.getDeployment.mockRejectedValue(
      new ApiError('No deployment x.', 404)
    );
    const lost = fakeNotifier();
    expect(
      await newDeployer(gone, lost.notifier).deploy('team/sales', 'Sales')
    ).toBeNull();
    expect(lost.last('n1')).toMatchObject({
      type: 'error',
      message: 'Lost track of the deploy of Sales: No deployment x.'
    });
  });

  it('stops reading when disposed (the page goes away) and removes its notification', async () => {
    const server = fakeServer([
      deployment('RUNNING', { steps: steps('copy') })
    ]);
    const notes = fakeNotifier();
    const d = newDeployer(server, notes.notifier);
    const done = d.deploy('team/sales', 'Sales');
    await waitFor(() =>
      expect(server.deployments.getDeployment).toHaveBeenCalled()
    );
    d.dispose();
    expect(await done).toBeNull();
    const reads = server.deployments.getDeployment.mock.calls.length;
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(server.deployments.getDeployment).toHaveBeenCalledTimes(reads);
    expect(notes.dismissed).toEqual(['n1']);
  });

  it('rolls back to an earlier deployment and says so', async () => {
    const server = fakeServer([], [schedule(), schedule({ id: 's2' })]);
    const notes = fakeNotifier();
    const earlier = deployment('INACTIVE', { id: 'old' });
    const active = await newDeployer(server, notes.notifier).activate(
      earlier,
      'Sales'
    );
    expect(server.deployments.activate).toHaveBeenCalledWith('old');
    expect(active.status).toBe('ACTIVE');
    expect(notes.emitted[0].type).toBe('success');
    expect(notes.emitted[0].message).toMatch(
      /^Sales rolled back to the deployment of .+: 2 schedules\.$/
    );
  });
});
