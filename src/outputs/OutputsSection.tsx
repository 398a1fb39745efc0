/**
 * The "Outputs" section of the Data Products panel: follows the selected product.
 */
import * as React from 'react';

import { ProductSection } from '../components/ProductSection';
import { IProduct, IProductsModel } from '../tokens';
import { OutputsService } from './api';
import { OutputsView, saveBlob } from './OutputsView';

/** The Lumino widget of the section; follows the selected product. */
export class OutputsSection extends ProductSection {
  constructor(
    model: IProductsModel,
    private readonly service: OutputsService,
    private readonly open: (path: string, title?: string) => void
  ) {
    super(model, 'naas-OutputsSection', 'Outputs');
  }

  protected renderProduct(product: IProduct | null): JSX.Element {
    if (!product) {
      return <p className="naas-Empty">Select a product to see its outputs.</p>;
    }
    return (
      <OutputsView
        key={product.path}
        service={this.service}
        product={product.path}
        tick={this.tick}
        open={this.open}
        saveBlob={saveBlob}
      />
    );
  }
}
