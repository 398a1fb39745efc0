import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { deployment, steps } from '../../deploy/__tests__/fixtures';
import { DeploymentsTab } from '../DeploymentsTab';
import {
  cleanupManagerAfterEach,
  fakeManager,
  fakeServices,
  product,
  renderTab
} from './fixtures';

cleanupManagerAfterEach();

describe('DeploymentsTab', () => {
  it('says to create a product when there is none', async () => {
    renderTab(DeploymentsTab, fakeManager(fakeServices(), []));
    expect(await screen.findByText(/No product yet/)).toBeTruthy();
  });

  it('says a product is not deployed yet, with Deploy', async () => {
    const fake = renderTab(DeploymentsTab);
    expect(await screen.findByText(/Sales is not deployed yet/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Deploy Sales' }));
    expect(fake.host.deploy).toHaveBeenCalledWith('team/sales');
    expect(fake.services.deployments.listDeployments).toHaveBeenCalledWith(
      'team/sales',
      50
    );
  });

  it('shows the active deployment and the history, and rolls back once confirmed', async () => {
    const services = fakeServices();
    const active = deployment('ACTIVE', { id: 'new' });
    const earlier = deployment('INACTIVE', { id: 'old' });
    const failed = deployment('FAILED', {
      id: 'broken',
      steps: steps('setup', 'FAILED', 'NameError in cell 2'),
      setup_notebook: 'team/sales/.deploy/setup.ipynb'
    });
    services.deployments.listDeployments.mockResolvedValue({
      deployments: [failed, active, earlier],
      active: 'new'
    });
    services.deployments.activate.mockResolvedValue({
      ...earlier,
      status: 'ACTIVE',
      active: true
    });
    const fake = renderTab(
      DeploymentsTab,
      fakeManager(services, [
        product('team/sales', 'Sales'),
        product('team/other', 'Other')
      ])
    );
    const table = await screen.findByRole('table', {
      name: 'Deployments of Sales'
    });
    expect(
      screen.getByRole('region', { name: 'Active deployment of Sales' })
        .textContent
    ).toContain('new, deployed 5 h ago, commit 0123456, tests passed.');
    const broken = within(table).getByRole('row', {
      name: 'Deployment broken'
    });
    expect(broken.textContent).toContain('Failed');
    expect(broken.textContent).toContain('setup.ipynb: NameError in cell 2');
    fireEvent.click(
      within(broken).getByRole('button', { name: 'setup notebook' })
    );
    expect(fake.host.open).toHaveBeenCalledWith(
      'team/sales/.deploy/setup.ipynb'
    );
    expect(
      within(table).getByRole('row', { name: 'Deployment new' }).textContent
    ).toContain('Active');
    expect(
      within(table).getAllByRole('button', { name: /^Roll back/ })
    ).toHaveLength(1);

    fake.host.confirm.mockResolvedValueOnce(false);
    const rollback = within(table).getByRole('button', {
      name: 'Roll back Sales to old'
    });
    fireEvent.click(rollback);
    await waitFor(() => expect(fake.host.confirm).toHaveBeenCalledTimes(1));
    expect(services.deployments.activate).not.toHaveBeenCalled();
    fireEvent.click(rollback);
    await waitFor(() =>
      expect(services.deployments.activate).toHaveBeenCalledWith('old')
    );
    expect((await screen.findByRole('status')).textContent).toBe(
      'Rolled back: old is active again, with its schedules.'
    );

    // Another product
    fireEvent.change(screen.getByLabelText('Product'), {
      target: { value: 'team/other' }
    });
    await waitFor(() =>
      expect(services.deployments.listDeployments).toHaveBeenLastCalledWith(
        'team/other',
        50
      )
    );
  });

  it('opens on the product asked for', async () => {
    const services = fakeServices();
    const fake = fakeManager(services, [
      product('team/sales', 'Sales'),
      product('team/other', 'Other')
    ]);
    fake.model.showDeployments('team/other');
    renderTab(DeploymentsTab, fake);
    expect(await screen.findByText(/Other is not deployed yet/)).toBeTruthy();
  });
});
