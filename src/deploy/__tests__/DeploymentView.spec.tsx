import {
  cleanup,
  fireEvent,
  render,
  screen,
  waitFor,
  within
} from '@testing-library/react';
import * as React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { DeployService, SchedulesService } from '../api';
import { DeploymentView, IDeploymentViewProps } from '../DeploymentView';
import { IDeployment, ISchedule } from '../types';
import { NOW, deployment, schedule, steps } from './fixtures';

afterEach(cleanup);

/** A server with these deployments (newest first) and schedules. */
function fakeServices(
  deployments: IDeployment[],
  active: string | null,
  scheduled: ISchedule[] = []
) {
  const deploy = {
    listDeployments: vi.fn(async () => ({ deployments, active }))
  };
  const schedules = {
    listSchedules: vi.fn(async () => scheduled),
    pause: vi.fn(async (id: string) =>
      schedule({ id, paused: true, next_run: null })
    ),
    resume: vi.fn(async (id: string) => schedule({ id })),
    run: vi.fn(async () => ({
      id: 'r1',
      status: 'PENDING',
      pipeline_path: 'team/sales/models/__pipeline__.ipynb'
    }))
  };
  return { deploy, schedules };
}

function renderView(
  services: ReturnType<typeof fakeServices>,
  extra: Partial<IDeploymentViewProps> = {}
) {
  const props: IDeploymentViewProps = {
    deployments: services.deploy as unknown as DeployService,
    schedules: services.schedules as unknown as SchedulesService,
    product: 'team/sales',
    title: 'Sales',
    tick: 0,
    running: null,
    onDeploy: vi.fn(),
    onRollback: vi.fn(),
    onOpen: vi.fn(),
    onOpenPipeline: vi.fn(),
    now: () => NOW,
    ...extra
  };
  return { props, ...render(<DeploymentView {...props} />) };
}

