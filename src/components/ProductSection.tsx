/**
 * The base of the panel sections that show something of the selected product (Outputs,
 * Pipelines): re-rendered when the products change, with a tick that changes on each
 * refresh while the section shows, and when it shows again.
 */
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { IProduct, IProductsModel } from '../tokens';
import { sectionTitle } from './sectionTitle';

export abstract class ProductSection extends ReactWidget {
  constructor(
    protected readonly model: IProductsModel,
    className: string,
    label: string
  ) {
    super();
    this.addClass(className);
    this._label = label;
    this._updateTitle();
    // Each products refresh (poll tick) may bring new data: reload while visible.
    model.changed.connect(() => {
      this._updateTitle();
      if (this.isVisible) {
        this._tick++;
      }
    });
  }

  /** Changes whenever the shown data may have changed. */
  protected get tick(): number {
    return this._tick;
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this._tick++;
    this.update();
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => this.renderProduct(this.model.selected)}
      </UseSignal>
    );
  }

  /** The content for the selected product (null: none is selected). */
  protected abstract renderProduct(product: IProduct | null): JSX.Element;

  /** The section's title names the selected product (Products may be folded). */
  private _updateTitle(): void {
    const { label, caption } = sectionTitle(this._label, this.model.selected);
    this.title.label = label;
    this.title.caption = caption;
  }

  private _tick = 0;
  private readonly _label: string;
}
