import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { etlRun } from '../../pipelines/__tests__/fixtures';
import { IRun } from '../../pipelines/types';
import { RunsTab } from '../RunsTab';
import { IRunsPage, IRunsQuery } from '../types';
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

const page = (runs: IRun[], next: string | null = null): IRunsPage => ({
  runs,
  total: runs.length,
  offset: 0,
  limit: 2,
  next_before: next
});

/** A failed scheduled run of Sales: Clean A raised, Publish skipped, its handler ran. */
function failedRun(id = '7'): IRun {
  const run = etlRun(
    id,
    'FAILED',
    {
      Collect: 'SUCCEEDED',
      'Clean A': 'FAILED',
      'Clean B': 'SUCCEEDED',
      Publish: 'SKIPPED',
      Alert: 'SUCCEEDED'
    },
    {
      product: 'team/sales',
      pipeline_path: 'team/sales/models/etl.ipynb',
      source: 'scheduler',
      deployment_id: 'd1',
      parameters: { days: 3, pipeline_run_id: id },
      ended_at: '2026-11-24T00:07:02.700Z'
    }
  );
  run.steps = run.steps.map(s =>
    s.name === 'Clean A'
      ? {
          ...s,
          output_path: `team/sales/outputs/pipeline_executions/etl/${id}/Clean_A.a.ipynb`,
          error: {
            name: 'ValueError',
            message: '3 bad rows',
            cell_index: 1,
            execution_count: 2,
            cell_source: "raise ValueError(f'{rows} bad rows')",
            traceback: 'Traceback (most recent call last): ...'
          }
        }
      : s
  );
  return run;
}

function renderRuns(first: IRunsPage, more?: IRunsPage) {
  const services = fakeServices();
  services.manager.runs.mockImplementation(async (query?: IRunsQuery) =>
    query?.before && more ? more : first
  );
  services.pipelines.getRun.mockImplementation(async (id: string) => {
    const run = first.runs.concat(more?.runs ?? []).find(r => r.id === id);
    if (!run) {
      throw new Error(`No run ${id}.`);
    }
    return run;
  });
  fake = renderTab(RunsTab, fakeManager(services), { debounceMs: 0 });
  return fake;
}

const lastQuery = (): IRunsQuery => {
  const calls = fake!.services.manager.runs.mock.calls;
  return calls[calls.length - 1][0] as IRunsQuery;
};

