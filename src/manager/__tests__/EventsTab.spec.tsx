import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { EventsTab, mergeEvents } from '../EventsTab';
import { IEvent, IEventPage, IEventQuery } from '../types';
import {
  FakeManager,
  cleanupManagerAfterEach,
  deliver,
  event,
  fakeManager,
  fakeServices,
  renderTab
} from './fixtures';

cleanupManagerAfterEach();

let fake: FakeManager | null = null;

const page = (events: IEvent[], next: number | null = null): IEventPage => ({
  events,
  next_before: next
});

function renderEvents(first: IEventPage, more?: IEventPage) {
  const services = fakeServices();
  services.manager.events.mockImplementation(async (query?: IEventQuery) =>
    query?.before !== undefined && more ? more : first
  );
  fake = renderTab(EventsTab, fakeManager(services));
  return fake;
}

const lastQuery = (): IEventQuery => {
  const calls = fake!.services.manager.events.mock.calls;
  return calls[calls.length - 1][0] as IEventQuery;
};

describe('EventsTab', () => {
  it("shows a secret's scope from its event", async () => {
    const { model } = renderEvents(
      page([
        event('secret.set', {
          id: 2,
          subject_type: 'secret',
          subject_id: 'CRM_KEY',
          message: 'Secret CRM_KEY set for team/sales'
        }),
        event('secret.deleted', {
          id: 1,
          product: null,
          subject_type: 'secret',
          subject_id: 'SLACK_TOKEN',
          message: 'Secret SLACK_TOKEN deleted'
        })
      ])
    );
    const list = await screen.findByRole('list', { name: 'Events' });
    const [set, deleted] = within(list).getAllByRole('listitem');
    expect(set.textContent).toContain('Secret set');
    expect(deleted.textContent).toContain('Secret deleted');
    fireEvent.click(within(set).getByRole('button', { name: 'Show secrets' }));
    expect(model.tab).toBe('secrets');
    expect(model.secretsScope).toBe('team/sales');
    fireEvent.click(
      within(deleted).getByRole('button', { name: 'Show secrets' })
    );
    expect(model.secretsScope).toBeNull();
  });

  it('says what shows here when there is no event yet', async () => {
    renderEvents(page([]));
    expect(
      await screen.findByText(/No event yet: runs starting and ending/)
    ).toBeTruthy();
  });

  it('lists the log newest first: time, level in words, kind, product, message; pages', async () => {
    renderEvents(
      page(
        [
          event(
            'run.failed',
            { id: 12, message: "Run of 'etl' failed at step Check" },
            { run_id: 'r1', failed_steps: ['Check'] }
          ),
          event('deploy.succeeded', {
            id: 11,
            subject_type: 'deployment',
            subject_id: 'd1',
            message: 'Deployed Sales'
          })
        ],
        11
      ),
      page([
        event('templates.synced', {
          id: 3,
          product: null,
          subject_type: 'templates',
          subject_id: null
        })
      ])
    );
    const list = await screen.findByRole('list', { name: 'Events' });
    let items = within(list).getAllByRole('listitem');
    expect(items.map(i => i.getAttribute('data-kind'))).toEqual([
      'run.failed',
      'deploy.succeeded'
    ]);
    expect(items[0].textContent).toContain('Error');
    expect(items[0].textContent).toContain('Run failed');
    expect(items[0].textContent).toContain('Sales');
    expect(items[0].textContent).toContain("Run of 'etl' failed at step Check");
    expect(items[0].textContent).toContain('"failed_steps"');
    expect(items[1].textContent).toContain('Info');
    expect(lastQuery()).toEqual({ limit: 2 });

    fireEvent.click(screen.getByRole('button', { name: 'Load more events' }));
    await waitFor(() =>
      expect(within(list).getAllByRole('listitem')).toHaveLength(3)
    );
    expect(lastQuery()).toEqual({ limit: 2, before: 11 });
    items = within(list).getAllByRole('listitem');
    expect(items[2].textContent).toContain('Templates synced');
    expect(
      screen.queryByRole('button', { name: 'Load more events' })
    ).toBeNull();

    // An event about a run shows it; one about a deployment shows the product's
    fireEvent.click(
      within(items[0]).getByRole('button', { name: 'Show run r1' })
    );
    expect(fake!.model.tab).toBe('runs');
    expect(fake!.model.run).toBe('r1');
    fireEvent.click(
      within(items[1]).getByRole('button', { name: 'Show deployments' })
    );
    expect(fake!.model.tab).toBe('deployments');
    expect(fake!.model.product).toBe('team/sales');
  });

  it('filters by level, product and kind on the server', async () => {
    const fake = renderEvents(page([event('run.failed', { id: 5 })]));
    const filters = await screen.findByRole('search', {
      name: 'Filter events'
    });
    await screen.findByRole('list', { name: 'Events' });
    fake.services.manager.events.mockResolvedValue(page([]));
    fireEvent.change(within(filters).getByLabelText('Level'), {
      target: { value: 'warning' }
    });
    fireEvent.change(within(filters).getByLabelText('Product'), {
      target: { value: 'team/sales' }
    });
    fireEvent.change(within(filters).getByLabelText('Kind'), {
      target: { value: 'group:jobs' }
    });
    await waitFor(() => expect(lastQuery().kind).toBeDefined());
    expect(lastQuery()).toEqual({
      level: ['warning', 'error'],
      product: 'team/sales',
      kind: [
        'schedule.created',
        'schedule.changed',
        'schedule.paused',
        'schedule.resumed',
        'schedule.deleted',
        'schedule.fired',
        'schedule.skipped'
      ],
      limit: 2
    });
    expect(
      await screen.findByText(/No event matches these filters/)
    ).toBeTruthy();
  });

  it('shows new events as they come', async () => {
    const fake = renderEvents(page([event('run.started', { id: 20 })]));
    const list = await screen.findByRole('list', { name: 'Events' });
    fake.services.manager.events.mockResolvedValue(
      page([
        event('run.succeeded', { id: 21 }),
        event('run.started', { id: 20 })
      ])
    );
    await deliver(fake, [event('run.succeeded', { id: 21 })]);
    await waitFor(() =>
      expect(within(list).getAllByRole('listitem')).toHaveLength(2)
    );
    expect(
      within(list).getAllByRole('listitem')[0].getAttribute('data-event')
    ).toBe('21');
  });
});

describe('mergeEvents', () => {
  it('keeps each event once, newest first', () => {
    const a = event('run.started', { id: 1 });
    const b = event('run.failed', { id: 2 });
    expect(mergeEvents([a], [b, a]).map(e => e.id)).toEqual([2, 1]);
  });
});
