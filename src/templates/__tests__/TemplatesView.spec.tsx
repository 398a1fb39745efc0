import {
  act,
  cleanup,
  fireEvent,
  render,
  screen,
  waitFor
} from '@testing-library/react';
import * as React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { TemplatesService } from '../api';
import { TemplatesView } from '../TemplatesView';
import { ITemplatePage, ITemplateQuery, ITemplateSummary } from '../types';

afterEach(cleanup);

const template = (
  id: string,
  title: string,
  tool: string
): ITemplateSummary => ({
  id,
  title,
  tool,
  action: title.split(' - ')[1] ?? '',
  tags: ['csv', 'input'],
  author: 'Team',
  description: `${title} description`,
  cell_count: 8,
  has_parameters: true,
  source: 'default'
});

const LIBRARY = [
  template('default/Pandas/Read_CSV.ipynb', 'Pandas - Read CSV', 'Pandas'),
  template('default/HTTP/Call_API.ipynb', 'HTTP - Call an API', 'HTTP'),
  template(
    'default/Matplotlib/Chart.ipynb',
    'Matplotlib - Plot a chart',
    'Matplotlib'
  )
];

function page(items: ITemplateSummary[], q = ''): ITemplatePage {
  return {
    query: q,
    total: items.length,
    limit: 200,
    offset: 0,
    items,
    facets: {
      tools: items.map(i => ({ name: i.tool, count: 1 })),
      tags: [
        { name: 'csv', count: items.length },
        { name: 'input', count: items.length }
      ]
    }
  };
}

function setup(search?: (q: ITemplateQuery) => Promise<ITemplatePage>): {
  service: TemplatesService;
  props: Record<string, ReturnType<typeof vi.fn>>;
} {
  const searchTemplates = vi.fn(
    search ??
      (async (q: ITemplateQuery) =>
        page(
          LIBRARY.filter(
            t =>
              t.title.toLowerCase().includes(q.q.toLowerCase()) &&
              (!q.tools.length || q.tools.includes(t.tool))
          ),
          q.q
        ))
  );
  const service = { searchTemplates } as unknown as TemplatesService;
  const props = {
    onPreview: vi.fn(),
    onOpenInLab: vi.fn(async () => undefined),
    onAddToModels: vi.fn(async () => undefined)
  };
  render(<TemplatesView service={service} generation={0} {...props} />);
  return { service, props };
}

describe('TemplatesView', () => {
  it('lists the library, then searches as the user types (debounced)', async () => {
    const { service } = setup();
    expect(await screen.findByText('Pandas - Read CSV')).toBeTruthy();
    expect(screen.getByRole('status').textContent).toBe('3 templates');
    fireEvent.change(screen.getByLabelText('Search templates'), {
      target: { value: 'c' }
    });
    fireEvent.change(screen.getByLabelText('Search templates'), {
      target: { value: 'csv' }
    });
    await waitFor(() =>
      expect(screen.getByRole('status').textContent).toBe('1 template')
    );
    const calls = (service.searchTemplates as ReturnType<typeof vi.fn>).mock
      .calls;
    // one search at start, one after the pause: not one per keystroke
    expect(calls.map(c => (c[0] as ITemplateQuery).q)).toEqual(['', 'csv']);
    expect(screen.queryByText('HTTP - Call an API')).toBeNull();
  });

  it('filters by tool and by tag', async () => {
    const { service } = setup();
    await screen.findByText('Pandas - Read CSV');
    fireEvent.change(screen.getByLabelText('Filter by tool'), {
      target: { value: 'HTTP' }
    });
    await waitFor(() =>
      expect(screen.queryByText('Pandas - Read CSV')).toBeNull()
    );
    const chip = screen.getByRole('button', { name: /#csv/ });
    fireEvent.click(chip);
    await waitFor(() =>
      expect(
        screen
          .getByRole('button', { name: /#csv/ })
          .getAttribute('aria-pressed')
      ).toBe('true')
    );
    const calls = (service.searchTemplates as ReturnType<typeof vi.fn>).mock
      .calls;
    expect(calls[calls.length - 1][0]).toEqual({
      q: '',
      tools: ['HTTP'],
      tags: ['csv']
    });
  });

  it('ignores an answer that comes after a newer one', async () => {
    const answers: ((p: ITemplatePage) => void)[] = [];
    setup(() => new Promise(resolve => answers.push(resolve)));
    await waitFor(() => expect(answers).toHaveLength(1));
    fireEvent.change(screen.getByLabelText('Search templates'), {
      target: { value: 'chart' }
    });
    await waitFor(() => expect(answers).toHaveLength(2));
    await act(async () => answers[1](page([LIBRARY[2]], 'chart')));
    await act(async () => answers[0](page(LIBRARY)));
    expect(screen.getByText('Matplotlib - Plot a chart')).toBeTruthy();
    expect(screen.queryByText('Pandas - Read CSV')).toBeNull();
  });

  it('acts on the selected template and shows what went wrong', async () => {
    const { props } = setup();
    await screen.findByText('Pandas - Read CSV');
    fireEvent.keyDown(screen.getByRole('listbox', { name: 'Templates' }), {
      key: 'ArrowDown'
    });
    expect(props.onPreview).toHaveBeenLastCalledWith(LIBRARY[1], false);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Open in Lab' }));
    });
    expect(props.onOpenInLab).toHaveBeenCalledWith(LIBRARY[1]);
    props.onAddToModels.mockRejectedValueOnce(
      new Error('There is no data product yet')
    );
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Add to models' }));
    });
    // (the rejection is handled a tick later under load: wait for it)
    expect((await screen.findByRole('alert')).textContent).toContain(
      'There is no data product yet'
    );
  });
});
