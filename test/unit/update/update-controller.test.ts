// The update controller on a fake engine and a fake clock: what it does with each kind of desired state (policies,
// requests, dry-run, pull-only, update delay, maintenance windows, self containers), what it records (UpdateRecord,
// Snapshot, status.lastUpdate, handledRequests, conditions), and that a second look at an unchanged container writes
// nothing.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findCondition } from '../../../controllers/runtime/index.ts';
import { appConfig, ControllerWorld, fakeDigest, IMAGE_1, IMAGE_2, publishApp } from './controller-fixture.ts';

const DIGEST_2 = fakeDigest(appConfig('2'));

describe('the update controller', () => {
  let world: ControllerWorld;
  afterEach(async () => {
    await world?.close();
  });

  test('auto policy: an update the registry check found is applied, recorded and snapshotted', async () => {
    world = await new ControllerWorld().start();
    const oldImageID = publishApp(world);
    await world.run('web', IMAGE_1, { labels: { 'sentinel.policy': 'auto' }, config: { Env: ['MODE=production'] } });
    await world.offer('web', IMAGE_2, DIGEST_2);
    const status = await world.until('the update is recorded', async () => {
      const current = await world.status('web');
      return current.lastUpdate !== undefined ? current : undefined;
    });
    assert.equal(status.lastUpdate?.outcome, 'success', status.lastUpdate?.error);
    const web = await world.docker.inspectContainer('web', AbortSignal.timeout(100));
    assert.equal(web?.Config.Image, IMAGE_2);
    assert.ok(web?.Config.Env?.includes('MODE=production'));
    assert.notEqual(web?.Image, oldImageID);
    const [record] = await world.records('web');
    assert.ok(record);
    assert.equal(record.metadata.name, status.lastUpdate?.record);
    assert.deepEqual(
      { type: record.spec.type, outcome: record.spec.outcome, reason: record.spec.reason, oldImage: record.spec.oldImage, newImage: record.spec.newImage, newDigest: record.spec.newDigest, container: record.spec.container, hostName: record.spec.hostName },
      { type: 'update', outcome: 'success', reason: 'Auto', oldImage: IMAGE_1, newImage: IMAGE_2, newDigest: DIGEST_2, container: 'web', hostName: 'local' },
    );
    assert.ok((record.spec.duration ?? -1) >= 5, 'the grace period of 5 s is part of the duration');
    const snapshots = await world.snapshots('web');
    assert.equal(snapshots.length, 1);
    const snapshot = snapshots[0];
    assert.equal(snapshot?.metadata.name, record.spec.snapshot);
    assert.equal((snapshot?.spec as { imageID: string }).imageID, oldImageID);
    assert.equal(snapshot?.metadata.ownerReferences?.[0]?.name, 'web');
    assert.equal(snapshot?.metadata.ownerReferences?.[0]?.uid, (await world.container('web')).metadata.uid);
    assert.equal(status.maintenance, undefined);
    assert.equal(findCondition(status.conditions, 'Updating')?.reason, 'Succeeded');
    assert.equal(status.operation?.phase, 'Succeeded');
  });

  test('a second look at an updated container changes nothing, even while the registry check still offers that update', async () => {
    world = await new ControllerWorld().start();
    publishApp(world);
    await world.run('web', IMAGE_1, { labels: { 'sentinel.policy': 'auto' } });
    await world.offer('web', IMAGE_2, DIGEST_2);
    await world.until('updated', async () => (await world.status('web')).lastUpdate);
    const before = await world.container('web');
    await world.clock.advance(10 * 60_000);
    await world.settle();
    const after = await world.container('web');
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
    assert.equal((await world.records('web')).length, 1);
    assert.equal(world.docker.pulls.length, 1);
  });

  test('manual policy: an available update waits for an approval, which updates to exactly the approved digest', async () => {
    world = await new ControllerWorld().start();
    publishApp(world);
    await world.run('web', IMAGE_1, { labels: { 'sentinel.policy': 'manual' } });
    await world.offer('web', IMAGE_2, DIGEST_2);
    await world.clock.advance(60_000);
    await world.settle();
    assert.equal((await world.status('web')).operation, undefined);
    assert.equal(world.docker.pulls.length, 0);
    const requestedAt = new Date(world.clock.now()).toISOString();
    await world.spec('web', { update: { requestedAt, reason: 'Approved', digest: DIGEST_2, version: '2', requestedBy: 'alice' } });
    const status = await world.until('approved update recorded', async () => {
      const current = await world.status('web');
      return current.handledRequests?.update === requestedAt ? current : undefined;
    });
    assert.equal(status.lastUpdate?.outcome, 'success');
    const [record] = await world.records('web');
    assert.equal(record?.spec.reason, 'Approved');
    assert.equal(record?.spec.requestedBy, 'alice');
    assert.equal((await world.docker.inspectContainer('web', AbortSignal.timeout(100)))?.Config.Image, IMAGE_2);
  });

  test('an approval of another digest than the registry now serves fails with ApprovalStale and leaves the container alone', async () => {
    world = await new ControllerWorld().start();
    publishApp(world);
    const id = await world.run('web', IMAGE_1, { labels: { 'sentinel.policy': 'manual' } });
    await world.offer('web', IMAGE_2, DIGEST_2);
    const requestedAt = new Date(world.clock.now()).toISOString();
    await world.spec('web', { update: { requestedAt, reason: 'Approved', digest: `sha256:${'9'.repeat(64)}` } });
    const status = await world.until('refused', async () => {
      const current = await world.status('web');
      return current.handledRequests?.update === requestedAt ? current : undefined;
    });
    assert.equal(status.lastUpdate?.outcome, 'failed');
    assert.equal(findCondition(status.conditions, 'Updating')?.reason, 'ApprovalStale');
    assert.equal((await world.docker.inspectContainer('web', AbortSignal.timeout(100)))?.Id, id);
  });

  test('pinned: an available update is never applied; an explicit request for a chosen tag is', async () => {
    world = await new ControllerWorld().start();
    publishApp(world);
    const id = await world.run('web', IMAGE_1, { spec: { policy: 'pinned' } });
    await world.offer('web', IMAGE_2, DIGEST_2);
    await world.clock.advance(24 * 3600_000);
    await world.settle();
    assert.equal((await world.docker.inspectContainer('web', AbortSignal.timeout(100)))?.Id, id);
    assert.equal(world.docker.pulls.length, 0);
    assert.equal((await world.records()).length, 0);
    const requestedAt = new Date(world.clock.now()).toISOString();
    await world.spec('web', { update: { requestedAt, reason: 'ChosenTag', tag: '2' } });
    const status = await world.until('chosen tag applied', async () => ((await world.status('web')).handledRequests?.update === requestedAt ? world.status('web') : undefined));
    assert.equal(status.lastUpdate?.outcome, 'success');
    assert.equal((await world.docker.inspectContainer('web', AbortSignal.timeout(100)))?.Config.Image, IMAGE_2);
  });

  test('dry-run records what an auto-update would do, once, and pulls and changes nothing', async () => {
    world = await new ControllerWorld({ settings: { dryRun: true } }).start();
    publishApp(world);
    const id = await world.run('web', IMAGE_1, { labels: { 'sentinel.policy': 'auto' } });
    await world.offer('web', IMAGE_2, DIGEST_2);
    await world.until('dry run recorded', async () => (await world.status('web')).lastUpdate);
    await world.clock.advance(3600_000);
    await world.settle();
    const records = await world.records('web');
    assert.deepEqual(records.map((record) => record.spec.outcome), ['dry_run']);
    assert.equal(records[0]?.spec.newImage, IMAGE_2);
    assert.equal(world.docker.pulls.length, 0);
    assert.equal((await world.docker.inspectContainer('web', AbortSignal.timeout(100)))?.Id, id);
    assert.equal((await world.snapshots('web')).length, 0);
    assert.equal(findCondition((await world.status('web')).conditions, 'Updating')?.reason, 'DryRun');
  });

  test('pull-only pulls the new image once and leaves the container running as it is', async () => {
    world = await new ControllerWorld().start();
    publishApp(world);
    const id = await world.run('web', IMAGE_1, { labels: { 'sentinel.policy': 'auto', 'sentinel.pull-only': 'true' } });
    await world.offer('web', IMAGE_2, DIGEST_2);
    await world.until('pulled', async () => (await world.status('web')).lastUpdate);
    await world.clock.advance(3600_000);
    await world.settle();
    assert.deepEqual((await world.records('web')).map((record) => record.spec.outcome), ['pull_only']);
    assert.equal(world.docker.pulls.length, 1);
    assert.ok(await world.docker.inspectImage(IMAGE_2, AbortSignal.timeout(100)));
    const web = await world.docker.inspectContainer('web', AbortSignal.timeout(100));
    assert.equal(web?.Id, id);
    assert.equal(web?.State.Running, true);
  });

  test('Settings pullOnly pulls the new image for every auto-update and recreates nothing', async () => {
    world = await new ControllerWorld({ settings: { pullOnly: true } }).start();
    publishApp(world);
    const id = await world.run('web', IMAGE_1, { labels: { 'sentinel.policy': 'auto' } });
    await world.offer('web', IMAGE_2, DIGEST_2);
    await world.until('pulled', async () => (await world.status('web')).lastUpdate);
    assert.deepEqual((await world.records('web')).map((record) => record.spec.outcome), ['pull_only']);
    assert.equal(world.docker.pulls.length, 1);
    assert.equal((await world.docker.inspectContainer('web', AbortSignal.timeout(100)))?.Id, id);
  });

  test('the update delay counts from registryCheck.firstSeen', async () => {
    world = await new ControllerWorld().start();
    publishApp(world);
    await world.run('web', IMAGE_1, { labels: { 'sentinel.policy': 'auto', 'sentinel.delay': '2h' } });
    const firstSeen = world.clock.now() - 30 * 60_000;
    await world.offer('web', IMAGE_2, DIGEST_2, firstSeen);
    await world.settle();
    const waiting = findCondition((await world.status('web')).conditions, 'Updating');
    assert.equal(waiting?.reason, 'WaitingForUpdateDelay');
    assert.match(waiting?.message ?? '', new RegExp(new Date(firstSeen + 2 * 3600_000).toISOString()));
    await world.clock.advance(90 * 60_000 - 1000);
    await world.settle();
    assert.equal(world.docker.pulls.length, 0, 'not a second before the delay');
    await world.clock.advance(1000);
    const status = await world.until('updated', async () => {
      const current = await world.status('web');
      return current.lastUpdate === undefined ? undefined : current;
    });
    assert.equal(status.lastUpdate?.outcome, 'success');
    assert.ok(Date.parse(status.operation?.startedAt ?? '') >= firstSeen + 2 * 3600_000);
  });

  test('a maintenance window across a weekend (Fri 22:00-Mon 06:00) holds an auto-update until Friday 22:00', async () => {
    world = await new ControllerWorld({ settings: { maintenanceWindow: 'Fri 22:00-Mon 06:00' } }).start();
    publishApp(world);
    await world.run('web', IMAGE_1, { labels: { 'sentinel.policy': 'auto' } });
    await world.offer('web', IMAGE_2, DIGEST_2);
    await world.settle();
    // START is Tuesday 10:00 local time; the window opens on Friday 17 January at 22:00.
    const opens = new Date(2025, 0, 17, 22, 0, 0).getTime();
    const waiting = findCondition((await world.status('web')).conditions, 'Updating');
    assert.equal(waiting?.reason, 'WaitingForMaintenanceWindow');
    assert.match(waiting?.message ?? '', new RegExp(new Date(opens).toISOString()));
    await world.clock.advance(opens - world.clock.now() - 60_000);
    await world.settle();
    assert.equal(world.docker.pulls.length, 0, 'closed at 21:59');
    await world.clock.advance(60_000);
    const status = await world.until('updated in the window', async () => {
      const current = await world.status('web');
      return current.lastUpdate === undefined ? undefined : current;
    });
    assert.equal(status.lastUpdate?.outcome, 'success');
    const started = new Date(Date.parse(status.operation?.startedAt ?? ''));
    assert.deepEqual([started.getDay(), started.getHours()], [5, 22]);
  });

  test('a container labelled sentinel.self is never auto-updated, and its update and rollback requests are refused', async () => {
    world = await new ControllerWorld().start();
    publishApp(world);
    const id = await world.run('vigil', IMAGE_1, { labels: { 'sentinel.policy': 'auto', 'vigil.self': 'true' } });
    await world.offer('vigil', IMAGE_2, DIGEST_2);
    await world.clock.advance(3600_000);
    await world.settle();
    assert.equal(world.docker.pulls.length, 0);
    const requestedAt = new Date(world.clock.now()).toISOString();
    await world.spec('vigil', { update: { requestedAt, reason: 'Manual' }, rollback: { requestedAt } });
    const status = await world.until('both requests handled', async () => {
      const current = await world.status('vigil');
      return current.handledRequests?.update === requestedAt && current.handledRequests.rollback === requestedAt ? current : undefined;
    });
    assert.equal(findCondition(status.conditions, 'Updating')?.reason, 'SelfContainer');
    assert.deepEqual((await world.records('vigil')).map((record) => [record.spec.type, record.spec.outcome]).sort(), [['rollback', 'failed'], ['update', 'failed']]);
    assert.equal((await world.docker.inspectContainer('vigil', AbortSignal.timeout(100)))?.Id, id);
    assert.equal(world.docker.pulls.length, 0);
  });
});
