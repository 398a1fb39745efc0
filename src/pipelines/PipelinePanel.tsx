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

/** The class of a view's tab while its shown run goes on. */
const LIVE_CLASS = 'naas-mod-live';

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
    // Focusable itself: an activation gives it the focus even before React has drawn its
    // buttons, so the shell's current widget is always the view on show (see below).
    this.node.tabIndex = -1;
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
      // The shell's current widget follows the focus. A view just created has not drawn
      // its buttons yet: without this fallback the focus (and "current") stayed on the
      // widget before it, e.g. the notebook the view was opened from, which the saved
      // layout then named and a reload brought back in front of the view.
      const target =
        this.node.querySelector<HTMLElement>('[tabindex="0"], button') ??
        this.node;
      target.focus();
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
    // Only our class: the shell marks the current and active tabs on the same title.
    const others = this.title.className
      .split(/\s+/)
      .filter(name => name && name !== LIVE_CLASS);
    this.title.className = [
      ...others,
      ...(isLive(run) ? [LIVE_CLASS] : [])
    ].join(' ');
    this.title.caption =
      `Pipeline ${this.path}` +
      (run ? `\nRun ${run.id}: ${statusInfo(run.status).label}` : '');
  }

  private _open: (path: string) => void;
  private _runRequest = 0;
}
