/**
 * Where a deploy stands, in the words of its notification and of the Deployment section:
 * the step it is at, how far it went, how it ended.
 */
import { IDeployment, IDeployStep, ISchedule } from './types';
import { dueInWords, plural, soonestRun } from './words';

/** True once a deployment can no longer change (stop following it). */
export function isSettled(deployment: Pick<IDeployment, 'status'>): boolean {
  return deployment.status !== 'PENDING' && deployment.status !== 'RUNNING';
}

/**
 * The step running now, else the next one to run, else the last one (every step ended but
 * the deployment is not settled yet); null when there are no steps.
 */
export function currentStep(deployment: IDeployment): IDeployStep | null {
  const steps = deployment.steps;
  return (
    steps.find(s => s.status === 'RUNNING') ??
    steps.find(s => s.status === 'PENDING') ??
    steps[steps.length - 1] ??
    null
  );
}

/** The step that failed, if any. */
export function failedStep(deployment: IDeployment): IDeployStep | null {
  return deployment.steps.find(s => s.status === 'FAILED') ?? null;
}

/** The share of the steps that ended (0 to 1), for a progress bar. */
export function progressOf(deployment: IDeployment): number {
  const steps = deployment.steps;
  if (steps.length === 0) {
    return isSettled(deployment) ? 1 : 0;
  }
  const ended = steps.filter(
    s => s.status !== 'PENDING' && s.status !== 'RUNNING'
  ).length;
  return ended / steps.length;
}

/** "Deploying Sales: Product tests…" (the step that runs, or is about to). */
export function progressMessage(
  deployment: IDeployment,
  title: string
): string {
  const step = currentStep(deployment);
  return step
    ? `Deploying ${title}: ${step.title}…`
    : `Deploying ${title}: starting…`;
}

/** "Sales deployed: 1 schedule, next run in 3 h". */
export function successMessage(
  title: string,
  schedules: readonly ISchedule[],
  now: Date = new Date()
): string {
  if (schedules.length === 0) {
    return `${title} deployed: no schedule (declare one in setup.ipynb with schedule()).`;
  }
  const next = soonestRun(schedules);
  const count = plural(schedules.length, 'schedule');
  if (!next) {
    return `${title} deployed: ${count}, all paused.`;
  }
  return `${title} deployed: ${count}, next run ${dueInWords(next, now)}`;
}

/**
 * Why a deploy failed, the step first (a notification shows the first 140 characters):
 * "Deploy of Sales failed at Requirements, production unchanged: ERROR: ...".
 */
export function failureMessage(deployment: IDeployment, title: string): string {
  const step = failedStep(deployment);
  const reason =
    step?.message || deployment.error || 'see the Deployment section';
  const where = step ? ` at ${step.title}` : '';
  return `Deploy of ${title} failed${where}, production unchanged: ${reason}`;
}
