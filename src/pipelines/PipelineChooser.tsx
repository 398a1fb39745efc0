/**
 * Which pipeline of which product: the body of the dialog the Open pipeline and Run pipeline
 * commands show when they are not told (PipelineChooserBody hosts it in a Dialog).
 */
import { Dialog } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import * as React from 'react';

import { errorMessage } from '../api/errors';
import { relativeTo } from '../paths';
import { PipelinesService } from './api';
import { IPipeline } from './types';

export interface IProductChoice {
  path: string;
  title: string;
}

export interface IPipelineChooserProps {
  service: PipelinesService;
  products: readonly IProductChoice[];
  /** The product shown first (the current notebook's, or the selected one). */
  initialProduct: string;
  /** The pipeline chosen first, if it is one of the product's. */
  initialPipeline?: string | null;
  /** Reports the chosen pipeline notebook (null: none can be chosen yet). */
  onChange: (path: string | null) => void;
}

export function PipelineChooser(props: IPipelineChooserProps): JSX.Element {
  const { service, products, onChange } = props;
  const [product, setProduct] = React.useState(props.initialProduct);
  const [pipelines, setPipelines] = React.useState<IPipeline[] | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [chosen, setChosen] = React.useState<string | null>(null);

  const choose = (path: string | null): void => {
    setChosen(path);
    onChange(path);
  };

  React.useEffect(() => {
    let cancelled = false;
    setPipelines(null);
    setError(null);
    choose(null);
    service
      .listPipelines(product)
      .then(found => {
        if (cancelled) {
          return;
        }
        setPipelines(found);
        const usable = found.filter(p => p.dag);
        const initial =
          usable.find(p => p.path === props.initialPipeline) ?? usable[0];
        choose(initial?.path ?? null);
      })
      .catch(reason => {
        if (!cancelled) {
          setError(errorMessage(reason));
        }
      });
    return () => {
      cancelled = true;
    };
  }, [product]);

  return (
    <div className="naas-Form naas-PipelineChooser">
      <div className="naas-Form-field">
        <label htmlFor="naas-chooser-product" className="naas-Form-label">
          Product
        </label>
        <select
          id="naas-chooser-product"
          className="jp-mod-styled naas-Form-input"
          value={product}
          onChange={e => setProduct(e.target.value)}
        >
          {products.map(p => (
            <option key={p.path} value={p.path}>
              {p.title} ({p.path || '/'})
            </option>
          ))}
        </select>
      </div>
      <fieldset className="naas-PipelineChooser-pipelines">
        <legend className="naas-Form-label">Pipeline</legend>
        {error ? (
          <div className="naas-Banner naas-mod-error" role="alert">
            {error}
          </div>
        ) : pipelines === null ? (
          <>
            <div
              className="naas-ProgressBar"
              role="progressbar"
              aria-label="Reading the pipelines"
            />
            <p className="naas-Empty">
              Reading the pipelines (their definition cells run on a kernel)…
            </p>
          </>
        ) : pipelines.length === 0 ? (
          <p className="naas-Empty">
            This product has no pipeline notebook (a notebook whose code creates
            a <code>Pipeline()</code>).
          </p>
        ) : (
          pipelines.map(pipeline => (
            <label key={pipeline.path} className="naas-PipelineChooser-item">
              <input
                type="radio"
                name="naas-chooser-pipeline"
                value={pipeline.path}
                checked={chosen === pipeline.path}
                disabled={!pipeline.dag}
                onChange={() => choose(pipeline.path)}
              />
              <span>
                <code>{relativeTo(product, pipeline.path)}</code>
                {pipeline.error ? (
                  <span className="naas-Form-error">
                    {' '}
                    {pipeline.error.message}
                  </span>
                ) : (
                  <span className="naas-Form-hint">
                    {' '}
                    {pipeline.dag?.steps.length ?? 0} steps
                  </span>
                )}
              </span>
            </label>
          ))
        )}
      </fieldset>
    </div>
  );
}

/** The chooser as the body of a Dialog, whose value is the chosen pipeline notebook. */
export class PipelineChooserBody
  extends ReactWidget
  implements Dialog.IBodyWidget<string | null>
{
  constructor(private readonly props: Omit<IPipelineChooserProps, 'onChange'>) {
    super();
    this.addClass('naas-PipelineChooserDialog');
  }

  getValue(): string | null {
    return this._value;
  }

  render(): JSX.Element {
    return (
      <PipelineChooser
        {...this.props}
        onChange={(path: string | null) => (this._value = path)}
      />
    );
  }

  private _value: string | null = null;
}
