/**
 * The "Products" section: the server status, the products under the root, and the details
 * of the selected one.
 */
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import * as React from 'react';

import { inFolder } from '../paths';
import { IProductAction } from '../tokens';
import { ProductsModel } from './model';
import { ProductDetails } from './ProductDetails';

export interface IProductListProps {
  model: ProductsModel;
  /** Open a file of the product (path relative to the Jupyter root). */
  onOpen: (path: string) => void;
  /** Buttons other plugins add to the selected product's details (e.g. Deploy). */
  actions?: readonly IProductAction[];
}

function ServerBanner({ model }: { model: ProductsModel }): JSX.Element | null {
  const server = model.server;
  if (server.kind === 'missing') {
    return (
      <div className="naas-Banner naas-mod-error" role="alert">
        {server.message}
      </div>
    );
  }
  if (server.kind === 'mismatch') {
    return (
      <div className="naas-Banner naas-mod-warning" role="alert">
        The naas_lab_ext server part is version {server.version} but this page
        runs {server.expected}. Reinstall with{' '}
        <code>pip install --upgrade naas_lab_ext</code>, restart JupyterLab and
        reload the page.
      </div>
    );
  }
  if (model.error) {
    return (
      <div className="naas-Banner naas-mod-warning" role="alert">
        {model.error}
      </div>
    );
  }
  return null;
}

export function ProductListView(props: IProductListProps): JSX.Element {
  const { model, onOpen, actions = [] } = props;
  const products = model.products;
  const selected = model.selected;
  const onKeyDown = (event: React.KeyboardEvent<HTMLUListElement>): void => {
    if (!products.length || !['ArrowDown', 'ArrowUp'].includes(event.key)) {
      return;
    }
    event.preventDefault();
    const index = products.findIndex(p => p.path === selected?.path);
    const step = event.key === 'ArrowDown' ? 1 : -1;
    const next = products[(index + step + products.length) % products.length];
    model.select(next.path);
    const item = event.currentTarget.querySelector<HTMLElement>(
      `[data-path="${CSS.escape(next.path)}"]`
    );
    item?.focus();
  };
  return (
    <div className="naas-ProductList">
      <ServerBanner model={model} />
      {model.server.kind === 'checking' ? (
        <p className="naas-Empty">Connecting to the server…</p>
      ) : products.length === 0 ? (
        <p className="naas-Empty">
          No data product under the Jupyter root yet. Create one below.
        </p>
      ) : (
        <ul
          className="naas-ProductList-items"
          role="listbox"
          aria-label="Data products"
          onKeyDown={onKeyDown}
        >
          {products.map(product => {
            const isSelected = product.path === selected?.path;
            return (
              <li
                key={product.path}
                role="option"
                aria-selected={isSelected}
                tabIndex={
                  isSelected || (!selected && product === products[0]) ? 0 : -1
                }
                data-path={product.path}
                className={
                  'naas-ProductList-item' +
                  (isSelected ? ' jp-mod-selected' : '') +
                  (product.error ? ' naas-mod-broken' : '')
                }
                onClick={() => model.select(product.path)}
                onDoubleClick={() =>
                  onOpen(inFolder(product.path, 'README.md'))
                }
                onKeyDown={e => {
                  if (e.key === 'Enter') {
                    onOpen(inFolder(product.path, 'README.md'));
                  }
                }}
                title={product.error ?? product.manifest?.description ?? ''}
              >
                <span className="naas-ProductList-name">
                  {product.manifest?.title ?? product.path}
                </span>
                <span className="naas-ProductList-path" title={product.path}>
                  {product.path}
                </span>
              </li>
            );
          })}
        </ul>
      )}
      {selected ? (
        <ProductDetails product={selected} onOpen={onOpen} actions={actions} />
      ) : null}
    </div>
  );
}

/** The Lumino widget hosting the products section (re-renders on model changes). */
export class ProductListWidget extends ReactWidget {
  constructor(private readonly props: IProductListProps) {
    super();
    this.addClass('naas-ProductListWidget');
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this.props.model.changed}>
        {() => <ProductListView {...this.props} />}
      </UseSignal>
    );
  }
}
