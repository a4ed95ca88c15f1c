// Pure state transitions shared by decide.ts and apply.ts: moving to the next step, finishing, failing forward into
// a rollback, and the step log that becomes the UpdateRecord's `steps`. Each returns a new operation.
import { FORWARD_STEPS, ROLLBACK_STEPS, type Phase, type Step, type StepRecord, type UpdateOperation, type UpdateOutcomeOrSkip } from './operation.ts';

export const MAX_ATTEMPTS = 3;
const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 30_000;

function iso(now: number): string {
  return new Date(now).toISOString();
}

export function backoffMs(attempt: number): number {
  return Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
}

function nextStep(step: Step): Step {
  const forward = FORWARD_STEPS.indexOf(step as (typeof FORWARD_STEPS)[number]);
  if (forward >= 0) return FORWARD_STEPS[forward + 1] ?? 'done';
  const back = ROLLBACK_STEPS.indexOf(step as (typeof ROLLBACK_STEPS)[number]);
  if (back >= 0) return ROLLBACK_STEPS[back + 1] ?? 'done';
  return 'done';
}

/** Records that the current step is being worked on (once per step, also across crashes). */
export function startStep(operation: UpdateOperation, now: number): UpdateOperation {
  const steps = operation.details.steps;
  const last = steps[steps.length - 1];
  if (last !== undefined && last.name === operation.step && last.finishedAt === undefined) return operation;
  const record: StepRecord = { name: operation.step, outcome: 'success', startedAt: iso(now) };
  return { ...operation, details: { ...operation.details, steps: [...steps, record] } };
}

/** Closes the current step's record; a step that needed no action is only recorded when it has something to say. */
function closeStep(operation: UpdateOperation, now: number, outcome: StepRecord['outcome'], message: string | undefined): StepRecord[] {
  const steps = [...operation.details.steps];
  const last = steps[steps.length - 1];
  if (last !== undefined && last.name === operation.step && last.finishedAt === undefined) {
    steps[steps.length - 1] = { ...last, outcome, finishedAt: iso(now), ...(message === undefined ? {} : { message }) };
  } else if (message !== undefined || outcome !== 'success') {
    steps.push({ name: operation.step, outcome, startedAt: iso(now), finishedAt: iso(now), ...(message === undefined ? {} : { message }) });
  }
  return steps;
}

function withoutRetry(details: UpdateOperation['details']): UpdateOperation['details'] {
  const { retryAt: _retryAt, lastError: _lastError, ...rest } = details;
  return rest;
}

/** The step is complete: on to the next one (the phase follows the step). */
export function advance(operation: UpdateOperation, now: number, message?: string, outcome: StepRecord['outcome'] = 'success'): UpdateOperation {
  const step = nextStep(operation.step);
  const steps = closeStep(operation, now, outcome, message);
  const details = { ...withoutRetry(operation.details), steps };
  if (step === 'done') return terminal({ ...operation, details }, now, rollingBack(operation) ? rollbackOutcome(operation) : 'success');
  const phase: Phase = rollingBack(operation) ? 'RollingBack' : step === 'grace' || step === 'verify' ? 'Verifying' : 'Running';
  return { ...operation, step, phase, attempt: 0, lastTransition: iso(now), details };
}

export function rollingBack(operation: UpdateOperation): boolean {
  return (ROLLBACK_STEPS as readonly string[]).includes(operation.step);
}

/** A rollback that replaced nothing (no new container was ever created) is a plain failure. */
function rollbackOutcome(operation: UpdateOperation): UpdateOutcomeOrSkip {
  return operation.newContainerID !== undefined ? 'rollback' : 'failed';
}

const PHASE_OF_OUTCOME: Record<UpdateOutcomeOrSkip, Phase> = {
  success: 'Succeeded',
  identical: 'Succeeded',
  pull_only: 'Succeeded',
  skipped: 'Skipped',
  rollback: 'RolledBack',
  failed: 'Failed',
};

function terminal(operation: UpdateOperation, now: number, outcome: UpdateOutcomeOrSkip, error?: string): UpdateOperation {
  const details = { ...withoutRetry(operation.details), outcome, finishedAt: iso(now) };
  if (error !== undefined) details.error = error;
  return { ...operation, phase: PHASE_OF_OUTCOME[outcome], step: 'done', attempt: 0, lastTransition: iso(now), details };
}

/**
 * Ends the operation in the current step with `outcome`; `error` says why it did not succeed, `message` adds a note
 * to the step (e.g. why nothing was changed).
 */
export function finish(operation: UpdateOperation, now: number, outcome: UpdateOutcomeOrSkip, text: { error?: string; message?: string } = {}): UpdateOperation {
  const stepOutcome = outcome === 'skipped' ? 'skipped' : outcome === 'failed' ? 'failed' : 'success';
  const steps = closeStep(operation, now, stepOutcome, text.error ?? text.message);
  return terminal({ ...operation, details: { ...operation.details, steps } }, now, outcome, text.error);
}

/**
 * The update cannot go on. Before the old container was touched it simply fails; after that, it goes back to the
 * old container (the rollback steps find out from Docker what there is to undo).
 */
export function fail(operation: UpdateOperation, now: number, error: string): UpdateOperation {
  if (rollingBack(operation)) throw new Error(`the rollback itself cannot fail over (${error}); it retries`);
  if (operation.details.stopIssued !== true) return finish(operation, now, 'failed', { error });
  const steps = closeStep(operation, now, 'failed', error);
  const details = { ...withoutRetry(operation.details), steps, error };
  return { ...operation, phase: 'RollingBack', step: ROLLBACK_STEPS[0], attempt: 0, lastTransition: iso(now), details };
}

/** A failed attempt of the current step: try again after a backoff, or give up per `giveUp` when out of attempts. */
export function retryOrGiveUp(
  operation: UpdateOperation,
  now: number,
  error: string,
  giveUp: ((operation: UpdateOperation) => UpdateOperation) | undefined,
): UpdateOperation {
  const attempt = operation.attempt + 1;
  if (giveUp !== undefined && attempt >= MAX_ATTEMPTS) return giveUp({ ...operation, attempt });
  return {
    ...operation,
    attempt,
    details: { ...operation.details, retryAt: iso(now + backoffMs(attempt)), lastError: error },
  };
}
