import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import * as React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { IProduct, IProductAction } from '../../tokens';
import { ProductDetails } from '../ProductDetails';

afterEach(cleanup);

const product = (path: string, title: string | null): IProduct => ({
  path,
  manifest: title
    ? {
        name: path,
        title,
        description: '',
        contact: { name: '', email: '' },
        framework: 'naas_lab_ext',
        framework_version: '1.0.0',
        created_at: ''
      }
    : null,
  error: title ? null : 'product.json is not valid JSON',
  folders: [],
  models: [],
  is_git: true
});

const deployAction = (execute: (p: IProduct) => void): IProductAction => ({
  label: 'Deploy',
  ariaLabel: title => `Deploy ${title}`,
  caption: 'Deploy this product',
  execute
});

describe('ProductDetails', () => {
  it("shows other plugins' actions after Open setup, named for the product", () => {
    const execute = vi.fn();
    const sales = product('team/sales', 'Sales');
    render(
      <ProductDetails
        product={sales}
        onOpen={vi.fn()}
        actions={[deployAction(execute)]}
      />
    );
    const buttons = screen.getAllByRole('button').map(b => b.textContent);
    expect(buttons.slice(-3)).toEqual(['Open README', 'Open setup', 'Deploy']);
    const button = screen.getByRole('button', { name: 'Deploy Sales' });
    expect(button.getAttribute('title')).toBe('Deploy this product');
    // a real <button>: reachable with Tab, activated with Enter or Space
    expect(button.tagName).toBe('BUTTON');
    fireEvent.click(button);
    expect(execute).toHaveBeenCalledWith(sales);
  });

  it('offers no action on a product whose product.json cannot be read', () => {
    render(
      <ProductDetails
        product={product('broken', null)}
        onOpen={vi.fn()}
        actions={[deployAction(vi.fn())]}
      />
    );
    expect(screen.queryByRole('button', { name: /Deploy/ })).toBeNull();
    expect(screen.getByRole('button', { name: 'Open setup' })).toBeTruthy();
  });
});
