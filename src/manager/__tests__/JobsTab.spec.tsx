import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { schedule } from '../../deploy/__tests__/fixtures';
import { ISchedule } from '../../deploy/types';
import { etlRun } from '../../pipelines/__tests__/fixtures';
import { JobsTab } from '../JobsTab';
import {
  cleanupManagerAfterEach,
  deliver,
  event,
  fakeManager,
  fakeServices,
  renderTab
} from './fixtures';

cleanupManagerAfterEach();

const LABEL = 'Sales · models/__pipeline__.ipynb';

function renderJobs(schedules: ISchedule[]) {
  const services = fakeServices();
  services.schedules.listSchedules.mockResolvedValue(schedules);
  return renderTab(JobsTab, fakeManager(services));
}

describe('JobsTab', () => {
  it('says what to do when there is no job yet', async () => {
    renderJobs([]);
    expect(await screen.findByText(/No job yet: declare one/)).toBeTruthy();
    expect(screen.queryByRole('table', { name: 'Jobs' })).toBeNull();
  });

  it('says why the jobs cannot be read', async () => {
    const services = fakeServices();
    services.schedules.listSchedules.mockRejectedValue(
      new Error('Server down.')
    );
    renderTab(JobsTab, fakeManager(services));
    expect((await screen.findByRole('alert')).textContent).toBe('Server down.');
  });

  it('shows every job: product, pipeline, cron in words, next run, state, last run, notifications', async () => {
    const { model } = renderJobs([
      schedule({
        last_run: {
          id: 'r0',
          status: 'FAILED',
          started_at: '2026-11-30T02:00:00Z',
          ended_at: '2026-11-30T02:01:05Z',
          duration: 65
        },
        notify: { on_failure: { to: ['ops@example.com'] } }
      }),
      schedule({
        id: 's2',
        product: 'team/other',
        pipeline: 'models/ping.ipynb',
        paused: true,
        next_run: null,
        timezone: 'Europe/Paris',
        description: 'every hour (Europe/Paris)'
      })
    ]);
    const daily = await screen.findByRole('row', { name: `Job ${LABEL}` });
    const text = daily.textContent ?? '';
    expect(text).toContain('Sales');
    expect(text).toContain('team/sales');
    expect(text).toContain('every day at 08:00 (UTC)');
    expect(text).toContain('0 8 * * * · UTC');
    expect(text).toContain('next in 3 h');
    expect(text).toContain('Active');
    expect(text).toContain('Failed');
    expect(text).toContain('1 min 05 s');
    expect(text).toContain('3 h ago');
    expect(text).toContain('failure → defaults + ops@example.com');

    const paused = screen.getByRole('row', {
      name: 'Job team/other · models/ping.ipynb'
    });
    expect(paused.textContent).toContain('Paused');
    expect(paused.textContent).toContain('Europe/Paris');
    expect(paused.textContent).toContain('never run');
    expect(
      within(paused).getByRole('button', {
        name: 'Resume team/other · models/ping.ipynb'
      })
    ).toBeTruthy();

    // The last run opens in the Runs tab
    fireEvent.click(
      within(daily).getByRole('button', {
        name: `Show the last run of ${LABEL}`
      })
    );
    expect(model.tab).toBe('runs');
    expect(model.run).toBe('r0');
  });

  it('pauses and runs a job now, saying what it did', async () => {
    const { services, model } = renderJobs([schedule()]);
    services.schedules.pause.mockResolvedValue(
      schedule({ paused: true, next_run: null })
    );
    services.schedules.run.mockResolvedValue(etlRun('42', 'PENDING'));
    const row = await screen.findByRole('row', { name: `Job ${LABEL}` });

    fireEvent.click(
      within(row).getByRole('button', { name: `Pause ${LABEL}` })
    );
    const status = await screen.findByRole('status', {
      name: `Result for ${LABEL}`
    });
    await waitFor(() =>
      expect(status.textContent).toBe(
        'Paused: no run starts until you resume it.'
      )
    );
    expect(services.schedules.pause).toHaveBeenCalledWith('s1');
    expect(row.textContent).toContain('Paused');
    expect(
      within(row).getByRole('button', { name: `Resume ${LABEL}` })
    ).toBeTruthy();

    fireEvent.click(
      within(row).getByRole('button', { name: `Run ${LABEL} now` })
    );
    await waitFor(() =>
      expect(
        screen.getByRole('status', { name: `Result for ${LABEL}` }).textContent
      ).toContain('Run started (pending): 42.')
    );
    fireEvent.click(screen.getByRole('button', { name: 'Show the run' }));
    expect(model.run).toBe('42');
  });

  it('shows the server’s refusal', async () => {
    const { services } = renderJobs([schedule()]);
    services.schedules.run.mockRejectedValue(
      new Error('The previous run of this job has not ended.')
    );
    const row = await screen.findByRole('row', { name: `Job ${LABEL}` });
    fireEvent.click(
      within(row).getByRole('button', { name: `Run ${LABEL} now` })
    );
    expect(
      (await screen.findByRole('alert', { name: `Result for ${LABEL}` }))
        .textContent
    ).toBe('The previous run of this job has not ended.');
  });

  it('deletes a job once confirmed', async () => {
    const fake = renderJobs([schedule()]);
    fake.host.confirm.mockResolvedValueOnce(false);
    const row = await screen.findByRole('row', { name: `Job ${LABEL}` });
    fireEvent.click(
      within(row).getByRole('button', { name: `Delete ${LABEL}` })
    );
    await waitFor(() => expect(fake.host.confirm).toHaveBeenCalledTimes(1));
    expect(fake.services.manager.deleteSchedule).not.toHaveBeenCalled();

    fireEvent.click(
      within(row).getByRole('button', { name: `Delete ${LABEL}` })
    );
    await waitFor(() =>
      expect(fake.services.manager.deleteSchedule).toHaveBeenCalledWith('s1')
    );
    expect(fake.host.confirm.mock.calls[1][0]).toMatchObject({
      accept: 'Delete',
      danger: true
    });
    expect((await screen.findByRole('status')).textContent).toBe(
      `Deleted the job ${LABEL}.`
    );
    expect(screen.queryByRole('row', { name: `Job ${LABEL}` })).toBeNull();
  });

  it('edits the notifications: PATCH with what the dialog says, and says the next deploy replaces it', async () => {
    const fake = renderJobs([schedule()]);
    const notify = {
      on_failure: { to: ['ops@example.com'] },
      on_success: true,
      on_start: false
    };
    fake.host.editNotify
      .mockResolvedValueOnce(undefined)
      .mockResolvedValueOnce(notify);
    fake.services.manager.setScheduleNotify.mockResolvedValue(
      schedule({ notify })
    );
    const row = await screen.findByRole('row', { name: `Job ${LABEL}` });
    const edit = within(row).getByRole('button', {
      name: `Edit the notifications of ${LABEL}`
    });
    fireEvent.click(edit);
    await waitFor(() => expect(fake.host.editNotify).toHaveBeenCalledTimes(1));
    expect(fake.services.manager.setScheduleNotify).not.toHaveBeenCalled();

    fireEvent.click(edit);
    await waitFor(() =>
      expect(fake.services.manager.setScheduleNotify).toHaveBeenCalledWith(
        's1',
        notify
      )
    );
    expect(fake.host.editNotify.mock.calls[1]).toEqual([schedule(), LABEL]);
    const status = await screen.findByRole('status', {
      name: `Result for ${LABEL}`
    });
    expect(status.textContent).toContain(
      'Notifications saved: failure → defaults + ops@example.com; success → defaults.'
    );
    expect(status.textContent).toContain('next deploy replaces them');
    expect(row.textContent).toContain('success → defaults');
  });

  it('reads the jobs again when an event concerns them', async () => {
    const fake = renderJobs([schedule()]);
    await screen.findByRole('row', { name: `Job ${LABEL}` });
    fake.services.schedules.listSchedules.mockResolvedValue([
      schedule({ paused: true, next_run: null })
    ]);
    await deliver(fake, [event('schedule.paused', { subject_id: 's1' })]);
    await waitFor(() =>
      expect(
        screen.getByRole('row', { name: `Job ${LABEL}` }).textContent
      ).toContain('Paused')
    );
    expect(fake.services.schedules.listSchedules).toHaveBeenCalledTimes(2);
  });

  it('shows the notification settings and each result of a test', async () => {
    const fake = renderJobs([]);
    fake.services.manager.testNotification.mockResolvedValue({
      results: [
        {
          channel: 'email',
          target: 'ana@example.com',
          ok: true,
          message: '250 OK queued'
        },
        {
          channel: 'webhook',
          target: 'https://hooks.example.com/***',
          ok: false,
          message: 'HTTP 500'
        }
      ]
    });
    const settings = await screen.findByRole('region', {
      name: 'Notification settings'
    });
    await waitFor(() =>
      expect(settings.textContent).toContain('smtp.example.com:587')
    );
    expect(settings.textContent).toContain('password set');
    expect(settings.textContent).toContain('ops@example.com');
    expect(settings.textContent).toContain('NaasLabExtApp.public_url');

    const form = within(settings).getByRole('form', {
      name: 'Send a test notification'
    });
    const to = within(form).getByLabelText('To (e-mails, optional)');
    fireEvent.change(to, { target: { value: 'ana@' } });
    expect(within(settings).getByRole('alert').textContent).toBe(
      '"ana@" is not an e-mail address.'
    );
    fireEvent.submit(form);
    expect(fake.services.manager.testNotification).not.toHaveBeenCalled();

    fireEvent.change(to, { target: { value: 'ana@example.com' } });
    fireEvent.click(
      within(form).getByRole('button', { name: 'Send a test notification' })
    );
    const results = await within(settings).findByRole('list', {
      name: 'Test results'
    });
    expect(fake.services.manager.testNotification).toHaveBeenCalledWith({
      to: ['ana@example.com']
    });
    const items = within(results).getAllByRole('listitem');
    expect(items[0].textContent).toBe(
      '✓ Sent e-mail ana@example.com: 250 OK queued'
    );
    expect(items[1].textContent).toBe(
      '✕ Failed webhook https://hooks.example.com/***: HTTP 500'
    );
  });
});
