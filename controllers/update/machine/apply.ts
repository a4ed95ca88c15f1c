// Folds what an action produced into the operation (pure). Results Docker cannot show afterwards (a hook's exit code,
// the pulled image ID, the snapshot's name) live only here; everything else the next decision observes itself.
import type { Action, ActionResult } from './actions.ts';
import type { NamespaceDependent, UpdateOperation } from './operation.ts';
import { advance, fail, finish, retryOrGiveUp, rollingBack } from './transitions.ts';

function withDetails(operation: UpdateOperation, details: Partial<UpdateOperation['details']>): UpdateOperation {
  return { ...operation, details: { ...operation.details, ...details } };
}

function updateDependent(operation: UpdateOperation, name: string, change: Partial<NamespaceDependent>): UpdateOperation {
  const dependents = (operation.details.dependents ?? []).map((dependent) => (dependent.name === name ? { ...dependent, ...change } : dependent));
  return withDetails(operation, { dependents });
}

function hookOutcome(operation: UpdateOperation, action: Extract<Action, { kind: 'exec' }>, result: ActionResult, now: number): UpdateOperation {
  const hooks = action.hook === 'pre' ? operation.details.options.preHooks : operation.details.options.postHooks;
  const hook = hooks[action.index];
  const counted = action.hook === 'pre' ? { preHooksDone: action.index + 1 } : { postHooksDone: action.index + 1 };
  const label = `${action.hook}-update hook ${JSON.stringify(action.command.join(' '))}`;
  const output = result.output === undefined || result.output.trim() === '' ? '' : `: ${result.output.trim().slice(-512)}`;
  if (result.exitCode === 0) return withDetails(operation, counted);
  if (action.hook === 'post') {
    // The new container is verified by now; a failing post-update hook is reported, not rolled back.
    const note = result.timedOut === true ? `${label} timed out` : `${label} exited with ${result.exitCode}${output}`;
    return withDetails(operation, { ...counted, steps: appendNote(operation, note) });
  }
  if (result.exitCode !== undefined && result.exitCode === hook?.skipExitCode) {
    return finish(operation, now, 'skipped', { message: `${label} exited with ${result.exitCode}: update skipped` });
  }
  const error = result.timedOut === true ? `${label} timed out after ${action.timeoutMs / 1000} s` : `${label} exited with ${result.exitCode}${output}`;
  return finish(operation, now, 'failed', { error });
}

/** Adds a note to the current step's record. */
function appendNote(operation: UpdateOperation, note: string): UpdateOperation['details']['steps'] {
  const steps = [...operation.details.steps];
  const last = steps[steps.length - 1];
  if (last === undefined) return steps;
  steps[steps.length - 1] = { ...last, message: last.message === undefined ? note : `${last.message}; ${note}` };
  return steps;
}

/** When a step has failed MAX_ATTEMPTS times: what the update does instead (undefined: keep trying, never give up). */
function giveUpFor(action: Action, now: number, error: string): ((operation: UpdateOperation) => UpdateOperation) | undefined {
  return (operation) => {
    if (rollingBack(operation)) return operation;
    switch (operation.step) {
      case 'preHook':
      case 'snapshot':
      case 'backup':
      case 'pull':
        return finish(operation, now, 'failed', { error });
      case 'postHook':
        return action.kind === 'exec' ? hookOutcome(operation, action, { exitCode: -1, output: error }, now) : advance(operation, now, error, 'failed');
      case 'removeOld':
      case 'cleanup':
        return advance(operation, now, error, 'failed');
      case 'dependents':
        // A removed dependent must be created again, whatever it takes; anything else is reported and left.
        if (action.kind === 'create') return retryOrGiveUp({ ...operation, attempt: 0 }, now, error, undefined);
        if ('dependent' in action && action.dependent !== undefined) return updateDependent(withDetails(operation, { steps: appendNote(operation, error) }), action.dependent, { done: true });
        return advance(operation, now, error, 'failed');
      default:
        return fail(operation, now, error);
    }
  };
}

export function applyResult(operation: UpdateOperation, action: Action, result: ActionResult, now: number): UpdateOperation {
  if (action.kind === 'done' || action.kind === 'wait') return operation;
  if (result.error !== undefined) {
    // The rollback never gives up: the container must end up existing once.
    const giveUp = rollingBack(operation) ? undefined : giveUpFor(action, now, result.error);
    return retryOrGiveUp(operation, now, result.error, giveUp);
  }
  const succeeded: UpdateOperation = { ...operation, attempt: 0, details: { ...operation.details } };
  delete succeeded.details.retryAt;
  delete succeeded.details.lastError;
  switch (action.kind) {
    case 'exec':
      return hookOutcome(succeeded, action, result, now);
    case 'snapshot': {
      if (result.snapshot === undefined) return succeeded;
      const next: UpdateOperation = { ...succeeded, snapshot: result.snapshot };
      if (result.imageID !== undefined) next.oldImageID = result.imageID;
      const dependents = (result.dependents ?? []).map((dependent) => ({ name: dependent.name, id: dependent.id, wasRunning: dependent.running, ...(dependent.kind === 'link' ? { kind: 'link' as const } : {}) }));
      const details: Partial<UpdateOperation['details']> = { oldWasRunning: result.running !== false, dependents };
      if (result.image !== undefined) details.oldImage = result.image;
      return withDetails(next, details);
    }
    case 'tag':
      return withDetails(succeeded, action.purpose === 'backup' ? { backupDone: true } : { oldTagRestored: true });
    case 'pull':
    case 'ensureImage':
      return withDetails(succeeded, { ...(result.imageID === undefined ? {} : { newImageID: result.imageID }), newRepoDigests: result.repoDigests ?? [] });
    case 'create':
      if (action.purpose === 'new' && result.containerID !== undefined) return { ...succeeded, newContainerID: result.containerID };
      return succeeded;
    case 'removeImage':
      return withDetails(succeeded, { cleanupDone: true, cleanupResult: `old image ${action.imageID.slice(7, 19)}: ${result.removal ?? 'removed'}` });
    case 'snapshotDependent':
      return result.snapshot === undefined ? succeeded : updateDependent(succeeded, action.dependent, { snapshot: result.snapshot });
    case 'restart':
      return updateDependent(succeeded, action.dependent, { done: true });
    case 'start':
      return action.dependent === undefined ? succeeded : updateDependent(succeeded, action.dependent, { done: true });
    default:
      return succeeded;
  }
}
