/**
 * A run or step status as a symbol and a word (colour is never the only signal).
 */
import * as React from 'react';

import { statusInfo } from './runs';
import { StepStatus } from './types';

export function Status(props: { status: StepStatus | null }): JSX.Element {
  const info = statusInfo(props.status);
  return (
    <span className={`naas-Status ${info.className}`}>
      <span className="naas-StatusSymbol" aria-hidden="true">
        {info.symbol}
      </span>{' '}
      {info.label}
    </span>
  );
}
