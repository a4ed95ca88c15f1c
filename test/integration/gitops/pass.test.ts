// One GitOps pass over a real embedded store (SourceReconciler, as the server runs it): what is applied, what is not
// written, what is pruned, and the ownership contract between git, controllers and people (docs/gitops.md).
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { SourceReconciler } from '../../../controllers/gitops/source-reconciler.ts';
import type { ResourceObject } from '../../../apiserver/resources/client.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import type { ManifestSourceStatus } from '../../../schemas/generated/types.ts';
import { containerYaml, makeDir, specOf, manifestSource, openTestStore, policyYaml, secretYaml, SteppedClock, writeFiles, type TestStore } from './fixtures.ts';

const work = makeDir('vigil-pass-');
let db: TestStore;
let dir: string;
let serial = 0;
const clock = new SteppedClock();
let reconciler: SourceReconciler;

before(async () => {
  db = await openTestStore(work.path);
  reconciler = new SourceReconciler({ client: db.resources, clock });
});
after(async () => {
  await db.close();
  work.remove();
});

/** Each test its own source and directory (objects are named per test, so sources never share one). */
let source: string;
beforeEach(async () => {
  serial += 1;
  source = `s${serial}`;
  dir = `${work.path}/m${serial}`;
  writeFiles(dir, {});
  await db.resources.create(manifestSource(source, dir));
});

async function pass(): Promise<ManifestSourceStatus> {
  await reconciler.reconcile(source);
  return (await db.resources.get('ManifestSource', undefined, source)).status as ManifestSourceStatus;
}

async function revision(): Promise<number> {
  return await db.store.currentRevision();
}

async function get(kind: string, name: string, namespace?: string): Promise<ResourceObject | undefined> {
  try {
    return await db.resources.get(kind, namespace, name);
  } catch (error) {
    if (isApiError(error, 'NotFound')) return undefined;
    throw error;
  }
}

function ready(status: ManifestSourceStatus): { status: string; reason: string; message: string } | undefined {
  return status.conditions?.find((condition) => condition.type === 'Ready');
}

test('applies a tree with the gitops field manager and the ownership label, and records the inventory', async () => {
  writeFiles(dir, { 'policies.yaml': `${policyYaml(`${source}-web`)}---\n${policyYaml(`${source}-db`, 'manual')}`, 'secret.yaml': secretYaml(`${source}-reg`, 'hunter2') });
  const status = await pass();
  assert.equal(ready(status)?.status, 'True', JSON.stringify(status));
  assert.deepEqual(status.results?.map((result) => `${result.object} ${result.action} ${result.file}:${result.line}`), [
    `Secret/vigil-system/${source}-reg created secret.yaml:1`,
    `UpdatePolicy/${source}-web created policies.yaml:1`,
    `UpdatePolicy/${source}-db created policies.yaml:8`,
  ]);
  assert.equal(status.inventory?.length, 3);
  assert.match(status.lastAppliedRevision ?? '', /^sha256:/);
  const web = await get('UpdatePolicy', `${source}-web`);
  assert.deepEqual(web?.metadata.labels, { 'vigil.dev/managed-by': 'gitops', 'vigil.dev/manifest-source': source });
  assert.deepEqual(web?.metadata.managedFields?.map((entry) => `${entry.manager} ${entry.operation}`), ['vigil-gitops Apply']);
  const secret = await get('Secret', `${source}-reg`, 'vigil-system');
  assert.equal((secret?.data as Record<string, string>).password, Buffer.from('hunter2').toString('base64'));
  assert.ok(!JSON.stringify(status).includes('hunter2') && !JSON.stringify(status).includes(Buffer.from('hunter2').toString('base64')), 'no Secret value in the status');
});

test('a pass over an unchanged tree writes nothing at all, not even the status', async () => {
  writeFiles(dir, { 'a.yaml': policyYaml(`${source}-a`), 'secret.yaml': secretYaml(`${source}-reg`, 'pw'), 'ctr.yaml': containerYaml(`${source}-nginx`) });
  await pass();
  await pass(); // results move from created to unchanged: one status write
  const at = await revision();
  const status = await pass();
  assert.equal(await revision(), at, 'no new resourceVersion anywhere');
  assert.deepEqual(status.results?.map((result) => result.action), ['unchanged', 'unchanged', 'unchanged']);
});

