/**
 * A virtualised, keyboard-accessible list box: renders only the rows in view, so thousands
 * of items scroll smoothly. Rows have a fixed height.
 */
import * as React from 'react';

export interface IVirtualListProps {
  /** Accessible name of the list box. */
  label: string;
  /** Number of items. */
  count: number;
  /** Height of every row, in pixels. */
  rowHeight: number;
  /** Render the content of row `index` (inside the option element). */
  renderRow: (index: number) => React.ReactNode;
  /** A stable key of row `index`. */
  rowKey: (index: number) => string;
  /** Index of the selected row, or -1. */
  selected: number;
  onSelect: (index: number) => void;
  /** Enter or double click on a row. */
  onActivate?: (index: number) => void;
  /** Extra rows rendered above and below the visible ones. */
  overscan?: number;
  /** Called when the rendered rows reach the end (to load the next page). */
  onNearEnd?: () => void;
  /** Element id prefix (for aria-activedescendant). */
  idPrefix: string;
  className?: string;
}

/** The first and last (exclusive) rows to render for a scroll position. */
export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan: number
): [number, number] {
  if (count <= 0 || rowHeight <= 0) {
    return [0, 0];
  }
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(
    count,
    Math.ceil((scrollTop + Math.max(viewportHeight, rowHeight)) / rowHeight) +
      overscan
  );
  return [first, last];
}

/** The row a navigation key moves to, or null for other keys. */
export function nextIndex(
  key: string,
  current: number,
  count: number,
  pageSize: number
): number | null {
  if (count === 0) {
    return null;
  }
  const clamp = (i: number): number => Math.max(0, Math.min(count - 1, i));
  switch (key) {
    case 'ArrowDown':
      return current < 0 ? 0 : clamp(current + 1);
    case 'ArrowUp':
      return current < 0 ? 0 : clamp(current - 1);
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    case 'PageDown':
      return clamp(current + pageSize);
    case 'PageUp':
      return clamp(current - pageSize);
    default:
      return null;
  }
}

export function VirtualList(props: IVirtualListProps): JSX.Element {
  const overscan = props.overscan ?? 6;
  const viewport = React.useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = React.useState(0);
  const [height, setHeight] = React.useState(400);

  React.useEffect(() => {
    const node = viewport.current;
    if (!node) {
      return;
    }
    const measure = (): void => setHeight(node.clientHeight || 400);
    measure();
    if (typeof ResizeObserver === 'undefined') {
      return;
    }
    const observer = new ResizeObserver(measure);
    observer.observe(node);
    return () => observer.disconnect();
  }, []);

  // Keep the selected row in view when the selection moves.
  React.useEffect(() => {
    const node = viewport.current;
    if (!node || props.selected < 0) {
      return;
    }
    const top = props.selected * props.rowHeight;
    if (top < node.scrollTop) {
      node.scrollTop = top;
    } else if (top + props.rowHeight > node.scrollTop + node.clientHeight) {
      node.scrollTop = top + props.rowHeight - node.clientHeight;
    }
  }, [props.selected, props.rowHeight]);

  const [first, last] = visibleRange(
    scrollTop,
    height,
    props.rowHeight,
    props.count,
    overscan
  );
  const pageSize = Math.max(1, Math.floor(height / props.rowHeight) - 1);

  React.useEffect(() => {
    if (props.count > 0 && last >= props.count) {
      props.onNearEnd?.();
    }
  }, [last, props.count]);

  const onKeyDown = (event: React.KeyboardEvent): void => {
    if (event.key === 'Enter' && props.selected >= 0) {
      event.preventDefault();
      props.onActivate?.(props.selected);
      return;
    }
    const next = nextIndex(event.key, props.selected, props.count, pageSize);
    if (next !== null) {
      event.preventDefault();
      props.onSelect(next);
    }
  };

  const rows: JSX.Element[] = [];
  for (let index = first; index < last; index++) {
    const isSelected = index === props.selected;
    rows.push(
      <div
        key={props.rowKey(index)}
        id={`${props.idPrefix}-${index}`}
        role="option"
        aria-selected={isSelected}
        aria-posinset={index + 1}
        aria-setsize={props.count}
        className={
          'naas-VirtualList-row' + (isSelected ? ' jp-mod-selected' : '')
        }
        style={{
          position: 'absolute',
          top: index * props.rowHeight,
          height: props.rowHeight,
          left: 0,
          right: 0
        }}
        onClick={() => props.onSelect(index)}
        onDoubleClick={() => props.onActivate?.(index)}
      >
        {props.renderRow(index)}
      </div>
    );
  }

  return (
    <div
      ref={viewport}
      className={'naas-VirtualList ' + (props.className ?? '')}
      role="listbox"
      aria-label={props.label}
      tabIndex={0}
      aria-activedescendant={
        props.selected >= 0 ? `${props.idPrefix}-${props.selected}` : undefined
      }
      onKeyDown={onKeyDown}
      onScroll={event => setScrollTop(event.currentTarget.scrollTop)}
    >
      <div
        className="naas-VirtualList-canvas"
        style={{ position: 'relative', height: props.count * props.rowHeight }}
      >
        {rows}
      </div>
    </div>
  );
}
