/**
 * A pipeline DAG drawn as an SVG graph (layout from ./dag): steps are nodes coloured by
 * their status in the shown run, with the status as a symbol and a word too; `on_error`
 * links are dashed in the error colour. Nodes are buttons: Tab reaches the graph, the arrow
 * keys move between steps, Enter or Space (or a click) activates one.
 */
import * as React from 'react';

import { formatDuration } from '../format';
import {
  IDagEdge,
  ILayout,
  ILayoutOptions,
  IPlacedNode,
  edgePath,
  layoutDag
} from './dag';
import { NOT_RUN, STATUSES, statusInfo } from './runs';
import { IRunStep, StepStatus } from './types';

/** What the graph needs of a step: a DAG step or a step of a run. */
export interface IGraphStep {
  name: string;
  kind: string;
  role: 'step' | 'on_error';
  upstream: readonly string[];
  on_error: readonly string[];
}

export const GRAPH_LAYOUT: ILayoutOptions = {
  nodeWidth: 176,
  nodeHeight: 48,
  columnGap: 56,
  rowGap: 22,
  margin: 16
};

/** Roughly how many characters of a step name fit in a node. */
const NAME_CHARS = 22;

export interface IDagGraphProps {
  steps: readonly IGraphStep[];
  /** The steps of the shown run, by name (absent: nothing ran). */
  status?: ReadonlyMap<string, Pick<IRunStep, 'status' | 'duration'>>;
  /** The step whose details are shown. */
  selected?: string | null;
  /** A step named by an error of the definition: outlined in the error colour. */
  faulty?: string | null;
  /** Click, Enter or Space on a step. */
  onActivate: (name: string) => void;
  /** Accessible name of the graph. */
  label: string;
}

/** The edges of a DAG from its steps' upstream and on_error lists. */
export function graphEdges(steps: readonly IGraphStep[]): IDagEdge[] {
  const names = new Set(steps.map(s => s.name));
  const edges: IDagEdge[] = [];
  for (const step of steps) {
    for (const upstream of step.upstream) {
      if (names.has(upstream)) {
        edges.push({ source: upstream, target: step.name, kind: 'next' });
      }
    }
    for (const handler of step.on_error) {
      if (names.has(handler)) {
        edges.push({ source: step.name, target: handler, kind: 'on_error' });
      }
    }
  }
  return edges;
}

/** A step name cut to fit its node (the full name is in its tooltip and label). */
export function shortName(name: string, max = NAME_CHARS): string {
  return name.length <= max ? name : `${name.slice(0, max - 1)}…`;
}

/** The step the arrow `key` moves to from `current`, or null. */
export function neighbour(
  layout: ILayout,
  current: string,
  key: string
): string | null {
  const here = layout.nodes.get(current);
  if (!here) {
    return null;
  }
  const nodes = [...layout.nodes.values()];
  let candidates: IPlacedNode[];
  switch (key) {
    case 'ArrowUp':
    case 'ArrowDown': {
      const step = key === 'ArrowDown' ? 1 : -1;
      candidates = nodes.filter(
        n => n.layer === here.layer && n.order === here.order + step
      );
      break;
    }
    case 'ArrowLeft':
    case 'ArrowRight': {
      const layer = here.layer + (key === 'ArrowRight' ? 1 : -1);
      candidates = nodes
        .filter(n => n.layer === layer)
        .sort((a, b) => Math.abs(a.y - here.y) - Math.abs(b.y - here.y));
      break;
    }
    default:
      return null;
  }
  return candidates[0]?.id ?? null;
}

function nodeLabel(
  step: IGraphStep,
  status: StepStatus | null,
  duration: number | null | undefined
): string {
  const info = status ? statusInfo(status) : NOT_RUN;
  const parts = [step.name, info.label];
  if (duration !== null && duration !== undefined) {
    parts.push(formatDuration(duration));
  }
  if (step.role === 'on_error') {
    parts.push('error handler');
  }
  if (step.kind === 'dummy') {
    parts.push('placeholder step');
  }
  return parts.join(', ');
}

/** The legend: every status (symbol, word, colour) and the two kinds of links. */
export function GraphLegend(): JSX.Element {
  return (
    <ul className="naas-Dag-legend" aria-label="Legend">
      {[null, ...STATUSES].map(status => {
        const info = status ? statusInfo(status) : NOT_RUN;
        return (
          <li
            key={info.label}
            className={`naas-Dag-legendItem ${info.className}`}
          >
            <span className="naas-StatusSymbol" aria-hidden="true">
              {info.symbol}
            </span>
            {info.label}
          </li>
        );
      })}
      <li className="naas-Dag-legendItem">
        <svg width="28" height="8" aria-hidden="true">
          <line
            className="naas-Dag-edge naas-mod-next"
            x1="0"
            y1="4"
            x2="28"
            y2="4"
          />
        </svg>
        then
      </li>
      <li className="naas-Dag-legendItem">
        <svg width="28" height="8" aria-hidden="true">
          <line
            className="naas-Dag-edge naas-mod-on_error"
            x1="0"
            y1="4"
            x2="28"
            y2="4"
          />
        </svg>
        on error
      </li>
    </ul>
  );
}

