import { LabIcon } from '@jupyterlab/ui-components';

import productSvg from '../style/icons/product.svg';

/** The data product icon (sidebar tab, launcher, settings). */
export const productIcon = new LabIcon({
  name: 'naas_lab_ext:product',
  svgstr: productSvg
});
