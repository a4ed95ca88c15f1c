// Containers joined to the updated one: in its network namespace (`network_mode: container:…`) or linking to it
// (legacy `--link`). Docker binds both to the container's ID, so once it is replaced a dependent cannot even be
// restarted ("No such container", "Cannot link to a non running container"): it is recreated, joined to the new
// container, from a snapshot taken before it is removed, so that a crash between remove and create loses nothing.
// When the container kept its ID (a rollback renamed the old one back), a restart is enough: the stop took the
// dependents' network away, and a restart gives a linking container the new address. Pure, like decide.ts.
import type { Action } from '../actions.ts';
import type { StepDecision } from './step-decision.ts';
import type { NamespaceDependent, UpdateOperation } from '../operation.ts';
import type { ContainerFacts, World } from '../world.ts';

function markDone(operation: UpdateOperation, name: string): UpdateOperation {
  const dependents = (operation.details.dependents ?? []).map((dependent) => (dependent.name === name ? { ...dependent, done: true } : dependent));
  return { ...operation, details: { ...operation.details, dependents } };
}

/** Whether the dependent is joined to the container that now holds the name (`owner`). */
function joined(facts: ContainerFacts, dependent: NamespaceDependent, operation: UpdateOperation, owner: ContainerFacts): boolean {
  if (dependent.kind !== 'link') return facts.networkMode === `container:${owner.id}`;
  // Inspect names a link's target by its current name, or by its last one once it is gone: a link still to the
  // container's own name is to the same ID only if the dependent was not recreated and the owner kept its ID.
  const name = operation.details.containerName;
  const linksOwner = facts.links.some((link) => link.startsWith(`/${name}:`));
  const linksRecovery = facts.links.some((link) => link.startsWith(`/${operation.details.recoveryName}:`));
  return linksOwner && !linksRecovery && (facts.id !== dependent.id || owner.id === operation.oldContainerID);
}

function recreate(dependent: NamespaceDependent, operation: UpdateOperation, ownerID: string): Action | undefined {
  if (dependent.snapshot === undefined) return undefined;
  const base = { kind: 'create' as const, purpose: 'dependent' as const, snapshot: dependent.snapshot, name: dependent.name, removeVolumes: false };
  if (dependent.kind === 'link') return { ...base, renameLinks: { from: operation.details.recoveryName, to: operation.details.containerName } };
  return { ...base, networkMode: `container:${ownerID}` };
}

function nextFor(world: World, dependent: NamespaceDependent, operation: UpdateOperation, owner: ContainerFacts): StepDecision | undefined {
  const facts = world.dependents[dependent.name];
  if (facts !== undefined && joined(facts, dependent, operation, owner)) {
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
  // Gone before it was touched: nothing to restore.
  const action = recreate(dependent, operation, owner.id);
  return action === undefined ? undefined : { kind: 'act', action };
}

export function decideDependents(operation: UpdateOperation, world: World): StepDecision {
  const owner = world.holder;
  // Nothing disturbed the dependents unless the owner was stopped.
  if (operation.details.stopIssued !== true || owner === undefined) return { kind: 'done' };
  let current = operation;
  for (const dependent of operation.details.dependents ?? []) {
    if (dependent.done === true) continue;
    const next = nextFor(world, dependent, operation, owner);
    if (next === undefined) {
      current = markDone(current, dependent.name);
      continue;
    }
    return next.kind === 'act' ? { kind: 'act', action: next.action, operation: current } : next;
  }
  return { kind: 'done', operation: current };
}
