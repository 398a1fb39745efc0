import { describe, expect, it } from 'vitest';

import { DEFAULT_LAYOUT, assignLayers, edgePath, layoutDag } from '../dag';

const nodes = (...ids: string[]) => ids.map(id => ({ id }));

describe('assignLayers', () => {
  it('puts each step one column right of its deepest upstream step', () => {
    // collect -> [a, b] -> publish, and collect -> publish directly
    const layers = assignLayers(nodes('collect', 'a', 'b', 'publish'), [
      { source: 'collect', target: 'a' },
      { source: 'collect', target: 'b' },
      { source: 'a', target: 'publish' },
      { source: 'b', target: 'publish' },
      { source: 'collect', target: 'publish' }
    ]);
    expect(layers).toEqual(
      new Map([
        ['collect', 0],
        ['a', 1],
        ['b', 1],
        ['publish', 2]
      ])
    );
  });

  it('terminates on a cycle and ignores edges to unknown nodes', () => {
    const layers = assignLayers(nodes('x', 'y'), [
      { source: 'x', target: 'y' },
      { source: 'y', target: 'x' },
      { source: 'x', target: 'ghost' }
    ]);
    expect(layers.size).toBe(2);
  });
});

describe('layoutDag', () => {
  it('places parallel branches in one column, one above the other', () => {
    const layout = layoutDag(nodes('s', 'a', 'b', 'e'), [
      { source: 's', target: 'a' },
      { source: 's', target: 'b' },
      { source: 'a', target: 'e' },
      { source: 'b', target: 'e' }
    ]);
    const a = layout.nodes.get('a')!;
    const b = layout.nodes.get('b')!;
    expect(a.x).toBe(b.x);
    expect(Math.abs(a.y - b.y)).toBe(
      DEFAULT_LAYOUT.nodeHeight + DEFAULT_LAYOUT.rowGap
    );
    expect(layout.nodes.get('e')!.x).toBeGreaterThan(a.x);
    // boxes do not overlap and fit in the canvas
    for (const node of layout.nodes.values()) {
      expect(node.x + DEFAULT_LAYOUT.nodeWidth).toBeLessThanOrEqual(
        layout.width
      );
      expect(node.y + DEFAULT_LAYOUT.nodeHeight).toBeLessThanOrEqual(
        layout.height
      );
    }
  });

  it('orders a column to avoid crossings', () => {
    // p1 -> c1 and p2 -> c2, listed crosswise
    const layout = layoutDag(nodes('p1', 'p2', 'c2', 'c1'), [
      { source: 'p1', target: 'c1' },
      { source: 'p2', target: 'c2' }
    ]);
    const order = (id: string) => layout.nodes.get(id)!.order;
    expect(order('p1') < order('p2')).toBe(order('c1') < order('c2'));
  });

  it('draws an edge from the right side of its source to the left side of its target', () => {
    const layout = layoutDag(nodes('a', 'b'), [{ source: 'a', target: 'b' }]);
    const path = edgePath(layout.nodes.get('a')!, layout.nodes.get('b')!);
    const a = layout.nodes.get('a')!;
    expect(path.startsWith(`M ${a.x + DEFAULT_LAYOUT.nodeWidth} `)).toBe(true);
  });
});
