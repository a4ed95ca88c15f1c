// The pure decision function: for each step, what it does when the step's effect is missing, and how it continues
// when a crash happened right after the step (the effect is there but was never recorded).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerInspect } from '../../../controllers/update/docker/types.ts';
import type { Action } from '../../../controllers/update/machine/actions.ts';
import { applyResult } from '../../../controllers/update/machine/apply.ts';
import { decide } from '../../../controllers/update/machine/decide.ts';
import { FORWARD_STEPS, newUpdateOperation, ROLLBACK_STEPS, type Step, type UpdateOperation } from '../../../controllers/update/machine/operation.ts';
import type { ContainerFacts, World } from '../../../controllers/update/machine/world.ts';

const NOW = Date.parse('2025-01-15T14:30:00Z');
const OLD_ID = 'a'.repeat(64);
const NEW_ID = 'b'.repeat(64);
const RECOVERY = `web-vigil-old-${OLD_ID.slice(0, 12)}`;

const SNAPSHOT: ContainerInspect = {
  Id: OLD_ID,
  Name: '/web',
  Image: 'sha256:old',
  State: { Status: 'running', Running: true, Restarting: false },
  RestartCount: 0,
  Config: { Image: 'app:1' },
  HostConfig: { NetworkMode: 'front' },
  NetworkSettings: { Networks: { front: { Aliases: ['www', OLD_ID.slice(0, 12)] }, back: { IPAMConfig: { IPv4Address: '10.0.0.5' } } } },
};

function facts(overrides: Partial<ContainerFacts>): ContainerFacts {
  return {
    id: OLD_ID,
    name: 'web',
    imageID: 'sha256:old',
    running: true,
    restarting: false,
    status: 'running',
    exitCode: 0,
    restartCount: 0,
    health: 'none',
    started: true,
    networkMode: 'front',
    networks: ['back', 'front'],
    links: [],
    ...overrides,
  };
}

const oldAsIs = facts({});
const oldStopped = facts({ running: false, status: 'exited' });
const oldRecovered = facts({ running: false, status: 'exited', name: RECOVERY });
const newCreated = facts({ id: NEW_ID, imageID: 'sha256:new', running: false, status: 'created', started: false, networks: ['front'] });
const newConnected = { ...newCreated, networks: ['back', 'front'] };
const newRunning = facts({ id: NEW_ID, imageID: 'sha256:new', health: 'starting', networks: ['back', 'front'] });

function world(parts: Partial<World>): World {
  return { now: NOW, old: undefined, holder: undefined, snapshot: SNAPSHOT, source: parts.snapshot === undefined ? SNAPSHOT : parts.snapshot, dependents: {}, ...parts };
}

/** An operation persisted with `step` as its intent, everything before it recorded. */
function at(step: Step, details: Partial<UpdateOperation['details']> = {}, extra: Partial<UpdateOperation> = {}): UpdateOperation {
  const base = newUpdateOperation({
    containerName: 'web',
    containerID: OLD_ID,
    targetImage: 'app:2',
    now: NOW - 60_000,
    options: { gracePeriodMs: 10_000, healthTimeoutMs: 30_000, pullOnly: false, removeVolumes: false, imageCleanup: true, imageBackup: false, preHooks: [], postHooks: [] },
  });
  const forward = FORWARD_STEPS.indexOf(step as (typeof FORWARD_STEPS)[number]);
  const reached = (name: (typeof FORWARD_STEPS)[number]): boolean => forward < 0 || forward > FORWARD_STEPS.indexOf(name);
  const phase = ROLLBACK_STEPS.includes(step as (typeof ROLLBACK_STEPS)[number]) ? 'RollingBack' : step === 'grace' || step === 'verify' ? 'Verifying' : 'Running';
  const operation: UpdateOperation = { ...base, step, phase };
  if (reached('snapshot')) {
    operation.snapshot = 'web-1';
    operation.oldImageID = 'sha256:old';
    operation.details = { ...operation.details, oldImage: 'app:1', oldWasRunning: true, dependents: [] };
  }
  if (reached('pull')) operation.details = { ...operation.details, newImageID: 'sha256:new', newRepoDigests: ['app@sha256:new'] };
  if (reached('stop')) operation.details = { ...operation.details, stopIssued: true };
  if (reached('create')) operation.details = { ...operation.details, createIssued: true };
  return { ...operation, ...extra, details: { ...operation.details, ...details } };
}

function next(operation: UpdateOperation, observed: World): { step: Step; action: Action; operation: UpdateOperation } {
  const decision = decide(operation, observed);
  return { step: decision.operation.step, action: decision.action, operation: decision.operation };
}

