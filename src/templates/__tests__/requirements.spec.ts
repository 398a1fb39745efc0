import { describe, expect, it } from 'vitest';

import { clientWith, json } from '../../api/__tests__/fakeServer';
import { TemplatesService } from '../api';
import { requirementsOffer } from '../requirements';

const copied = (missing: string[]) => ({
  template: 'default/Excel/Excel_Export_Report.ipynb',
  path: 'sales/models/Excel_Export_Report.ipynb',
  product: 'sales',
  requirements: ['pandas>=2.0', ...missing],
  missing_requirements: missing
});

describe('Add to models offers the requirements (UI finding 10)', () => {
  it('names what the product lacks, in a message a toast shows whole', () => {
    expect(requirementsOffer(copied(['openpyxl>=3.1']))).toBe(
      'This template needs openpyxl>=3.1, not in sales/requirements.txt.'
    );
    const many = requirementsOffer(
      copied(['a-very-long-package-name>=1', 'b', 'c', 'd', 'e'])
    )!;
    expect(many).toContain('and 2 more');
    expect(many.length).toBeLessThanOrEqual(140);
  });

  it('offers nothing when the product lists them all, or for Open in Lab', () => {
    expect(requirementsOffer(copied([]))).toBeNull();
    expect(
      requirementsOffer({ template: 'x', path: 'x.ipynb', product: null })
    ).toBeNull();
  });

  it('asks the server to add them', async () => {
    const { service, calls } = clientWith(TemplatesService, () =>
      json(200, {
        path: 'sales/requirements.txt',
        requirements: ['openpyxl>=3.1'],
        added: ['openpyxl>=3.1']
      })
    );
    const added = await service.addTemplateRequirements('a.ipynb', 'sales');
    expect(added.added).toEqual(['openpyxl>=3.1']);
    expect(calls[0].method).toBe('POST');
    expect(new URL(calls[0].url).pathname).toBe(
      '/lab-base/naas-lab-ext/templates/requirements'
    );
    expect(await calls[0].json()).toEqual({ id: 'a.ipynb', product: 'sales' });
  });
});