test('an edited file writes exactly the object it changed', async () => {
  writeFiles(dir, { 'a.yaml': policyYaml(`${source}-a`), 'b.yaml': policyYaml(`${source}-b`) });
  await pass();
  const before = (await get('UpdatePolicy', `${source}-a`))?.metadata.resourceVersion;
  writeFiles(dir, { 'b.yaml': policyYaml(`${source}-b`, 'manual') });
  const status = await pass();
  assert.equal((await get('UpdatePolicy', `${source}-a`))?.metadata.resourceVersion, before);
  assert.equal(specOf(await get('UpdatePolicy', `${source}-b`)).policy, 'manual');
  assert.deepEqual(status.results?.map((result) => `${result.object} ${result.action}`), [`UpdatePolicy/${source}-a unchanged`, `UpdatePolicy/${source}-b configured`]);
});

test('a deleted file prunes exactly its objects, and only after the applies succeeded', async () => {
  writeFiles(dir, { 'a.yaml': policyYaml(`${source}-a`), 'b.yaml': `${policyYaml(`${source}-b`)}---\n${policyYaml(`${source}-c`)}`, 'x.yaml': policyYaml(`${source}-x`) });
  await pass();
  const kept = await get('UpdatePolicy', `${source}-a`);
  writeFiles(dir, { 'b.yaml': undefined });
  const status = await pass();
  assert.equal(await get('UpdatePolicy', `${source}-b`), undefined);
  assert.equal(await get('UpdatePolicy', `${source}-c`), undefined);
  assert.equal((await get('UpdatePolicy', `${source}-a`))?.metadata.resourceVersion, kept?.metadata.resourceVersion);
  assert.deepEqual(status.results?.filter((result) => result.action === 'pruned').map((result) => result.object).sort(), [`UpdatePolicy/${source}-b`, `UpdatePolicy/${source}-c`]);
  assert.deepEqual(status.inventory?.map((entry) => entry.name), [`${source}-a`, `${source}-x`]);
});

test('a broken file: nothing applied, nothing pruned, and the status names the file and line', async () => {
  writeFiles(dir, { 'a.yaml': policyYaml(`${source}-a`), 'b.yaml': policyYaml(`${source}-b`) });
  await pass();
  const at = await revision();
  writeFiles(dir, { 'a.yaml': policyYaml(`${source}-a`, 'manual'), 'b.yaml': undefined, 'apps/broken.yaml': policyYaml(`${source}-c`, 'sometimes') });
  const status = await pass();
  assert.equal(specOf(await get('UpdatePolicy', `${source}-a`)).policy, 'auto', 'the valid change was not applied either');
  assert.ok(await get('UpdatePolicy', `${source}-b`), 'nothing pruned');
  assert.equal(await revision(), at + 1, 'only the status was written');
  assert.deepEqual({ ...ready(status), lastTransitionTime: undefined, observedGeneration: undefined }, {
    type: 'Ready', status: 'False', reason: 'ValidationFailed', lastTransitionTime: undefined, observedGeneration: undefined,
    message: 'nothing applied or pruned: apps/broken.yaml:6: spec.policy: Unsupported value: "sometimes": supported values: "auto", "manual", "pinned"',
  });
  assert.equal(status.conditions?.find((condition) => condition.type === 'Stalled')?.status, 'True');
  assert.deepEqual(status.results, [{ file: 'apps/broken.yaml', line: 6, action: 'failed', error: 'spec.policy: Unsupported value: "sometimes": supported values: "auto", "manual", "pinned"' }]);
  assert.equal(status.inventory?.length, 2, 'the inventory is kept');
});

test('a tree that suddenly became empty prunes nothing', async () => {
  writeFiles(dir, { 'a.yaml': policyYaml(`${source}-a`) });
  await pass();
  writeFiles(dir, { 'a.yaml': undefined });
  const status = await pass();
  assert.ok(await get('UpdatePolicy', `${source}-a`));
  assert.equal(ready(status)?.reason, 'EmptyTree');
  assert.equal(status.inventory?.length, 1);
});

