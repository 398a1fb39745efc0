import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import * as React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import {
  DagGraph,
  GRAPH_LAYOUT,
  GraphLegend,
  graphEdges,
  neighbour,
  shortName
} from '../DagGraph';
import { layoutDag } from '../dag';
import { IRunStep } from '../types';
import { etlPipeline, etlRun } from './fixtures';

afterEach(cleanup);

const steps = etlPipeline().dag!.steps;

function statusOf(run = etlRun('1', 'FAILED', {})) {
  return new Map<string, IRunStep>(run.steps.map(s => [s.name, s]));
}

describe('graphEdges', () => {
  it('links each step to its upstream steps and to its error handlers', () => {
    expect(graphEdges(steps)).toEqual([
      { source: 'Collect', target: 'Clean A', kind: 'next' },
      { source: 'Clean A', target: 'Alert', kind: 'on_error' },
      { source: 'Collect', target: 'Clean B', kind: 'next' },
      { source: 'Clean A', target: 'Publish', kind: 'next' },
      { source: 'Clean B', target: 'Publish', kind: 'next' }
    ]);
  });

  it('ignores links to steps it does not know', () => {
    expect(
      graphEdges([
        {
          name: 'a',
          kind: 'dummy',
          role: 'step',
          upstream: ['ghost'],
          on_error: []
        }
      ])
    ).toEqual([]);
  });
});

describe('DagGraph', () => {
  it('draws a node per step and an edge per link, on_error links apart', () => {
    const { container } = render(
      <DagGraph steps={steps} onActivate={vi.fn()} label="Steps of etl" />
    );
    const graph = screen.getByRole('group', { name: 'Steps of etl' });
    expect(graph.querySelectorAll('[data-step]')).toHaveLength(5);
    expect(container.querySelectorAll('path.naas-Dag-edge')).toHaveLength(5);
    const onError = container.querySelectorAll(
      'path.naas-Dag-edge.naas-mod-on_error'
    );
    expect(onError).toHaveLength(1);
    expect(onError[0].getAttribute('data-from')).toBe('Clean A');
    expect(onError[0].getAttribute('data-to')).toBe('Alert');
    // before any run every step reads "Not run"
    expect(
      screen.getByRole('button', { name: 'Collect, Not run' })
    ).toBeTruthy();
    expect(
      screen.getByRole('button', { name: 'Clean B, Not run, placeholder step' })
    ).toBeTruthy();
    expect(
      screen.getByRole('button', { name: 'Alert, Not run, error handler' })
    ).toBeTruthy();
  });

  it('colours nodes by the status of the shown run, with the status in words', () => {
    const run = etlRun('1', 'FAILED', {
      Collect: 'SUCCEEDED',
      'Clean A': 'FAILED',
      'Clean B': 'SUCCEEDED',
      Publish: 'SKIPPED',
      Alert: 'RUNNING'
    });
    const { container } = render(
      <DagGraph
        steps={steps}
        status={statusOf(run)}
        onActivate={vi.fn()}
        label="g"
      />
    );
    const node = (name: string) =>
      container.querySelector(`[data-step="${name}"]`) as SVGGElement;
    expect(node('Collect').getAttribute('class')).toContain(
      'naas-mod-succeeded'
    );
    expect(node('Clean A').getAttribute('class')).toContain('naas-mod-failed');
    expect(node('Publish').getAttribute('class')).toContain('naas-mod-skipped');
    expect(node('Alert').getAttribute('class')).toContain('naas-mod-running');
    expect(node('Clean A').getAttribute('data-status')).toBe('FAILED');
    expect(node('Clean A').textContent).toContain('✕ Failed · 900 ms');
    expect(node('Collect').getAttribute('aria-label')).toBe(
      'Collect, Succeeded, 900 ms'
    );
  });

  it('marks the selected step and a step at fault', () => {
    const { container } = render(
      <DagGraph
        steps={steps}
        selected="Publish"
        faulty="Clean B"
        onActivate={vi.fn()}
        label="g"
      />
    );
    const publish = container.querySelector('[data-step="Publish"]')!;
    expect(publish.getAttribute('class')).toContain('jp-mod-selected');
    expect(publish.getAttribute('aria-current')).toBe('true');
    expect(
      container.querySelector('[data-step="Clean B"]')!.getAttribute('class')
    ).toContain('naas-mod-faulty');
  });

  it('activates a step on click, Enter or Space; one step is in the tab order', () => {
    const onActivate = vi.fn();
    render(
      <DagGraph
        steps={steps}
        selected="Clean A"
        onActivate={onActivate}
        label="g"
      />
    );
    const cleanA = screen.getByRole('button', { name: /^Clean A/ });
    expect(cleanA.getAttribute('tabindex')).toBe('0');
    expect(
      screen
        .getAllByRole('button')
        .filter(b => b.getAttribute('tabindex') === '0')
    ).toHaveLength(1);
    fireEvent.click(screen.getByRole('button', { name: /^Collect/ }));
    fireEvent.keyDown(cleanA, { key: 'Enter' });
    fireEvent.keyDown(cleanA, { key: ' ' });
    expect(onActivate.mock.calls).toEqual([
      ['Collect'],
      ['Clean A'],
      ['Clean A']
    ]);
  });

  it('moves the focus along the graph with the arrow keys', () => {
    render(<DagGraph steps={steps} onActivate={vi.fn()} label="g" />);
    const collect = screen.getByRole('button', { name: /^Collect/ });
    collect.focus();
    fireEvent.keyDown(collect, { key: 'ArrowRight' });
    const next = document.activeElement as Element;
    expect(['Clean A', 'Clean B']).toContain(next.getAttribute('data-step'));
    expect(next.getAttribute('tabindex')).toBe('0');
    fireEvent.keyDown(next, { key: 'ArrowLeft' });
    expect(document.activeElement?.getAttribute('data-step')).toBe('Collect');
  });

  it('cuts long names to fit a node (the full name stays in its label)', () => {
    expect(shortName('Short')).toBe('Short');
    const long = 'Collect every order from the shop';
    expect(shortName(long)).toHaveLength(22);
    expect(shortName(long).endsWith('…')).toBe(true);
  });
});

describe('neighbour', () => {
  const layout = layoutDag(
    steps.map(s => ({ id: s.name })),
    graphEdges(steps),
    GRAPH_LAYOUT
  );

  it('goes up and down a column, left and right across columns', () => {
    const column = [...layout.nodes.values()]
      .filter(n => n.layer === 1)
      .sort((a, b) => a.order - b.order)
      .map(n => n.id);
    expect(column).toHaveLength(2);
    expect(neighbour(layout, column[0], 'ArrowDown')).toBe(column[1]);
    expect(neighbour(layout, column[1], 'ArrowUp')).toBe(column[0]);
    expect(neighbour(layout, column[0], 'ArrowUp')).toBeNull();
    expect(neighbour(layout, 'Collect', 'ArrowLeft')).toBeNull();
    expect(column).toContain(neighbour(layout, 'Collect', 'ArrowRight'));
    expect(neighbour(layout, 'Collect', 'Tab')).toBeNull();
  });
});

describe('GraphLegend', () => {
  it('names every status and both kinds of links', () => {
    render(<GraphLegend />);
    const legend = screen.getByRole('list', { name: 'Legend' });
    for (const word of [
      'Not run',
      'Pending',
      'Running',
      'Succeeded',
      'Failed',
      'Skipped',
      'Cancelled',
      'Interrupted',
      'then',
      'on error'
    ]) {
      expect(legend.textContent).toContain(word);
    }
  });
});
