import { afterEach, describe, expect, it } from 'vitest';

import { productTitle } from '../model';
import { FakeProducts, deliver, event, fakeManager, product } from './fixtures';

let fake: ReturnType<typeof fakeManager> | null = null;
afterEach(() => {
  fake?.model.dispose();
  fake?.events.dispose();
});

describe('ManagerModel', () => {
  it('holds the events while open, and lets them go when disposed', () => {
    fake = fakeManager();
    expect(fake.events.users).toBe(1);
    fake.model.dispose();
    expect(fake.events.users).toBe(0);
  });

  it('ticks the tabs an event concerns, and the shown run', async () => {
    fake = fakeManager();
    const { model } = fake;
    model.showRun('r1');
    expect(model.tab).toBe('runs');
    const before = {
      jobs: model.tick('jobs'),
      runs: model.tick('runs'),
      events: model.tick('events'),
      deployments: model.tick('deployments'),
      run: model.runTick
    };
    await deliver(fake, [event('run.failed', { subject_id: 'r1' })]);
    expect(model.tick('runs')).toBe(before.runs + 1);
    expect(model.tick('jobs')).toBe(before.jobs + 1);
    expect(model.tick('events')).toBe(before.events + 1);
    expect(model.tick('deployments')).toBe(before.deployments);
    expect(model.runTick).toBe(before.run + 1);

    await deliver(fake, [
      event('deploy.succeeded', {
        subject_type: 'deployment',
        subject_id: 'd1'
      }),
      event('schedule.paused', { subject_id: 's1' })
    ]);
    expect(model.tick('deployments')).toBe(before.deployments + 1);
    expect(model.tick('jobs')).toBe(before.jobs + 2);
    expect(model.tick('runs')).toBe(before.runs + 1);
    expect(model.runTick).toBe(before.run + 1);

    // A secret set or deleted elsewhere (a notebook, the CLI) refreshes the Secrets tab
    const secrets = model.tick('secrets');
    await deliver(fake, [
      event('secret.deleted', { subject_type: 'secret', subject_id: 'KEY' })
    ]);
    expect(model.tick('secrets')).toBe(secrets + 1);
    expect(model.tick('jobs')).toBe(before.jobs + 2);
  });

  it('waits while hidden and refreshes what went stale when shown', async () => {
    fake = fakeManager();
    const { model } = fake;
    model.showRun('r1');
    const runs = model.tick('runs');
    const run = model.runTick;
    model.setVisible(false);
    await deliver(fake, [event('run.succeeded', { subject_id: 'r1' })]);
    await deliver(fake, [event('step.failed', { subject_id: 'r1' })]);
    expect(model.tick('runs')).toBe(runs);
    model.setVisible(true);
    expect(model.tick('runs')).toBe(runs + 1);
    expect(model.runTick).toBe(run + 1);
    expect(model.tick('deployments')).toBe(0);
  });

  it('shows the deployments of a product, and closes a run', () => {
    fake = fakeManager();
    fake.model.showDeployments('team/sales');
    expect(fake.model.tab).toBe('deployments');
    expect(fake.model.product).toBe('team/sales');
    fake.model.showRun('r9');
    fake.model.showRun(null);
    expect(fake.model.run).toBeNull();
    expect(fake.model.tab).toBe('runs');
  });

  it("shows a product's secrets or the user's", () => {
    fake = fakeManager();
    let changes = 0;
    fake.model.changed.connect(() => changes++);
    expect(fake.model.secretsScope).toBeNull();
    fake.model.showSecrets('team/sales');
    expect(fake.model.tab).toBe('secrets');
    expect(fake.model.secretsScope).toBe('team/sales');
    fake.model.setSecretsScope('team/sales');
    expect(changes).toBe(1);
    fake.model.setSecretsScope(null);
    expect(fake.model.secretsScope).toBeNull();
    expect(changes).toBe(2);
    // The Deployments tab's product is another thing
    expect(fake.model.product).toBeNull();
  });

  it('names products by their title', () => {
    const products = new FakeProducts([
      product('team/sales', 'Sales'),
      product('', '')
    ]);
    expect(productTitle(products, 'team/sales')).toBe('Sales');
    expect(productTitle(products, 'other')).toBe('other');
    expect(productTitle(products, '')).toBe('/');
    expect(productTitle(products, null)).toBe('outside the root');
  });
});
