// `vigil apply -f DIR --prune` and `vigil diff -f DIR` end to end against `vigil serve`, run as a user runs them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeTempDir, removeTempDir } from '../../testbed/daemon.ts';
import { runVigilCli, startVigil, type CliResult, type VigilServer } from '../../testbed/vigil.ts';
import { policyYaml, secretYaml, writeFiles } from '../gitops/fixtures.ts';

let server: VigilServer;
let work: string;

before(async () => {
  server = await startVigil();
  work = makeTempDir('gitops-cli');
});

after(async () => {
  await server.stop();
  removeTempDir(work);
});

async function vigil(args: readonly string[]): Promise<CliResult> {
  return await runVigilCli(args, { cwd: work, dataDir: server.dataDir });
}

async function getJson(path: string): Promise<{ spec?: Record<string, unknown>; status?: Record<string, unknown>; metadata?: Record<string, unknown> } | undefined> {
  const response = await fetch(`${server.url}${path}`, { headers: server.headers() });
  if (response.status === 404) return undefined;
  return (await response.json()) as { spec?: Record<string, unknown> };
}

test('vigil diff shows what a pass would change (exit 1) and nothing once applied (exit 0); vigil apply --prune prunes what left the directory', async () => {
  const dir = join(work, 'homelab');
  writeFiles(dir, { 'policies.yaml': `${policyYaml('web')}---\n${policyYaml('db', 'manual')}`, 'secret.yaml': secretYaml('registry', 'pw') });

  const first = await vigil(['diff', '-f', 'homelab']);
  assert.equal(first.code, 1, first.stderr);
  assert.match(first.stdout, /^diff -u -N live\/Secret\/vigil-system\/registry merged\/Secret\/vigil-system\/registry$/m);
  assert.match(first.stdout, /^\+  policy: manual$/m);
  assert.equal(await getJson('/apis/vigil.dev/v1alpha1/updatepolicies/web'), undefined, 'diff writes nothing');

  const applied = await vigil(['apply', '-f', 'homelab', '--prune']);
  assert.equal(applied.code, 0, applied.stderr);
  assert.equal(applied.stdout, 'secret/registry created\nupdatepolicy.vigil.dev/web created\nupdatepolicy.vigil.dev/db created\n');
  const source = await getJson('/apis/vigil.dev/v1alpha1/manifestsources/homelab');
  assert.deepEqual(source?.spec, { directory: dir, prune: true, suspend: true });
  assert.equal((source?.status?.inventory as unknown[]).length, 3);

  const none = await vigil(['diff', '-f', 'homelab']);
  assert.equal(none.code, 0, none.stdout + none.stderr);
  assert.equal(none.stdout, '');
  assert.equal((await vigil(['apply', '-f', 'homelab', '--prune'])).stdout, 'secret/registry unchanged\nupdatepolicy.vigil.dev/web unchanged\nupdatepolicy.vigil.dev/db unchanged\n');

  writeFiles(dir, { 'policies.yaml': policyYaml('web', 'pinned') });
  const pending = await vigil(['diff', '-f', 'homelab', '--prune']);
  assert.equal(pending.code, 1);
  assert.match(pending.stdout, /^-  policy: auto\n\+  policy: pinned$/m);
  assert.match(pending.stdout, /^diff -u -N live\/UpdatePolicy\/db merged\/UpdatePolicy\/db\n--- live\/UpdatePolicy\/db\n\+\+\+ merged\/UpdatePolicy\/db\n@@ -1,10 \+0,0 @@$/m);
  const pruned = await vigil(['apply', '-f', 'homelab', '--prune']);
  assert.equal(pruned.stdout, 'secret/registry unchanged\nupdatepolicy.vigil.dev/web configured\nupdatepolicy.vigil.dev/db pruned\n');
  assert.equal(await getJson('/apis/vigil.dev/v1alpha1/updatepolicies/db'), undefined);
});

test('vigil apply --prune refuses an invalid directory with every problem and its line, and writes nothing', async () => {
  const dir = join(work, 'broken');
  writeFiles(dir, { 'a.yaml': policyYaml('never'), 'b.yaml': policyYaml('bad', 'sometimes') });
  const result = await vigil(['apply', '-f', 'broken', '--prune']);
  assert.equal(result.code, 1);
  assert.equal(result.stderr, 'vigil apply: nothing was applied: a manifest is invalid\n  b.yaml:6: spec.policy: Unsupported value: "sometimes": supported values: "auto", "manual", "pinned"\n');
  assert.equal(await getJson('/apis/vigil.dev/v1alpha1/updatepolicies/never'), undefined);
  assert.equal((await vigil(['diff', '-f', 'broken'])).code, 2);
});

test('vigil apply --prune will not drive a ManifestSource the server keeps in sync', async () => {
  const dir = join(work, 'served');
  writeFiles(dir, { 'a.yaml': policyYaml('served') });
  await fetch(`${server.url}/apis/vigil.dev/v1alpha1/manifestsources`, { method: 'POST', headers: { ...server.headers(), 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'vigil.dev/v1alpha1', kind: 'ManifestSource', metadata: { name: 'served' }, spec: { directory: dir } }) });
  const result = await vigil(['apply', '-f', 'served', '--prune']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /ManifestSource served is kept in sync by the server \(spec\.suspend is not true\): choose another --source/);
});
