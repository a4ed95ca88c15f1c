// Rollbacks through the update controller on a fake engine: an update whose new container fails its health check is
// rolled back to the old image ID and the rollback policy is applied to spec.policy (manager vigil-rollback, never
// forced: git's policy wins and is reported); the failed version is not retried automatically; a rollback request
// restores the newest snapshot on its exact image ID, even after the tag moved and image cleanup removed the image.
import { afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findCondition } from '../../../controllers/runtime/index.ts';
import type { Container } from '../../../schemas/generated/types.ts';
import { appConfig, ControllerWorld, fakeDigest, HOST, IMAGE_1, IMAGE_2, publishApp } from './controller-fixture.ts';

const DIGEST_2 = fakeDigest(appConfig('2'));
const IMAGE_3 = 'registry.test/team/app:3';

/** The field managers owning spec.FIELD. */
function managerOf(container: Container, field: string): string[] {
  return (container.metadata.managedFields ?? [])
    .filter((entry) => {
      const spec = (entry.fieldsV1 as Record<string, Record<string, unknown> | undefined> | undefined)?.['f:spec'];
      return spec !== undefined && `f:${field}` in spec;
    })
    .map((entry) => entry.manager ?? '');
}

describe('rollbacks through the update controller', () => {
  let world: ControllerWorld;
  afterEach(async () => {
    await world?.close();
  });

  test('an unhealthy new container is rolled back to the old image ID, the rollback policy pins the container, and that version is not tried again', async () => {
    world = await new ControllerWorld({ settings: { rollbackPolicy: 'pinned' } }).start();
    const oldImageID = publishApp(world, { health: 'unhealthy' });
    const oldID = await world.run('web', IMAGE_1, { labels: { 'sentinel.policy': 'auto' } });
    await world.offer('web', IMAGE_2, DIGEST_2);
    const status = await world.until('rolled back', async () => {
      const current = await world.status('web');
      return current.lastUpdate === undefined ? undefined : current;
    });
    assert.equal(status.lastUpdate?.outcome, 'rollback');
    assert.match(status.lastUpdate?.error ?? '', /unhealthy/);
    const web = await world.docker.inspectContainer('web', AbortSignal.timeout(100));
    assert.equal(web?.Id, oldID, 'the old container itself is back');
    assert.equal(web?.Image, oldImageID);
    const container = await world.container('web');
    assert.equal(container.spec?.policy, 'pinned');
    assert.deepEqual(managerOf(container, 'policy'), ['vigil-rollback']);
    const [record] = await world.records('web');
    assert.equal(record?.spec.outcome, 'rollback');
    assert.ok(record?.spec.steps?.some((step) => step.name === 'rollbackPolicy' && step.message === 'spec.policy set to pinned (rollback policy)'));
    assert.equal(findCondition(status.conditions, 'Updating')?.reason, 'RolledBack');
    await world.clock.advance(24 * 3600_000);
    await world.settle();
    assert.equal((await world.records('web')).length, 1);
  });

  test('when git owns spec.policy the rollback policy is not forced: PolicyOwnedByGit is reported, and the failed digest is not retried while a newer one is', async () => {
    world = await new ControllerWorld({ settings: { rollbackPolicy: 'pinned' } }).start();
    publishApp(world, { health: 'unhealthy' });
    await world.run('web', IMAGE_1);
    await world.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'ManifestSource', metadata: { name: 'default' }, spec: { directory: '/srv/vigil', suspend: true } });
    await world.registry.modify('ManifestSource', undefined, 'default', (current) => ({ ...current, status: { results: [{ object: `Container/${HOST}/web`, file: 'containers/web.yaml', line: 1, action: 'configured' }] } }), { subresource: 'status' });
    await world.registry.apply(
      { apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'web', namespace: HOST, labels: { 'vigil.dev/managed-by': 'gitops', 'vigil.dev/manifest-source': 'default' } }, spec: { policy: 'auto' } },
      { fieldManager: 'vigil-gitops', force: true },
    );
    await world.offer('web', IMAGE_2, DIGEST_2);
    const status = await world.until('rolled back', async () => {
      const current = await world.status('web');
      return current.lastUpdate === undefined ? undefined : current;
    });
    assert.equal(status.lastUpdate?.outcome, 'rollback');
    const condition = findCondition(status.conditions, 'Updating');
    assert.equal(condition?.reason, 'PolicyOwnedByGit');
    assert.match(condition?.message ?? '', /ManifestSource default, file containers\/web\.yaml/);
    const container = await world.container('web');
    assert.equal(container.spec?.policy, 'auto', 'git keeps its policy');
    assert.deepEqual(managerOf(container, 'policy'), ['vigil-gitops']);
    const [record] = await world.records('web');
    assert.ok(record?.spec.steps?.some((step) => step.name === 'rollbackPolicy' && step.outcome === 'failed' && /in git/.test(step.message ?? '')));
    // The broken version is not looped on, although git says auto and the check still offers it.
    await world.clock.advance(24 * 3600_000);
    await world.offer('web', IMAGE_2, DIGEST_2);
    await world.settle();
    assert.equal((await world.records('web')).length, 1);
    assert.equal(world.docker.pulls.length, 1);
    // Something newer is tried.
    world.docker.publish(IMAGE_3, { config: appConfig('3') });
    await world.offer('web', IMAGE_3, fakeDigest(appConfig('3')));
    const updated = await world.until('the newer version applied', async () => {
      const current = await world.status('web');
      return current.lastUpdate?.newImage === IMAGE_3 ? current : undefined;
    });
    assert.equal(updated.lastUpdate?.outcome, 'success');
  });

  test('a rollback request restores the newest snapshot on its exact image ID after the tag moved and the image was cleaned up', async () => {
    world = await new ControllerWorld().start();
    const oldImageID = publishApp(world);
    await world.run('web', IMAGE_1, { labels: { 'sentinel.policy': 'auto' }, config: { Env: ['MODE=production'] } });
    await world.offer('web', IMAGE_2, DIGEST_2);
    await world.until('updated', async () => (await world.status('web')).lastUpdate !== undefined);
    assert.equal(world.docker.images.has(oldImageID), false, 'image cleanup removed app:1');
    await world.upToDate('web');
    // The tag now names something else; the registry still serves the old image by its digest.
    world.docker.addImage([IMAGE_1], { config: appConfig('1-moved') });
    world.docker.publish(`registry.test/team/app@sha256:${'1'.repeat(64)}`, { config: appConfig('1'), id: oldImageID });
    const requestedAt = new Date(world.clock.now()).toISOString();
    await world.spec('web', { rollback: { requestedAt, requestedBy: 'bob' } });
    const status = await world.until('rolled back on request', async () => {
      const current = await world.status('web');
      return current.handledRequests?.rollback === requestedAt ? current : undefined;
    });
    assert.equal(status.lastUpdate?.outcome, 'success', status.lastUpdate?.error);
    const web = await world.docker.inspectContainer('web', AbortSignal.timeout(100));
    assert.equal(web?.Image, oldImageID);
    assert.ok(web?.Config.Env?.includes('MODE=production'));
    assert.ok(web?.Config.Env?.includes('VERSION=1'));
    const record = (await world.records('web')).at(-1);
    assert.deepEqual([record?.spec.type, record?.spec.reason, record?.spec.requestedBy, record?.spec.outcome], ['rollback', 'Rollback', 'bob', 'success']);
    // The rollback's own snapshot (of app:2) is there to undo it.
    const snapshots = await world.snapshots('web');
    assert.deepEqual(snapshots.map((snapshot) => (snapshot.spec as { reason: string }).reason).sort(), ['pre-rollback', 'pre-update']);
    // The version rolled away from is not re-applied by itself while the registry still offers it.
    await world.offer('web', IMAGE_2, DIGEST_2);
    await world.clock.advance(3600_000);
    await world.settle();
    assert.equal((await world.records('web')).length, 2);
  });

  test('a rollback request without any snapshot is refused with NoSnapshot', async () => {
    world = await new ControllerWorld().start();
    publishApp(world);
    const id = await world.run('web', IMAGE_1);
    const requestedAt = new Date(world.clock.now()).toISOString();
    await world.spec('web', { rollback: { requestedAt } });
    const status = await world.until('refused', async () => {
      const current = await world.status('web');
      return current.handledRequests?.rollback === requestedAt ? current : undefined;
    });
    assert.equal(findCondition(status.conditions, 'Updating')?.reason, 'NoSnapshot');
    assert.equal(status.lastUpdate?.outcome, 'failed');
    assert.equal((await world.docker.inspectContainer('web', AbortSignal.timeout(100)))?.Id, id);
  });
});
