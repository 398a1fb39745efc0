/**
 * Pipelines and runs as the server answers them (shapes taken from naas-lab --json output).
 */
import { IDagStep, IPipeline, IRun, IRunStep, StepStatus } from '../types';

export function dagStep(
  name: string,
  upstream: string[] = [],
  extra: Partial<IDagStep> = {}
): IDagStep {
  return {
    name,
    kind: 'notebook',
    role: 'step',
    upstream,
    on_error: [],
    timeout: null,
    retries: 0,
    retry_delay: 0,
    notebook_path: `models/${name.toLowerCase().replace(/ /g, '_')}.ipynb`,
    parameters: {},
    kernel_name: null,
    ...extra
  };
}

/** Collect -> [Clean A, Clean B] -> Publish, Clean A on_error -> Alert. */
export function etlPipeline(extra: Partial<IPipeline> = {}): IPipeline {
  const steps = [
    dagStep('Collect'),
    dagStep('Clean A', ['Collect'], { on_error: ['Alert'] }),
    dagStep('Clean B', ['Collect'], { kind: 'dummy', delay: 1 }),
    dagStep('Publish', ['Clean A', 'Clean B']),
    dagStep('Alert', [], { role: 'on_error' })
  ];
  return {
    path: 'shop/models/etl.ipynb',
    product: 'shop',
    name: 'etl',
    dag: {
      name: 'etl',
      root: 'shop',
      steps,
      edges: [
        { from: 'Collect', to: 'Clean A', kind: 'next' },
        { from: 'Clean A', to: 'Alert', kind: 'on_error' },
        { from: 'Collect', to: 'Clean B', kind: 'next' },
        { from: 'Clean A', to: 'Publish', kind: 'next' },
        { from: 'Clean B', to: 'Publish', kind: 'next' }
      ]
    },
    parameters: [
      {
        name: 'days',
        type: 'int',
        default: '7',
        value: 3,
        help: 'days of history',
        steps: ['Collect']
      },
      {
        name: 'region',
        type: 'str',
        default: "'EU'",
        value: 'EU',
        help: '',
        steps: ['Collect', 'Clean A']
      },
      {
        name: 'pipeline_output_path',
        type: null,
        default: 'None',
        value: null,
        help: '',
        steps: ['Collect']
      }
    ],
    error: null,
    ...extra
  };
}

export function runStep(
  name: string,
  status: StepStatus,
  extra: Partial<IRunStep> = {}
): IRunStep {
  return {
    name,
    kind: 'notebook',
    role: 'step',
    status,
    started_at: status === 'PENDING' ? null : '2026-11-24T00:33:13.905Z',
    ended_at: null,
    duration: status === 'SUCCEEDED' || status === 'FAILED' ? 0.9 : null,
    attempts: status === 'PENDING' ? 0 : 1,
    notebook_path: `models/${name.toLowerCase().replace(/ /g, '_')}.ipynb`,
    output_path:
      status === 'PENDING' || status === 'SKIPPED'
        ? null
        : `shop/outputs/pipeline_executions/etl/r1/${name}.ipynb`,
    error: null,
    detail: '',
    upstream: [],
    on_error: [],
    ...extra
  };
}

/** A run of etlPipeline() with its steps in the given statuses. */
export function etlRun(
  id: string,
  status: IRun['status'],
  steps: Partial<Record<string, StepStatus>> = {},
  extra: Partial<IRun> = {}
): IRun {
  const dag = etlPipeline().dag!;
  return {
    id,
    pipeline: 'etl',
    status,
    product: 'shop',
    pipeline_path: 'shop/models/etl.ipynb',
    source: 'api',
    parameters: {},
    created_at: `2026-11-24T00:${id.padStart(2, '0')}:00.000Z`,
    started_at: `2026-11-24T00:${id.padStart(2, '0')}:00.000Z`,
    ended_at: null,
    duration: status === 'RUNNING' || status === 'PENDING' ? null : 2.7,
    error: null,
    output_dir: `shop/outputs/pipeline_executions/etl/${id}`,
    cancel_requested: false,
    deployment_id: null,
    notify: null,
    steps:
      status === 'PENDING'
        ? []
        : dag.steps.map(s =>
            runStep(s.name, steps[s.name] ?? 'PENDING', {
              kind: s.kind,
              role: s.role,
              upstream: s.upstream,
              on_error: s.on_error
            })
          ),
    ...extra
  };
}
