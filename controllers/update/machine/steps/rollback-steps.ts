// The way back to the old container after a failure: remove what the update created, give the old container its
// name back (so it runs the exact old image ID), point its tag at that image again, or recreate it from the snapshot
// when it is gone, then start it and rejoin its namespace dependents (docs/update.md).
import type { Action } from '../actions.ts';
import type { RollbackStep } from '../operation.ts';
import { restoredTagFor } from '../restored-tag.ts';
import { finish } from '../transitions.ts';
import { decideDependents } from './dependents.ts';
import { act, done, networksStep, ownedHolder, wasRunning, type StepHandler } from './step-decision.ts';

export const ROLLBACK: Record<RollbackStep, StepHandler> = {
  rollbackRemoveNew: (operation, world) => {
    const holder = world.holder;
    if (holder === undefined || holder.id === operation.oldContainerID) return done();
    if (ownedHolder(operation, world) === undefined) {
      const error = `${operation.details.containerName} is taken by another container; the old one is kept as ${operation.details.recoveryName}`;
      return { kind: 'to', operation: finish(operation, world.now, 'failed', { error }) };
    }
    return act({ kind: 'remove', containerID: holder.id, removeVolumes: true });
  },

  rollbackRename: (operation, world) => {
    const old = world.old;
    if (old === undefined || old.name === operation.details.containerName) return done();
    return act({ kind: 'rename', containerID: old.id, name: operation.details.containerName });
  },

  rollbackTag: (operation) => {
    // The old container's tag names the old image again (an update to the same tag moved it), before the recreate
    // below looks for it: the container is back under the tag it had, and `docker ps` shows that tag, not an ID.
    const tag = restoredTagFor(operation.details.oldImage, operation.oldImageID ?? '');
    if (operation.details.oldTagRestored === true || operation.oldImageID === undefined || tag === undefined) return done();
    return act({ kind: 'tag', purpose: 'rollback', imageID: operation.oldImageID, ...tag });
  },

  rollbackRecreate: (operation, world) => {
    if (world.old !== undefined || world.holder !== undefined) return done();
    // The old container is gone (auto-remove on stop, or removed by someone): recreate it from the snapshot, on the
    // exact old image.
    const { details } = operation;
    if (operation.snapshot === undefined || operation.oldImageID === undefined) {
      return { kind: 'to', operation: finish(operation, world.now, 'failed', { error: `${details.error ?? 'update failed'}; the old container is gone and there is no snapshot` }) };
    }
    const action: Action = {
      kind: 'create',
      purpose: 'restore',
      snapshot: operation.snapshot,
      name: details.containerName,
      image: operation.oldImageID,
      imageID: operation.oldImageID,
      removeVolumes: false,
    };
    if (details.oldImage !== undefined) action.preferReferences = [details.oldImage];
    return act(action);
  },

  rollbackConnect: (operation, world) => networksStep(world.holder, operation, world, world.snapshot),

  rollbackStart: (operation, world) => {
    if (!wasRunning(operation)) return done();
    const target = world.holder;
    if (target === undefined) return { kind: 'to', operation: { ...operation, step: 'rollbackRename' } };
    return target.running || target.restarting ? done() : act({ kind: 'start', containerID: target.id });
  },

  rollbackDependents: (operation, world) => decideDependents(operation, world),
};
