// The forward steps of an update, from the pre-update hooks to the namespace dependents (docs/update.md).
import type { Action } from '../actions.ts';
import { backupTagAt, repositoryOf } from '../backup-tag.ts';
import type { ForwardStep } from '../operation.ts';
import { restoredTagFor } from '../restored-tag.ts';
import { fail, finish } from '../transitions.ts';
import { decideDependents } from './dependents.ts';
import { act, done, networksStep, ownedHolder, wasRunning, type StepDecision, type StepHandler } from './step-decision.ts';

/** How often a `starting` health check is looked at again. */
export const HEALTH_POLL_MS = 500;

function hookStep(hook: 'pre' | 'post'): StepHandler {
  return (operation, world) => {
    const { options } = operation.details;
    const hooks = hook === 'pre' ? options.preHooks : options.postHooks;
    const ran = (hook === 'pre' ? operation.details.preHooksDone : operation.details.postHooksDone) ?? 0;
    if (ran >= hooks.length) return done();
    const container = hook === 'pre' ? world.old : ownedHolder(operation, world);
    if (container === undefined) {
      if (hook === 'pre') return { kind: 'to', operation: finish(operation, world.now, 'failed', { error: `container ${operation.details.containerName} no longer exists` }) };
      return done('the new container is gone: post-update hooks not run');
    }
    if (!container.running) return done(`${container.name} is not running: ${hook}-update hooks not run`);
    const command = hooks[ran];
    if (command === undefined) return done();
    return act({ kind: 'exec', hook, index: ran, containerID: container.id, command: command.command, timeoutMs: command.timeoutSeconds * 1000 });
  };
}

