// The sync loop in process, on a real store with real files and real chokidar: file changes are applied within 2 s
// (wall clock), the resync timer (a stepped clock) undoes a hand edit, a git-sync style link swap is followed, and
// ManifestSource `default` follows Settings.manifests.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { registerGitopsController } from '../../../controllers/gitops/gitops-controller.ts';
import { Manager, systemClock } from '../../../controllers/runtime/index.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import type { ResourceObject } from '../../../apiserver/resources/client.ts';
import type { ManifestSourceStatus } from '../../../schemas/generated/types.ts';
import { eventually, idle, makeDir, specOf, manifestSource, openTestStore, policyYaml, SteppedClock, writeFiles, type TestStore } from './fixtures.ts';

const work = makeDir('vigil-loop-');
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  work.remove();
});

/** What the tests drive: the controller manager `vigil serve` runs (a single process leads) with the GitOps sync on it. */
interface SyncLoop {
  start(): void;
  /** Resolves once nothing is queued or running. */
  idle(): Promise<void>;
}

async function setup(name: string, options: { clock?: SteppedClock; bootstrapDirectory?: string } = {}): Promise<{ db: TestStore; controller: SyncLoop }> {
  const db = await openTestStore(join(work.path, name));
  const manager = new Manager({ client: db.resources, metricsRegistry: new Registry(), clock: options.clock ?? systemClock });
  const gitops = registerGitopsController({ manager, bootstrapDirectory: options.bootstrapDirectory });
  let started: Promise<void> | undefined;
  const controller: SyncLoop = {
    start: () => {
      started = manager.start();
    },
    idle: async () => {
      await started;
      await idle(gitops.controller);
    },
  };
  cleanups.push(async () => {
    await started;
    await manager.stop();
    await db.close();
  });
  return { db, controller };
}

async function find(db: TestStore, kind: string, name: string): Promise<ResourceObject | undefined> {
  try {
    return await db.resources.get(kind, undefined, name);
  } catch (error) {
    if (isApiError(error, 'NotFound')) return undefined;
    throw error;
  }
}

async function policyOf(db: TestStore, name: string): Promise<unknown> {
  return specOf(await find(db, 'UpdatePolicy', name)).policy;
}

test('a file written, edited or deleted in the directory is applied within 2 seconds', async () => {
  const dir = join(work.path, 'files');
  writeFiles(dir, { 'a.yaml': policyYaml('a') });
  const { db, controller } = await setup('files-db', { bootstrapDirectory: dir });
  controller.start();
  await eventually('the first pass', async () => (await policyOf(db, 'a')) === 'auto' || undefined);
  await controller.idle();

  const timed = async (what: string, change: () => void, done: () => Promise<boolean>): Promise<void> => {
    const started = Date.now();
    change();
    await eventually(what, async () => (await done()) || undefined, 5000);
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 2000, `${what} took ${elapsed} ms`);
  };
  await timed('an edit', () => writeFiles(dir, { 'a.yaml': policyYaml('a', 'manual') }), async () => (await policyOf(db, 'a')) === 'manual');
  await timed('a new file in a new folder', () => writeFiles(dir, { 'more/b.yaml': policyYaml('b') }), async () => (await policyOf(db, 'b')) === 'auto');
  // Editors and git write a temporary file and rename it over the old one.
  await timed('an atomic rename', () => {
    writeFiles(dir, { '.b.yaml.tmp': policyYaml('b', 'pinned') });
    renameSync(join(dir, '.b.yaml.tmp'), join(dir, 'more/b.yaml'));
  }, async () => (await policyOf(db, 'b')) === 'pinned');
  await timed('a deleted file', () => writeFiles(dir, { 'more/b.yaml': undefined }), async () => (await find(db, 'UpdatePolicy', 'b')) === undefined);
  assert.equal(await policyOf(db, 'a'), 'manual', 'the other object is untouched');
});