describe('RunsTab', () => {
  it('says what to do when there is no run yet', async () => {
    renderRuns(page([]));
    expect(
      await screen.findByText(
        /No run yet: run a pipeline .* or deploy a product/
      )
    ).toBeTruthy();
  });

  it('lists runs newest first and pages with the server’s cursor', async () => {
    renderRuns(
      page([etlRun('9', 'RUNNING'), failedRun('7')], 'cursor-7'),
      page([etlRun('3', 'SUCCEEDED')], null)
    );
    const list = await screen.findByRole('listbox', { name: 'Runs' });
    let options = within(list).getAllByRole('option');
    expect(options.map(o => o.getAttribute('data-run'))).toEqual(['9', '7']);
    expect(options[1].textContent).toContain('Failed');
    expect(options[1].textContent).toContain('Sales · etl');
    expect(options[1].textContent).toContain('scheduler');
    expect(options[1].textContent).toContain('Clean A: ValueError: 3 bad rows');
    expect(lastQuery()).toEqual({ limit: 2 });

    fireEvent.click(screen.getByRole('button', { name: 'Load more runs' }));
    await waitFor(() =>
      expect(within(list).getAllByRole('option')).toHaveLength(3)
    );
    expect(lastQuery()).toEqual({ limit: 2, before: 'cursor-7' });
    options = within(list).getAllByRole('option');
    expect(options.map(o => o.getAttribute('data-run'))).toEqual([
      '9',
      '7',
      '3'
    ]);
    expect(screen.queryByRole('button', { name: 'Load more runs' })).toBeNull();
    expect(screen.getByText('All 3 runs.')).toBeTruthy();
  });

  it('asks the server with the filters, and says when none matches', async () => {
    const fake = renderRuns(page([failedRun('7')]));
    const filters = await screen.findByRole('search', { name: 'Filter runs' });
    await screen.findByRole('listbox', { name: 'Runs' });
    fake.services.manager.runs.mockResolvedValue(page([]));
    fireEvent.change(within(filters).getByLabelText('Product'), {
      target: { value: 'team/sales' }
    });
    fireEvent.change(within(filters).getByLabelText('Status'), {
      target: { value: 'FAILED,INTERRUPTED' }
    });
    fireEvent.change(within(filters).getByLabelText('Started by'), {
      target: { value: 'scheduler' }
    });
    fireEvent.change(within(filters).getByLabelText('Search in errors'), {
      target: { value: 'bad rows' }
    });
    fireEvent.change(within(filters).getByLabelText('When'), {
      target: { value: '24h' }
    });
    await waitFor(() =>
      expect(lastQuery().since).toBe('2026-11-29T05:00:00.000Z')
    );
    expect(lastQuery()).toEqual({
      product: 'team/sales',
      status: ['FAILED', 'INTERRUPTED'],
      source: ['scheduler'],
      q: 'bad rows',
      since: '2026-11-29T05:00:00.000Z',
      limit: 2
    });
    expect(
      await screen.findByText(/No run matches these filters/)
    ).toBeTruthy();

    fireEvent.click(
      within(filters).getByRole('button', { name: 'Clear filters' })
    );
    await waitFor(() => expect(lastQuery()).toEqual({ limit: 2 }));
  });

  it('a custom time range asks from and to', async () => {
    renderRuns(page([failedRun('7')]));
    const filters = await screen.findByRole('search', { name: 'Filter runs' });
    expect(within(filters).queryByLabelText('From')).toBeNull();
    fireEvent.change(within(filters).getByLabelText('When'), {
      target: { value: 'custom' }
    });
    fireEvent.change(within(filters).getByLabelText('From'), {
      target: { value: '2026-11-20T08:00' }
    });
    fireEvent.change(within(filters).getByLabelText('To'), {
      target: { value: '2026-11-21T08:00' }
    });
    await waitFor(() => expect(lastQuery().until).toBeTruthy());
    const { since, until } = lastQuery();
    expect(new Date(since!).getTime()).toBe(
      new Date('2026-11-20T08:00').getTime()
    );
    expect(new Date(until!).getTime()).toBe(
      new Date('2026-11-21T08:00').getTime()
    );
  });

  it('shows a failed run’s detail: timeline, the failed step’s error, its notebook, the parameters', async () => {
    const fake = renderRuns(page([failedRun('7')]));
    const list = await screen.findByRole('listbox', { name: 'Runs' });
    const option = within(list).getByRole('option', { name: /Sales · etl/ });
    fireEvent.click(option);
    expect(option.getAttribute('aria-selected')).toBe('true');
    const detail = await screen.findByRole('region', { name: 'Run 7' });
    await waitFor(() => expect(detail.textContent).toContain('Sales · etl'));
    expect(detail.textContent).toContain('scheduler, deployment d1');

    const timeline = within(detail).getByRole('list', {
      name: 'Timeline of run 7'
    });
    const rows = within(timeline).getAllByRole('listitem');
    expect(rows.map(r => r.getAttribute('data-status'))).toEqual([
      'SUCCEEDED',
      'FAILED',
      'SUCCEEDED',
      'SKIPPED',
      'SUCCEEDED'
    ]);
    expect(rows[1].textContent).toContain('Failed');
    expect(rows[3].textContent).toContain('Skipped');
    expect(
      within(rows[1])
        .getByRole('button', { name: /^Clean A: Failed, started/ })
        .getAttribute('aria-pressed')
    ).toBe('true');

    // The failed step shows first: its error, the failing cell, the traceback
    const step = within(detail).getByRole('region', { name: 'Step Clean A' });
    const error = within(step).getByRole('alert');
    expect(error.textContent).toContain('ValueError: 3 bad rows');
    expect(error.textContent).toContain("raise ValueError(f'{rows} bad rows')");
    expect(error.textContent).toContain('Traceback');
    fireEvent.click(
      within(step).getByRole('button', { name: 'Open executed notebook' })
    );
    expect(fake.host.open).toHaveBeenCalledWith(
      'team/sales/outputs/pipeline_executions/etl/7/Clean_A.a.ipynb'
    );

    // Another step, from the timeline
    fireEvent.click(
      within(rows[3]).getByRole('button', { name: /^Publish: Skipped/ })
    );
    expect(
      within(detail).getByRole('region', { name: 'Step Publish' }).textContent
    ).toContain('Skipped');

    // The parameters the run had (not those the run sets itself)
    const params = within(detail).getByRole('table', { name: 'Parameters' });
    expect(params.textContent).toContain('days3');
    expect(params.textContent).not.toContain('pipeline_run_id');

    fireEvent.click(
      within(detail).getByRole('button', { name: 'Open pipeline view' })
    );
    expect(fake.host.openPipeline).toHaveBeenCalledWith(
      'team/sales/models/etl.ipynb'
    );
  });

  it('re-runs a run and shows the new one; cancels one that goes', async () => {
    const fake = renderRuns(
      page([etlRun('9', 'RUNNING', { Collect: 'RUNNING' }), failedRun('7')])
    );
    fake.services.manager.rerun.mockResolvedValue(etlRun('10', 'PENDING'));
    fake.services.pipelines.cancelRun.mockResolvedValue({
      ...etlRun('9', 'RUNNING', { Collect: 'RUNNING' }),
      cancel_requested: true
    });
    fake.model.showRun('7');
    const detail = await screen.findByRole('region', { name: 'Run 7' });
    fireEvent.click(
      await within(detail).findByRole('button', { name: '↻ Re-run' })
    );
    await waitFor(() => expect(fake.model.run).toBe('10'));
    expect(fake.services.manager.rerun).toHaveBeenCalledWith('7');

    const list = screen.getByRole('listbox', { name: 'Runs' });
    fireEvent.click(
      await within(list).findByRole('option', { name: /Running/ })
    );
    const live = await screen.findByRole('region', { name: 'Run 9' });
    fireEvent.click(
      await within(live).findByRole('button', { name: '■ Cancel' })
    );
    await waitFor(() =>
      expect(within(live).getByRole('status').textContent).toContain(
        'Cancel requested'
      )
    );
    expect(fake.services.pipelines.cancelRun).toHaveBeenCalledWith('9');
    expect(
      within(live).getByRole('button', { name: 'Cancelling…' })
    ).toBeTruthy();

    fireEvent.click(
      within(live).getByRole('button', { name: "Close the run's detail" })
    );
    expect(fake.model.run).toBeNull();
  });

  it('moves between runs with the arrow keys', async () => {
    const fake = renderRuns(page([etlRun('9', 'SUCCEEDED'), failedRun('7')]));
    const list = await screen.findByRole('listbox', { name: 'Runs' });
    const [first] = within(list).getAllByRole('option');
    expect(first.tabIndex).toBe(0);
    fireEvent.keyDown(first, { key: 'Enter' });
    expect(fake.model.run).toBe('9');
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    expect(fake.model.run).toBe('7');
    fireEvent.keyDown(list, { key: 'Home' });
    expect(fake.model.run).toBe('9');
  });

  it('reads the runs and the shown run again when an event concerns them', async () => {
    const fake = renderRuns(
      page([etlRun('9', 'RUNNING', { Collect: 'RUNNING' })])
    );
    fake.model.showRun('9');
    const list = await screen.findByRole('listbox', { name: 'Runs' });
    const option = within(list).getByRole('option', { name: /Running/ });
    await screen.findByRole('region', { name: 'Run 9' });
    const ended = failedRun('9');
    fake.services.manager.runs.mockResolvedValue(
      page([etlRun('11', 'PENDING'), ended])
    );
    fake.services.pipelines.getRun.mockResolvedValue(ended);
    await deliver(fake, [event('run.failed', { subject_id: '9' })]);
    await waitFor(() =>
      expect(option.getAttribute('data-status')).toBe('FAILED')
    );
    expect(
      within(screen.getByRole('listbox', { name: 'Runs' }))
        .getAllByRole('option')
        .map(o => o.getAttribute('data-run'))
    ).toEqual(['11', '9']);
    await waitFor(() =>
      expect(
        within(screen.getByRole('region', { name: 'Run 9' })).getByRole(
          'region',
          {
            name: 'Step Clean A'
          }
        )
      ).toBeTruthy()
    );
  });

  it('says when a run cannot be read', async () => {
    const fake = renderRuns(page([]));
    fake.services.pipelines.getRun.mockRejectedValue(new Error('No run 404.'));
    fake.model.showRun('404');
    const detail = await screen.findByRole('region', { name: 'Run 404' });
    expect((await within(detail).findByRole('alert')).textContent).toBe(
      'No run 404.'
    );
  });
});
