import {
  act,
  cleanup,
  fireEvent,
  render,
  screen,
  waitFor,
  within
} from '@testing-library/react';
import * as React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { PipelinesService } from '../api';
import { PipelineModel } from '../model';
import { PipelineView } from '../PipelineView';
import { IPipeline, IRun } from '../types';
import { etlPipeline, etlRun } from './fixtures';

afterEach(cleanup);

const failedRun = (): IRun => {
  const run = etlRun('2', 'FAILED', {
    Collect: 'SUCCEEDED',
    'Clean A': 'FAILED',
    'Clean B': 'SUCCEEDED',
    Publish: 'SKIPPED',
    Alert: 'SUCCEEDED'
  });
  run.steps = run.steps.map(step =>
    step.name === 'Clean A'
      ? {
          ...step,
          error: {
            name: 'ValueError',
            message: 'bad data in US',
            cell_index: 3,
            execution_count: 4,
            cell_source: "raise ValueError('bad data in ' + region)",
            traceback: 'Traceback (most recent call last) ...'
          }
        }
      : step.name === 'Publish'
        ? { ...step, detail: "not run: upstream step 'Clean A' failed" }
        : step
  );
  return run;
};

function setup(
  options: {
    pipeline?: Promise<IPipeline>;
    runs?: IRun[];
  } = {}
) {
  const runs = options.runs ?? [];
  const service = {
    getPipeline: vi.fn(
      () => options.pipeline ?? Promise.resolve(etlPipeline())
    ),
    listRuns: vi.fn(async () => ({
      runs,
      total: runs.length,
      limit: 20,
      offset: 0
    })),
    getRun: vi.fn(async (id: string) => runs.find(r => r.id === id)!),
    startRun: vi.fn(async () => etlRun('9', 'PENDING')),
    cancelRun: vi.fn()
  };
  const model = new PipelineModel({
    service: service as unknown as PipelinesService,
    path: 'shop/models/etl.ipynb',
    pollInterval: 3600,
    listInterval: 3600
  });
  const open = vi.fn();
  const view = render(<PipelineView model={model} open={open} />);
  return { service, model, open, view };
}

