/**
 * Keyboard focus and section order in the Data Products panel.
 */
import { AccordionPanel, Widget } from '@lumino/widgets';

/** Where the keyboard focus goes when the panel is shown: the products list's current
 * item, else the first section title or control. */
export function panelFocusTarget(node: HTMLElement): HTMLElement | null {
  return (
    node.querySelector<HTMLElement>('.naas-ProductList-item[tabindex="0"]') ??
    node.querySelector<HTMLElement>('.lm-AccordionPanel-title, button, input')
  );
}

/**
 * Insert `widget` as a section of `accordion` at `index` (folded if `folded`).
 *
 * Lumino appends a section's nodes to the end of the panel whatever its index (sections are
 * placed on screen by position), so an inserted section would come last in the Tab order.
 * The sections after it are taken out and added again after it instead: the Tab order is
 * the order on screen, and each keeps its folding.
 */
export function insertSection(
  accordion: AccordionPanel,
  widget: Widget,
  index: number,
  folded: boolean
): void {
  const following = accordion.widgets.slice(Math.max(0, index));
  const foldedBefore = following.map(section => section.isHidden);
  for (const section of following) {
    section.parent = null;
    section.show(); // a new title says "expanded": folded again once added
  }
  accordion.addWidget(widget);
  if (folded) {
    accordion.collapse(accordion.widgets.indexOf(widget));
  }
  following.forEach((section, position) => {
    accordion.addWidget(section);
    if (foldedBefore[position]) {
      accordion.collapse(accordion.widgets.indexOf(section));
    }
  });
}
