import { afterEach, describe, expect, it, vi } from 'vitest';

import { ApiError } from '../../api/errors';
import { PipelinesService } from '../api';
import { PipelineModel } from '../model';
import { IRun, IRunQuery } from '../types';
import { etlPipeline, etlRun } from './fixtures';

/** A server whose started run goes RUNNING, then SUCCEEDED after `ticks` reads (or
 * CANCELLED once cancelled). */
function fakeServer(
  options: {
    runs?: IRun[];
    ticks?: number;
  } = {}
) {
  let reads = 0;
  let cancelled = false;
  const ticks = options.ticks ?? 2;
  const started = etlRun('9', 'PENDING');
  const runs = [...(options.runs ?? [])];
  const service = {
    getPipeline: vi.fn(async () => etlPipeline()),
    listRuns: vi.fn(async (query: IRunQuery) => ({
      runs: runs.filter(r => !query.pipeline || r.pipeline === query.pipeline),
      total: runs.length,
      limit: 20,
      offset: 0
    })),
    startRun: vi.fn(async () => {
      runs.unshift(started);
      return started;
    }),
    getRun: vi.fn(async (id: string) => {
      if (id !== '9') {
        return runs.find(r => r.id === id)!;
      }
      reads++;
      const run = cancelled
        ? etlRun('9', 'CANCELLED', { Collect: 'CANCELLED' })
        : reads >= ticks
          ? etlRun('9', 'SUCCEEDED', {
              Collect: 'SUCCEEDED',
              'Clean A': 'SUCCEEDED',
              'Clean B': 'SUCCEEDED',
              Publish: 'SUCCEEDED',
              Alert: 'SKIPPED'
            })
          : etlRun('9', 'RUNNING', { Collect: 'RUNNING' });
      runs[0] = run;
      return run;
    }),
    cancelRun: vi.fn(async (id: string) => {
      cancelled = true;
      return {
        ...etlRun(id, 'RUNNING', { Collect: 'RUNNING' }),
        cancel_requested: true
      };
    })
  };
  return { service, asService: service as unknown as PipelinesService };
}

let model: PipelineModel | null = null;
afterEach(() => model?.dispose());

function newModel(
  service: PipelinesService,
  isVisible: () => boolean = () => true
): PipelineModel {
  model = new PipelineModel({
    service,
    path: 'shop/models/etl.ipynb',
    pollInterval: 0.01,
    listInterval: 3600,
    isVisible
  });
  return model;
}