test('the resync timer restores a field changed by hand, and the status says who changed what', async () => {
  const clock = new SteppedClock();
  const dir = join(work.path, 'resync');
  writeFiles(dir, { 'a.yaml': policyYaml('a') });
  const { db, controller } = await setup('resync-db', { clock });
  await db.resources.create(manifestSource('homelab', dir, { resyncInterval: '1m' }));
  controller.start();
  await eventually('the first pass', async () => (await policyOf(db, 'a')) === 'auto' || undefined);
  await controller.idle();
  await db.resources.patch('UpdatePolicy', undefined, 'a', 'merge', { spec: { policy: 'pinned' } }, { fieldManager: 'kubectl-edit' });
  clock.advance(59_000);
  await controller.idle();
  assert.equal(await policyOf(db, 'a'), 'pinned', 'not before the interval');
  clock.advance(1_000);
  await eventually('the resync', async () => (await policyOf(db, 'a')) === 'auto' || undefined);
  await controller.idle();
  const status = (await find(db, 'ManifestSource', 'homelab'))?.status as ManifestSourceStatus;
  assert.deepEqual(status.results?.[0]?.drift, { fields: ['.spec.policy'], managers: ['kubectl-edit'] });
});

test('a checkout whose symlink is swapped to a new worktree (git-sync) is followed', async () => {
  const clock = new SteppedClock();
  const root = join(work.path, 'git-sync');
  writeFiles(root, { 'rev-1/a.yaml': policyYaml('a'), 'rev-2/a.yaml': policyYaml('a', 'manual') });
  symlinkSync(join(root, 'rev-1'), join(root, 'current'));
  const { db, controller } = await setup('git-sync-db', { clock });
  await db.resources.create(manifestSource('synced', join(root, 'current')));
  controller.start();
  await eventually('the first pass', async () => (await policyOf(db, 'a')) === 'auto' || undefined);
  await controller.idle();
  // git-sync makes the new link beside the old one and renames it over: one atomic swap.
  symlinkSync(join(root, 'rev-2'), join(root, 'next'));
  renameSync(join(root, 'next'), join(root, 'current'));
  await eventually('the new worktree applied', async () => (await policyOf(db, 'a')) === 'manual' || undefined, 10_000, () => clock.advance(100));
});

test('ManifestSource default follows Settings.manifests, and goes when the setting goes (its objects stay)', async () => {
  const dir = join(work.path, 'settings-dir');
  writeFiles(dir, { 'a.yaml': policyYaml('from-settings') });
  const { db, controller } = await setup('settings-db');
  controller.start();
  await db.resources.apply({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: { manifests: { directory: dir, resyncInterval: '10m' } } }, { fieldManager: 'kubectl' });
  await eventually('the default source applied', async () => (await policyOf(db, 'from-settings')) === 'auto' || undefined);
  const source = await find(db, 'ManifestSource', 'default');
  assert.deepEqual(source?.spec, { directory: dir, resyncInterval: '10m', prune: true });
  assert.equal(source?.metadata.annotations?.['vigil.dev/bootstrap'], 'settings');
  await db.resources.patch('Settings', undefined, 'default', 'merge', { spec: { manifests: null } }, { fieldManager: 'kubectl' });
  await eventually('the default source removed', async () => (await find(db, 'ManifestSource', 'default')) === undefined || undefined);
  assert.equal(await policyOf(db, 'from-settings'), 'auto');
});

test('a git checkout: the status records the commit, and a new commit is applied with its commit', async () => {
  const repo = join(work.path, 'repo');
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid', GIT_CONFIG_NOSYSTEM: '1', HOME: work.path };
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: repo, env, encoding: 'utf8' }).trim();
  writeFiles(repo, { 'vigil/a.yaml': policyYaml('committed') });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'first');
  const { db, controller } = await setup('git-db');
  await db.resources.create(manifestSource('repo', join(repo, 'vigil')));
  controller.start();
  const statusOf = async (): Promise<ManifestSourceStatus | undefined> => (await find(db, 'ManifestSource', 'repo'))?.status as ManifestSourceStatus | undefined;
  const first = git('rev-parse', 'HEAD');
  await eventually('the first commit applied', async () => ((await statusOf())?.lastAppliedRevision === first ? true : undefined));
  assert.equal((await statusOf())?.gitCommit, first);
  writeFiles(repo, { 'vigil/a.yaml': policyYaml('committed', 'manual') });
  git('commit', '-q', '-am', 'second');
  git('gc', '-q'); // packs refs and objects: churn in .git that must change nothing
  const second = git('rev-parse', 'HEAD');
  await eventually('the second commit applied', async () => ((await statusOf())?.lastAppliedRevision === second ? true : undefined));
  assert.equal(await policyOf(db, 'committed'), 'manual');
});
