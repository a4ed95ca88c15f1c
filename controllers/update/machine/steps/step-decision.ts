// What one step of the update machine decides, and the helpers the forward and rollback steps share. Each step
// handler is pure: it looks at the persisted operation and the observed world and says whether its effect is there.
import { planNetworks } from '../../recreate/networking.ts';
import type { Action } from '../actions.ts';
import type { UpdateOperation } from '../operation.ts';
import { fail, rollingBack } from '../transitions.ts';
import type { ContainerFacts, World } from '../world.ts';

export type StepDecision =
  /** The step's effect is there: advance (after applying `operation`, when given). */
  | { kind: 'done'; message?: string; outcome?: 'success' | 'failed' | 'skipped'; operation?: UpdateOperation }
  /** Do `action`, persisting `operation` (when given) first. */
  | { kind: 'act'; action: Action; operation?: UpdateOperation }
  /** Go to another state (a terminal one, a rollback, another step) and decide again. */
  | { kind: 'to'; operation: UpdateOperation };

export type StepHandler = (operation: UpdateOperation, world: World) => StepDecision;

export const done = (message?: string): StepDecision => (message === undefined ? { kind: 'done' } : { kind: 'done', message });
export const act = (action: Action, operation?: UpdateOperation): StepDecision => (operation === undefined ? { kind: 'act', action } : { kind: 'act', action, operation });

/** The container under the original name, if it is the one this update created. */
export function ownedHolder(operation: UpdateOperation, world: World): ContainerFacts | undefined {
  const holder = world.holder;
  if (holder === undefined || holder.id === operation.oldContainerID) return undefined;
  if (operation.newContainerID !== undefined) return holder.id === operation.newContainerID ? holder : undefined;
  return operation.details.createIssued === true ? holder : undefined;
}

export function wasRunning(operation: UpdateOperation): boolean {
  return operation.details.oldWasRunning !== false;
}

/** Connects the networks the snapshot had and drops those the mode attached by itself, one per action. */
export function networksStep(target: ContainerFacts | undefined, operation: UpdateOperation, world: World): StepDecision {
  if (target === undefined) {
    // In a rollback, a missing container is what the rename back (or the recreate from the snapshot) repairs.
    if (rollingBack(operation)) return { kind: 'to', operation: { ...operation, step: 'rollbackRename' } };
    return { kind: 'to', operation: fail(operation, world.now, `container ${operation.details.containerName} is missing`) };
  }
  const snapshot = world.snapshot;
  if (snapshot === undefined) return done('no snapshot: networks left as created');
  const plan = planNetworks(snapshot, target.networkMode);
  const missing = plan.connect.find((attachment) => !target.networks.includes(attachment.network));
  if (missing !== undefined) return act({ kind: 'connect', containerID: target.id, network: missing.network, endpoint: missing.endpoint });
  const extra = plan.disconnect.find((network) => target.networks.includes(network));
  if (extra !== undefined) return act({ kind: 'disconnect', containerID: target.id, network: extra });
  return done();
}

