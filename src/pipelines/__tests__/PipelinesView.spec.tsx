import {
  cleanup,
  fireEvent,
  render,
  screen,
  within
} from '@testing-library/react';
import * as React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { PipelinesService } from '../api';
import { PipelinesView, lastRuns } from '../PipelinesView';
import { etlPipeline, etlRun } from './fixtures';

afterEach(cleanup);

describe('PipelinesView', () => {
  it("lists the product's pipelines with their steps, last run, Open and Run", async () => {
    const broken = etlPipeline({
      path: 'shop/models/broken.ipynb',
      name: null,
      dag: null,
      parameters: [],
      error: { message: "'broken.ipynb' defines no pipeline.", step: null }
    });
    const service = {
      listPipelines: vi.fn(async () => [etlPipeline(), broken]),
      listRuns: vi.fn(async () => ({
        runs: [etlRun('2', 'FAILED'), etlRun('1', 'SUCCEEDED')],
        total: 2,
        limit: 50,
        offset: 0
      }))
    };
    const onOpen = vi.fn();
    const onRun = vi.fn();
    render(
      <PipelinesView
        service={service as unknown as PipelinesService}
        product="shop"
        tick={0}
        onOpen={onOpen}
        onRun={onRun}
      />
    );
    expect(
      screen.getByRole('progressbar', { name: 'Reading the pipelines' })
    ).toBeTruthy();
    const list = await screen.findByRole('list', { name: 'Pipelines of shop' });
    const [etl, other] = within(list).getAllByRole('listitem');
    expect(etl.textContent).toContain('models/etl.ipynb');
    expect(etl.textContent).toContain('5 steps');
    expect(etl.textContent).toContain('last run ✕ Failed');
    expect(other.textContent).toContain("'broken.ipynb' defines no pipeline.");
    fireEvent.click(
      within(etl).getByRole('button', { name: 'Open pipeline etl' })
    );
    fireEvent.click(
      within(etl).getByRole('button', { name: 'Run pipeline etl' })
    );
    expect(onOpen).toHaveBeenCalledWith('shop/models/etl.ipynb');
    expect(onRun).toHaveBeenCalledWith('shop/models/etl.ipynb');
    expect(
      (
        within(other).getByRole('button', {
          name: 'Run pipeline broken'
        }) as HTMLButtonElement
      ).disabled
    ).toBe(true);
    expect(service.listRuns).toHaveBeenCalledWith({
      product: 'shop',
      limit: 50
    });
  });

  it("shows the server's error and lets the user try again", async () => {
    const service = {
      listPipelines: vi
        .fn()
        .mockRejectedValueOnce(
          new Error("'shop' is not a data product (no product.json).")
        )
        .mockResolvedValueOnce([]),
      listRuns: vi.fn(async () => ({
        runs: [],
        total: 0,
        limit: 50,
        offset: 0
      }))
    };
    render(
      <PipelinesView
        service={service as unknown as PipelinesService}
        product="shop"
        tick={0}
        onOpen={vi.fn()}
        onRun={vi.fn()}
      />
    );
    expect((await screen.findByRole('alert')).textContent).toBe(
      "'shop' is not a data product (no product.json)."
    );
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(
      await screen.findByText(/No pipeline notebook in this product/)
    ).toBeTruthy();
  });

  it('keeps the newest run of each pipeline notebook', () => {
    const last = lastRuns([etlRun('2', 'FAILED'), etlRun('1', 'SUCCEEDED')]);
    expect(last.get('shop/models/etl.ipynb')?.id).toBe('2');
  });
});
