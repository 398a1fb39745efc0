/**
 * The template library: the Templates panel of the left sidebar, the read-only preview, Open in
 * Lab, Add to models (also from the file browser's context menu on __templates__), sync.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  InputDialog,
  Notification
} from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { Widget } from '@lumino/widgets';

import { templateIdOf } from '../paths';
import {
  hiddenCommands,
  inTemplates as inTemplatesFolder,
  templateSaveNotice
} from './readonly';
import {
  followSettings,
  notifyError,
  productsToChoose
} from '../pluginHelpers';
import { CommandIDs, INaasLab, TEMPLATES_PLUGIN_ID } from '../tokens';
import { TemplatesService } from './api';
import { requirementsOffer } from './requirements';
import { TemplatePreview } from './TemplatePreview';
import { TemplatesPanel, TEMPLATES_PANEL_ID } from './TemplatesPanel';
import { TemplatesSection } from './TemplatesSection';
import { ITemplateSummary } from './types';

/** A summary good enough to act on a template known only by its id. */
function summaryOf(id: string): ITemplateSummary {
  const name = id.split('/').pop() ?? id;
  return {
    id,
    title: name.replace(/\.ipynb$/, '').replace(/_/g, ' '),
    tool: '',
    action: '',
    tags: [],
    author: '',
    description: '',
    cell_count: 0,
    has_parameters: false,
    source: ''
  };
}

