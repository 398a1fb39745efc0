/**
 * Deploy: the "Deploy product" and "Roll back product" commands (palette, the selected
 * product's Deploy button, setup.ipynb in the file browser), the progress notification of
 * a deploy, and the Deployment section of the Data Products panel (deployment, schedules).
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  InputDialog,
  Notification
} from '@jupyterlab/apputils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { formatTime } from '../format';
import {
  followSettings,
  notifyError,
  productsToChoose
} from '../pluginHelpers';
import {
  CommandIDs,
  DEPLOY_PLUGIN_ID,
  INaasLab,
  IProduct,
  IProductsModel
} from '../tokens';
import { DeployService, SchedulesService } from './api';
import { Deployer } from './deployer';
import { DeploymentSection } from './DeploymentSection';
import { shortSha } from './words';

/** User settings (schema/deploy.json). */
interface ISettings {
  pollInterval: number;
}

const DEFAULT_SETTINGS: ISettings = { pollInterval: 1 };

/** The name of a product for the user. */
const titleOf = (product: IProduct): string =>
  product.manifest?.title || product.path || '/';

/** The product at `path`, refreshing the list once if it is not known yet. */
async function productAt(
  model: IProductsModel,
  path: string
): Promise<IProduct> {
  const find = (): IProduct | undefined =>
    model.products.find(p => p.path === path && p.manifest);
  let product = find();
  if (!product) {
    await model.refresh().catch(() => undefined);
    product = find();
  }
  if (!product) {
    throw new Error(
      `${path || '/'} is not a data product (no readable product.json).`
    );
  }
  return product;
}

/** Ask which product (the selected one first); the only one is not asked about. */
async function chooseProduct(
  model: IProductsModel,
  title: string,
  okLabel: string
): Promise<IProduct | null> {
  const choices = await productsToChoose(model);
  if (choices.length === 1) {
    return choices[0];
  }
  const labels = choices.map(p => `${titleOf(p)} (${p.path || '/'})`);
  const selected = choices.findIndex(p => p.path === model.selected?.path);
  const result = await InputDialog.getItem({
    title,
    label: 'Product',
    items: labels,
    current: Math.max(0, selected),
    okLabel
  });
  if (!result.button.accept || result.value === null) {
    return null;
  }
  return choices[labels.indexOf(result.value)] ?? null;
}

