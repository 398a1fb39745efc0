import {
  cleanup,
  fireEvent,
  render,
  screen,
  waitFor
} from '@testing-library/react';
import * as React from 'react';
import { afterEach, describe, expect, it } from 'vitest';

import { ApiError } from '../../api/errors';
import { ManagerView } from '../ManagerView';
import { tabIndexFor } from '../Tabs';
import { fakeManager } from './fixtures';

let fake: ReturnType<typeof fakeManager> | null = null;
afterEach(() => {
  cleanup();
  fake?.model.dispose();
  fake?.events.dispose();
});

describe('ManagerView', () => {
  it('has five tabs the arrow keys move between, each showing its panel', async () => {
    fake = fakeManager();
    render(<ManagerView model={fake.model} host={fake.host} debounceMs={0} />);
    const tablist = screen.getByRole('tablist', { name: 'Manager' });
    const tabs = screen.getAllByRole('tab');
    expect(tabs.map(t => t.textContent)).toEqual([
      'Jobs',
      'Runs',
      'Events',
      'Deployments',
      'Secrets'
    ]);
    expect(tabs[0].getAttribute('aria-selected')).toBe('true');
    expect(tabs.map(t => t.tabIndex)).toEqual([0, -1, -1, -1, -1]);
    const panel = screen.getByRole('tabpanel');
    expect(panel.getAttribute('aria-labelledby')).toBe(tabs[0].id);
    expect(tabs[0].getAttribute('aria-controls')).toBe(panel.id);
    expect(await screen.findByText(/No job yet/)).toBeTruthy();

    tabs[0].focus();
    fireEvent.keyDown(tablist, { key: 'ArrowRight' });
    expect(fake.model.tab).toBe('runs');
    expect(
      screen.getByRole('tab', { name: 'Runs' }).getAttribute('aria-selected')
    ).toBe('true');
    expect(document.activeElement).toBe(
      screen.getByRole('tab', { name: 'Runs' })
    );
    expect(await screen.findByText(/No run yet/)).toBeTruthy();

    fireEvent.keyDown(tablist, { key: 'End' });
    expect(fake.model.tab).toBe('secrets');
    expect(document.activeElement).toBe(
      screen.getByRole('tab', { name: 'Secrets' })
    );
    expect(screen.getByRole('tabpanel').getAttribute('aria-labelledby')).toBe(
      screen.getByRole('tab', { name: 'Secrets' }).id
    );
    expect(await screen.findByText(/You have no secret yet/)).toBeTruthy();
    fireEvent.keyDown(tablist, { key: 'ArrowLeft' });
    expect(fake.model.tab).toBe('deployments');
    fireEvent.keyDown(tablist, { key: 'ArrowRight' });
    fireEvent.keyDown(tablist, { key: 'ArrowRight' });
    expect(fake.model.tab).toBe('jobs');
    fireEvent.keyDown(tablist, { key: 'ArrowLeft' });
    expect(fake.model.tab).toBe('secrets');
    fireEvent.click(screen.getByRole('tab', { name: 'Events' }));
    expect(await screen.findByText(/No event yet/)).toBeTruthy();
  });

  it('says when live updates are paused', async () => {
    fake = fakeManager();
    fake.services.manager.tail.mockRejectedValue(
      new ApiError('The Jupyter server cannot be reached.', 0)
    );
    render(<ManagerView model={fake.model} host={fake.host} />);
    expect(screen.getByRole('status').textContent).toBe('● Live');
    await fake.events.tick().catch(() => undefined);
    await waitFor(() =>
      expect(screen.getAllByRole('status')[0].textContent).toBe(
        'Live updates paused (retrying): The Jupyter server cannot be reached.'
      )
    );
  });
});

describe('tabIndexFor', () => {
  it('wraps around and knows Home and End', () => {
    expect(tabIndexFor('ArrowRight', 3, 4)).toBe(0);
    expect(tabIndexFor('ArrowLeft', 0, 4)).toBe(3);
    expect(tabIndexFor('Home', 2, 4)).toBe(0);
    expect(tabIndexFor('End', 0, 4)).toBe(3);
    expect(tabIndexFor('Enter', 0, 4)).toBeNull();
  });
});
