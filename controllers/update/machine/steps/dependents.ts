// Containers in the network namespace of the updated one (`network_mode: container:…`). Docker records that mode by
// container ID, so once the owner is replaced a dependent cannot even be restarted ("No such container"): it is
// recreated with `container:NEWID`, from a snapshot taken before it is removed, so that a crash between remove and
// create loses nothing. When the owner kept its ID (a rollback renamed the old one back), a restart is enough: the
// stop of the owner took the dependents' network away. Pure, like decide.ts.
import type { StepDecision } from './step-decision.ts';
import type { NamespaceDependent, UpdateOperation } from '../operation.ts';
import type { World } from '../world.ts';

function markDone(operation: UpdateOperation, name: string): UpdateOperation {
  const dependents = (operation.details.dependents ?? []).map((dependent) => (dependent.name === name ? { ...dependent, done: true } : dependent));
  return { ...operation, details: { ...operation.details, dependents } };
}

function nextFor(world: World, dependent: NamespaceDependent, ownerID: string): StepDecision | undefined {
  const facts = world.dependents[dependent.name];
  const joined = `container:${ownerID}`;
  if (facts !== undefined && facts.networkMode === joined) {
    if (facts.id === dependent.id) {
      // Same dependent, same owner ID: it only needs its network back.
      return dependent.wasRunning ? { kind: 'act', action: { kind: 'restart', containerID: facts.id, dependent: dependent.name } } : undefined;
    }
    if (dependent.wasRunning && !facts.started) return { kind: 'act', action: { kind: 'start', containerID: facts.id, dependent: dependent.name } };
    return undefined;
  }
  if (facts !== undefined) {
    if (dependent.snapshot === undefined) return { kind: 'act', action: { kind: 'snapshotDependent', dependent: dependent.name } };
    return { kind: 'act', action: { kind: 'remove', containerID: facts.id, removeVolumes: false } };
  }
  if (dependent.snapshot === undefined) return undefined; // gone before it was touched: nothing to restore
  return {
    kind: 'act',
    action: {
      kind: 'create',
      purpose: 'dependent',
      snapshot: dependent.snapshot,
      name: dependent.name,
      removeVolumes: false,
      networkMode: joined,
    },
  };
}

export function decideDependents(operation: UpdateOperation, world: World): StepDecision {
  const owner = world.holder;
  // Nothing disturbed the dependents unless the owner was stopped.
  if (operation.details.stopIssued !== true || owner === undefined) return { kind: 'done' };
  let current = operation;
  for (const dependent of operation.details.dependents ?? []) {
    if (dependent.done === true) continue;
    const next = nextFor(world, dependent, owner.id);
    if (next === undefined) {
      current = markDone(current, dependent.name);
      continue;
    }
    return next.kind === 'act' ? { kind: 'act', action: next.action, operation: current } : next;
  }
  return { kind: 'done', operation: current };
}
