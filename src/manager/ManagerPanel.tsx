/**
 * The Manager's main-area widget: a MainAreaWidget whose content hosts the ManagerView,
 * owns its model, and tells it when it shows (live refreshes wait while it is hidden).
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { productIcon } from '../icons';
import { IManagerHost } from './host';
import { ManagerModel } from './model';
import { ManagerView } from './ManagerView';

/** The DOM id of the Manager (there is one). */
export const MANAGER_ID = 'naas-manager';

export class ManagerContent extends ReactWidget {
  constructor(
    readonly model: ManagerModel,
    private readonly host: IManagerHost
  ) {
    super();
    this.addClass('naas-ManagerContent');
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.dispose();
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.model.setVisible(true);
  }

  protected onAfterHide(msg: Message): void {
    super.onAfterHide(msg);
    this.model.setVisible(false);
  }

  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    if (!this.node.contains(document.activeElement)) {
      this.node
        .querySelector<HTMLElement>('[role="tab"][tabindex="0"]')
        ?.focus();
    }
  }

  render(): JSX.Element {
    return <ManagerView model={this.model} host={this.host} />;
  }
}

/** A new Manager widget (closable; closing it disposes its model). */
export function createManager(
  model: ManagerModel,
  host: IManagerHost
): MainAreaWidget<ManagerContent> {
  const content = new ManagerContent(model, host);
  const widget = new MainAreaWidget({ content });
  widget.id = MANAGER_ID;
  widget.addClass('naas-ManagerPanel');
  widget.title.label = 'Manager';
  widget.title.caption =
    'Every job, run, event and deployment of the data products';
  widget.title.icon = productIcon;
  widget.title.closable = true;
  // Nothing goes in its toolbar: every action is in the tabs.
  widget.toolbar.hide();
  return widget;
}