test('a field changed by hand is restored from git, and the result names the field and the manager', async () => {
  writeFiles(dir, { 'a.yaml': policyYaml(`${source}-a`, 'auto', '  priority: 5\n') });
  await pass();
  await db.resources.patch('UpdatePolicy', undefined, `${source}-a`, 'merge', { spec: { policy: 'manual' } }, { fieldManager: 'kubectl-edit' });
  const status = await pass();
  assert.equal(specOf(await get('UpdatePolicy', `${source}-a`)).policy, 'auto');
  assert.deepEqual(status.results?.[0], { object: `UpdatePolicy/${source}-a`, file: 'a.yaml', line: 1, action: 'driftCorrected', drift: { fields: ['.spec.policy'], managers: ['kubectl-edit'] } });
  await db.resources.patch('UpdatePolicy', undefined, `${source}-a`, 'json', [{ op: 'remove', path: '/spec/priority' }], { fieldManager: 'kubectl-patch' });
  const removed = await pass();
  assert.equal(specOf(await get('UpdatePolicy', `${source}-a`)).priority, 5);
  assert.deepEqual(removed.results?.[0]?.drift, { fields: ['.spec.priority'], managers: [] });
});

test('a Secret value changed by hand is restored by value, and never shown', async () => {
  writeFiles(dir, { 's.yaml': secretYaml(`${source}-reg`, 'from-git') });
  await pass();
  await db.resources.patch('Secret', 'vigil-system', `${source}-reg`, 'merge', { data: { password: Buffer.from('by-hand').toString('base64') } }, { fieldManager: 'kubectl-edit' });
  const status = await pass();
  const secret = await get('Secret', `${source}-reg`, 'vigil-system');
  assert.equal((secret?.data as Record<string, string>).password, Buffer.from('from-git').toString('base64'));
  assert.deepEqual(status.results?.[0]?.drift, { fields: ['.data.password'], managers: ['kubectl-edit'] });
  assert.ok(!JSON.stringify(status).includes(Buffer.from('by-hand').toString('base64')));
});

test('controllers\' writes survive a sync: status, request handling, and spec fields git does not set', async () => {
  writeFiles(dir, { 'c.yaml': containerYaml(`${source}-app`, 'auto') });
  await pass();
  const name = `${source}-app`;
  // The inventory controller fills in what Docker says; an auto-update changes what runs and the status only.
  await db.resources.apply({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name, namespace: 'local' }, spec: { containerName: name, hostRef: 'local' } }, { fieldManager: 'vigil-inventory' });
  await db.resources.modify('Container', 'local', name, (current) => ({ ...current, status: { image: 'nginx:1.27.5', lastUpdate: { outcome: 'success', at: '2026-11-22T15:00:00Z', newImage: 'nginx:1.27.5' } } }), { subresource: 'status', fieldManager: 'vigil-update' });
  // A person asks for a check and ignores a version through the REST facade: spec fields git does not set.
  await db.resources.patch('Container', 'local', name, 'merge', { spec: { ignoredVersions: ['1.28.0'], check: { requestedAt: '2026-11-22T15:00:00Z' } } }, { fieldManager: 'vigil-rest' });
  const at = (await get('Container', name, 'local'))?.metadata.resourceVersion;
  const status = await pass();
  const after = await get('Container', name, 'local');
  assert.equal(after?.metadata.resourceVersion, at, 'the sync wrote nothing');
  assert.equal(status.results?.[0]?.action, 'unchanged');
  assert.deepEqual(after?.spec, { policy: 'auto', containerName: name, hostRef: 'local', ignoredVersions: ['1.28.0'], check: { requestedAt: '2026-11-22T15:00:00Z' } });
  assert.equal((after?.status as { image: string }).image, 'nginx:1.27.5');
});

test('a controller applying a field git owns gets a Conflict instead of overwriting it (the rule for controller authors)', async () => {
  writeFiles(dir, { 'c.yaml': containerYaml(`${source}-app`, 'auto') });
  await pass();
  const rollback = { apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: `${source}-app`, namespace: 'local' }, spec: { policy: 'manual' } };
  await assert.rejects(db.resources.apply(rollback, { fieldManager: 'vigil-rollback' }), (error: unknown) => {
    assert.ok(isApiError(error, 'Conflict'));
    assert.match(error.message, /conflict with "vigil-gitops": \.spec\.policy/);
    return true;
  });
  assert.equal(specOf(await get('Container', `${source}-app`, 'local')).policy, 'auto');
});

