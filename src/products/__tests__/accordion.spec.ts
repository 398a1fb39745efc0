import { describe, expect, it } from 'vitest';

import { panelFocusTarget } from '../accordion';

describe('Data Products panel focus (UI finding 6)', () => {
  it('focuses the current product when the panel is shown, else a section title', () => {
    const node = document.createElement('div');
    node.innerHTML =
      '<div class="lm-AccordionPanel-title" tabindex="0">Products</div>' +
      '<ul><li class="naas-ProductList-item" tabindex="-1">a</li>' +
      '<li class="naas-ProductList-item" tabindex="0">b</li></ul>';
    expect(panelFocusTarget(node)?.textContent).toBe('b');
    node.querySelector('ul')!.remove();
    expect(panelFocusTarget(node)?.textContent).toBe('Products');
  });
});
