/**
 * A tab list (WAI-ARIA tabs, automatic activation): Tab reaches the selected tab, the
 * arrow keys, Home and End move to another and show it.
 */
import * as React from 'react';

export interface ITab<T extends string> {
  id: T;
  label: string;
}

export interface ITabsProps<T extends string> {
  /** Accessible name of the tab list. */
  label: string;
  /** Prefix of the tabs' and panels' element ids. */
  idPrefix: string;
  tabs: readonly ITab<T>[];
  selected: T;
  onSelect: (id: T) => void;
}

export const tabId = (prefix: string, id: string): string =>
  `${prefix}-tab-${id}`;
export const panelId = (prefix: string, id: string): string =>
  `${prefix}-panel-${id}`;

/** The tab a key moves to from `index` (null: not a key of the tab list). */
export function tabIndexFor(
  key: string,
  index: number,
  count: number
): number | null {
  switch (key) {
    case 'ArrowRight':
      return (index + 1) % count;
    case 'ArrowLeft':
      return (index - 1 + count) % count;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

export function Tabs<T extends string>(props: ITabsProps<T>): JSX.Element {
  const { tabs, selected, idPrefix } = props;
  const list = React.useRef<HTMLDivElement>(null);
  const onKeyDown = (event: React.KeyboardEvent): void => {
    const index = tabs.findIndex(t => t.id === selected);
    const next = tabIndexFor(event.key, Math.max(0, index), tabs.length);
    if (next === null) {
      return;
    }
    event.preventDefault();
    props.onSelect(tabs[next].id);
    list.current
      ?.querySelector<HTMLElement>(`#${tabId(idPrefix, tabs[next].id)}`)
      ?.focus();
  };
  return (
    <div
      ref={list}
      className="naas-Tabs"
      role="tablist"
      aria-label={props.label}
      onKeyDown={onKeyDown}
    >
      {tabs.map(tab => {
        const isSelected = tab.id === selected;
        return (
          <button
            key={tab.id}
            id={tabId(idPrefix, tab.id)}
            className={'naas-Tabs-tab' + (isSelected ? ' jp-mod-selected' : '')}
            role="tab"
            type="button"
            aria-selected={isSelected}
            aria-controls={panelId(idPrefix, tab.id)}
            tabIndex={isSelected ? 0 : -1}
            onClick={() => props.onSelect(tab.id)}
          >
            {tab.label}
          </button>
        );
      })}
    </div>
  );
}
