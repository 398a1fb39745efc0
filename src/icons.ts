import { LabIcon } from '@jupyterlab/ui-components';

import productSvg from '../style/icons/product.svg';
import templatesSvg from '../style/icons/templates.svg';

/** The data product icon (sidebar tab, launcher, settings). */
export const productIcon = new LabIcon({
  name: 'naas_lab_ext:product',
  svgstr: productSvg
});

/** The template library icon (its sidebar tab). */
export const templatesIcon = new LabIcon({
  name: 'naas_lab_ext:templates',
  svgstr: templatesSvg
});