export const deployPlugin: JupyterFrontEndPlugin<void> = {
  id: DEPLOY_PLUGIN_ID,
  description:
    'Deploy a data product (tests, production copy, requirements, setup.ipynb, schedules) and manage its schedules.',
  autoStart: true,
  requires: [INaasLab],
  optional: [ICommandPalette, IDefaultFileBrowser, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    naas: INaasLab,
    palette: ICommandPalette | null,
    fileBrowser: IDefaultFileBrowser | null,
    settingRegistry: ISettingRegistry | null
  ) => {
    const { products } = naas;
    const settings: ISettings = { ...DEFAULT_SETTINGS };
    const deployments = new DeployService(naas.serverSettings);
    const schedules = new SchedulesService(naas.serverSettings);
    const report = (reason: unknown): void => notifyError(reason, 10000);

    /** Select the product in the panel and show its Deployment section. */
    const reveal = (product: string): void => {
      products.select(product);
      naas.revealSection(section);
    };

    const deployer = new Deployer({
      deployments,
      schedules,
      notifier: Notification,
      open: naas.open,
      reveal,
      pollInterval: settings.pollInterval
    });

    const section: DeploymentSection = new DeploymentSection({
      model: products,
      deployer,
      deployments,
      schedules,
      onDeploy: product =>
        void app.commands.execute(CommandIDs.deployProduct, {
          product: product.path
        }),
      onRollback: product =>
        void app.commands.execute(CommandIDs.rollbackProduct, {
          product: product.path
        }),
      onOpen: naas.open,
      onOpenPipeline: path =>
        void app.commands.execute(CommandIDs.openPipeline, { path })
    });
    // Folded at start, like Pipelines; a deploy reveals it. Just after Pipelines.
    naas.addSection(section, 2, true);
    // The section going away ends the following of deploys (they go on in the server).
    section.disposed.connect(() => deployer.dispose());

    /** The setup.ipynb selected in the file browser, if it is a product's. */
    const selectedSetup = (): IProduct | null => {
      const item = fileBrowser?.selectedItems().next();
      const path = item && !item.done ? item.value.path : '';
      const parts = path.split('/');
      if (parts.pop() !== 'setup.ipynb') {
        return null;
      }
      const folder = parts.join('/');
      return (
        products.products.find(p => p.path === folder && p.manifest) ?? null
      );
    };

    /** The product a command acts on: its args, the file browser, else ask. */
    const targetOf = async (
      args: ReadonlyPartialJSONObject,
      title: string,
      okLabel: string
    ): Promise<IProduct | null> => {
      if (typeof args.product === 'string') {
        return productAt(products, args.product);
      }
      if (args.fromFileBrowser) {
        const product = selectedSetup();
        if (product) {
          return product;
        }
      }
      return chooseProduct(products, title, okLabel);
    };

    app.commands.addCommand(CommandIDs.deployProduct, {
      label: 'Deploy product',
      caption:
        'Deploy a data product: run its tests, freeze a production copy, install its requirements, run setup.ipynb and apply its schedules',
      isVisible: args => !args.fromFileBrowser || selectedSetup() !== null,
      execute: async args => {
        try {
          const product = await targetOf(
            args,
            'Deploy which product?',
            'Deploy'
          );
          if (!product) {
            return;
          }
          reveal(product.path);
          await deployer.deploy(
            product.path,
            titleOf(product),
            args.skipTests === true
          );
        } catch (reason) {
          report(reason);
        }
      }
    });

    app.commands.addCommand(CommandIDs.rollbackProduct, {
      label: 'Roll back product',
      caption:
        'Make an earlier successful deployment of a product (and its schedules) the active one again',
      execute: async args => {
        try {
          const product = await targetOf(
            args,
            'Roll back which product?',
            'Next'
          );
          if (!product) {
            return;
          }
          const title = titleOf(product);
          const found = await deployments.listDeployments(product.path, 20);
          const earlier = found.deployments.filter(
            d => d.status === 'INACTIVE'
          );
          if (earlier.length === 0) {
            throw new Error(
              `${title} has no earlier successful deployment to roll back to.`
            );
          }
          const labels = earlier.map(
            d =>
              `${formatTime(d.ended_at ?? d.created_at)} · ` +
              `${shortSha(d.commit) ?? 'no commit'} · ${d.id}`
          );
          const result = await InputDialog.getItem({
            title: `Roll back ${title} to`,
            label: 'Deployment',
            items: labels,
            current: 0,
            okLabel: 'Roll back'
          });
          const chosen =
            result.button.accept && result.value !== null
              ? earlier[labels.indexOf(result.value)]
              : undefined;
          if (!chosen) {
            return;
          }
          await deployer.activate(chosen, title);
          reveal(product.path);
        } catch (reason) {
          report(reason);
        }
      }
    });

    for (const command of [
      CommandIDs.deployProduct,
      CommandIDs.rollbackProduct
    ]) {
      palette?.addItem({ command, category: 'Data Products' });
    }

    naas.addProductAction({
      label: 'Deploy',
      ariaLabel: title => `Deploy ${title}`,
      caption:
        'Deploy this product: tests, production copy, requirements, setup.ipynb, schedules',
      execute: product =>
        void app.commands.execute(CommandIDs.deployProduct, {
          product: product.path
        })
    });

    followSettings(settingRegistry, DEPLOY_PLUGIN_ID, loaded => {
      Object.assign(settings, loaded.composite as unknown as ISettings);
      deployer.pollInterval = settings.pollInterval;
    });
  }
};
