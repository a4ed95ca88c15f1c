// `vigil serve --manifests DIR` as users run it (a child process, its own data directory): the directory is applied
// at start and kept in sync, a broken or emptied tree changes nothing, and a restart writes nothing it need not.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, removeTempDir } from '../../testbed/daemon.ts';
import { startVigil, type VigilServer } from '../../testbed/vigil.ts';
import type { ResourceObject } from '../../../apiserver/resources/client.ts';
import type { ManifestSourceStatus } from '../../../schemas/generated/types.ts';
import { containerYaml, eventually, specOf, policyYaml, secretYaml, writeFiles } from './fixtures.ts';

const work = makeTempDir('gitops-serve');
const dataDir = join(work, 'data');
mkdirSync(dataDir);
const dir = join(work, 'manifests');
let server: VigilServer | undefined;
after(async () => {
  await server?.stop();
  removeTempDir(work);
});

async function getJson<T = ResourceObject>(path: string): Promise<T | undefined> {
  if (server === undefined) throw new Error('no server');
  const response = await fetch(`${server.url}${path}`, { headers: server.headers(), signal: AbortSignal.timeout(5000) });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

const GROUP = '/apis/vigil.dev/v1alpha1';
const sourceStatus = async (): Promise<ManifestSourceStatus | undefined> => (await getJson(`${GROUP}/manifestsources/default`))?.status as ManifestSourceStatus | undefined;
const policy = async (name: string): Promise<ResourceObject | undefined> => await getJson(`${GROUP}/updatepolicies/${name}`);

/** Every object's resourceVersion, by kind and name. */
async function versions(): Promise<Record<string, string>> {
  const all: Record<string, string> = {};
  for (const path of [`${GROUP}/updatepolicies`, `${GROUP}/containers`, `${GROUP}/manifestsources`, '/api/v1/secrets']) {
    const list = await getJson<{ items: ResourceObject[] }>(path);
    for (const item of list?.items ?? []) all[`${item.kind}/${item.metadata.namespace ?? ''}/${item.metadata.name}`] = item.metadata.resourceVersion ?? '';
  }
  return all;
}

test('vigil serve --manifests applies the directory, follows it, and refuses broken or emptied trees', async () => {
  writeFiles(dir, { 'policies.yaml': `${policyYaml('web')}---\n${policyYaml('db', 'manual')}`, 'secret.yaml': secretYaml('registry', 'pw'), 'containers/nginx.yaml': containerYaml('nginx') });
  server = await startVigil({ args: ['--manifests', dir], dataDir });
  const applied = await eventually('the first pass', async () => {
    const status = await sourceStatus();
    return status?.conditions?.find((condition) => condition.type === 'Ready')?.status === 'True' ? status : undefined;
  });
  assert.deepEqual(applied.inventory?.map((entry) => `${entry.kind}/${entry.name}`), ['Secret/registry', 'UpdatePolicy/web', 'UpdatePolicy/db', 'Container/nginx']);

  writeFiles(dir, { 'policies.yaml': `${policyYaml('web')}---\n${policyYaml('db', 'manual')}---\n${policyYaml('broken', 'sometimes')}`, 'containers/nginx.yaml': undefined });
  const broken = await eventually('the broken tree reported', async () => {
    const ready = (await sourceStatus())?.conditions?.find((condition) => condition.type === 'Ready');
    return ready?.reason === 'ValidationFailed' ? ready : undefined;
  });
  assert.match(broken.message, /^nothing applied or pruned: policies\.yaml:20: spec\.policy: Unsupported value: "sometimes"/);
  assert.ok(await getJson(`${GROUP}/namespaces/local/containers/nginx`), 'nothing pruned while the tree is broken');

  writeFiles(dir, { 'policies.yaml': undefined, 'secret.yaml': undefined });
  await eventually('the empty tree reported', async () => (await sourceStatus())?.conditions?.find((condition) => condition.type === 'Ready')?.reason === 'EmptyTree' || undefined);
  assert.ok(await policy('web'), 'nothing pruned from an empty tree');

  writeFiles(dir, { 'policies.yaml': policyYaml('web'), 'secret.yaml': secretYaml('registry', 'pw') });
  await eventually('db and nginx pruned', async () => ((await policy('db')) === undefined && (await getJson(`${GROUP}/namespaces/local/containers/nginx`))?.metadata.labels === undefined) || undefined);
  assert.equal(specOf(await policy('web')).policy, 'auto');
});

test('a restart of vigil serve writes nothing: every resourceVersion stays', async () => {
  if (server === undefined) throw new Error('the first test starts the server');
  const before = await versions();
  await server.stop();
  server = await startVigil({ args: ['--manifests', dir], dataDir });
  // A new file makes a pass that must have compared every other object too (the start's own pass ran before it).
  writeFiles(dir, { 'late.yaml': policyYaml('late') });
  await eventually('the late file applied', async () => (await policy('late')) !== undefined || undefined);
  const afterRestart = await versions();
  for (const [object, version] of Object.entries(before)) {
    if (object === 'ManifestSource//default') continue; // its status records the pass that applied late.yaml
    assert.equal(afterRestart[object], version, `${object} was written again after the restart`);
  }
  const source = await getJson(`${GROUP}/manifestsources/default`);
  assert.equal(source?.metadata.generation, 1, 'the default source\'s spec was not rewritten');
});
