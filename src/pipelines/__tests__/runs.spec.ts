import { describe, expect, it } from 'vitest';

import {
  STATUSES,
  isFinished,
  isLive,
  isPipelineNotebook,
  isRunOf,
  mergeRuns,
  pipelineTitle,
  runNames,
  slugName,
  statusClass,
  statusInfo,
  stepSummary
} from '../runs';
import { StepStatus } from '../types';
import { etlRun, runStep } from './fixtures';

describe('status → how it shows', () => {
  it('gives every status its own class, word and symbol (colour is not the only signal)', () => {
    const infos = STATUSES.map(statusInfo);
    expect(STATUSES.map(statusClass)).toEqual([
      'naas-mod-pending',
      'naas-mod-running',
      'naas-mod-succeeded',
      'naas-mod-failed',
      'naas-mod-skipped',
      'naas-mod-cancelled',
      'naas-mod-interrupted'
    ]);
    expect(new Set(infos.map(i => i.symbol)).size).toBe(STATUSES.length);
    expect(new Set(infos.map(i => i.label)).size).toBe(STATUSES.length);
    expect(statusInfo('SUCCEEDED')).toEqual({
      label: 'Succeeded',
      symbol: '✓',
      className: 'naas-mod-succeeded'
    });
  });

  it('shows a step that did not run, and an unknown status from a newer server, as such', () => {
    expect(statusInfo(null).label).toBe('Not run');
    expect(statusClass(undefined)).toBe('naas-mod-idle');
    expect(statusInfo('PAUSED' as StepStatus).label).toBe('PAUSED');
  });

  it('knows which runs are still going', () => {
    expect(isFinished('RUNNING')).toBe(false);
    expect(isFinished('PENDING')).toBe(false);
    expect(isFinished('INTERRUPTED')).toBe(true);
    expect(isLive(etlRun('1', 'RUNNING'))).toBe(true);
    expect(isLive(etlRun('1', 'CANCELLED'))).toBe(false);
    expect(isLive(null)).toBe(false);
  });

  it('summarises a step: status, attempts, error or why it was skipped', () => {
    expect(
      stepSummary(
        runStep('A', 'FAILED', {
          attempts: 3,
          error: {
            name: 'ValueError',
            message: 'bad',
            cell_index: 1,
            execution_count: 2,
            cell_source: 'raise',
            traceback: ''
          }
        })
      )
    ).toBe('Failed · 3 attempts · ValueError: bad');
    expect(
      stepSummary(
        runStep('B', 'SKIPPED', { detail: "upstream step 'A' failed" })
      )
    ).toBe("Skipped · upstream step 'A' failed");
  });
});

describe('which runs belong to a pipeline notebook', () => {
  it('names pipelines like the server (slug of the notebook name)', () => {
    expect(slugName('__pipeline__')).toBe('pipeline');
    expect(slugName('My ETL (v2)')).toBe('My-ETL-v2');
    expect(slugName('___')).toBe('pipeline');
    expect(runNames('shop/models/__pipeline__.ipynb', 'nightly')).toEqual([
      'nightly',
      'pipeline'
    ]);
    expect(runNames('shop/models/etl.ipynb', 'etl')).toEqual(['etl']);
    expect(runNames('shop/models/etl.ipynb', null)).toEqual(['etl']);
  });

  it('matches runs by notebook path, or by product when the run does not know it', () => {
    const run = etlRun('1', 'SUCCEEDED');
    expect(isRunOf(run, 'shop/models/etl.ipynb')).toBe(true);
    expect(isRunOf(run, 'shop/models/other.ipynb')).toBe(false);
    const unknown = { ...run, pipeline_path: null };
    expect(isRunOf(unknown, 'shop/models/etl.ipynb')).toBe(true);
    expect(isRunOf(unknown, 'shopping/models/etl.ipynb')).toBe(false);
    expect(isRunOf({ ...unknown, product: '' }, 'models/etl.ipynb')).toBe(true);
  });

  it('merges pages of runs: unique, newest first', () => {
    const merged = mergeRuns(
      [etlRun('1', 'FAILED'), etlRun('3', 'RUNNING')],
      [etlRun('2', 'SUCCEEDED'), { ...etlRun('3', 'SUCCEEDED') }]
    );
    expect(merged.map(r => [r.id, r.status])).toEqual([
      ['3', 'SUCCEEDED'],
      ['2', 'SUCCEEDED'],
      ['1', 'FAILED']
    ]);
  });

  it('titles a view by product folder and pipeline name', () => {
    expect(pipelineTitle('teams/sales/models/__pipeline__.ipynb')).toBe(
      'sales · pipeline'
    );
    expect(
      pipelineTitle('teams/sales/models/etl.ipynb', 'teams/sales', 'nightly')
    ).toBe('sales · nightly');
    expect(pipelineTitle('etl.ipynb')).toBe('etl');
  });
});

describe('isPipelineNotebook', () => {
  const notebook = (...cells: [string, string | string[]][]) => ({
    cells: cells.map(([cell_type, source]) => ({ cell_type, source }))
  });

  it('is true when a code cell creates a Pipeline (the server rule)', () => {
    expect(
      isPipelineNotebook(
        notebook([
          'code',
          ['from naas_data_product import *\n', 'p = Pipeline()']
        ])
      )
    ).toBe(true);
    expect(
      isPipelineNotebook(notebook(['code', 'p = Pipeline (name="x")']))
    ).toBe(true);
  });

  it('is false for markdown mentions, other names and non-notebooks', () => {
    expect(isPipelineNotebook(notebook(['markdown', 'Pipeline()']))).toBe(
      false
    );
    expect(isPipelineNotebook(notebook(['code', 'MyPipeline()']))).toBe(false);
    expect(isPipelineNotebook(null)).toBe(false);
    expect(isPipelineNotebook('text')).toBe(false);
  });
});
