/**
 * The "Outputs" section of the Data Products panel: follows the selected product.
 */
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { ProductsModel } from '../model';
import { OutputsView, saveBlob } from './OutputsView';

/** The Lumino widget of the section; follows the selected product. */
export class OutputsSection extends ReactWidget {
  constructor(
    private readonly model: ProductsModel,
    private readonly open: (path: string) => void
  ) {
    super();
    this.addClass('naas-OutputsSection');
    this.title.label = 'Outputs';
    // Each products refresh (poll tick) may bring new versions: reload while visible.
    model.changed.connect(() => {
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
    return (
      <UseSignal signal={this.model.changed}>
        {() => {
          const product = this.model.selected;
          if (!product) {
            return (
              <p className="naas-Empty">Select a product to see its outputs.</p>
            );
          }
          return (
            <OutputsView
              key={product.path}
              service={this.model.service}
              product={product.path}
              tick={this._tick}
              open={this.open}
              saveBlob={saveBlob}
            />
          );
        }}
      </UseSignal>
    );
  }

  private _tick = 0;
}
