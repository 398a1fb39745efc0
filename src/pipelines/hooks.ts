/**
 * React hooks of the Pipeline view.
 */
import * as React from 'react';

import { PipelineModel } from './model';

/** Re-render whenever the model changes. */
export function useModel(model: PipelineModel): void {
  const [, setTick] = React.useState(0);
  React.useEffect(() => {
    const onChange = (): void => setTick(t => t + 1);
    model.changed.connect(onChange);
    return () => {
      model.changed.disconnect(onChange);
    };
  }, [model]);
}

/** Seconds since `active` became true (for long operations). */
export function useElapsed(active: boolean): number {
  const [seconds, setSeconds] = React.useState(0);
  React.useEffect(() => {
    setSeconds(0);
    if (!active) {
      return;
    }
    const started = Date.now();
    const timer = setInterval(
      () => setSeconds(Math.floor((Date.now() - started) / 1000)),
      1000
    );
    return () => clearInterval(timer);
  }, [active]);
  return seconds;
}
