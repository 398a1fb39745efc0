/**
 * Read-only preview of a template in the main area: its description, parameters and cells
 * (markdown rendered, code highlighted), through JupyterLab's rendermime as untrusted
 * content, so nothing in a template can run in the page.
 */
import { MainAreaWidget, ToolbarButton } from '@jupyterlab/apputils';
import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import { addIcon, launchIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { errorMessage } from '../api/errors';
import { codeAsMarkdown } from '../format';
import { TemplatesService } from './api';
import { ITemplateDetail, ITemplateParameter, ITemplateSummary } from './types';

export interface ITemplatePreviewActions {
  openInLab: (template: ITemplateSummary) => Promise<void>;
  addToModels: (template: ITemplateSummary) => Promise<void>;
}

class PreviewContent extends Widget {
  constructor(private readonly rendermime: IRenderMimeRegistry) {
    super();
    this.addClass('naas-TemplatePreview');
    this.node.tabIndex = 0;
  }

  get template(): ITemplateDetail | null {
    return this._template;
  }

  showLoading(summary: ITemplateSummary): void {
    this.node.replaceChildren(
      element('h1', 'naas-TemplatePreview-title', summary.title),
      element('p', 'naas-Empty', 'Loading the template…')
    );
  }

  showError(message: string): void {
    this.node.replaceChildren(
      element('div', 'naas-Banner naas-mod-error', message)
    );
  }

  async render(template: ITemplateDetail): Promise<void> {
    this._template = template;
    const header = element('header', 'naas-TemplatePreview-header');
    header.append(
      element('h1', 'naas-TemplatePreview-title', template.title),
      element(
        'p',
        'naas-TemplatePreview-meta',
        [
          template.tool,
          template.author ? `by ${template.author}` : '',
          `${template.cell_count} cells`,
          'read-only: Open in Lab to edit a copy'
        ]
          .filter(Boolean)
          .join(' · ')
      )
    );
    if (template.tags.length) {
      header.append(
        element(
          'p',
          'naas-TemplatePreview-tags',
          template.tags.map(t => `#${t}`).join(' ')
        )
      );
    }
    if (template.parameters.length) {
      const table = element('table', 'naas-TemplatePreview-params');
      table.setAttribute('aria-label', 'Parameters');
      // papermill says "None" for a parameter without a type annotation: show nothing.
      const typeOf = (type: string): string => (type === 'None' ? '' : type);
      const columns: [string, (p: ITemplateParameter) => string][] = [
        ['Parameter', p => p.name],
        ['Type', p => typeOf(p.type)],
        ['Default', p => p.default],
        ['Help', p => p.help]
      ];
      const shown = columns.filter(
        ([title, value]) =>
          title === 'Parameter' || template.parameters.some(p => value(p))
      );
      const head = table.createTHead().insertRow();
      for (const [title] of shown) {
        head.append(element('th', '', title));
      }
      const body = table.createTBody();
      for (const p of template.parameters) {
        const row = body.insertRow();
        for (const [, value] of shown) {
          row.insertCell().textContent = value(p);
        }
      }
      header.append(table);
    }
    const cells = element('div', 'naas-TemplatePreview-cells');
    for (const cell of template.cells) {
      const box = element(
        'div',
        `naas-TemplatePreview-cell naas-mod-${cell.cell_type}`
      );
      const markdown =
        cell.cell_type === 'markdown'
          ? cell.source
          : codeAsMarkdown(cell.source);
      const renderer = this.rendermime.createRenderer('text/markdown');
      await renderer.renderModel(
        new MimeModel({ data: { 'text/markdown': markdown }, trusted: false })
      );
      box.append(renderer.node);
      cells.append(box);
    }
    if (this._template === template) {
      this.node.replaceChildren(header, cells);
      this.node.scrollTop = 0;
    }
  }

  private _template: ITemplateDetail | null = null;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

/** The single "Template preview" tab; shows whichever template is selected. */
export class TemplatePreview extends MainAreaWidget<PreviewContent> {
  constructor(
    private readonly service: TemplatesService,
    rendermime: IRenderMimeRegistry,
    actions: ITemplatePreviewActions
  ) {
    super({ content: new PreviewContent(rendermime) });
    this.id = 'naas-template-preview';
    this.title.label = 'Template preview';
    this.title.closable = true;
    this.addClass('naas-TemplatePreviewPanel');
    const run =
      (action: (t: ITemplateSummary) => Promise<void>) => (): void => {
        const template = this.content.template;
        if (template) {
          action(template).catch(reason =>
            this.content.showError(errorMessage(reason))
          );
        }
      };
    this.toolbar.addItem(
      'open',
      new ToolbarButton({
        icon: launchIcon,
        label: 'Open in Lab',
        tooltip: 'Copy this template to the root and open it',
        onClick: run(actions.openInLab)
      })
    );
    this.toolbar.addItem(
      'add',
      new ToolbarButton({
        icon: addIcon,
        label: 'Add to models',
        tooltip: "Copy this template into a product's models/ folder",
        onClick: run(actions.addToModels)
      })
    );
  }

  /** Load and show a template (the latest call wins). */
  async showTemplate(summary: ITemplateSummary): Promise<void> {
    const request = ++this._request;
    this.title.label = `Template: ${summary.title}`;
    this.content.showLoading(summary);
    try {
      const detail = await this.service.getTemplate(summary.id);
      if (request === this._request) {
        await this.content.render(detail);
      }
    } catch (reason) {
      if (request === this._request) {
        this.content.showError(errorMessage(reason));
      }
    }
  }

  private _request = 0;
}