describe('decide: each step acts when its effect is missing', () => {
  test('snapshot: takes one of the old container', () => {
    assert.deepEqual(next(at('snapshot'), world({ old: oldAsIs, holder: oldAsIs, snapshot: undefined })).action, { kind: 'snapshot', containerID: OLD_ID });
  });

  test('pull: pulls the target reference', () => {
    assert.deepEqual(next(at('pull'), world({ old: oldAsIs, holder: oldAsIs })).action, { kind: 'pull', reference: 'app:2' });
  });

  test('stop: stops the running old container and records that it may have been stopped', () => {
    const decision = next(at('stop'), world({ old: oldAsIs, holder: oldAsIs }));
    assert.deepEqual(decision.action, { kind: 'stop', containerID: OLD_ID });
    assert.equal(decision.operation.details.stopIssued, true);
  });

  test('rename: moves the old container aside under its recovery name, never removes it', () => {
    assert.deepEqual(next(at('rename'), world({ old: oldStopped, holder: oldStopped })).action, { kind: 'rename', containerID: OLD_ID, name: RECOVERY });
  });

  test('create: creates the new container under the original name from the snapshot', () => {
    const decision = next(at('create'), world({ old: oldRecovered }));
    assert.deepEqual(decision.action, { kind: 'create', purpose: 'new', snapshot: 'web-1', name: 'web', image: 'app:2', imageID: 'sha256:new', removeVolumes: false });
  });

  test('connect: connects the snapshot\'s other networks with their settings, one at a time', () => {
    const decision = next(at('connect', {}, { newContainerID: NEW_ID }), world({ old: oldRecovered, holder: newCreated }));
    assert.deepEqual(decision.action, { kind: 'connect', containerID: NEW_ID, network: 'back', endpoint: { IPAMConfig: { IPv4Address: '10.0.0.5' } } });
  });

  test('start: starts the new container', () => {
    assert.deepEqual(next(at('start', {}, { newContainerID: NEW_ID }), world({ old: oldRecovered, holder: newConnected })).action, { kind: 'start', containerID: NEW_ID });
  });

  test('grace: waits the grace period and sets the health deadline after it', () => {
    const decision = next(at('grace', {}, { newContainerID: NEW_ID }), world({ old: oldRecovered, holder: newRunning }));
    assert.deepEqual(decision.action, { kind: 'wait', until: NOW + 10_000, reason: 'grace period' });
    assert.equal(decision.operation.details.verifyDeadline, new Date(NOW + 40_000).toISOString());
    assert.equal(decision.operation.phase, 'Verifying');
  });

  test('verify: a starting health check is polled until its deadline', () => {
    const operation = at('verify', { verifyAfter: new Date(NOW).toISOString(), verifyDeadline: new Date(NOW + 30_000).toISOString() }, { newContainerID: NEW_ID });
    assert.deepEqual(next(operation, world({ old: oldRecovered, holder: newRunning })).action, { kind: 'wait', until: NOW + 500, reason: 'health check starting' });
  });

  test('removeOld: removes the old container only once the new one is verified', () => {
    const operation = at('removeOld', {}, { newContainerID: NEW_ID });
    assert.deepEqual(next(operation, world({ old: oldRecovered, holder: { ...newRunning, health: 'healthy' } })).action, { kind: 'remove', containerID: OLD_ID, removeVolumes: false });
  });

  test('cleanup: removes the old image when cleanup is on and no backup tag keeps it', () => {
    const operation = at('cleanup', {}, { newContainerID: NEW_ID });
    assert.deepEqual(next(operation, world({ holder: newRunning })).action, { kind: 'removeImage', imageID: 'sha256:old' });
    const backedUp = at('cleanup', { options: { ...operation.details.options, imageBackup: true } }, { newContainerID: NEW_ID });
    assert.equal(next(backedUp, world({ holder: newRunning })).operation.details.outcome, 'success');
  });
});

