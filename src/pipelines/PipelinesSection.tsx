/**
 * The "Pipelines" section of the Data Products panel: the selected product's pipelines.
 */
import * as React from 'react';

import { ProductSection } from '../components/ProductSection';
import { IProduct, IProductsModel } from '../tokens';
import { PipelinesService } from './api';
import { PipelinesView } from './PipelinesView';

export interface IPipelinesSectionOptions {
  model: IProductsModel;
  service: PipelinesService;
  onOpen: (path: string) => void;
  onRun: (path: string) => void;
}

export class PipelinesSection extends ProductSection {
  constructor(private readonly options: IPipelinesSectionOptions) {
    super(options.model, 'naas-PipelinesSection', 'Pipelines');
  }

  protected renderProduct(product: IProduct | null): JSX.Element {
    if (!this.isVisible) {
      // Reading pipelines runs their definition cells: only when the section shows.
      return <></>;
    }
    if (!product) {
      return (
        <p className="naas-Empty">Select a product to see its pipelines.</p>
      );
    }
    const { service, onOpen, onRun } = this.options;
    return (
      <PipelinesView
        key={product.path}
        service={service}
        product={product.path}
        tick={this.tick}
        onOpen={onOpen}
        onRun={onRun}
      />
    );
  }
}
