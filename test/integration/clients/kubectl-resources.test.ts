// kubectl 1.20 reading and writing Vigil resources through `vigil serve`: the everyday commands, with the exact words
// kubectl prints. Each test uses its own object names; the server is shared.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Kubectl } from '../../testbed/kubectl.ts';
import { startVigil, type VigilServer } from '../../testbed/vigil.ts';

let server: VigilServer;
let kubectl: Kubectl;

before(async () => {
  server = await startVigil();
  kubectl = new Kubectl(server.kubeconfig);
});

after(async () => {
  await kubectl.close();
  await server.stop();
});

const CONTAINERS = '/apis/vigil.dev/v1alpha1/namespaces';

function containerManifest(name: string, options: { namespace?: string; policy?: string; labels?: Record<string, string>; finalizers?: string[] } = {}): string {
  const namespace = options.namespace ?? 'local';
  return JSON.stringify({
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'Container',
    metadata: { name, namespace, ...(options.labels === undefined ? {} : { labels: options.labels }), ...(options.finalizers === undefined ? {} : { finalizers: options.finalizers }) },
    spec: { hostRef: namespace, policy: options.policy ?? 'auto' },
  });
}

function manifestFile(name: string, content: string): string {
  const path = join(server.dataDir, `${name}-${Math.random().toString(36).slice(2, 8)}.yaml`);
  writeFileSync(path, content);
  return path;
}

