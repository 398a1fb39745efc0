/**
 * The "Product" field of the Manager's filter bars (Runs, Events): any product, or one of
 * the products the model knows, by title and path.
 */
import * as React from 'react';

import { useSignal } from './hooks';
import { ManagerModel } from './model';

export function ProductField(props: {
  model: ManagerModel;
  value: string;
  onChange: (product: string) => void;
}): JSX.Element {
  const { model } = props;
  useSignal(model.products.changed);
  const products = model.products.products.filter(p => p.path);
  return (
    <label className="naas-Manager-field">
      <span>Product</span>
      <select
        className="naas-Form-input"
        value={props.value}
        onChange={event => props.onChange(event.target.value)}
      >
        <option value="">Any product</option>
        {products.map(p => (
          <option key={p.path} value={p.path}>
            {p.manifest?.title || p.path} ({p.path})
          </option>
        ))}
      </select>
    </label>
  );
}
