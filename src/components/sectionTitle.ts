/**
 * The title of a panel section that shows the selected product's things (Pipelines,
 * Outputs): it names the product, so it reads right with the Products section folded.
 */
import { IProduct } from '../tokens';

/** The product's short name: its folder name (the title can be long). */
export function productShortName(product: IProduct): string {
  return product.path.split('/').pop() || product.manifest?.title || 'root';
}

/** `Outputs — sales` (the label), and the caption with the product's title and path. */
export function sectionTitle(
  label: string,
  product: IProduct | null
): { label: string; caption: string } {
  if (!product) {
    return { label, caption: `${label}: select a product in Products` };
  }
  const title = product.manifest?.title ?? product.path;
  return {
    label: `${label} — ${productShortName(product)}`,
    caption: `${label} of ${title} (${product.path || 'the Jupyter root'})`
  };
}
