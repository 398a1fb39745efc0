/**
 * The core plugin: the Data Products panel, product scaffolding, and the INaasLab token the
 * other plugins build on.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { ILauncher } from '@jupyterlab/launcher';
import { ServerConnection } from '@jupyterlab/services';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { productIcon } from '../icons';
import { openDocument } from '../opening';
import { OutputsService } from '../outputs/api';
import { followSettings } from '../pluginHelpers';
import { CommandIDs, INaasLab, PLUGIN_ID } from '../tokens';
import { ProductsService } from './api';
import { ProductsModel } from './model';
import { newProductDialog } from './NewProductDialog';
import { PANEL_ID, SidebarPanel } from './SidebarPanel';
import { EMPTY_FORM, IProductForm, toSpec } from './validation';

// Bundled from package.json, so the front end knows its own version.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const FRONTEND_VERSION = (require('../../package.json') as { version: string })
  .version;

const PALETTE_CATEGORY = 'Data Products';

/** User settings (schema/plugin.json). */
interface ISettings {
  openReadmeAfterCreate: boolean;
  readmeViewer: string;
  refreshInterval: number;
  defaultContactName: string;
  defaultContactEmail: string;
  defaultParent: string;
}

const DEFAULT_SETTINGS: ISettings = {
  openReadmeAfterCreate: true,
  readmeViewer: 'Markdown Preview',
  refreshInterval: 15,
  defaultContactName: '',
  defaultContactEmail: '',
  defaultParent: ''
};

export const productsPlugin: JupyterFrontEndPlugin<INaasLab> = {
  id: PLUGIN_ID,
  description:
    'Data products: scaffold from a sidebar form, the palette or the CLI.',
  autoStart: true,
  provides: INaasLab,
  requires: [IDocumentManager],
  optional: [ICommandPalette, ILayoutRestorer, ISettingRegistry, ILauncher],
  activate: (
    app: JupyterFrontEnd,
    docManager: IDocumentManager,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    launcher: ILauncher | null
  ): INaasLab => {
    const settings: ISettings = { ...DEFAULT_SETTINGS };
    const serverSettings = ServerConnection.makeSettings();
    const model = new ProductsModel(
      new ProductsService(serverSettings),
      FRONTEND_VERSION,
      settings.refreshInterval
    );
    const defaults = (): Partial<IProductForm> => ({
      contact_name: settings.defaultContactName,
      contact_email: settings.defaultContactEmail,
      parent: settings.defaultParent
    });
    const open = (path: string): void => {
      const factory = path.endsWith('.md') ? settings.readmeViewer : undefined;
      openDocument(docManager, path, factory);
    };
    const create = async (form: IProductForm): Promise<void> => {
      const created = await model.create(toSpec(form));
      const title = created.product.manifest?.title ?? created.product.path;
      Notification.success(`Created data product "${title}"`, {
        autoClose: 4000
      });
      for (const warning of created.warnings) {
        Notification.warning(warning, { autoClose: 8000 });
      }
      if (settings.openReadmeAfterCreate) {
        open(created.readme);
      }
      app.commands.notifyCommandChanged(CommandIDs.newProduct);
    };

    const panel = new SidebarPanel({
      model,
      outputs: new OutputsService(serverSettings),
      create,
      open,
      defaults
    });
    app.shell.add(panel, 'left', { rank: 150 });
    restorer?.add(panel, PANEL_ID);
    // The shell restores the sections' sizes once every plugin added its own.
    void app.restored.then(() => panel.repairLayout());

    app.commands.addCommand(CommandIDs.newProduct, {
      label: 'New data product',
      caption:
        'Create a data product folder (assets, inputs, models, outputs, tests, utils, setup)',
      icon: args => (args.isPalette ? undefined : productIcon),
      execute: async args => {
        // Scripted use: `app.commands.execute(id, { name: 'sales', title: ... })`.
        if (typeof args.name === 'string' && args.name) {
          const form: IProductForm = { ...EMPTY_FORM, ...defaults() };
          for (const key of Object.keys(EMPTY_FORM) as (keyof IProductForm)[]) {
            if (typeof args[key] === 'string') {
              form[key] = args[key] as string;
            }
          }
          await create(form);
          return;
        }
        // From the launcher, create in the folder the launcher shows.
        const initial = { ...EMPTY_FORM, ...defaults() };
        if (typeof args.cwd === 'string' && args.cwd) {
          initial.parent = args.cwd;
        }
        await newProductDialog(initial, create);
      }
    });
    app.commands.addCommand(CommandIDs.openPanel, {
      label: 'Show Data Products panel',
      caption: 'Open the Data Products panel in the left sidebar',
      execute: () => app.shell.activateById(PANEL_ID)
    });
    app.commands.addCommand(CommandIDs.refreshProducts, {
      label: 'Refresh data products',
      execute: () => model.refresh()
    });
    for (const command of [
      CommandIDs.newProduct,
      CommandIDs.openPanel,
      CommandIDs.refreshProducts
    ]) {
      palette?.addItem({ command, category: PALETTE_CATEGORY });
    }
    launcher?.add({
      command: CommandIDs.newProduct,
      category: 'Other',
      rank: 1
    });

    followSettings(settingRegistry, PLUGIN_ID, loaded => {
      Object.assign(settings, loaded.composite as unknown as ISettings);
      model.refreshSeconds = settings.refreshInterval;
      panel.newProduct.update();
    });

    const naasLab: INaasLab = {
      serverSettings,
      products: model,
      open,
      addSection: (widget, index, folded) =>
        panel.addSection(widget, index, folded),
      revealSection: widget => {
        app.shell.activateById(PANEL_ID);
        panel.expand(widget);
      },
      addProductAction: action => panel.addProductAction(action),
      addToolbarItem: (name, item) => panel.addToolbarItem(name, item)
    };

    void model.checkServer().then(state => {
      if (state.kind === 'missing') {
        Notification.error(state.message, { autoClose: false });
      } else if (state.kind === 'ready' && state.store?.error) {
        // Runs, jobs, deployments and events answer 503 until it is fixed.
        Notification.error(`naas_lab_ext: ${state.store.error}`, {
          autoClose: false
        });
      } else if (state.kind === 'mismatch') {
        Notification.warning(
          `naas_lab_ext: the server part is ${state.version}, this page ${state.expected}. ` +
            'Reinstall and restart JupyterLab.',
          { autoClose: false }
        );
      }
    });
    return naasLab;
  }
};