export function DagGraph(props: IDagGraphProps): JSX.Element {
  const { steps, status, selected, faulty, onActivate } = props;
  const edges = React.useMemo(() => graphEdges(steps), [steps]);
  const layout = React.useMemo(
    () =>
      layoutDag(
        steps.map(s => ({ id: s.name })),
        edges,
        GRAPH_LAYOUT
      ),
    [steps, edges]
  );
  const [focused, setFocused] = React.useState<string | null>(null);
  const nodeRefs = React.useRef(new Map<string, SVGGElement>());
  // Marker ids must be unique in the page: several pipeline views may be open.
  const uid = React.useId().replace(/[^A-Za-z0-9_-]/g, '');
  const byName = new Map(steps.map(s => [s.name, s]));
  // The node reached by Tab: the focused one, else the selected one, else the first.
  const tabStop =
    (focused && byName.has(focused) && focused) ||
    (selected && byName.has(selected) && selected) ||
    steps[0]?.name;

  const onKeyDown = (event: React.KeyboardEvent, name: string): void => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onActivate(name);
      return;
    }
    const next = neighbour(layout, name, event.key);
    if (next) {
      event.preventDefault();
      setFocused(next);
      nodeRefs.current.get(next)?.focus();
    }
  };

  const { nodeWidth, nodeHeight } = GRAPH_LAYOUT;
  return (
    <svg
      className="naas-Dag-svg"
      width={layout.width}
      height={layout.height}
      viewBox={`0 0 ${layout.width} ${layout.height}`}
      role="group"
      aria-label={props.label}
    >
      <defs>
        {(['next', 'on_error'] as const).map(kind => (
          <marker
            key={kind}
            id={`${uid}-arrow-${kind}`}
            className={`naas-Dag-arrow naas-mod-${kind}`}
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" />
          </marker>
        ))}
      </defs>
      <g className="naas-Dag-edges" aria-hidden="true">
        {edges.map(edge => {
          const from = layout.nodes.get(edge.source);
          const to = layout.nodes.get(edge.target);
          if (!from || !to) {
            return null;
          }
          const kind = edge.kind ?? 'next';
          return (
            <path
              key={`${edge.source}\u0000${edge.target}\u0000${kind}`}
              className={`naas-Dag-edge naas-mod-${kind}`}
              data-from={edge.source}
              data-to={edge.target}
              d={edgePath(from, to, GRAPH_LAYOUT)}
              markerEnd={`url(#${uid}-arrow-${kind})`}
            />
          );
        })}
      </g>
      {steps.map(step => {
        const placed = layout.nodes.get(step.name);
        if (!placed) {
          return null;
        }
        const run = status?.get(step.name);
        const info = run ? statusInfo(run.status) : NOT_RUN;
        const classes = [
          'naas-Dag-node',
          info.className,
          step.role === 'on_error' ? 'naas-mod-handler' : '',
          step.kind === 'dummy' ? 'naas-mod-dummy' : '',
          step.name === selected ? 'jp-mod-selected' : '',
          step.name === faulty ? 'naas-mod-faulty' : ''
        ]
          .filter(Boolean)
          .join(' ');
        const duration =
          run?.duration !== null && run?.duration !== undefined
            ? ` · ${formatDuration(run.duration)}`
            : '';
        const label = nodeLabel(step, run?.status ?? null, run?.duration);
        return (
          <g
            key={step.name}
            ref={node => {
              if (node) {
                nodeRefs.current.set(step.name, node);
              } else {
                nodeRefs.current.delete(step.name);
              }
            }}
            className={classes}
            transform={`translate(${placed.x} ${placed.y})`}
            role="button"
            tabIndex={step.name === tabStop ? 0 : -1}
            aria-label={label}
            aria-current={step.name === selected ? true : undefined}
            data-step={step.name}
            data-status={run?.status ?? 'NOT_RUN'}
            onClick={() => {
              setFocused(step.name);
              onActivate(step.name);
            }}
            onFocus={() => setFocused(step.name)}
            onKeyDown={event => onKeyDown(event, step.name)}
          >
            <title>{label}</title>
            <rect
              className="naas-Dag-box"
              width={nodeWidth}
              height={nodeHeight}
              rx="6"
            />
            <rect
              className="naas-Dag-bar"
              width="6"
              height={nodeHeight}
              rx="3"
            />
            <text className="naas-Dag-name" x="14" y="19">
              {shortName(step.name)}
            </text>
            <text className="naas-Dag-status" x="14" y="37">
              <tspan className="naas-StatusSymbol">{info.symbol}</tspan>
              {` ${info.label}${duration}`}
            </text>
            {step.role === 'on_error' ? (
              <text
                className="naas-Dag-tag"
                x={nodeWidth - 8}
                y="14"
                textAnchor="end"
              >
                on error
              </text>
            ) : null}
          </g>
        );
      })}
    </svg>
  );
}
