/**
 * The "Data Product" panel in the left sidebar: a SidePanel whose accordion sections are the
 * products list and the "New product" form (later issues add more sections).
 */
import {
  ReactWidget,
  SidePanel,
  ToolbarButton,
  addIcon,
  refreshIcon
} from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { AccordionPanel, Widget } from '@lumino/widgets';
import * as React from 'react';

import { productIcon } from '../icons';
import { insertSection, panelFocusTarget } from './accordion';
import { OutputsService } from '../outputs/api';
import { OutputsSection } from '../outputs/OutputsSection';
import { IProductAction } from '../tokens';
import { ProductsModel } from './model';
import { ProductForm } from './ProductForm';
import { ProductListWidget } from './ProductList';
import { IProductForm } from './validation';

export const PANEL_ID = 'naas-lab-ext-panel';
/** An expanded section with less than this share of the panel's height has none to show. */
const MIN_SHARE = 0.02;

export interface ISidebarPanelOptions {
  model: ProductsModel;
  /** The REST client of the Outputs section. */
  outputs: OutputsService;
  /** Create a product from a valid form (the plugin opens its README afterwards). */
  create: (form: IProductForm) => Promise<void>;
  /** Open a file by its path under the root. */
  open: (path: string) => void;
  /** Default values of the form (from the settings). */
  defaults: () => Partial<IProductForm>;
}

/** The "New product" section: the form, re-created when the defaults change. */
class NewProductSection extends ReactWidget {
  constructor(private readonly options: ISidebarPanelOptions) {
    super();
    this.addClass('naas-NewProductSection');
    this.title.label = 'New product';
  }

  /** Put the keyboard focus on the first field. */
  focusForm(): void {
    this.node.querySelector<HTMLInputElement>('input')?.focus();
  }

  render(): JSX.Element {
    return (
      <ProductForm
        idPrefix="naas-sidebar"
        initial={this.options.defaults()}
        onSubmit={this.options.create}
      />
    );
  }
}

export class SidebarPanel extends SidePanel {
  constructor(options: ISidebarPanelOptions) {
    super();
    this.id = PANEL_ID;
    this.addClass('naas-SidebarPanel');
    this.title.icon = productIcon;
    this.title.caption = 'Data Products';

    this.header.addWidget(
      ReactWidget.create(
        <h2 className="naas-SidebarPanel-heading">Data Products</h2>
      )
    );

    this.products = new ProductListWidget({
      model: options.model,
      onOpen: options.open,
      actions: this._actions
    });
    this.products.title.label = 'Products';
    this.addWidget(this.products);

    this.outputs = new OutputsSection(
      options.model,
      options.outputs,
      options.open
    );
    this.addWidget(this.outputs);

    this.newProduct = new NewProductSection(options);
    this.addWidget(this.newProduct);
    // Outputs and the form start folded so the list gets the room; the + button, the
    // palette and the launcher open the form, one click opens Outputs.
    this.collapse(this.outputs);
    this.collapse(this.newProduct);
    this.rebalance();

    // A section folded at start has no size to go back to: share the room again.
    if (this.content instanceof AccordionPanel) {
      this.content.expansionToggled.connect((accordion, index) => {
        const widget = accordion.widgets[index];
        if (widget && !widget.isHidden) {
          this.rebalance();
        }
      });
    }

    this.toolbar.addItem(
      'refresh',
      new ToolbarButton({
        icon: refreshIcon,
        tooltip: 'Refresh the product list',
        onClick: () => void options.model.refresh().catch(() => undefined)
      })
    );
    this.toolbar.addItem(
      'new',
      new ToolbarButton({
        icon: addIcon,
        tooltip: 'New data product',
        onClick: () => this.showNewProductForm()
      })
    );
  }

  /** Expand the "New product" section and focus its first field. */
  showNewProductForm(): void {
    this.expand(this.newProduct);
    this.newProduct.update();
    requestAnimationFrame(() => this.newProduct.focusForm());
  }

  /** Add a section, by default just before "New product" (see insertSection). */
  addSection(widget: Widget, index?: number, folded = false): void {
    const widgets = this.content.widgets;
    const at = index ?? widgets.indexOf(this.newProduct);
    if (this.content instanceof AccordionPanel) {
      insertSection(this.content, widget, at < 0 ? widgets.length : at, folded);
    } else {
      this.insertWidget(at < 0 ? widgets.length : at, widget);
    }
    this.rebalance();
  }

  /** Shown from the palette or a command: the keyboard focus comes into the panel. */
  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    if (this.node.contains(document.activeElement)) {
      return;
    }
    panelFocusTarget(this.node)?.focus();
  }

  /** Add a button to the selected product's details (after Open README, Open setup). */
  addProductAction(action: IProductAction): void {
    this._actions.push(action);
    this.products.update();
  }

  /** Add an item to the toolbar, after Refresh and New. */
  addToolbarItem(name: string, item: Widget): void {
    this.toolbar.addItem(name, item);
  }

  /** Give every expanded section its share of the height (the products list a double one). */
  rebalance(): void {
    const accordion = this.content;
    if (!(accordion instanceof AccordionPanel)) {
      return;
    }
    const weights = accordion.widgets.map(widget =>
      widget.isHidden ? 0 : widget === this.products ? 2 : 1
    );
    accordion.setRelativeSizes(weights);
  }

  /**
   * Share the room again if an expanded section has (almost) none. JupyterLab restores
   * the sections' sizes and folding by position, so a layout saved by another version of
   * this panel (sections added or moved since) can leave a section open with no height.
   */
  repairLayout(): void {
    const accordion = this.content;
    if (!(accordion instanceof AccordionPanel)) {
      return;
    }
    const sizes = accordion.relativeSizes();
    const squeezed = accordion.widgets.some(
      (widget, index) => !widget.isHidden && (sizes[index] ?? 0) < MIN_SHARE
    );
    if (squeezed) {
      this.rebalance();
    }
  }

  /** Fold the section holding `widget`. */
  collapse(widget: Widget): void {
    const accordion = this.content;
    const index = accordion.widgets.indexOf(widget);
    if (accordion instanceof AccordionPanel && index >= 0) {
      accordion.collapse(index);
    }
  }

  /**
   * Expand the section holding `widget`. A section folded before the panel was ever laid
   * out has no size to go back to: the room is shared again once the panel shows.
   */
  expand(widget: Widget): void {
    const accordion = this.content;
    const index = accordion.widgets.indexOf(widget);
    if (accordion instanceof AccordionPanel && index >= 0) {
      accordion.expand(index);
      requestAnimationFrame(() => this.repairLayout());
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.repairLayout();
  }

  readonly products: ProductListWidget;
  readonly outputs: OutputsSection;
  readonly newProduct: NewProductSection;
  private readonly _actions: IProductAction[] = [];
}