describe('PipelineView', () => {
  it('shows the edited pipeline after Reload, not the last run of its old steps (UI finding 4)', async () => {
    const edited = etlPipeline();
    edited.dag!.steps = [
      ...edited.dag!.steps,
      {
        ...edited.dag!.steps[0],
        name: 'Report',
        upstream: ['Publish'],
        on_error: []
      }
    ];
    const { model, service } = setup({ runs: [failedRun()] });
    await act(() => model.load());
    const graph = () => screen.getByRole('group', { name: 'Steps of etl' });
    expect(within(graph()).getAllByRole('button')).toHaveLength(5);
    expect(model.run?.id).toBe('2');
    service.getPipeline.mockImplementation(() => Promise.resolve(edited));
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: '⟳ Reload' }));
    });
    await waitFor(() =>
      expect(within(graph()).getAllByRole('button')).toHaveLength(6)
    );
    expect(
      within(graph()).getByRole('button', { name: /Report/ })
    ).toBeTruthy();
    // the run stays listed to pick, and the newest run does not come back by itself
    await act(() => model.refreshRuns());
    expect(model.run).toBeNull();
    expect(model.runs.map(r => r.id)).toEqual(['2']);
    model.dispose();
  });

  it('shows progress while the DAG is read, then the graph', async () => {
    let resolve: (p: IPipeline) => void = () => undefined;
    const { model } = setup({ pipeline: new Promise(r => (resolve = r)) });
    const loading = model.load();
    expect(
      await screen.findByRole('progressbar', { name: 'Reading the pipeline' })
    ).toBeTruthy();
    expect(
      screen.getByText(/definition cells run on a fresh kernel/)
    ).toBeTruthy();
    await act(async () => {
      resolve(etlPipeline());
      await loading;
    });
    expect(screen.queryByRole('progressbar')).toBeNull();
    const graph = screen.getByRole('group', { name: 'Steps of etl' });
    expect(within(graph).getAllByRole('button')).toHaveLength(5);
    expect(
      screen.getByText('No run yet. Click Run to start one.')
    ).toBeTruthy();
    model.dispose();
  });

  it('shows why a pipeline cannot be read, with the step at fault, and cannot run it', async () => {
    const { model, open } = setup({
      pipeline: Promise.resolve(
        etlPipeline({
          dag: null,
          name: null,
          parameters: [],
          error: {
            message:
              "Two steps are named 'Twice': give each step its own name.",
            step: 'Twice'
          }
        })
      )
    });
    await act(() => model.load());
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('This pipeline cannot be read.');
    expect(alert.textContent).toContain("Two steps are named 'Twice'");
    expect(alert.textContent).toContain('(step Twice)');
    expect(
      (screen.getByRole('button', { name: '▶ Run' }) as HTMLButtonElement)
        .disabled
    ).toBe(true);
    fireEvent.click(
      within(alert).getByRole('button', { name: 'Open the notebook' })
    );
    expect(open).toHaveBeenCalledWith('shop/models/etl.ipynb');
    model.dispose();
  });

  it('asks the parameters on Run, starts the run and shows it', async () => {
    const { model, service } = setup();
    await act(() => model.load());
    fireEvent.click(screen.getByRole('button', { name: '▶ Run' }));
    const form = screen.getByRole('form', { name: 'Run parameters' });
    fireEvent.change(within(form).getByLabelText(/days/), {
      target: { value: '5' }
    });
    fireEvent.click(within(form).getByRole('button', { name: 'Start run' }));
    await waitFor(() =>
      expect(service.startRun).toHaveBeenCalledWith('shop/models/etl.ipynb', {
        days: 5
      })
    );
    await waitFor(() => expect(screen.queryByRole('form')).toBeNull());
    // the keyboard focus stays in the view
    expect(document.activeElement).toBe(
      screen.getByRole('button', { name: '▶ Run' })
    );
    expect(screen.getByText('9')).toBeTruthy(); // the run id, in the caption
    expect(screen.getAllByText('Pending').length).toBeGreaterThan(0);
    expect(
      (screen.getByRole('button', { name: '■ Cancel' }) as HTMLButtonElement)
        .disabled
    ).toBe(false);
    model.dispose();
  });

  it('runs at once when the Run command asks and there is nothing to ask', async () => {
    const runs: IRun[] = [];
    const service = {
      getPipeline: vi.fn(async () => etlPipeline({ parameters: [] })),
      listRuns: vi.fn(async () => ({ runs, total: 0, limit: 20, offset: 0 })),
      getRun: vi.fn(async () => etlRun('9', 'RUNNING')),
      startRun: vi.fn(async () => etlRun('9', 'PENDING'))
    };
    const model = new PipelineModel({
      service: service as unknown as PipelinesService,
      path: 'shop/models/etl.ipynb',
      pollInterval: 3600
    });
    // the command asks before the view has rendered once
    render(<PipelineView model={model} open={vi.fn()} runRequest={1} />);
    expect(service.startRun).not.toHaveBeenCalled(); // the DAG is not known yet
    await act(() => model.load());
    await waitFor(() =>
      expect(service.startRun).toHaveBeenCalledWith('shop/models/etl.ipynb', {})
    );
    model.dispose();
  });

  it('opens the executed notebook of a step that ran; shows the error of a failed one', async () => {
    const run = failedRun();
    const { model, open } = setup({ runs: [run] });
    await act(() => model.load());
    expect(screen.getByText('failed: Clean A')).toBeTruthy();

    // a succeeded step opens its executed notebook of that run
    fireEvent.click(
      screen.getByRole('button', { name: /^Collect, Succeeded/ })
    );
    expect(open).toHaveBeenCalledWith(
      'shop/outputs/pipeline_executions/etl/r1/Collect.ipynb'
    );

    // a failed step shows its exception, message and failing cell
    open.mockClear();
    const failed = screen.getByRole('button', { name: /^Clean A, Failed/ });
    fireEvent.keyDown(failed, { key: 'Enter' });
    expect(open).not.toHaveBeenCalled();
    const details = screen.getByRole('region', { name: 'Step Clean A' });
    const error = within(details).getByRole('alert');
    expect(error.textContent).toContain('ValueError: bad data in US');
    expect(error.textContent).toContain('Failing cell In [4]:');
    expect(error.querySelector('pre')?.textContent).toBe(
      "raise ValueError('bad data in ' + region)"
    );
    // and its executed notebook stays one click away
    fireEvent.click(
      within(details).getByRole('button', { name: 'Open executed notebook' })
    );
    expect(open).toHaveBeenCalledWith(
      'shop/outputs/pipeline_executions/etl/r1/Clean A.ipynb'
    );
    fireEvent.click(
      within(details).getByRole('button', { name: 'Open source notebook' })
    );
    expect(open).toHaveBeenLastCalledWith('shop/models/clean_a.ipynb');
    model.dispose();
  });

  it('says why a step was skipped', async () => {
    const { model } = setup({ runs: [failedRun()] });
    await act(() => model.load());
    fireEvent.click(screen.getByRole('button', { name: /^Publish, Skipped/ }));
    expect(
      screen.getByRole('region', { name: 'Step Publish' }).textContent
    ).toContain("Skipped: not run: upstream step 'Clean A' failed");
    model.dispose();
  });

  it('lists recent runs and shows the one picked', async () => {
    const older = etlRun('1', 'SUCCEEDED', {
      Collect: 'SUCCEEDED',
      'Clean A': 'SUCCEEDED',
      'Clean B': 'SUCCEEDED',
      Publish: 'SUCCEEDED',
      Alert: 'SKIPPED'
    });
    const { model } = setup({ runs: [failedRun(), older] });
    await act(() => model.load());
    const list = screen.getByRole('listbox', { name: 'Runs' });
    const options = within(list).getAllByRole('option');
    // the current definition first, then the runs, newest first (the newest shown)
    expect(options.map(o => o.getAttribute('aria-selected'))).toEqual([
      'false',
      'true',
      'false'
    ]);
    expect(options[0].textContent).toBe('Current definition (no run)');
    expect(options[1].textContent).toContain('Failed');
    expect(options[1].textContent).toContain('2.7 s');
    await act(async () => {
      fireEvent.keyDown(list, { key: 'ArrowDown' });
    });
    await waitFor(() =>
      expect(
        screen.getByRole('button', { name: /^Clean A, Succeeded/ })
      ).toBeTruthy()
    );
    expect(
      within(list).getAllByRole('option')[2].getAttribute('aria-selected')
    ).toBe('true');
    // the definition shows the steps as the notebook defines them, not run
    await act(async () => {
      fireEvent.click(within(list).getAllByRole('option')[0]);
    });
    expect(
      screen.getByRole('button', { name: /^Clean A, Not run/ })
    ).toBeTruthy();
    expect(model.run).toBeNull();
    model.dispose();
  });

  it('shows a run that failed as a whole (its definition could not be read)', async () => {
    const run = {
      ...etlRun('3', 'FAILED'),
      steps: [],
      error: "'etl.ipynb' failed before its pipeline was defined: NameError"
    };
    const { model } = setup({ runs: [run] });
    await act(() => model.load());
    expect(screen.getAllByRole('alert').map(a => a.textContent)).toContain(
      "'etl.ipynb' failed before its pipeline was defined: NameError"
    );
    model.dispose();
  });

  it('shows the steps of a pending run as pending', async () => {
    const { model } = setup({ runs: [etlRun('4', 'PENDING')] });
    await act(() => model.load());
    expect(
      screen.getByRole('button', { name: /^Collect, Pending/ })
    ).toBeTruthy();
    model.dispose();
  });
});
