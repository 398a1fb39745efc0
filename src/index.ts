/**
 * naas_lab_ext: the Data Product Framework inside JupyterLab. Plugins only.
 */
import { pipelinesPlugin } from './plugins/pipelines';
import { productsPlugin } from './plugins/products';
import { templatesPlugin } from './plugins/templates';

export default [productsPlugin, templatesPlugin, pipelinesPlugin];