export const FORWARD: Record<ForwardStep, StepHandler> = {

  preHook: hookStep('pre'),

  snapshot: (operation, world) => {
    if (operation.snapshot !== undefined && world.snapshot !== undefined) return done();
    if (world.old === undefined) return { kind: 'to', operation: finish(operation, world.now, 'failed', { error: `container ${operation.details.containerName} no longer exists` }) };
    return act({ kind: 'snapshot', containerID: world.old.id });
  },

  backup: (operation, world) => {
    const { details } = operation;
    if (!details.options.imageBackup || details.backupDone === true) return done();
    if (operation.oldImageID === undefined) return done('old image unknown: no backup tag');
    const tag = details.backupTag ?? backupTagAt(world.now);
    const repository = repositoryOf(details.oldImage !== undefined && !details.oldImage.startsWith('sha256:') ? details.oldImage : operation.targetImage);
    const withTag = details.backupTag === undefined ? { ...operation, details: { ...details, backupTag: tag } } : operation;
    return act({ kind: 'tag', purpose: 'backup', imageID: operation.oldImageID, repository, tag }, withTag);
  },

  pull: (operation) => {
    const { details } = operation;
    if (details.newImageID !== undefined) return done();
    const restore = details.restore;
    // A rollback request restores an exact image ID: what the engine still has, or its digest pulled again, under
    // the tag the snapshot's container had (cleanup removed it, or the registry moved it on).
    if (restore !== undefined) {
      const tag = restoredTagFor(restore.image, restore.imageID);
      return act({ kind: 'ensureImage', imageID: restore.imageID, ...(restore.pullReference === undefined ? {} : { pullReference: restore.pullReference }), ...(tag === undefined ? {} : { tag }) });
    }
    return act({ kind: 'pull', reference: operation.targetImage });
  },

  compare: (operation, world) => {
    const { details } = operation;
    const digests = details.newRepoDigests ?? [];
    if (operation.targetDigest !== undefined && !digests.some((digest) => digest.endsWith(`@${operation.targetDigest}`))) {
      const error = `ApprovalStale: ${operation.targetImage} now has digest ${digests.join(', ') || 'unknown'}, not the approved ${operation.targetDigest}`;
      return { kind: 'to', operation: finish(operation, world.now, 'failed', { error }) };
    }
    // A registry switch of the same build pulls the very image already running: it is recreated all the same, so
    // that the container runs from the new reference.
    if (details.newImageID === operation.oldImageID && operation.reason !== 'SwitchRegistry') {
      return { kind: 'to', operation: finish(operation, world.now, 'identical', { message: `${operation.targetImage} is the image already running` }) };
    }
    if (details.options.pullOnly) return { kind: 'to', operation: finish(operation, world.now, 'pull_only', { message: 'pull-only: not recreated' }) };
    return done();
  },

  stop: (operation, world) => {
    const old = world.old;
    if (old === undefined || (!old.running && !old.restarting)) return done();
    return act({ kind: 'stop', containerID: old.id }, { ...operation, details: { ...operation.details, stopIssued: true } });
  },

  rename: (operation, world) => {
    const old = world.old;
    if (old === undefined || old.name === operation.details.recoveryName) return done();
    return act({ kind: 'rename', containerID: old.id, name: operation.details.recoveryName });
  },

  create: (operation, world) => {
    const { details } = operation;
    const holder = world.holder;
    if (holder !== undefined && holder.id === operation.oldContainerID) {
      return { kind: 'to', operation: fail(operation, world.now, `the old container holds ${details.containerName} again`) };
    }
    if (holder !== undefined) {
      const owned = ownedHolder(operation, world);
      if (owned === undefined) return { kind: 'to', operation: fail(operation, world.now, `another container (${holder.id.slice(0, 12)}) took the name ${details.containerName}`) };
      if (owned.imageID !== details.newImageID) {
        return { kind: 'to', operation: fail({ ...operation, newContainerID: owned.id }, world.now, `the new container runs ${owned.imageID}, not the pulled ${details.newImageID ?? '?'}`) };
      }
      return operation.newContainerID === owned.id ? done() : { kind: 'done', operation: { ...operation, newContainerID: owned.id } };
    }
    if (operation.snapshot === undefined || details.newImageID === undefined) return { kind: 'to', operation: fail(operation, world.now, 'nothing to create from') };
    const restore = details.restore;
    const action: Action = restore === undefined
      ? { kind: 'create', purpose: 'new', snapshot: operation.snapshot, name: details.containerName, image: operation.targetImage, imageID: details.newImageID, removeVolumes: details.options.removeVolumes, ...(details.options.labels === undefined ? {} : { labels: details.options.labels }) }
      : {
          // The restored container is the snapshot's, on its exact image ID, shown as its old tag while that still names it.
          kind: 'create',
          purpose: 'new',
          snapshot: restore.snapshot,
          name: details.containerName,
          image: restore.imageID,
          imageID: restore.imageID,
          preferReferences: [restore.image, restore.pullReference].filter((reference): reference is string => reference !== undefined),
          removeVolumes: details.options.removeVolumes,
        };
    return act(action, { ...operation, details: { ...details, createIssued: true } });
  },

  connect: (operation, world) => networksStep(ownedHolder(operation, world), operation, world, world.source),

  start: (operation, world) => {
    if (!wasRunning(operation)) return done('the old container was not running: the new one is left stopped');
    const target = ownedHolder(operation, world);
    if (target === undefined) return { kind: 'to', operation: fail(operation, world.now, 'the new container is gone') };
    return target.started ? done() : act({ kind: 'start', containerID: target.id });
  },

  grace: (operation, world) => {
    if (!wasRunning(operation)) return done();
    const { details } = operation;
    if (details.verifyAfter === undefined) {
      const verifyAfter = world.now + details.options.gracePeriodMs;
      const timed = {
        ...operation,
        details: { ...details, verifyAfter: new Date(verifyAfter).toISOString(), verifyDeadline: new Date(verifyAfter + details.options.healthTimeoutMs).toISOString() },
      };
      return world.now >= verifyAfter ? { kind: 'done', operation: timed } : act({ kind: 'wait', until: verifyAfter, reason: 'grace period' }, timed);
    }
    const until = Date.parse(details.verifyAfter);
    return world.now >= until ? done() : act({ kind: 'wait', until, reason: 'grace period' });
  },

  verify: (operation, world) => {
    if (!wasRunning(operation)) return done();
    const target = ownedHolder(operation, world);
    const failed = (why: string): StepDecision => ({ kind: 'to', operation: fail(operation, world.now, why) });
    if (target === undefined) return failed('the new container is gone');
    if (target.restarting || target.restartCount > 0) return failed(`the new container restarted (${target.restartCount} restarts)`);
    if (!target.running) return failed(`the new container exited with code ${target.exitCode}`);
    if (target.health === 'unhealthy') return failed('the new container is unhealthy');
    if (target.health === 'none' || target.health === 'healthy') return done(target.health === 'healthy' ? 'running and healthy' : 'running (no health check)');
    const deadline = Date.parse(operation.details.verifyDeadline ?? new Date(world.now).toISOString());
    if (world.now >= deadline) return failed(`the new container was not healthy within ${operation.details.options.healthTimeoutMs / 1000} s`);
    return act({ kind: 'wait', until: Math.min(world.now + HEALTH_POLL_MS, deadline), reason: 'health check starting' });
  },

  postHook: hookStep('post'),

  removeOld: (operation, world) =>
    world.old === undefined ? done() : act({ kind: 'remove', containerID: world.old.id, removeVolumes: operation.details.options.removeVolumes }),

  cleanup: (operation) => {
    const { details } = operation;
    if (!details.options.imageCleanup || details.cleanupDone === true || operation.oldImageID === undefined) return done(details.cleanupResult);
    // A backup tag exists to keep the old image.
    if (details.options.imageBackup) return done('image kept: it has a backup tag');
    return act({ kind: 'removeImage', imageID: operation.oldImageID });
  },

  dependents: (operation, world) => decideDependents(operation, world),
};
