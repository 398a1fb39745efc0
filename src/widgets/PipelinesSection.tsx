/**
 * The "Pipelines" section of the Data Products panel: the selected product's pipelines.
 */
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { ProductsModel } from '../model';
import { PipelinesView } from './PipelinesView';

export interface IPipelinesSectionOptions {
  model: ProductsModel;
  onOpen: (path: string) => void;
  onRun: (path: string) => void;
}

export class PipelinesSection extends ReactWidget {
  constructor(private readonly options: IPipelinesSectionOptions) {
    super();
    this.addClass('naas-PipelinesSection');
    this.title.label = 'Pipelines';
    // Each products refresh (poll tick) may bring new runs: refresh the last runs.
    options.model.changed.connect(() => {
      if (this.isVisible) {
        this._tick++;
      }
    });
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._tick++;
    this.update();
  }

  render(): JSX.Element {
    const { model, onOpen, onRun } = this.options;
    return (
      <UseSignal signal={model.changed}>
        {() => {
          const product = model.selected;
          if (!this.isVisible) {
            // Reading pipelines runs their definition cells: only when the section shows.
            return <></>;
          }
          if (!product) {
            return (
              <p className="naas-Empty">
                Select a product to see its pipelines.
              </p>
            );
          }
          return (
            <PipelinesView
              key={product.path}
              service={model.service}
              product={product.path}
              tick={this._tick}
              onOpen={onOpen}
              onRun={onRun}
            />
          );
        }}
      </UseSignal>
    );
  }

  private _tick = 0;
}
