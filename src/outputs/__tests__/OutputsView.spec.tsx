import {
  act,
  cleanup,
  fireEvent,
  render,
  screen
} from '@testing-library/react';
import * as React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { OutputsService } from '../api';
import { OutputsView } from '../OutputsView';
import { IDataset, IOutputVersion } from '../types';

afterEach(cleanup);

const version = (v: string, newest = false): IOutputVersion => ({
  version: v,
  created_at: '',
  size: 2048,
  is_newest: newest,
  files: [
    {
      name: 'orders.csv',
      size: 2048,
      path: `sales/outputs/raw/orders/${v}/orders.csv`,
      is_latest: newest,
      version: v
    }
  ]
});

const dataset: IDataset = {
  name: 'raw/orders',
  layer: 'raw',
  dataset: 'orders',
  version_count: 7,
  latest_version: '2026-11-23T08.00.00.000Z',
  size: 7 * 2048,
  latest: [
    {
      name: 'orders.csv',
      size: 2048,
      path: 'sales/outputs/raw/orders/latest/orders.csv',
      is_latest: true,
      version: '2026-11-23T08.00.00.000Z'
    }
  ],
  versions: [
    version('2026-11-23T08.00.00.000Z', true),
    version('2026-11-22T08.00.00.000Z')
  ]
};

function fakeService(): OutputsService {
  return {
    listDatasets: vi.fn(async () => ({
      datasets: [dataset],
      total: 1,
      offset: 0,
      limit: 200,
      keep_versions: 0
    })),
    listVersions: vi.fn(async () => ({
      versions: [version('2026-11-21T08.00.00.000Z')],
      total: 7,
      offset: 2,
      limit: 20
    })),
    downloadOutput: vi.fn(async () => new Blob(['a,b\n']))
  } as unknown as OutputsService;
}

describe('OutputsView', () => {
  it('lists datasets with their size, opens, downloads and pages versions', async () => {
    const service = fakeService();
    const open = vi.fn();
    const saveBlob = vi.fn();
    render(
      <OutputsView
        service={service}
        product="sales"
        tick={0}
        open={open}
        saveBlob={saveBlob}
      />
    );
    const header = await screen.findByRole('button', { name: /raw\/orders/ });
    expect(header.textContent).toContain('7 versions · 14.0 KB');
    expect(header.getAttribute('aria-expanded')).toBe('false');

    fireEvent.click(header);
    expect(header.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByText('latest (2026-11-23 08:00:00 UTC)')).toBeTruthy();

    // open the latest file in Lab
    fireEvent.click(
      screen.getByRole('button', {
        name: 'Open orders.csv of raw/orders, latest'
      })
    );
    expect(open).toHaveBeenCalledWith(
      'sales/outputs/raw/orders/latest/orders.csv'
    );

    // download a given version
    await act(async () => {
      fireEvent.click(
        screen.getByRole('button', {
          name: 'Download orders.csv of raw/orders, 2026-11-22 08:00:00 UTC'
        })
      );
    });
    expect(service.downloadOutput).toHaveBeenCalledWith(
      'sales',
      'raw/orders',
      '2026-11-22T08.00.00.000Z',
      'orders.csv'
    );
    expect(saveBlob).toHaveBeenCalledWith(expect.any(Blob), 'orders.csv');

    // page in older versions
    await act(async () => {
      fireEvent.click(
        screen.getByRole('button', { name: 'More versions (5)' })
      );
    });
    expect(service.listVersions).toHaveBeenCalledWith('sales', 'raw/orders', {
      offset: 2,
      limit: 20
    });
    expect(screen.getByText('2026-11-21 08:00:00 UTC')).toBeTruthy();
  });

  it('tells the versions of a file apart: button labels (UI finding 12)', async () => {
    const open = vi.fn();
    render(
      <OutputsView
        service={fakeService()}
        product="sales"
        tick={0}
        open={open}
        saveBlob={vi.fn()}
      />
    );
    fireEvent.click(await screen.findByRole('button', { name: /raw\/orders/ }));
    const opens = screen
      .getAllByRole('button', { name: /^Open orders\.csv/ })
      .map(button => button.getAttribute('aria-label'));
    expect(opens).toEqual([
      'Open orders.csv of raw/orders, latest',
      'Open orders.csv of raw/orders, 2026-11-23 08:00:00 UTC',
      'Open orders.csv of raw/orders, 2026-11-22 08:00:00 UTC'
    ]);
    const downloads = screen
      .getAllByRole('button', { name: /^Download orders\.csv/ })
      .map(button => button.getAttribute('aria-label'));
    expect(new Set(downloads).size).toBe(3);

    fireEvent.click(
      screen.getByRole('button', {
        name: 'Open orders.csv of raw/orders, 2026-11-22 08:00:00 UTC'
      })
    );
    expect(open).toHaveBeenLastCalledWith(
      'sales/outputs/raw/orders/2026-11-22T08.00.00.000Z/orders.csv'
    );
  });

  it('offers no Open or Download for a file name that is not UTF-8, and says why', async () => {
    // (the server sends such a name with lone surrogates: no URL can be built for it)
    const service = fakeService();
    const bad = '\udcff\udcfe-bad.csv';
    const listed = {
      ...dataset,
      latest: [],
      versions: [version('2026-11-23T08.00.00.000Z', true)]
    };
    listed.versions[0].files.push({
      ...listed.versions[0].files[0],
      name: bad,
      path: `sales/outputs/raw/orders/2026-11-23T08.00.00.000Z/${bad}`
    });
    vi.mocked(service.listDatasets).mockResolvedValue({
      datasets: [listed],
      total: 1,
      offset: 0,
      limit: 200,
      keep_versions: 0
    });
    const open = vi.fn();
    render(
      <OutputsView
        service={service}
        product="sales"
        tick={0}
        open={open}
        saveBlob={vi.fn()}
      />
    );
    fireEvent.click(await screen.findByRole('button', { name: /raw\/orders/ }));
    expect(screen.getAllByRole('button', { name: /^Open / })).toHaveLength(1);
    expect(screen.getAllByRole('button', { name: /^Download / })).toHaveLength(
      1
    );
    const note = screen.getByText('name not UTF-8');
    expect(note.getAttribute('title')).toMatch(
      /not valid UTF-8.*rename the file/
    );
    expect(note.getAttribute('aria-label')).toMatch(
      /^\uFFFD\uFFFD-bad\.csv of raw\/orders/
    );
  });

  it('says how to write a first output when there is none', async () => {
    const service = {
      listDatasets: vi.fn(async () => ({
        datasets: [],
        total: 0,
        offset: 0,
        limit: 200,
        keep_versions: 0
      }))
    } as unknown as OutputsService;
    render(
      <OutputsView
        service={service}
        product="sales"
        tick={0}
        open={vi.fn()}
        saveBlob={vi.fn()}
      />
    );
    expect(await screen.findByText(/No output yet/)).toBeTruthy();
  });
});
