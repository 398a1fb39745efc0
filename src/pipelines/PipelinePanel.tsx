/**
 * The main-area widget of a Pipeline view: one per pipeline notebook, owning its model.
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import * as React from 'react';

import { productIcon } from '../icons';
import { PipelinesService } from './api';
import { PipelineModel } from './model';
import { PipelineView } from './PipelineView';
import { isLive, pipelineTitle, statusInfo } from './runs';

export interface IPipelinePanelOptions {
  service: PipelinesService;
  /** The pipeline notebook, relative to the Jupyter root. */
  path: string;
  open: (path: string) => void;
  /** Seconds between refreshes of a running run. */
  pollInterval: number;
  /** Runs listed. */
  runLimit: number;
}

/** A DOM id for the view of a notebook path. */
export function pipelineWidgetId(path: string): string {
  return `naas-pipeline-${path.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

export class PipelinePanel extends ReactWidget {
  constructor(options: IPipelinePanelOptions) {
    super();
    this.path = options.path;
    this.id = pipelineWidgetId(options.path);
    this.addClass('naas-PipelinePanel');
    this.title.label = pipelineTitle(options.path);
    this.title.caption = `Pipeline ${options.path}`;
    this.title.icon = productIcon;
    this.title.closable = true;
    this._open = options.open;
    this.model = new PipelineModel({
      service: options.service,
      path: options.path,
      pollInterval: options.pollInterval,
      runLimit: options.runLimit,
      isVisible: () => this.isVisible
    });
    this.model.changed.connect(this._updateTitle, this);
    void this.model.load();
  }

  readonly path: string;
  readonly model: PipelineModel;

  /** Show the run form (or start at once when there is nothing to ask). */
  requestRun(): void {
    this._runRequest++;
    this.update();
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
    // Catch up at once with a run that went on while the view was hidden.
    if (this.model.run && this.model.isPolling) {
      void this.model.refreshRun().catch(() => undefined);
    }
  }

  protected onActivateRequest(msg: Message): void {
    super.onActivateRequest(msg);
    if (!this.node.contains(document.activeElement)) {
      this.node.querySelector<HTMLElement>('[tabindex="0"], button')?.focus();
    }
  }

  render(): JSX.Element {
    return (
      <PipelineView
        model={this.model}
        open={this._open}
        runRequest={this._runRequest}
      />
    );
  }

  /** The tab names the pipeline and shows when a run goes on. */
  private _updateTitle(): void {
    const { pipeline, run } = this.model;
    this.title.label = pipelineTitle(
      this.path,
      pipeline?.product,
      pipeline?.name
    );
    const live = isLive(run);
    this.title.className = live ? 'naas-mod-live' : '';
    this.title.caption =
      `Pipeline ${this.path}` +
      (run ? `\nRun ${run.id}: ${statusInfo(run.status).label}` : '');
  }

  private _open: (path: string) => void;
  private _runRequest = 0;
}