describe('DeploymentView', () => {
  it('says a product is not deployed yet, with a Deploy button', async () => {
    const services = fakeServices([], null);
    const { props } = renderView(services);
    expect(await screen.findByText('Not deployed yet.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Deploy Sales' }));
    expect(props.onDeploy).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('list', { name: /Schedules of/ })).toBeNull();
    expect(services.deploy.listDeployments).toHaveBeenCalledWith(
      'team/sales',
      20
    );
    expect(services.schedules.listSchedules).toHaveBeenCalledWith('team/sales');
  });

  it('shows the steps of a deploy that runs, and no Deploy meanwhile', async () => {
    const running = deployment('RUNNING', {
      steps: steps('requirements', 'RUNNING', 'Installing pandas')
    });
    const { props } = renderView(fakeServices([running], null), { running });
    const live = await screen.findByRole('region', { name: 'Deploying Sales' });
    const items = within(
      within(live).getByRole('list', { name: 'Steps of the deploy' })
    ).getAllByRole('listitem');
    expect(items.map(i => i.getAttribute('data-status'))).toEqual([
      'SUCCEEDED',
      'SUCCEEDED',
      'RUNNING',
      'PENDING',
      'PENDING'
    ]);
    expect(items[2].textContent).toContain('Requirements');
    expect(items[2].textContent).toContain('Running');
    expect(items[2].textContent).toContain('Installing pandas');
    expect(
      within(live).getByRole('progressbar', {
        name: 'Progress of the deploy of Sales'
      })
    ).toHaveProperty('value', 0.4);
    const button = screen.getByRole('button', { name: 'Deploy Sales' });
    expect(button.getAttribute('aria-disabled')).toBe('true');
    expect(button.textContent).toBe('Deploying…');
    fireEvent.click(button);
    expect(props.onDeploy).not.toHaveBeenCalled();
  });

  it('shows the active deployment and its schedules, next run in words', async () => {
    const active = deployment('ACTIVE');
    renderView(
      fakeServices([active, deployment('INACTIVE', { id: 'old' })], active.id, [
        schedule({
          last_run: {
            id: 'r0',
            status: 'SUCCEEDED',
            started_at: '2026-11-30T02:00:00Z',
            ended_at: '2026-11-30T02:01:00Z',
            duration: 60
          }
        }),
        schedule({
          id: 's2',
          pipeline: 'models/ping.ipynb',
          cron: '* * * * *',
          description: 'every minute (UTC)',
          every_minute: true,
          paused: true,
          next_run: null
        })
      ])
    );
    const dl = await screen.findByRole('region', {
      name: 'Active deployment'
    });
    expect(dl.textContent).toContain('2026-11-29T23.50.00.000Z-ab12cd');
    expect(dl.textContent).toContain('5 h ago');
    expect(dl.textContent).toContain('0123456');
    expect(dl.textContent).not.toContain('0123456789');
    expect(dl.textContent).toContain('passed');
    expect(
      screen.getByRole('button', { name: 'Deploy again Sales' })
    ).toBeTruthy();
    expect(
      screen.getByRole('button', { name: 'Roll back Sales' })
    ).toBeTruthy();

    const list = screen.getByRole('list', { name: 'Schedules of team/sales' });
    const [daily, minutely] = within(list).getAllByRole('listitem');
    expect(daily.textContent).toContain('models/__pipeline__.ipynb');
    expect(daily.textContent).toContain(
      'every day at 08:00 (UTC) — next in 3 h'
    );
    expect(daily.textContent).toContain('last run ✓ Succeeded 3 h ago');
    expect(daily.textContent).not.toContain('every minute');
    expect(minutely.textContent).toContain('every minute (UTC) — paused');
    expect(minutely.textContent).toContain('⚠ every minute');
    expect(minutely.textContent).toContain('never run');
    expect(
      within(minutely).getByRole('button', { name: 'Resume models/ping.ipynb' })
    ).toBeTruthy();
  });

  it('pauses, resumes and runs a schedule now, and says what it did', async () => {
    const active = deployment('ACTIVE');
    const services = fakeServices([active], active.id, [schedule()]);
    const { props } = renderView(services);
    const item = await screen.findByRole('listitem', {
      name: 'Schedule of models/__pipeline__.ipynb'
    });

    fireEvent.click(
      within(item).getByRole('button', {
        name: 'Pause models/__pipeline__.ipynb'
      })
    );
    expect((await within(item).findByRole('status')).textContent).toBe(
      'Paused: no run starts until you resume it.'
    );
    expect(services.schedules.pause).toHaveBeenCalledWith('s1');
    expect(item.textContent).toContain('— paused');
    expect(item.textContent).toContain('Paused');

    fireEvent.click(
      within(item).getByRole('button', {
        name: 'Resume models/__pipeline__.ipynb'
      })
    );
    await waitFor(() =>
      expect(within(item).getByRole('status').textContent).toBe(
        'Resumed: next in 3 h.'
      )
    );
    expect(services.schedules.resume).toHaveBeenCalledWith('s1');
    expect(item.textContent).toContain('— next in 3 h');

    fireEvent.click(
      within(item).getByRole('button', {
        name: 'Run models/__pipeline__.ipynb now'
      })
    );
    await waitFor(() =>
      expect(within(item).getByRole('status').textContent).toContain(
        'Run started (pending).'
      )
    );
    expect(services.schedules.run).toHaveBeenCalledWith('s1');
    fireEvent.click(
      within(item).getByRole('button', {
        name: 'Follow it in the Pipeline view'
      })
    );
    expect(props.onOpenPipeline).toHaveBeenCalledWith(
      'team/sales/models/__pipeline__.ipynb'
    );
  });

  it('shows why an action was refused, as an alert', async () => {
    const active = deployment('ACTIVE');
    const services = fakeServices([active], active.id, [schedule()]);
    services.schedules.run.mockRejectedValueOnce(
      new Error('You may not run pipelines (execute action).')
    );
    renderView(services);
    fireEvent.click(
      await screen.findByRole('button', {
        name: 'Run models/__pipeline__.ipynb now'
      })
    );
    expect((await screen.findByRole('alert')).textContent).toBe(
      'You may not run pipelines (execute action).'
    );
  });

  it('says why the last deploy failed, what still runs, and what to open', async () => {
    const active = deployment('ACTIVE', { id: 'good' });
    const failed = deployment('FAILED', {
      id: 'bad',
      created_at: '2026-11-30T04:55:00Z',
      steps: steps('requirements', 'FAILED', 'ERROR: No matching distribution'),
      setup_notebook: null,
      report: 'team/sales/outputs/deployments/bad/tests.html'
    });
    const { props } = renderView(fakeServices([failed, active], 'good'));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(
      'The last deploy (5 min ago) failed at Requirements: ERROR: No matching distribution.'
    );
    expect(alert.textContent).toContain(
      'Production still runs the active deployment below.'
    );
    expect(
      within(alert).queryByRole('button', { name: 'Open setup notebook' })
    ).toBeNull();
    fireEvent.click(
      within(alert).getByRole('button', { name: 'Open test report' })
    );
    expect(props.onOpen).toHaveBeenCalledWith(
      'team/sales/outputs/deployments/bad/tests.html'
    );
    expect(
      screen
        .getByRole('region', { name: 'Active deployment' })
        .getAttribute('data-deployment')
    ).toBe('good');
  });

  it('follows a deploy started elsewhere (the CLI) until it ends', async () => {
    const services = fakeServices(
      [deployment('RUNNING', { steps: steps('tests') })],
      null
    );
    const active = deployment('ACTIVE');
    services.deploy.listDeployments
      .mockResolvedValueOnce({
        deployments: [deployment('RUNNING', { steps: steps('tests') })],
        active: null
      })
      .mockResolvedValueOnce({
        deployments: [deployment('RUNNING', { steps: steps('copy') })],
        active: null
      })
      .mockResolvedValue({ deployments: [active], active: active.id });
    renderView(services, { liveRefreshMs: 5 });
    expect(
      await screen.findByRole('region', { name: 'Deploying Sales' })
    ).toBeTruthy();
    expect(
      await screen.findByRole('region', { name: 'Active deployment' })
    ).toBeTruthy();
    expect(
      screen.queryByRole('region', { name: 'Deploying Sales' })
    ).toBeNull();
    // Once it ended, the view stops reading until the next tick.
    const reads = services.deploy.listDeployments.mock.calls.length;
    expect(reads).toBe(3);
    await new Promise(resolve => setTimeout(resolve, 30));
    expect(services.deploy.listDeployments).toHaveBeenCalledTimes(reads);
  });

  it('reads again when the deploy followed by the page ends', async () => {
    const running = deployment('RUNNING', { steps: steps('setup') });
    const services = fakeServices([running], null);
    const { rerender, props } = renderView(services, { running });
    await screen.findByRole('region', { name: 'Deploying Sales' });
    const reads = services.deploy.listDeployments.mock.calls.length;
    // The deploy ended: the server now has it active.
    const active = deployment('ACTIVE');
    services.deploy.listDeployments.mockResolvedValue({
      deployments: [active],
      active: active.id
    });
    rerender(<DeploymentView {...props} running={null} />);
    expect(
      await screen.findByRole('region', { name: 'Active deployment' })
    ).toBeTruthy();
    expect(services.deploy.listDeployments.mock.calls.length).toBe(reads + 1);
    expect(
      screen.queryByRole('region', { name: 'Deploying Sales' })
    ).toBeNull();
  });

  it("shows the server's error and lets the user try again", async () => {
    const services = fakeServices([], null);
    services.deploy.listDeployments.mockRejectedValueOnce(
      new Error('The Jupyter server cannot be reached.')
    );
    renderView(services);
    expect((await screen.findByRole('alert')).textContent).toBe(
      'The Jupyter server cannot be reached.'
    );
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Not deployed yet.')).toBeTruthy();
  });
});
