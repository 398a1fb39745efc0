/**
 * Layered layout of a pipeline DAG for drawing: steps in columns by depth (longest path
 * from a start), ordered inside a column to reduce edge crossings (barycentre sweeps).
 */

export interface IDagNode {
  id: string;
}

export interface IDagEdge {
  source: string;
  target: string;
  /** 'on_error' edges are drawn apart (dashed) and do not push their target right. */
  kind?: 'next' | 'on_error';
}

export interface IPlacedNode {
  id: string;
  layer: number;
  order: number;
  x: number;
  y: number;
}

export interface ILayout {
  nodes: Map<string, IPlacedNode>;
  width: number;
  height: number;
}

export interface ILayoutOptions {
  nodeWidth: number;
  nodeHeight: number;
  columnGap: number;
  rowGap: number;
  margin: number;
}

export const DEFAULT_LAYOUT: ILayoutOptions = {
  nodeWidth: 150,
  nodeHeight: 40,
  columnGap: 50,
  rowGap: 18,
  margin: 12
};

/**
 * Depth of every node: the longest chain of edges leading to it. Nodes reached only by an
 * on_error edge sit one column right of their source. Cycles (which the server refuses)
 * do not hang the layout: each edge is relaxed at most |nodes| times.
 */
export function assignLayers(
  nodes: readonly IDagNode[],
  edges: readonly IDagEdge[]
): Map<string, number> {
  const layer = new Map<string, number>(nodes.map(n => [n.id, 0]));
  const known = edges.filter(e => layer.has(e.source) && layer.has(e.target));
  for (let round = 0; round < nodes.length; round++) {
    let changed = false;
    for (const edge of known) {
      const candidate = (layer.get(edge.source) ?? 0) + 1;
      if (candidate > (layer.get(edge.target) ?? 0)) {
        layer.set(edge.target, candidate);
        changed = true;
      }
    }
    if (!changed) {
      break;
    }
  }
  return layer;
}

/** Place every node; coordinates are the top-left corner of its box. */
export function layoutDag(
  nodes: readonly IDagNode[],
  edges: readonly IDagEdge[],
  options: ILayoutOptions = DEFAULT_LAYOUT
): ILayout {
  const layers = assignLayers(nodes, edges);
  const columns: string[][] = [];
  for (const node of nodes) {
    const l = layers.get(node.id) ?? 0;
    (columns[l] ??= []).push(node.id);
  }
  const position = new Map<string, number>();
  const index = (): void =>
    columns.forEach(column => column?.forEach((id, i) => position.set(id, i)));
  index();
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  const link = (
    map: Map<string, string[]>,
    key: string,
    value: string
  ): void => {
    const list = map.get(key);
    if (list) {
      list.push(value);
    } else {
      map.set(key, [value]);
    }
  };
  for (const edge of edges) {
    link(parents, edge.target, edge.source);
    link(children, edge.source, edge.target);
  }
  const barycentre = (
    id: string,
    neighbours: Map<string, string[]>
  ): number => {
    const linked = (neighbours.get(id) ?? []).filter(n => position.has(n));
    if (!linked.length) {
      return position.get(id) ?? 0;
    }
    return (
      linked.reduce((sum, n) => sum + (position.get(n) ?? 0), 0) / linked.length
    );
  };
  // A few down and up sweeps are enough for pipelines of tens of steps.
  for (let sweep = 0; sweep < 4; sweep++) {
    const down = sweep % 2 === 0;
    const order = down ? columns.keys() : [...columns.keys()].reverse();
    for (const l of order) {
      const column = columns[l];
      if (!column || column.length < 2) {
        continue;
      }
      const weights = new Map(
        column.map(id => [id, barycentre(id, down ? parents : children)])
      );
      column.sort((a, b) => (weights.get(a) ?? 0) - (weights.get(b) ?? 0));
      index();
    }
  }
  const tallest = Math.max(1, ...columns.map(c => c?.length ?? 0));
  const { nodeWidth, nodeHeight, columnGap, rowGap, margin } = options;
  const height = margin * 2 + tallest * nodeHeight + (tallest - 1) * rowGap;
  const placed = new Map<string, IPlacedNode>();
  columns.forEach((column, l) => {
    if (!column) {
      return;
    }
    const columnHeight =
      column.length * nodeHeight + (column.length - 1) * rowGap;
    const top = (height - columnHeight) / 2;
    column.forEach((id, order) => {
      placed.set(id, {
        id,
        layer: l,
        order,
        x: margin + l * (nodeWidth + columnGap),
        y: top + order * (nodeHeight + rowGap)
      });
    });
  });
  const width =
    margin * 2 +
    columns.length * nodeWidth +
    Math.max(0, columns.length - 1) * columnGap;
  return { nodes: placed, width, height };
}

/** An SVG path from the right side of `from` to the left side of `to` (a smooth S). */
export function edgePath(
  from: IPlacedNode,
  to: IPlacedNode,
  options: ILayoutOptions = DEFAULT_LAYOUT
): string {
  const x1 = from.x + options.nodeWidth;
  const y1 = from.y + options.nodeHeight / 2;
  const x2 = to.x;
  const y2 = to.y + options.nodeHeight / 2;
  if (x2 <= x1) {
    // same or earlier column (should not happen in a DAG): loop below the boxes
    const below =
      Math.max(from.y, to.y) + options.nodeHeight + options.rowGap / 2;
    return `M ${x1} ${y1} C ${x1 + 30} ${below}, ${x2 - 30} ${below}, ${x2} ${y2}`;
  }
  const mid = (x1 + x2) / 2;
  return `M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`;
}