describe('decide: crashed right after a step, it continues from what Docker shows', () => {
  test('after the snapshot: the stored snapshot is used, no second one is taken', () => {
    assert.deepEqual(next(at('pull'), world({ old: oldAsIs, holder: oldAsIs })).step, 'pull');
  });

  test('after the backup tag: the same tag name is used again, not a new timestamp', () => {
    const operation = at('backup', { backupTag: 'sentinel-backup-20250115-142900' });
    operation.details.options = { ...operation.details.options, imageBackup: true };
    assert.deepEqual(next(operation, world({ old: oldAsIs, holder: oldAsIs, now: NOW + 3_600_000 })).action, {
      kind: 'tag', purpose: 'backup', imageID: 'sha256:old', repository: 'app', tag: 'sentinel-backup-20250115-142900',
    });
  });

  test('after the pull: with the image ID recorded it goes on to stop', () => {
    assert.deepEqual(next(at('compare'), world({ old: oldAsIs, holder: oldAsIs })).action, { kind: 'stop', containerID: OLD_ID });
  });

  test('after the stop: it renames', () => {
    assert.deepEqual(next(at('stop'), world({ old: oldStopped, holder: oldStopped })).action.kind, 'rename');
  });

  test('after the rename: it creates', () => {
    assert.deepEqual(next(at('rename'), world({ old: oldRecovered })).action.kind, 'create');
  });

  test('after the create, before its ID was recorded: the container under the name is adopted, not created twice', () => {
    const decision = next(at('create', { createIssued: true }), world({ old: oldRecovered, holder: newCreated }));
    assert.equal(decision.operation.newContainerID, NEW_ID);
    assert.deepEqual(decision.action, { kind: 'connect', containerID: NEW_ID, network: 'back', endpoint: { IPAMConfig: { IPv4Address: '10.0.0.5' } } });
  });

  test('after the last connect: it starts', () => {
    assert.deepEqual(next(at('connect', {}, { newContainerID: NEW_ID }), world({ old: oldRecovered, holder: newConnected })).action, { kind: 'start', containerID: NEW_ID });
  });

  test('after the start: it waits the grace period instead of starting again', () => {
    assert.equal(next(at('start', {}, { newContainerID: NEW_ID }), world({ old: oldRecovered, holder: newRunning })).action.kind, 'wait');
  });

  test('during the grace period: the persisted end of the grace period holds across the restart', () => {
    const operation = at('grace', { verifyAfter: new Date(NOW + 4000).toISOString(), verifyDeadline: new Date(NOW + 34_000).toISOString() }, { newContainerID: NEW_ID });
    assert.deepEqual(next(operation, world({ old: oldRecovered, holder: newRunning })).action, { kind: 'wait', until: NOW + 4000, reason: 'grace period' });
  });

  test('after removing the old container: it goes on to the image cleanup', () => {
    assert.equal(next(at('removeOld', {}, { newContainerID: NEW_ID }), world({ holder: newRunning })).action.kind, 'removeImage');
  });

  test('after removing the new container in a rollback: it renames the old one back', () => {
    const operation = at('rollbackRemoveNew', { error: 'unhealthy' }, { newContainerID: NEW_ID });
    assert.deepEqual(next(operation, world({ old: oldRecovered })).action, { kind: 'rename', containerID: OLD_ID, name: 'web' });
  });

  test('after renaming back: it points the old container\'s tag at the old image again', () => {
    const operation = at('rollbackRename', { error: 'unhealthy' }, { newContainerID: NEW_ID });
    const decision = next(operation, world({ old: oldStopped, holder: oldStopped }));
    assert.equal(decision.operation.step, 'rollbackTag');
    assert.deepEqual(decision.action, { kind: 'tag', purpose: 'rollback', imageID: 'sha256:old', repository: 'app', tag: '1' });
    const applied = applyResult(decision.operation, decision.action, {}, NOW);
    assert.equal(applied.details.oldTagRestored, true);
    assert.equal(applied.details.backupDone, undefined, 'a re-tag is no backup');
  });

  test('a container created from an image ID or a digest gets no tag back', () => {
    for (const oldImage of ['sha256:old', 'app@sha256:1111']) {
      const operation = at('rollbackRename', { error: 'unhealthy', oldImage }, { newContainerID: NEW_ID });
      assert.deepEqual(next(operation, world({ old: oldStopped, holder: oldStopped })).action, { kind: 'start', containerID: OLD_ID }, oldImage);
    }
  });

  test('after renaming back and re-tagging: it starts the old container', () => {
    const operation = at('rollbackRename', { error: 'unhealthy', oldTagRestored: true }, { newContainerID: NEW_ID });
    assert.deepEqual(next(operation, world({ old: oldStopped, holder: oldStopped })).action, { kind: 'start', containerID: OLD_ID });
  });

  test('after starting the old container: the rollback is complete', () => {
    const operation = at('rollbackStart', { error: 'unhealthy' }, { newContainerID: NEW_ID });
    const decision = next(operation, world({ old: oldAsIs, holder: oldAsIs }));
    assert.deepEqual(decision.action, { kind: 'done' });
    assert.equal(decision.operation.phase, 'RolledBack');
    assert.equal(decision.operation.details.outcome, 'rollback');
  });
});

