/**
 * The content of the Templates panel: the library search (TemplatesView) and the sync
 * status (the panel's toolbar has the refresh button).
 */
import { ReactWidget } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { Poll } from '@lumino/polling';
import * as React from 'react';

import { formatVersion } from '../format';
import { TemplatesService } from './api';
import { TemplatesView } from './TemplatesView';
import { ITemplateSummary, ITemplateSyncStatus } from './types';

export interface ITemplatesSectionOptions {
  service: TemplatesService;
  preview: (template: ITemplateSummary, reveal: boolean) => void;
  openInLab: (template: ITemplateSummary) => Promise<void>;
  addToModels: (template: ITemplateSummary) => Promise<void>;
}

function SyncLine({
  status
}: {
  status: ITemplateSyncStatus | null;
}): JSX.Element | null {
  if (!status) {
    return null;
  }
  const failed = status.last?.sources.filter(s => !s.ok) ?? [];
  return (
    <div className="naas-Templates-sync">
      <span>
        {status.running
          ? 'Synchronising templates…'
          : status.last
            ? `Synced ${formatVersion(status.last.finished_at)}`
            : 'Not synchronised yet'}
      </span>
      {failed.map(source => (
        <div
          key={source.name}
          className="naas-Banner naas-mod-warning"
          role="alert"
        >
          Template source {source.location} failed
          {source.kept_previous
            ? ' (its previous templates are kept)'
            : ''}: {source.error}
        </div>
      ))}
      {status.config_errors.map(message => (
        <div
          key={message}
          className="naas-Banner naas-mod-warning"
          role="alert"
        >
          {message}
        </div>
      ))}
    </div>
  );
}

export class TemplatesSection extends ReactWidget {
  constructor(private readonly options: ITemplatesSectionOptions) {
    super();
    this.addClass('naas-TemplatesSection');
    this.title.label = 'Templates';
    this._poll = new Poll({
      factory: () => this.refreshStatus(),
      frequency: { interval: 60 * 1000, backoff: true, max: 600 * 1000 },
      name: 'naas_lab_ext:templates-sync',
      standby: () => !this.isVisible || 'when-hidden'
    });
  }

  /** The template last selected in the list (for the commands). */
  get selected(): ITemplateSummary | null {
    return this._selected;
  }

  /** Put the keyboard focus in the search box. */
  focusSearch(): void {
    this._focusRequest++;
    this.update();
  }

  /** Start a sync and follow it until it ends; then search again. */
  async sync(): Promise<ITemplateSyncStatus> {
    this._status = await this.options.service.syncTemplates();
    this.update();
    while (this._status.running) {
      await new Promise(resolve => setTimeout(resolve, 1000));
      await this.refreshStatus();
    }
    return this._status;
  }

  async refreshStatus(): Promise<void> {
    const status = await this.options.service.templateSyncStatus();
    const finished = status.last?.finished_at ?? null;
    if (finished !== this._lastFinished) {
      this._lastFinished = finished;
      this._generation++;
    }
    this._status = status;
    this.update();
  }

  dispose(): void {
    this._poll.dispose();
    super.dispose();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    void this._poll.refresh();
  }

  render(): JSX.Element {
    return (
      <>
        <SyncLine status={this._status} />
        <TemplatesView
          service={this.options.service}
          generation={this._generation}
          focusRequest={this._focusRequest}
          onPreview={(template, reveal) => {
            this._selected = template;
            this.options.preview(template, reveal);
          }}
          onOpenInLab={this.options.openInLab}
          onAddToModels={this.options.addToModels}
        />
      </>
    );
  }

  private _poll: Poll;
  private _status: ITemplateSyncStatus | null = null;
  private _lastFinished: string | null = null;
  private _generation = 0;
  private _focusRequest = 0;
  private _selected: ITemplateSummary | null = null;
}
