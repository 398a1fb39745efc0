/**
 * The details of the selected product: its manifest, folder, models, git, and its actions
 * (Open README, Open setup, and those other plugins add, e.g. Deploy).
 */
import * as React from 'react';

import { inFolder } from '../paths';
import { IProduct, IProductAction } from '../tokens';

export function ProductDetails(props: {
  product: IProduct;
  onOpen: (path: string) => void;
  actions: readonly IProductAction[];
}): JSX.Element {
  const { product, onOpen, actions } = props;
  const join = (name: string): string => inFolder(product.path, name);
  const manifest = product.manifest;
  return (
    <section
      className="naas-ProductDetails"
      aria-label={`Details of ${manifest?.title ?? product.path}`}
    >
      <h3 className="naas-ProductDetails-title">
        {manifest?.title ?? product.path}
      </h3>
      {product.error ? (
        <div className="naas-Banner naas-mod-error">{product.error}</div>
      ) : null}
      {manifest?.description ? (
        <p className="naas-ProductDetails-description">
          {manifest.description}
        </p>
      ) : null}
      <dl className="naas-ProductDetails-facts">
        <dt>Folder</dt>
        <dd>
          <code>{product.path || '/'}</code>
        </dd>
        {manifest?.contact.name || manifest?.contact.email ? (
          <>
            <dt>Contact</dt>
            <dd>
              {manifest.contact.name}
              {manifest.contact.email ? (
                <>
                  {' '}
                  <a href={`mailto:${manifest.contact.email}`}>
                    {manifest.contact.email}
                  </a>
                </>
              ) : null}
            </dd>
          </>
        ) : null}
        {manifest?.created_at ? (
          <>
            <dt>Created</dt>
            <dd>
              {manifest.created_at.replace('T', ' ').replace('Z', ' UTC')}
            </dd>
          </>
        ) : null}
        <dt>Models</dt>
        <dd>
          {product.models.length
            ? product.models.map(name => (
                <button
                  key={name}
                  className="naas-LinkButton"
                  onClick={() => onOpen(join(`models/${name}`))}
                >
                  {name}
                </button>
              ))
            : 'none yet'}
        </dd>
        <dt>Git</dt>
        <dd>{product.is_git ? 'repository' : 'not a repository'}</dd>
      </dl>
      <div className="naas-ProductDetails-actions">
        <button
          className="jp-mod-styled naas-Button"
          onClick={() => onOpen(join('README.md'))}
        >
          Open README
        </button>
        <button
          className="jp-mod-styled naas-Button"
          onClick={() => onOpen(join('setup.ipynb'))}
        >
          Open setup
        </button>
        {manifest
          ? actions.map(action => (
              <button
                key={action.label}
                className="jp-mod-styled naas-Button"
                aria-label={action.ariaLabel(manifest.title || product.path)}
                title={action.caption}
                onClick={() => action.execute(product)}
              >
                {action.label}
              </button>
            ))
          : null}
      </div>
    </section>
  );
}
