// The heart of the update: a pure function from (persisted operation, observed Docker state) to the next action and
// the operation to persist BEFORE doing it. It never trusts that the previous action happened: each step first
// looks at Docker (or at the result recorded in the operation) to see whether its effect is already there, so the
// machine can be killed at any point and resumed from what was persisted. The old container is never removed before
// the new one is verified: it waits, stopped, under a recovery name, and a rollback renames it back (so a rollback
// runs the exact old image ID, whatever the tag points to now).
import type { Action } from './actions.ts';
import { isTerminal, type Step, type UpdateOperation } from './operation.ts';
import { FORWARD } from './steps/forward-steps.ts';
import { ROLLBACK } from './steps/rollback-steps.ts';
import type { StepHandler } from './steps/step-decision.ts';
import { advance, startStep } from './transitions.ts';
import type { World } from './world.ts';

export { HEALTH_POLL_MS } from './steps/forward-steps.ts';

export interface Decision {
  /** Persist this before performing `action`. */
  operation: UpdateOperation;
  action: Action;
}

const STEPS: Record<Exclude<Step, 'done'>, StepHandler> = { ...FORWARD, ...ROLLBACK };

const MAX_TRANSITIONS = 64;

export function decide(persisted: UpdateOperation, world: World): Decision {
  let operation = persisted;
  for (let transitions = 0; transitions < MAX_TRANSITIONS; transitions += 1) {
    if (isTerminal(operation) || operation.step === 'done') return { operation, action: { kind: 'done' } };
    const retryAt = operation.details.retryAt;
    if (retryAt !== undefined && Date.parse(retryAt) > world.now) {
      return { operation, action: { kind: 'wait', until: Date.parse(retryAt), reason: `retry after: ${operation.details.lastError ?? 'error'}` } };
    }
    const decision = STEPS[operation.step](operation, world);
    if (decision.kind === 'to') {
      operation = decision.operation;
    } else if (decision.kind === 'done') {
      operation = advance(decision.operation ?? operation, world.now, decision.message, decision.outcome);
    } else {
      return { operation: startStep(decision.operation ?? operation, world.now), action: decision.action };
    }
  }
  throw new Error(`update of ${persisted.details.containerName}: no decision after ${MAX_TRANSITIONS} transitions (step ${operation.step})`);
}
