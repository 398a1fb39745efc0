/**
 * What the plugins do alike: follow their settings, report a failed command, ask the
 * products a command may act on.
 */
import { Notification } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { errorMessage } from './api/errors';
import { IProduct, IProductsModel } from './tokens';

/** Load the settings of plugin `id`, then call `apply` now and whenever they change. */
export function followSettings(
  registry: ISettingRegistry | null,
  id: string,
  apply: (settings: ISettingRegistry.ISettings) => void
): void {
  if (!registry) {
    return;
  }
  registry
    .load(id)
    .then(settings => {
      const update = (): void => apply(settings);
      update();
      settings.changed.connect(update);
    })
    .catch(reason =>
      console.error('naas_lab_ext: cannot load settings', reason)
    );
}

/** Show why a command failed, for `autoClose` milliseconds. */
export function notifyError(reason: unknown, autoClose: number): void {
  Notification.error(errorMessage(reason), { autoClose });
}

/** The readable products (with a product.json), after a refresh; throws when none. */
export async function productsToChoose(
  model: IProductsModel
): Promise<IProduct[]> {
  await model.refresh().catch(() => undefined);
  const products = model.products.filter(p => p.manifest);
  if (products.length === 0) {
    throw new Error(
      'There is no data product yet: create one with "New data product" first.'
    );
  }
  return products;
}
