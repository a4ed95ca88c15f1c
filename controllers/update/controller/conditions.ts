// The Container condition the update controller owns: Updating. True while an operation runs (its step in the
// message); False with a reason saying how the last one ended, or what an update waits for. Messages carry absolute
// times, never "in 3 minutes", so that a pass that changes nothing writes nothing.
import type { ConditionUpdate } from '../../runtime/index.ts';
import type { UpdateOperation, UpdateOutcomeOrSkip } from '../machine/operation.ts';

const OUTCOME_REASONS: Record<UpdateOutcomeOrSkip, string> = {
  success: 'Succeeded',
  identical: 'Identical',
  pull_only: 'PullOnly',
  dry_run: 'DryRun',
  skipped: 'SkippedByHook',
  rollback: 'RolledBack',
  failed: 'Failed',
};

function what(operation: UpdateOperation): string {
  return operation.type === 'rollback' ? `rollback to snapshot ${operation.details.restore?.snapshot ?? ''}` : `update to ${operation.targetImage}`;
}

/** While an operation runs. */
export function updatingCondition(operation: UpdateOperation): ConditionUpdate {
  const rollingBack = operation.phase === 'RollingBack';
  return {
    type: 'Updating',
    status: 'True',
    reason: rollingBack ? 'RollingBack' : operation.type === 'rollback' ? 'RollingBackOnRequest' : 'Updating',
    message: `${what(operation)}: ${operation.step}${rollingBack && operation.details.error !== undefined ? ` (after: ${operation.details.error})` : ''}`,
  };
}

/** Once an operation ended (and was recorded as `record`). */
export function endedCondition(operation: UpdateOperation, record: string | undefined, note?: { reason: string; message: string }): ConditionUpdate {
  const outcome = operation.details.outcome ?? 'failed';
  const ended = `${what(operation)} ended: ${outcome}${operation.details.error === undefined ? '' : ` (${operation.details.error})`}${record === undefined ? '' : `; record ${record}`}`;
  // A git-owned policy (or another manager's) is the one thing the user must act on: it goes first.
  if (note !== undefined) return { type: 'Updating', status: 'False', reason: note.reason, message: `${note.message}; ${ended}` };
  const stale = operation.details.error?.startsWith('ApprovalStale') === true;
  return { type: 'Updating', status: 'False', reason: stale ? 'ApprovalStale' : OUTCOME_REASONS[outcome], message: ended };
}

export function waitingCondition(reason: string, message: string): ConditionUpdate {
  return { type: 'Updating', status: 'False', reason, message };
}