describe('decide: validation and rollback', () => {
  const verifying = (holder: ContainerFacts, now = NOW): ReturnType<typeof next> =>
    next(at('verify', { verifyAfter: new Date(NOW - 1000).toISOString(), verifyDeadline: new Date(NOW + 30_000).toISOString() }, { newContainerID: NEW_ID }), world({ now, old: oldRecovered, holder }));

  for (const [why, holder, message] of [
    ['unhealthy', { ...newRunning, health: 'unhealthy' as const }, /unhealthy/],
    ['exited', { ...newRunning, running: false, status: 'exited', exitCode: 2 }, /exited with code 2/],
    ['restarting', { ...newRunning, restarting: true, restartCount: 1 }, /restarted/],
    ['restarted once', { ...newRunning, restartCount: 1, health: 'healthy' as const }, /restarted/],
  ] as const) {
    test(`a new container that is ${why} is rolled back: the new one is removed first`, () => {
      const decision = verifying(holder);
      assert.equal(decision.operation.phase, 'RollingBack');
      assert.match(decision.operation.details.error ?? '', message);
      assert.deepEqual(decision.action, { kind: 'remove', containerID: NEW_ID, removeVolumes: true });
    });
  }

  test('a health check still starting at its deadline is a failure', () => {
    const decision = verifying(newRunning, NOW + 30_000);
    assert.match(decision.operation.details.error ?? '', /not healthy within 30 s/);
  });

  test('a healthy new container passes', () => {
    assert.equal(verifying({ ...newRunning, health: 'healthy' }).operation.step, 'removeOld');
  });

  test('an old container that is gone is recreated from the snapshot on the exact old image ID', () => {
    const operation = at('rollbackRename', { error: 'unhealthy', oldTagRestored: true }, { newContainerID: NEW_ID });
    assert.deepEqual(next(operation, world({})).action, {
      kind: 'create', purpose: 'restore', snapshot: 'web-1', name: 'web', image: 'sha256:old', imageID: 'sha256:old', removeVolumes: false, preferReferences: ['app:1'],
    });
  });

  test('a container of someone else under the name is never removed: the old one is kept aside and the update fails', () => {
    const foreign = facts({ id: 'c'.repeat(64), imageID: 'sha256:other' });
    const decision = next(at('create', { createIssued: undefined }), world({ old: oldRecovered, holder: foreign }));
    assert.equal(decision.operation.phase, 'Failed');
    assert.match(decision.operation.details.error ?? '', /taken by another container; the old one is kept as web-vigil-old-/);
    assert.deepEqual(decision.action, { kind: 'done' });
  });

  test('a failure before the old container was stopped needs no rollback', () => {
    const operation = at('stop', { stopIssued: undefined });
    const failed = decide({ ...operation, step: 'create', details: { ...operation.details, newImageID: undefined } }, world({ old: oldAsIs, holder: oldAsIs }));
    assert.equal(failed.operation.phase, 'Failed');
  });

  test('a pending retry waits for its time', () => {
    const operation = at('pull', { retryAt: new Date(NOW + 2000).toISOString(), lastError: 'registry hiccup' });
    assert.deepEqual(next(operation, world({ old: oldAsIs, holder: oldAsIs })).action, { kind: 'wait', until: NOW + 2000, reason: 'retry after: registry hiccup' });
  });

  test('a finished operation does nothing more', () => {
    const finished = { ...at('removeOld'), phase: 'Succeeded' as const, step: 'done' as const };
    assert.deepEqual(decide(finished, world({})).action, { kind: 'done' });
  });
});

describe('decide: the old container is safe in every state', () => {
  const holders: Array<ContainerFacts | undefined> = [undefined, oldAsIs, oldStopped, newCreated, newConnected, newRunning, { ...newRunning, health: 'healthy' }, { ...newRunning, health: 'unhealthy' }];
  const olds: Array<ContainerFacts | undefined> = [undefined, oldAsIs, oldStopped, oldRecovered];
  const steps = [...FORWARD_STEPS, ...ROLLBACK_STEPS];

  test('no decision before the new container is verified removes or recreates over the old container', () => {
    let checked = 0;
    for (const step of steps) {
      for (const old of olds) {
        for (const holder of holders) {
          // Only consistent observations: the old container holds the name exactly when it is named so.
          if ((holder?.id === OLD_ID) !== (old?.name === 'web')) continue;
          const observed = world({ old, holder: holder?.id === OLD_ID ? old : holder });
          for (const recorded of [true, false]) {
            const timing = { verifyAfter: new Date(NOW).toISOString(), verifyDeadline: new Date(NOW + 1000).toISOString() };
            const operation = at(step, timing, recorded ? { newContainerID: NEW_ID } : {});
            const { action, operation: decided } = next(operation, observed);
            checked += 1;
            const verified = FORWARD_STEPS.indexOf(decided.step as (typeof FORWARD_STEPS)[number]) > FORWARD_STEPS.indexOf('verify') || decided.step === 'done';
            if (action.kind === 'remove' && action.containerID === OLD_ID) {
              assert.ok(verified && !ROLLBACK_STEPS.includes(decided.step as (typeof ROLLBACK_STEPS)[number]), `${step}: removes the old container in ${decided.step}`);
            }
            if (action.kind === 'create') assert.equal(observed.holder, undefined, `${step}: creates while ${observed.holder?.name ?? ''} holds the name`);
          }
        }
      }
    }
    assert.ok(checked > 600, `${checked} combinations`);
  });
});
