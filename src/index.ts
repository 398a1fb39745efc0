/**
 * naas_lab_ext: the Data Product Framework inside JupyterLab. Plugins only.
 */
import { deployPlugin } from './deploy/plugin';
import { managerPlugin } from './manager/plugin';
import { pipelinesPlugin } from './pipelines/plugin';
import { productsPlugin } from './products/plugin';
import { templatesPlugin } from './templates/plugin';

export default [
  productsPlugin,
  templatesPlugin,
  pipelinesPlugin,
  deployPlugin,
  managerPlugin
];
