/**
 * The details of the selected step of the Pipeline view: what it is, how it ran, why it
 * failed or was skipped, and its notebooks to open.
 */
import * as React from 'react';

import { formatDuration, formatTime } from '../format';
import { inFolder } from '../paths';
import { Status } from './Status';
import { IDagStep, IRun, IRunStep } from './types';

function StepError(props: { step: IRunStep }): JSX.Element | null {
  const error = props.step.error;
  if (!error) {
    return null;
  }
  return (
    <div className="naas-StepError" role="alert">
      <p className="naas-StepError-message">
        <strong>{error.name}</strong>: {error.message}
      </p>
      {error.cell_source !== null ? (
        <>
          <p className="naas-StepError-where">
            Failing cell
            {error.execution_count !== null
              ? ` In [${error.execution_count}]`
              : error.cell_index !== null
                ? ` (cell ${error.cell_index + 1} of the executed notebook)`
                : ''}
            :
          </p>
          <pre className="naas-StepError-cell">{error.cell_source}</pre>
        </>
      ) : null}
      {error.traceback ? (
        <details className="naas-StepError-traceback">
          <summary>Traceback</summary>
          <pre>{error.traceback}</pre>
        </details>
      ) : null}
    </div>
  );
}

/** What the Kind line says: `fails` marks a DummyErrorStep (a placeholder that fails). */
export function kindLabel(kind: string, fails = false): string {
  if (kind === 'dummy') {
    return fails
      ? 'placeholder that fails (DummyErrorStep)'
      : 'placeholder (DummyStep)';
  }
  return kind;
}

export function StepDetails(props: {
  name: string;
  definition: IDagStep | undefined;
  step: IRunStep | undefined;
  run: IRun | null;
  root: string | null | undefined;
  open: (path: string) => void;
}): JSX.Element {
  const { name, definition, step, run, open } = props;
  const notebook = step?.notebook_path ?? definition?.notebook_path ?? null;
  const kind = step?.kind ?? definition?.kind ?? '';
  const role = step?.role ?? definition?.role ?? 'step';
  return (
    <section className="naas-StepDetails" aria-label={`Step ${name}`}>
      <h3 className="naas-StepDetails-title">
        {name}
        {run ? <Status status={step?.status ?? run.status} /> : null}
      </h3>
      <dl className="naas-StepDetails-facts">
        <dt>Kind</dt>
        <dd>
          {kindLabel(kind, definition?.fails === true)}
          {role === 'on_error' ? ', error handler' : ''}
        </dd>
        {notebook ? (
          <>
            <dt>Notebook</dt>
            <dd>
              <code>{notebook}</code>
            </dd>
          </>
        ) : null}
        {step?.started_at ? (
          <>
            <dt>Started</dt>
            <dd title={step.started_at}>{formatTime(step.started_at)}</dd>
          </>
        ) : null}
        {step?.duration !== null && step?.duration !== undefined ? (
          <>
            <dt>Duration</dt>
            <dd>{formatDuration(step.duration)}</dd>
          </>
        ) : null}
        {step && step.attempts > 1 ? (
          <>
            <dt>Attempts</dt>
            <dd>{step.attempts}</dd>
          </>
        ) : null}
        {step?.worker ? (
          <>
            <dt>Ran on</dt>
            <dd>
              <code title="The Dask worker that ran it">{step.worker}</code>
            </dd>
          </>
        ) : null}
        {!run && definition ? (
          <>
            {definition.timeout ? (
              <>
                <dt>Timeout</dt>
                <dd>{formatDuration(definition.timeout)}</dd>
              </>
            ) : null}
            {definition.retries ? (
              <>
                <dt>Retries</dt>
                <dd>
                  {definition.retries}, {formatDuration(definition.retry_delay)}{' '}
                  apart
                </dd>
              </>
            ) : null}
            {definition.parameters &&
            Object.keys(definition.parameters).length ? (
              <>
                <dt>Parameters</dt>
                <dd>
                  <code>{JSON.stringify(definition.parameters)}</code>
                </dd>
              </>
            ) : null}
          </>
        ) : null}
      </dl>
      {step?.detail ? (
        <p className="naas-StepDetails-detail">
          {step.status === 'SKIPPED' ? 'Skipped: ' : ''}
          {step.detail}
        </p>
      ) : null}
      {step?.status === 'SKIPPED' && !step.detail ? (
        <p className="naas-StepDetails-detail">
          Skipped: an upstream step did not succeed.
        </p>
      ) : null}
      {step ? <StepError step={step} /> : null}
      {run && !step ? (
        <p className="naas-Empty">This step is not part of the shown run.</p>
      ) : null}
      <div className="naas-StepDetails-actions">
        {step?.output_path ? (
          <button
            className="jp-mod-styled jp-mod-accept naas-Button"
            onClick={() => open(step.output_path as string)}
          >
            Open executed notebook
          </button>
        ) : null}
        {notebook ? (
          <button
            className="jp-mod-styled naas-Button"
            onClick={() => open(inFolder(props.root, notebook))}
          >
            Open source notebook
          </button>
        ) : null}
      </div>
    </section>
  );
}
