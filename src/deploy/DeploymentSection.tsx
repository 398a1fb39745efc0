/**
 * The "Deployment" section of the Data Products panel: the selected product's deployment
 * and schedules, live while a deploy started here runs.
 */
import * as React from 'react';

import { ProductSection } from '../components/ProductSection';
import { IProduct, IProductsModel } from '../tokens';
import { DeployService, SchedulesService } from './api';
import { Deployer } from './deployer';
import { DeploymentView } from './DeploymentView';

export interface IDeploymentSectionOptions {
  model: IProductsModel;
  deployer: Deployer;
  deployments: DeployService;
  schedules: SchedulesService;
  onDeploy: (product: IProduct) => void;
  onRollback: (product: IProduct) => void;
  onOpen: (path: string) => void;
  onOpenPipeline: (path: string) => void;
}

export class DeploymentSection extends ProductSection {
  constructor(private readonly options: IDeploymentSectionOptions) {
    super(options.model, 'naas-DeploymentSection', 'Deployment');
    // A deploy followed by this page moves on: show its steps.
    options.deployer.changed.connect(this._onDeployChanged, this);
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.options.deployer.changed.disconnect(this._onDeployChanged, this);
    super.dispose();
  }

  protected renderProduct(product: IProduct | null): JSX.Element {
    if (!this.isVisible) {
      // Folded: no request, no timer.
      return <></>;
    }
    if (!product) {
      return (
        <p className="naas-Empty">
          Select a product to see its deployment and schedules.
        </p>
      );
    }
    const { deployer, deployments, schedules } = this.options;
    return (
      <DeploymentView
        key={product.path}
        deployments={deployments}
        schedules={schedules}
        product={product.path}
        title={product.manifest?.title || product.path}
        tick={this.tick}
        running={deployer.running(product.path)}
        onDeploy={() => this.options.onDeploy(product)}
        onRollback={() => this.options.onRollback(product)}
        onOpen={this.options.onOpen}
        onOpenPipeline={this.options.onOpenPipeline}
      />
    );
  }

  private _onDeployChanged(): void {
    if (this.isVisible) {
      this.update();
    }
  }
}
