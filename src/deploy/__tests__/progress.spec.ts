import { describe, expect, it } from 'vitest';

import {
  currentStep,
  failureMessage,
  isSettled,
  progressMessage,
  progressOf,
  successMessage
} from '../progress';
import { NOW, deployment, schedule, steps } from './fixtures';

describe('progress of a deploy', () => {
  it('names the step that runs, or the next one before any runs', () => {
    expect(progressMessage(deployment('PENDING'), 'Sales')).toBe(
      'Deploying Sales: Product tests…'
    );
    const running = deployment('RUNNING', { steps: steps('requirements') });
    expect(progressMessage(running, 'Sales')).toBe(
      'Deploying Sales: Requirements…'
    );
    expect(currentStep(running)?.name).toBe('requirements');
    expect(progressMessage(deployment('PENDING', { steps: [] }), 'Sales')).toBe(
      'Deploying Sales: starting…'
    );
    expect(
      progressMessage(deployment('RUNNING', { steps: steps('done') }), 'Sales')
    ).toBe('Deploying Sales: Schedules…');
    expect(progressOf(running)).toBeCloseTo(2 / 5);
  });

  it('counts skipped tests as done, and knows when it settled', () => {
    const skipped = deployment('RUNNING', { steps: steps('copy') });
    skipped.steps[0].status = 'SKIPPED';
    expect(progressOf(skipped)).toBeCloseTo(1 / 5);
    expect(isSettled(deployment('RUNNING'))).toBe(false);
    expect(isSettled(deployment('PENDING'))).toBe(false);
    expect(isSettled(deployment('ACTIVE'))).toBe(true);
    expect(isSettled(deployment('FAILED'))).toBe(true);
  });

  it('ends in success with the schedules and the next run', () => {
    expect(successMessage('Sales', [schedule()], NOW)).toBe(
      'Sales deployed: 1 schedule, next run in 3 h'
    );
    expect(
      successMessage(
        'Sales',
        [schedule(), schedule({ id: 's2', paused: true })],
        NOW
      )
    ).toBe('Sales deployed: 2 schedules, next run in 3 h');
    expect(successMessage('Sales', [schedule({ paused: true })], NOW)).toBe(
      'Sales deployed: 1 schedule, all paused.'
    );
    expect(successMessage('Sales', [], NOW)).toContain(
      'Sales deployed: no schedule'
    );
  });

  it('ends in failure with the step and its message first', () => {
    const failed = deployment('FAILED', {
      steps: steps(
        'requirements',
        'FAILED',
        'ERROR: No matching distribution found for pandsa'
      ),
      error: 'pip install failed'
    });
    expect(failureMessage(failed, 'Sales')).toBe(
      'Deploy of Sales failed at Requirements, production unchanged: ' +
        'ERROR: No matching distribution found for pandsa'
    );
    expect(
      failureMessage(deployment('FAILED', { error: 'disk full' }), 'Sales')
    ).toBe('Deploy of Sales failed, production unchanged: disk full');
  });
});
