// The GitOps sync runs only on the elected leader: with etcd, several replicas share one store, and only one of them
// may apply and prune. A replica that does not lead keeps its caches warm and does nothing else; once it leads it
// syncs at once; when it stops leading it stops syncing and watching.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { registerGitopsController } from '../../../controllers/gitops/gitops-controller.ts';
import { Manager } from '../../../controllers/runtime/index.ts';
import { ManualElector } from '../../fakes/manual-elector.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import type { ResourceObject } from '../../../apiserver/resources/client.ts';
import { eventually, makeDir, manifestSource, openTestStore, policyYaml, specOf, writeFiles, type TestStore } from './fixtures.ts';

const work = makeDir('vigil-gitops-leader-');
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  work.remove();
});

async function find(db: TestStore, kind: string, name: string): Promise<ResourceObject | undefined> {
  try {
    return await db.resources.get(kind, undefined, name);
  } catch (error) {
    if (isApiError(error, 'NotFound')) return undefined;
    throw error;
  }
}

test('a replica that does not lead applies nothing and watches nothing; it syncs once it leads, and stops when it no longer does', async () => {
  const db = await openTestStore(join(work.path, 'db'));
  const dir = join(work.path, 'homelab');
  const flagDir = join(work.path, 'flag');
  writeFiles(dir, { 'a.yaml': policyYaml('a') });
  writeFiles(flagDir, { 'b.yaml': policyYaml('b') });
  await db.resources.create(manifestSource('homelab', dir));
  const elector = new ManualElector('replica-b');
  const manager = new Manager({ client: db.resources, metricsRegistry: new Registry(), leaderElector: elector });
  const gitops = registerGitopsController({ manager, bootstrapDirectory: flagDir });
  cleanups.push(async () => {
    await manager.stop();
    await db.close();
  });

  await manager.start();
  assert.ok(manager.informers.hasSynced(), 'the caches are warm on every replica');
  const revision = await db.store.currentRevision();
  writeFiles(dir, { 'a.yaml': policyYaml('a', 'manual') });
  // A leader syncs at once and applies a file change within 2 s; this replica gets as long and must do nothing.
  await sleep(2_000);
  assert.equal(gitops.controller.running, false);
  assert.equal(gitops.watchers.directories.size, 0, 'no directory is watched');
  assert.equal(await find(db, 'UpdatePolicy', 'a'), undefined, 'nothing applied');
  assert.equal(await find(db, 'ManifestSource', 'default'), undefined, '--manifests made no source');
  assert.equal(await db.store.currentRevision(), revision, 'nothing written at all, not even a status');

  await elector.grant();
  const startedAt = Date.now();
  await eventually('the leader applied both sources', async () => (specOf(await find(db, 'UpdatePolicy', 'a')).policy === 'manual' && (await find(db, 'UpdatePolicy', 'b')) !== undefined) || undefined);
  assert.ok(Date.now() - startedAt < 2_000, `the first sync took ${Date.now() - startedAt} ms`);
  await eventually('both directories watched', () => (gitops.watchers.directories.size === 2 ? true : undefined));

  await elector.revoke();
  assert.equal(gitops.controller.running, false);
  assert.equal(gitops.watchers.directories.size, 0, 'the watchers are closed with leadership');
  const afterLeading = await db.store.currentRevision();
  writeFiles(dir, { 'a.yaml': policyYaml('a', 'pinned') });
  await sleep(2_000);
  assert.equal(specOf(await find(db, 'UpdatePolicy', 'a')).policy, 'manual', 'a change after leadership ended is not applied');
  assert.equal(await db.store.currentRevision(), afterLeading, 'nothing written after leadership ended');
});