test('an object annotated vigil.dev/prune: disabled, or no longer labelled, survives its file\'s removal', async () => {
  writeFiles(dir, { 'keep.yaml': policyYaml(`${source}-keep`), 'adopted.yaml': policyYaml(`${source}-adopted`), 'rest.yaml': policyYaml(`${source}-rest`) });
  await pass();
  await db.resources.patch('UpdatePolicy', undefined, `${source}-keep`, 'merge', { metadata: { annotations: { 'vigil.dev/prune': 'disabled' } } }, { fieldManager: 'kubectl-annotate' });
  await db.resources.patch('UpdatePolicy', undefined, `${source}-adopted`, 'merge', { metadata: { labels: { 'vigil.dev/manifest-source': null } } }, { fieldManager: 'kubectl-label' });
  writeFiles(dir, { 'keep.yaml': undefined, 'adopted.yaml': undefined });
  const status = await pass();
  assert.ok(await get('UpdatePolicy', `${source}-keep`));
  assert.ok(await get('UpdatePolicy', `${source}-adopted`));
  assert.deepEqual(status.results?.filter((result) => result.action === 'skipped').map((result) => result.object).sort(), [`UpdatePolicy/${source}-adopted`, `UpdatePolicy/${source}-keep`]);
  assert.deepEqual(status.inventory?.map((entry) => entry.name), [`${source}-rest`]);
});

test('pruning a Container gives back what git set and keeps the Container (it is discovered from Docker)', async () => {
  const name = `${source}-web`;
  writeFiles(dir, { 'c.yaml': containerYaml(name, 'pinned'), 'p.yaml': policyYaml(`${source}-p`) });
  await pass();
  await db.resources.apply({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name, namespace: 'local' }, spec: { containerName: name, hostRef: 'local' } }, { fieldManager: 'vigil-inventory' });
  writeFiles(dir, { 'c.yaml': undefined });
  const status = await pass();
  const container = await get('Container', name, 'local');
  assert.deepEqual(container?.spec, { containerName: name, hostRef: 'local' });
  assert.equal(container?.metadata.labels, undefined);
  assert.equal(status.results?.find((result) => result.object === `Container/local/${name}`)?.action, 'pruned');
});

test('with pruning off, objects gone from the manifests stay and are reported as skipped', async () => {
  await db.resources.patch('ManifestSource', undefined, source, 'merge', { spec: { prune: false } });
  writeFiles(dir, { 'a.yaml': policyYaml(`${source}-a`), 'b.yaml': policyYaml(`${source}-b`) });
  await pass();
  writeFiles(dir, { 'b.yaml': undefined });
  const status = await pass();
  assert.ok(await get('UpdatePolicy', `${source}-b`));
  assert.equal(status.results?.find((result) => result.object === `UpdatePolicy/${source}-b`)?.action, 'skipped');
});

test('an object another source applied is refused and nothing is written', async () => {
  writeFiles(dir, { 'a.yaml': policyYaml(`${source}-shared`) });
  await pass();
  const other = `${source}-other`;
  const otherDir = `${work.path}/${other}`;
  writeFiles(otherDir, { 'a.yaml': policyYaml(`${source}-shared`, 'manual'), 'b.yaml': policyYaml(`${source}-mine`) });
  await db.resources.create(manifestSource(other, otherDir));
  await reconciler.reconcile(other);
  const status = (await db.resources.get('ManifestSource', undefined, other)).status as ManifestSourceStatus;
  assert.equal(ready(status)?.reason, 'DryRunFailed');
  assert.match(ready(status)?.message ?? '', new RegExp(`a\\.yaml:1: UpdatePolicy/${source}-shared: already applied by ManifestSource ${source}`));
  assert.equal(specOf(await get('UpdatePolicy', `${source}-shared`)).policy, 'auto');
  assert.equal(await get('UpdatePolicy', `${source}-mine`), undefined);
});

test('examples/homelab applies cleanly, and a second pass writes nothing', async () => {
  await db.resources.patch('ManifestSource', undefined, source, 'merge', { spec: { directory: new URL('../../../examples/homelab', import.meta.url).pathname } });
  const first = await pass();
  assert.equal(ready(first)?.status, 'True', ready(first)?.message);
  assert.equal(first.results?.filter((result) => result.action === 'created').length, 15);
  await pass();
  const at = await revision();
  await pass();
  assert.equal(await revision(), at);
});
