/**
 * The "Templates" panel of the left sidebar: the template library on its own, so the Data
 * Products panel is about the product, and the search has the sidebar's whole height.
 */
import {
  ReactWidget,
  SidePanel,
  ToolbarButton,
  refreshIcon
} from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { Panel } from '@lumino/widgets';
import * as React from 'react';

import { templatesIcon } from '../icons';
import { TemplatesSection } from './TemplatesSection';

export const TEMPLATES_PANEL_ID = 'naas-lab-ext-templates-panel';

export class TemplatesPanel extends SidePanel {
  constructor(readonly section: TemplatesSection) {
    super({ content: new Panel() });
    this.id = TEMPLATES_PANEL_ID;
    this.addClass('naas-TemplatesPanel');
    this.title.icon = templatesIcon;
    this.title.caption = 'Templates';
    this.header.addWidget(
      ReactWidget.create(
        <h2 className="naas-SidebarPanel-heading">Templates</h2>
      )
    );
    this.toolbar.addItem(
      'sync',
      new ToolbarButton({
        icon: refreshIcon,
        tooltip: 'Refresh the templates from their sources',
        onClick: () => void section.sync().catch(() => undefined)
      })
    );
    this.addWidget(section);
  }

  /** Shown from its tab, the palette or a command: the cursor goes to the search box. */
  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    if (!this.node.contains(document.activeElement)) {
      this.section.focusSearch();
    }
  }
}