export const templatesPlugin: JupyterFrontEndPlugin<void> = {
  id: TEMPLATES_PLUGIN_ID,
  description:
    'Template library: search, preview, Open in Lab, Add to models, read-only __templates__.',
  autoStart: true,
  requires: [INaasLab, IRenderMimeRegistry],
  optional: [
    ICommandPalette,
    IDefaultFileBrowser,
    ISettingRegistry,
    ILayoutRestorer
  ],
  activate: (
    app: JupyterFrontEnd,
    naas: INaasLab,
    rendermime: IRenderMimeRegistry,
    palette: ICommandPalette | null,
    fileBrowser: IDefaultFileBrowser | null,
    settingRegistry: ISettingRegistry | null,
    restorer: ILayoutRestorer | null
  ) => {
    const { products } = naas;
    const service = new TemplatesService(naas.serverSettings);
    let previewOnSelect = true;

    const openInLab = async (template: ITemplateSummary): Promise<void> => {
      const copied = await service.openTemplate(template.id);
      naas.open(copied.path);
      Notification.success(
        `Opened a copy of "${template.title}": ${copied.path}`,
        {
          autoClose: 4000
        }
      );
    };

    /** Which product gets the template: the only one, else ask (the selected first). */
    const chooseProduct = async (): Promise<string | null> => {
      const paths = (await productsToChoose(products)).map(p => p.path);
      if (paths.length === 1) {
        return paths[0];
      }
      const current = products.selected?.path;
      const result = await InputDialog.getItem({
        title: 'Add to the models of which product?',
        items: paths,
        current:
          current && paths.includes(current) ? paths.indexOf(current) : 0,
        okLabel: 'Add'
      });
      return result.button.accept ? result.value : null;
    };

    const addToModels = async (
      template: ITemplateSummary,
      product?: string
    ): Promise<void> => {
      const target = product ?? (await chooseProduct());
      if (!target) {
        return;
      }
      const copied = await service.addTemplateToModels(template.id, target);
      naas.open(copied.path);
      Notification.success(`Added "${template.title}" to ${target}/models`, {
        autoClose: 4000
      });
      const offer = requirementsOffer(copied);
      if (offer) {
        Notification.info(offer, {
          autoClose: false,
          actions: [
            {
              label: 'Add to requirements.txt',
              caption: (copied.missing_requirements ?? []).join('\n'),
              callback: () =>
                void service
                  .addTemplateRequirements(
                    template.id,
                    copied.product ?? target
                  )
                  .then(added =>
                    Notification.success(
                      added.added.length
                        ? `Added ${added.added.join(', ')} to ${added.path}`
                        : `${added.path} lists them already`,
                      { autoClose: 4000 }
                    )
                  )
                  .catch(report)
            }
          ]
        });
      }
      void products.refresh().catch(() => undefined);
    };

    let preview: TemplatePreview | null = null;
    const showPreview = (template: ITemplateSummary, reveal: boolean): void => {
      let current = preview && !preview.isDisposed ? preview : null;
      if (!current) {
        if (!(reveal || previewOnSelect)) {
          return;
        }
        current = new TemplatePreview(service, rendermime, {
          openInLab,
          addToModels: t => addToModels(t)
        });
        preview = current;
        app.shell.add(current, 'main', { mode: 'split-right' });
      }
      if (reveal) {
        app.shell.activateById(current.id);
      }
      void current.showTemplate(template);
    };

    const section = new TemplatesSection({
      service,
      preview: showPreview,
      openInLab,
      addToModels: t => addToModels(t)
    });
    const panel = new TemplatesPanel(section);
    app.shell.add(panel, 'left', { rank: 160 });
    restorer?.add(panel, TEMPLATES_PANEL_ID);
    /** Show the Templates panel with the cursor in its search box. */
    const reveal = (): void => {
      app.shell.activateById(TEMPLATES_PANEL_ID);
      section.focusSearch();
    };

    /** The template a command acts on: its args, the file browser, or the panel. */
    const targetOf = (
      args: Record<string, unknown>
    ): ITemplateSummary | null => {
      if (typeof args.id === 'string' && args.id) {
        return summaryOf(args.id);
      }
      if (args.fromFileBrowser && fileBrowser) {
        const item = fileBrowser.selectedItems().next();
        const id = item && !item.done ? templateIdOf(item.value.path) : null;
        return id ? summaryOf(id) : null;
      }
      return section.selected;
    };
    /** The target, or null after showing the user where to pick a template. */
    const targetOrAsk = (
      args: Record<string, unknown>
    ): ITemplateSummary | null => {
      const template = targetOf(args);
      if (!template) {
        reveal();
        Notification.info('Select a template in the Templates panel first.', {
          autoClose: 4000
        });
      }
      return template;
    };
    const inTemplates = (args: Record<string, unknown>): boolean =>
      !args.fromFileBrowser || targetOf(args) !== null;
    const report = (reason: unknown): void => notifyError(reason, 8000);

    app.commands.addCommand(CommandIDs.openTemplate, {
      label: args =>
        args.fromFileBrowser
          ? 'Open in Lab (editable copy)'
          : 'Open template in Lab',
      caption: 'Copy the template to the root under a free name and open it',
      isVisible: args => inTemplates(args),
      execute: async args => {
        const template = targetOrAsk(args);
        if (!template) {
          return;
        }
        await openInLab(template).catch(report);
      }
    });
    app.commands.addCommand(CommandIDs.addTemplateToModels, {
      label: args =>
        args.fromFileBrowser ? 'Add to models' : 'Add template to models',
      caption: "Copy the template into a data product's models/ folder",
      isVisible: args => inTemplates(args),
      execute: async args => {
        const template = targetOrAsk(args);
        if (!template) {
          return;
        }
        const product =
          typeof args.product === 'string' ? args.product : undefined;
        await addToModels(template, product).catch(report);
      }
    });
    app.commands.addCommand(CommandIDs.searchTemplates, {
      label: 'Search templates',
      caption: 'Show the Templates panel and put the cursor in its search box',
      execute: reveal
    });
    app.commands.addCommand(CommandIDs.syncTemplates, {
      label: 'Refresh templates',
      caption: 'Synchronise __templates__ with the template sources now',
      execute: async () => {
        try {
          const status = await section.sync();
          const failed = status.last?.sources.filter(s => !s.ok) ?? [];
          if (failed.length) {
            Notification.warning(
              `Templates refreshed, but ${failed.length} source(s) failed: ` +
                failed.map(s => s.error).join('; '),
              { autoClose: 10000 }
            );
          } else {
            Notification.success(
              `Templates refreshed: ${status.templates} templates`,
              {
                autoClose: 4000
              }
            );
          }
        } catch (reason) {
          report(reason);
        }
      }
    });
    for (const command of [
      CommandIDs.searchTemplates,
      CommandIDs.syncTemplates,
      CommandIDs.openTemplate,
      CommandIDs.addTemplateToModels
    ]) {
      palette?.addItem({ command, category: 'Data Products' });
    }

    // __templates__ is read-only: its menus leave out what the server would refuse...
    if (fileBrowser) {
      const markFolder = (): void => {
        fileBrowser.node.classList.toggle(
          'naas-mod-templatesFolder',
          inTemplatesFolder(fileBrowser.model.path)
        );
      };
      fileBrowser.model.pathChanged.connect(markFolder);
      markFolder();
      // Before the application's own listener opens the menu (the item is selected by now).
      fileBrowser.node.addEventListener('contextmenu', () => {
        const selected = [...fileBrowser.selectedItems()].map(i => i.path);
        document.body.dataset.naasHide = hiddenCommands(
          fileBrowser.model.path,
          selected
        ).join(' ');
      });
      document.addEventListener(
        'contextmenu',
        event => {
          if (!fileBrowser.node.contains(event.target as Node)) {
            delete document.body.dataset.naasHide;
          }
        },
        true
      );
    }
    // ...and a refused save points to Open in Lab.
    Notification.manager.changed.connect((_, change) => {
      if (change.type !== 'added') {
        return;
      }
      const widget = app.shell.currentWidget as
        (Widget & { context?: { path?: string } }) | null;
      const notice = templateSaveNotice(
        change.notification.message,
        widget?.context?.path ?? null
      );
      if (notice) {
        Notification.manager.update({
          id: change.notification.id,
          message: notice.message,
          type: 'warning',
          autoClose: 8000,
          actions: [
            {
              label: 'Open in Lab',
              caption:
                'Copy the template to the root under a free name and open it',
              callback: () =>
                void app.commands.execute(CommandIDs.openTemplate, {
                  id: notice.templateId
                })
            }
          ]
        });
      }
    });

    followSettings(settingRegistry, TEMPLATES_PLUGIN_ID, settings => {
      previewOnSelect = settings.get('previewOnSelect').composite as boolean;
    });
  }
};
