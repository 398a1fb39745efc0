import { AccordionPanel, Widget } from '@lumino/widgets';
import { describe, expect, it, vi } from 'vitest';

import { insertSection, panelFocusTarget } from '../accordion';

// @lumino/dragdrop (loaded by @lumino/widgets) extends DragEvent, which jsdom lacks.
vi.hoisted(() => {
  const scope = globalThis as { DragEvent?: unknown };
  scope.DragEvent ??= class DragEvent extends MouseEvent {};
});

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

function section(label: string): Widget {
  const widget = new Widget();
  widget.title.label = label;
  return widget;
}

/** The section titles as the Tab key meets them: in the order of the DOM. */
function tabOrder(node: HTMLElement): string[] {
  return [...node.querySelectorAll('.lm-AccordionPanel-title')].map(
    title => title.textContent ?? ''
  );
}

/** Whether each section shows (its title says so, and the widget agrees). */
function expanded(accordion: AccordionPanel): boolean[] {
  const titles = [
    ...accordion.node.querySelectorAll('.lm-AccordionPanel-title')
  ];
  return accordion.widgets.map((widget, index) => {
    const says = titles[index].getAttribute('aria-expanded') === 'true';
    expect(says).toBe(!widget.isHidden);
    return says;
  });
}

describe('Data Products panel sections (UI finding 6)', () => {
  it('keeps the Tab order the order on screen when sections are inserted', () => {
    const accordion = new AccordionPanel();
    Widget.attach(accordion, document.body);
    for (const label of ['Products', 'Outputs', 'New product']) {
      accordion.addWidget(section(label));
    }
    accordion.collapse(1);
    accordion.collapse(2);
    // what the pipelines and deploy plugins do, then one more at the end
    insertSection(accordion, section('Pipelines'), 1, true);
    insertSection(accordion, section('Deployment'), 2, true);
    insertSection(accordion, section('Notes'), 4, false);
    const onScreen = accordion.widgets.map(widget => widget.title.label);
    expect(onScreen).toEqual([
      'Products',
      'Pipelines',
      'Deployment',
      'Outputs',
      'Notes',
      'New product'
    ]);
    expect(tabOrder(accordion.node)).toEqual(onScreen);
    // each section kept its folding: Products and the new Notes are open
    expect(expanded(accordion)).toEqual([
      true,
      false,
      false,
      false,
      true,
      false
    ]);
    accordion.dispose();
  });
});
