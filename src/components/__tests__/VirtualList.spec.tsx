import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import * as React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { VirtualList, nextIndex, visibleRange } from '../VirtualList';

afterEach(cleanup);

describe('visibleRange', () => {
  it('covers the viewport plus the overscan, within bounds', () => {
    expect(visibleRange(0, 100, 20, 1000, 2)).toEqual([0, 7]);
    expect(visibleRange(2000, 100, 20, 1000, 2)).toEqual([98, 107]);
    expect(visibleRange(19990, 100, 20, 1000, 2)).toEqual([997, 1000]);
    expect(visibleRange(0, 100, 20, 0, 2)).toEqual([0, 0]);
  });
});

describe('nextIndex', () => {
  it.each([
    ['ArrowDown', 3, 4],
    ['ArrowUp', 3, 2],
    ['ArrowUp', 0, 0],
    ['ArrowDown', 9, 9],
    ['Home', 5, 0],
    ['End', 5, 9],
    ['PageDown', 5, 9],
    ['PageUp', 5, 1],
    ['ArrowDown', -1, 0],
    ['a', 3, null]
  ])('%s from %i -> %s', (key, from, to) => {
    expect(nextIndex(key, from, 10, 4)).toBe(to);
  });
});

describe('VirtualList', () => {
  it('renders only a window of thousands of rows and navigates with the keyboard', () => {
    const onSelect = vi.fn();
    const onActivate = vi.fn();
    render(
      <VirtualList
        label="Templates"
        count={5000}
        rowHeight={30}
        idPrefix="t"
        rowKey={i => `row-${i}`}
        renderRow={i => <span>Template {i}</span>}
        selected={2}
        onSelect={onSelect}
        onActivate={onActivate}
      />
    );
    const list = screen.getByRole('listbox', { name: 'Templates' });
    const options = screen.getAllByRole('option');
    expect(options.length).toBeLessThan(60);
    expect(options[2].getAttribute('aria-selected')).toBe('true');
    expect(list.getAttribute('aria-activedescendant')).toBe('t-2');
    fireEvent.keyDown(list, { key: 'ArrowDown' });
    expect(onSelect).toHaveBeenLastCalledWith(3);
    fireEvent.keyDown(list, { key: 'End' });
    expect(onSelect).toHaveBeenLastCalledWith(4999);
    fireEvent.keyDown(list, { key: 'Enter' });
    expect(onActivate).toHaveBeenCalledWith(2);
    fireEvent.click(screen.getByText('Template 5'));
    expect(onSelect).toHaveBeenLastCalledWith(5);
  });
});
