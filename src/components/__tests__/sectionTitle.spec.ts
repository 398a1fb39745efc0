import { describe, expect, it } from 'vitest';

import { IProduct } from '../../tokens';
import { sectionTitle } from '../sectionTitle';

const product = (path: string, title: string): IProduct =>
  ({
    path,
    manifest: { name: path, title },
    error: null
  }) as unknown as IProduct;

describe('UI finding 9: Pipelines and Outputs say which product they show', () => {
  it('names the product in the section title, its title and path in the caption', () => {
    expect(
      sectionTitle('Outputs', product('teams/sales', 'Weekly Sales Report'))
    ).toEqual({
      label: 'Outputs — sales',
      caption: 'Outputs of Weekly Sales Report (teams/sales)'
    });
    expect(sectionTitle('Pipelines', product('', 'Root product')).label).toBe(
      'Pipelines — Root product'
    );
  });

  it('says to select a product when none is', () => {
    expect(sectionTitle('Pipelines', null)).toEqual({
      label: 'Pipelines',
      caption: 'Pipelines: select a product in Products'
    });
  });
});
