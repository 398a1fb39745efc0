import { cleanup, render, screen } from '@testing-library/react';
import * as React from 'react';
import { afterEach, describe, expect, it } from 'vitest';

import { StepDetails } from '../StepDetails';
import { etlRun, runStep } from './fixtures';

afterEach(cleanup);

describe('StepDetails: where the step ran', () => {
  const show = (worker: string | null | undefined) => {
    const step = runStep('Collect', 'SUCCEEDED', { worker });
    render(
      <StepDetails
        name="Collect"
        definition={undefined}
        step={step}
        run={etlRun('1', 'SUCCEEDED')}
        root="shop"
        open={() => undefined}
      />
    );
  };

  it('names the Dask worker that ran the step', () => {
    show('deployed-worker (tcp://10.0.0.5:40331)');
    expect(screen.getByText('Ran on')).toBeTruthy();
    expect(
      screen.getByText('deployed-worker (tcp://10.0.0.5:40331)').tagName
    ).toBe('CODE');
  });

  it('says nothing of a worker for a step that ran locally', () => {
    show(null);
    expect(screen.queryByText('Ran on')).toBeNull();
  });
});
