/**
 * Keyboard focus in the Data Products panel.
 */
/** Where the keyboard focus goes when the panel is shown: the products list's current
 * item, else the first section title or control. */
export function panelFocusTarget(node: HTMLElement): HTMLElement | null {
  return (
    node.querySelector<HTMLElement>('.naas-ProductList-item[tabindex="0"]') ??
    node.querySelector<HTMLElement>('.lm-AccordionPanel-title, button, input')
  );
}
