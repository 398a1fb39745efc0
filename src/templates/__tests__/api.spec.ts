import { describe, expect, it } from 'vitest';

import { clientWith, json } from '../../api/__tests__/fakeServer';
import { TemplatesService } from '../api';

describe('TemplatesService', () => {
  it('searches with the trimmed words, each filter repeated, and the page', async () => {
    const { service, calls } = clientWith(TemplatesService, () =>
      json(200, { items: [], total: 0 })
    );
    await service.searchTemplates(
      { q: '  csv  ', tools: ['Pandas'], tags: ['input', 'file'] },
      { offset: 200, limit: 200 }
    );
    const url = new URL(calls[0].url);
    expect(url.pathname).toBe('/lab-base/naas-lab-ext/templates');
    expect(url.searchParams.get('q')).toBe('csv');
    expect(url.searchParams.getAll('tool')).toEqual(['Pandas']);
    expect(url.searchParams.getAll('tag')).toEqual(['input', 'file']);
    expect(url.searchParams.get('offset')).toBe('200');
    expect(url.searchParams.get('limit')).toBe('200');
  });

  it('leaves an empty search out of the query', async () => {
    const { service, calls } = clientWith(TemplatesService, () =>
      json(200, { items: [] })
    );
    await service.searchTemplates({ q: ' ', tools: [], tags: [] });
    const url = new URL(calls[0].url);
    expect(url.searchParams.has('q')).toBe(false);
    expect(url.searchParams.has('tool')).toBe(false);
  });

  it('reads a template by its id, keeping the slashes', async () => {
    const { service, calls } = clientWith(TemplatesService, () =>
      json(200, { id: 'x' })
    );
    await service.getTemplate('default/Pandas/Read CSV.ipynb');
    expect(new URL(calls[0].url).pathname).toBe(
      '/lab-base/naas-lab-ext/templates/notebooks/default/Pandas/Read%20CSV.ipynb'
    );
  });

  it('posts the copies and the sync', async () => {
    const { service, calls } = clientWith(TemplatesService, () =>
      json(200, { template: 'a.ipynb', path: 'a.ipynb', product: null })
    );
    await service.openTemplate('a.ipynb');
    await service.addTemplateToModels('a.ipynb', 'sales');
    await service.syncTemplates();
    await service.templateSyncStatus();
    expect(calls.map(c => [c.method, new URL(c.url).pathname])).toEqual([
      ['POST', '/lab-base/naas-lab-ext/templates/open'],
      ['POST', '/lab-base/naas-lab-ext/templates/add-to-models'],
      ['POST', '/lab-base/naas-lab-ext/templates/sync'],
      ['GET', '/lab-base/naas-lab-ext/templates/sync']
    ]);
    expect(await calls[0].json()).toEqual({ id: 'a.ipynb' });
    expect(await calls[1].json()).toEqual({
      id: 'a.ipynb',
      product: 'sales'
    });
    expect(await calls[2].json()).toEqual({});
  });
});