async function request(method: string, path: string, body?: unknown, contentType = 'application/merge-patch+json'): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...server.headers(), ...(body === undefined ? {} : { 'content-type': contentType }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** What a controller does: writes status through the /status subresource. */
async function setStatus(namespace: string, name: string, status: Record<string, unknown>): Promise<void> {
  await request('PATCH', `${CONTAINERS}/${namespace}/containers/${name}/status`, { status });
}

async function createContainer(name: string, options: Parameters<typeof containerManifest>[1] = {}): Promise<void> {
  await kubectl.ok(['apply', '-f', manifestFile(name, containerManifest(name, options))]);
}

test('kubectl apply -f creates, then reports unchanged, then configured', async () => {
  const first = manifestFile('apply', containerManifest('apply-web'));
  assert.equal(await kubectl.ok(['apply', '-f', first]), 'container.vigil.dev/apply-web created\n');
  assert.equal(await kubectl.ok(['apply', '-f', first]), 'container.vigil.dev/apply-web unchanged\n');
  const changed = manifestFile('apply', containerManifest('apply-web', { policy: 'manual' }));
  assert.equal(await kubectl.ok(['apply', '-f', changed]), 'container.vigil.dev/apply-web configured\n');
  const object = JSON.parse(await kubectl.ok(['get', 'container', 'apply-web', '-n', 'local', '-o', 'json'])) as { spec: { policy: string }; metadata: { generation: number } };
  assert.equal(object.spec.policy, 'manual');
  assert.equal(object.metadata.generation, 2);
});

test('kubectl get prints the server table, -o yaml the object, -A every namespace, --show-labels the labels', async () => {
  await createContainer('table-web', { labels: { app: 'web' } });
  await createContainer('table-db', { namespace: 'nas', labels: { app: 'db' } });
  await setStatus('local', 'table-web', { image: 'nginx:1.27', state: 'running', health: 'healthy' });

  const table = await kubectl.ok(['get', 'containers', '-n', 'local']);
  const header = table.split('\n')[0] ?? '';
  assert.match(header, /^NAME\s+HOST\s+IMAGE\s+POLICY\s+STATE\s+HEALTH\s+UPDATE\s+AGE$/);
  assert.match(table, /^table-web\s+local\s+nginx:1\.27\s+.*running\s+healthy\s+.*\d+s$/m);
  assert.doesNotMatch(table, /table-db/);

  const yaml = parse(await kubectl.ok(['get', 'container', 'table-web', '-n', 'local', '-o', 'yaml'])) as { kind: string; metadata: { name: string; uid: string }; status: { state: string } };
  assert.equal(yaml.kind, 'Container');
  assert.equal(yaml.metadata.name, 'table-web');
  assert.equal(yaml.status.state, 'running');
  assert.match(yaml.metadata.uid, /^[0-9a-f-]{36}$/);

  const everywhere = await kubectl.ok(['get', 'containers', '-A']);
  assert.match(everywhere.split('\n')[0] ?? '', /^NAMESPACE\s+NAME\s+HOST/);
  assert.match(everywhere, /^local\s+table-web\s/m);
  assert.match(everywhere, /^nas\s+table-db\s/m);

  const namespaces = await kubectl.ok(['get', 'namespaces']);
  assert.match(namespaces, /^local\s/m);
  assert.match(namespaces, /^nas\s/m);

  const labelled = await kubectl.ok(['get', 'containers', '-A', '--show-labels', '-l', 'app in (web,db)']);
  assert.match(labelled.split('\n')[0] ?? '', /\sLABELS$/);
  assert.match(labelled, /table-web\s.*\sapp=web$/m);
  assert.match(labelled, /table-db\s.*\sapp=db$/m);
});

test('kubectl get -w shows a change made elsewhere', async () => {
  await createContainer('watch-web');
  const watch = kubectl.start(['get', 'containers', '-n', 'local', 'watch-web', '-w']);
  try {
    await watch.waitFor(/^watch-web\s/m);
    await setStatus('local', 'watch-web', { state: 'restarting' });
    const output = await watch.waitFor(/^watch-web\s.*restarting/m);
    assert.equal(output.split('\n').filter((line) => line.startsWith('watch-web')).length >= 2, true);
  } finally {
    await watch.stop();
  }
});

test('kubectl patch applies merge and JSON patches; a strategic merge patch is refused with UnsupportedMediaType', async () => {
  await createContainer('patch-web');
  assert.equal(await kubectl.ok(['patch', 'container', 'patch-web', '-n', 'local', '--type', 'merge', '-p', '{"spec":{"policy":"manual"}}']), 'container.vigil.dev/patch-web patched\n');
  assert.equal(await kubectl.ok(['patch', 'container', 'patch-web', '-n', 'local', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/policy","value":"pinned"}]']), 'container.vigil.dev/patch-web patched\n');
  const object = await request('GET', `${CONTAINERS}/local/containers/patch-web`) as { spec?: { policy?: string } };
  assert.equal(object.spec?.policy, 'pinned');
  const strategic = await kubectl.run(['patch', 'container', 'patch-web', '-n', 'local', '-p', '{"spec":{"policy":"auto"}}']);
  assert.equal(strategic.code, 1);
  assert.match(strategic.stderr, /^Error from server \(UnsupportedMediaType\): /m);
});

test('kubectl edit saves what the editor wrote', async () => {
  await createContainer('edit-web');
  const editor = join(server.dataDir, 'editor.sh');
  writeFileSync(editor, '#!/bin/sh\nsed -i "s/policy: auto/policy: manual/" "$1"\n');
  chmodSync(editor, 0o755);
  assert.equal(await kubectl.ok(['edit', 'container', 'edit-web', '-n', 'local'], { env: { KUBE_EDITOR: editor } }), 'container.vigil.dev/edit-web edited\n');
  const object = await request('GET', `${CONTAINERS}/local/containers/edit-web`) as { spec?: { policy?: string } };
  assert.equal(object.spec?.policy, 'manual');
});

test('kubectl apply --server-side: a field owned by another manager conflicts until --force-conflicts', async () => {
  const mine = manifestFile('ssa', containerManifest('ssa-web'));
  assert.equal(await kubectl.ok(['apply', '--server-side', '--field-manager', 'alice', '-f', mine]), 'container.vigil.dev/ssa-web serverside-applied\n');
  const theirs = manifestFile('ssa', containerManifest('ssa-web', { policy: 'manual' }));
  const conflict = await kubectl.run(['apply', '--server-side', '--field-manager', 'bob', '-f', theirs]);
  assert.equal(conflict.code, 1);
  assert.match(conflict.stderr, /conflict/i);
  assert.match(conflict.stderr, /alice/);
  assert.match(conflict.stderr, /\.spec\.policy/);
  assert.equal(await kubectl.ok(['apply', '--server-side', '--field-manager', 'bob', '--force-conflicts', '-f', theirs]), 'container.vigil.dev/ssa-web serverside-applied\n');
  const object = await request('GET', `${CONTAINERS}/local/containers/ssa-web`) as { spec?: { policy?: string }; metadata?: { managedFields?: { manager: string }[] } };
  assert.equal(object.spec?.policy, 'manual');
  assert.ok(object.metadata?.managedFields?.some((entry) => entry.manager === 'bob'));
});

test('kubectl apply --server-side --dry-run=server changes nothing', async () => {
  await kubectl.ok(['apply', '--server-side', '-f', manifestFile('dry', containerManifest('dry-web'))]);
  const changed = manifestFile('dry', containerManifest('dry-web', { policy: 'manual' }));
  const output = await kubectl.ok(['apply', '--server-side', '--dry-run=server', '-f', changed]);
  assert.match(output, /container\.vigil\.dev\/dry-web serverside-applied \(server dry run\)/);
  const object = await request('GET', `${CONTAINERS}/local/containers/dry-web`) as { spec?: { policy?: string } };
  assert.equal(object.spec?.policy, 'auto');
});

test('kubectl diff shows what an apply would change, through a server-side dry run that changes nothing', async () => {
  const original = manifestFile('diff', containerManifest('diff-web'));
  await kubectl.ok(['apply', '-f', original]);
  assert.equal((await kubectl.run(['diff', '-f', original])).code, 0, 'no difference');
  const changed = await kubectl.run(['diff', '-f', manifestFile('diff', containerManifest('diff-web', { policy: 'manual' }))]);
  assert.equal(changed.code, 1, changed.stderr);
  assert.match(changed.stdout, /^- {2}policy: auto$/m);
  assert.match(changed.stdout, /^\+ {2}policy: manual$/m);
  const object = await request('GET', `${CONTAINERS}/local/containers/diff-web`) as { spec?: { policy?: string } };
  assert.equal(object.spec?.policy, 'auto');
});

test('kubectl delete removes an object at once, and waits for the finalizers of one that has them', async () => {
  await createContainer('delete-plain');
  assert.equal(await kubectl.ok(['delete', 'container', 'delete-plain', '-n', 'local']), 'container.vigil.dev "delete-plain" deleted\n');
  const gone = await kubectl.run(['get', 'container', 'delete-plain', '-n', 'local']);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /Error from server \(NotFound\): containers\.vigil\.dev "delete-plain" not found/);

  await createContainer('delete-final', { finalizers: ['vigil.dev/test'] });
  const deletion = kubectl.start(['delete', 'container', 'delete-final', '-n', 'local', '--timeout=60s']);
  try {
    await deletion.waitFor(/container\.vigil\.dev "delete-final" deleted/);
    const marked = await request('GET', `${CONTAINERS}/local/containers/delete-final`) as { metadata: { deletionTimestamp?: string; finalizers?: string[] } };
    assert.match(marked.metadata.deletionTimestamp ?? '', /^\d{4}-\d\d-\d\dT/);
    await request('PATCH', `${CONTAINERS}/local/containers/delete-final`, { metadata: { finalizers: null } });
    assert.equal(await deletion.exitCode(30_000), 0, deletion.output());
  } finally {
    await deletion.stop();
  }
  const after = await kubectl.run(['get', 'container', 'delete-final', '-n', 'local']);
  assert.match(after.stderr, /NotFound/);
});

test('kubectl wait --for=condition=Ready returns once a controller reports Ready for the current generation', async () => {
  await createContainer('wait-web');
  const waiting = kubectl.start(['wait', '--for=condition=Ready', 'container/wait-web', '-n', 'local', '--timeout=60s']);
  try {
    const object = await request('GET', `${CONTAINERS}/local/containers/wait-web`) as { metadata: { generation: number } };
    await setStatus('local', 'wait-web', {
      observedGeneration: object.metadata.generation,
      conditions: [{ type: 'Ready', status: 'True', observedGeneration: object.metadata.generation, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), reason: 'Reconciled', message: '' }],
    });
    await waiting.waitFor(/container\.vigil\.dev\/wait-web condition met/, 60_000);
    assert.equal(await waiting.exitCode(), 0);
  } finally {
    await waiting.stop();
  }
});