describe('PipelineModel', () => {
  it('reads the pipeline and its runs, and shows the newest run', async () => {
    const { service, asService } = fakeServer({
      runs: [etlRun('2', 'FAILED'), etlRun('1', 'SUCCEEDED')]
    });
    const m = newModel(asService);
    const loading: boolean[] = [];
    m.changed.connect(() => loading.push(m.loading));
    await m.load();
    expect(loading[0]).toBe(true);
    expect(m.loading).toBe(false);
    expect(m.pipeline?.name).toBe('etl');
    expect(m.fields.map(f => f.name)).toEqual(['days', 'region']);
    expect(m.runs.map(r => r.id)).toEqual(['2', '1']);
    expect(m.run?.id).toBe('2');
    // once the DAG is known, runs are asked for with its product and name
    expect(service.listRuns).toHaveBeenLastCalledWith({
      product: 'shop',
      pipeline: 'etl',
      limit: 20
    });
    expect(m.isPolling).toBe(false);
  });

  it('keeps only the runs of this notebook', async () => {
    const other = {
      ...etlRun('3', 'SUCCEEDED'),
      pipeline_path: 'shop/models/copy.ipynb'
    };
    const { asService } = fakeServer({
      runs: [other, etlRun('1', 'SUCCEEDED')]
    });
    const m = newModel(asService);
    await m.load();
    expect(m.runs.map(r => r.id)).toEqual(['1']);
  });

  it('starts a run, gets its id at once and follows it until it ends, then stops polling', async () => {
    const { service, asService } = fakeServer({ ticks: 3 });
    const m = newModel(asService);
    await m.load();
    const finished = vi.fn();
    m.runFinished.connect((_, run) => finished(run.status));
    const seen: string[] = [];
    m.changed.connect(() => {
      if (m.run && seen[seen.length - 1] !== m.run.status) {
        seen.push(m.run.status);
      }
    });

    const run = await m.start({ days: 5 });

    expect(run.id).toBe('9');
    expect(service.startRun).toHaveBeenCalledWith('shop/models/etl.ipynb', {
      days: 5
    });
    expect(m.run?.id).toBe('9');
    expect(m.runs[0].id).toBe('9');
    await vi.waitFor(() => expect(m.run?.status).toBe('SUCCEEDED'));
    expect(seen).toEqual(['PENDING', 'RUNNING', 'SUCCEEDED']);
    expect(m.runs[0].status).toBe('SUCCEEDED');
    expect(finished.mock.calls).toEqual([['SUCCEEDED']]);
    expect(m.isPolling).toBe(false);
    const reads = service.getRun.mock.calls.length;
    await new Promise(resolve => setTimeout(resolve, 60));
    expect(service.getRun.mock.calls.length).toBe(reads);
  });

  it('stands by while the view is hidden', async () => {
    let visible = false;
    const { service, asService } = fakeServer({ ticks: 2 });
    const m = newModel(asService, () => visible);
    await m.start();
    await new Promise(resolve => setTimeout(resolve, 80));
    expect(service.getRun).not.toHaveBeenCalled();
    expect(m.run?.status).toBe('PENDING');
    visible = true;
    await vi.waitFor(() => expect(m.run?.status).toBe('SUCCEEDED'));
  });

  it('cancels the shown run; it ends CANCELLED', async () => {
    const { service, asService } = fakeServer({ ticks: Infinity });
    const m = newModel(asService);
    await m.start();
    await vi.waitFor(() => expect(m.run?.status).toBe('RUNNING'));
    await m.cancel();
    expect(service.cancelRun).toHaveBeenCalledWith('9');
    await vi.waitFor(() => expect(m.run?.status).toBe('CANCELLED'));
    expect(m.busy).toBeNull();
  });

  it('keeps a run ended when the answer to its cancel comes after the poll saw it end', async () => {
    const { service, asService } = fakeServer({ ticks: Infinity });
    const m = newModel(asService);
    await m.start();
    await vi.waitFor(() => expect(m.run?.status).toBe('RUNNING'));
    const finished = vi.fn();
    m.runFinished.connect((_, run) => finished(run.status));
    // The server cancels at once, but its answer (still RUNNING, cancel requested) is
    // slower than the poll that sees the run CANCELLED
    let answer: (run: IRun) => void = () => undefined;
    service.cancelRun.mockImplementationOnce(
      (id: string) =>
        new Promise<IRun>(resolve => {
          answer = resolve;
          void service.cancelRun(id); // the cancel itself, as the fake server records it
        })
    );
    const cancelling = m.cancel();
    await vi.waitFor(() => expect(m.run?.status).toBe('CANCELLED'));
    answer({
      ...etlRun('9', 'RUNNING', { Collect: 'RUNNING' }),
      cancel_requested: true
    });
    await cancelling;
    // Then the run stays CANCELLED: not live again, not followed again, told of once
    expect(m.run?.status).toBe('CANCELLED');
    expect(m.isPolling).toBe(false);
    expect(finished.mock.calls).toEqual([['CANCELLED']]);
  });

  it("shows the server's message when a cancel comes too late", async () => {
    const { service, asService } = fakeServer({ ticks: 100 });
    service.cancelRun.mockRejectedValueOnce(
      new ApiError(
        'Run 9 already ended (SUCCEEDED): there is nothing to cancel.',
        409
      )
    );
    const m = newModel(asService);
    await m.start();
    await m.cancel();
    expect(m.actionError).toBe(
      'Run 9 already ended (SUCCEEDED): there is nothing to cancel.'
    );
  });

  it('rejects a run the server refuses with its message, for the form to show', async () => {
    const { service, asService } = fakeServer();
    service.startRun.mockRejectedValueOnce(
      new ApiError(
        "'pipeline_run_id' is set by the pipeline itself and cannot be passed.",
        400
      )
    );
    const m = newModel(asService);
    await expect(m.start({ pipeline_run_id: 'x' })).rejects.toThrow(
      'set by the pipeline itself'
    );
    expect(m.busy).toBeNull();
    expect(m.run).toBeNull();
  });

  it('shows a past run the user picks, without polling it', async () => {
    const { service, asService } = fakeServer({
      runs: [etlRun('2', 'FAILED'), etlRun('1', 'SUCCEEDED')]
    });
    const m = newModel(asService);
    await m.load();
    await m.selectRun('1');
    expect(m.run?.id).toBe('1');
    expect(service.getRun).toHaveBeenCalledWith('1');
    expect(m.isPolling).toBe(false);
    // the list refreshing does not take the user away from the run they picked
    await m.refreshRuns();
    expect(m.run?.id).toBe('1');
  });

  it('reports why the pipeline cannot be asked for', async () => {
    const { service, asService } = fakeServer();
    service.getPipeline.mockRejectedValueOnce(
      new ApiError("No file or folder at 'shop/models/etl.ipynb'.", 404)
    );
    const m = newModel(asService);
    await m.load();
    expect(m.loadError).toBe("No file or folder at 'shop/models/etl.ipynb'.");
    expect(m.loading).toBe(false);
  });

  it('keeps a pipeline whose DAG cannot be read, with the step at fault', async () => {
    const { service, asService } = fakeServer();
    service.getPipeline.mockResolvedValueOnce(
      etlPipeline({
        dag: null,
        name: null,
        parameters: [],
        error: { message: "Two steps are named 'Twice'.", step: 'Twice' }
      })
    );
    const m = newModel(asService);
    await m.load();
    expect(m.loadError).toBeNull();
    expect(m.pipeline?.error?.step).toBe('Twice');
    expect(m.fields).toEqual([]);
  });
});
