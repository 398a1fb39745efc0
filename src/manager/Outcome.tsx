/**
 * What an action in the Manager did (deploy, cancel, re-run, a job's or a secret's action):
 * one line, announced as a status, or as an alert when it failed.
 */
import * as React from 'react';

export interface IOutcome {
  error: boolean;
  text: string;
}

export function Outcome(props: {
  outcome: IOutcome | null;
  /** The accessible name, when several outcomes can show at once (one per row). */
  label?: string;
  /** Shown after the text (e.g. a link to the run the action started). */
  children?: React.ReactNode;
}): JSX.Element | null {
  const { outcome } = props;
  if (!outcome) {
    return null;
  }
  return (
    <div
      className={
        'naas-Manager-outcome' + (outcome.error ? ' naas-mod-error' : '')
      }
      role={outcome.error ? 'alert' : 'status'}
      aria-label={props.label}
    >
      {outcome.text}
      {props.children}
    </div>
  );
}
