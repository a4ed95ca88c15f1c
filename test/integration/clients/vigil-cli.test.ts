// The vigil CLI end to end against `vigil serve`: kubeconfig, apply, get and delete, run as a user runs them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { streamOf } from '../../testbed/kubectl.ts';
import { makeTempDir, removeTempDir } from '../../testbed/daemon.ts';
import { runVigilCli, startVigil, vigilCommand, type CliResult, type VigilServer } from '../../testbed/vigil.ts';

let server: VigilServer;
let work: string;

before(async () => {
  server = await startVigil();
  work = makeTempDir('cli');
});

after(async () => {
  await server.stop();
  removeTempDir(work);
});

async function vigil(args: readonly string[], timeoutMs = 30_000): Promise<CliResult> {
  return await runVigilCli(args, { cwd: work, dataDir: server.dataDir, timeoutMs });
}

async function ok(args: readonly string[]): Promise<string> {
  const result = await vigil(args);
  assert.equal(result.code, 0, `vigil ${args.join(' ')}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result.stdout;
}

const HOST = 'apiVersion: vigil.dev/v1alpha1\nkind: Host\nmetadata:\n  name: nas\nspec:\n  dockerHost: tcp://127.0.0.1:2376\n';
function containerYaml(name: string, policy = 'auto', namespace = 'nas'): string {
  return `apiVersion: vigil.dev/v1alpha1\nkind: Container\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n  labels:\n    app: ${name}\nspec:\n  hostRef: ${namespace}\n  policy: ${policy}\n`;
}

function directory(name: string, files: Record<string, string>): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  return dir;
}

test('vigil serve writes a private kubeconfig with an admin\'s API token over pinned TLS, which vigil kubeconfig prints', async () => {
  assert.equal(statSync(server.kubeconfig).mode & 0o777, 0o600);
  const printed = await ok(['kubeconfig', '--data-dir', server.dataDir]);
  assert.equal(printed, readFileSync(server.kubeconfig, 'utf8'));
  const config = parse(printed) as { clusters: { cluster: { server: string; 'certificate-authority-data'?: string; 'insecure-skip-tls-verify'?: boolean } }[]; users: { user: { token?: string } }[]; 'current-context': string };
  const cluster = config.clusters[0]?.cluster;
  // The same port, over TLS: kubectl sends a kubeconfig's token only to an https:// server.
  assert.equal(cluster?.server, server.url.replace('http://', 'https://'));
  assert.equal(cluster?.['insecure-skip-tls-verify'], undefined);
  assert.equal(Buffer.from(cluster?.['certificate-authority-data'] ?? '', 'base64').toString(), readFileSync(join(server.dataDir, 'tls.crt'), 'utf8'));
  assert.equal(config['current-context'], 'vigil');
  const token = config.users[0]?.user.token ?? '';
  assert.match(token, /^stk_[A-Za-z0-9_-]{43}$/);
  const me = await fetch(`${server.url}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(me.status, 200);
  const identity = (await me.json()) as { username: string; role_id: string };
  assert.deepEqual([identity.username, identity.role_id], ['admin', 'admin']);
  const tokens = await (await fetch(`${server.url}/api/auth/tokens`, { headers: { authorization: `Bearer ${token}` } })).json() as { name: string }[];
  assert.ok(tokens.some((entry) => entry.name === 'kubeconfig'), JSON.stringify(tokens));
  const other = parse(await ok(['kubeconfig', '--server', 'http://127.0.0.1:9999'])) as { clusters: { cluster: { server: string } }[] };
  assert.equal(other.clusters[0]?.cluster.server, 'http://127.0.0.1:9999');
});

test('vigil apply -f DIR applies every document in dependency order, then reports unchanged and configured', async () => {
  const dir = directory('apply', { 'containers.yaml': `${containerYaml('web')}---\n${containerYaml('db')}`, 'host.yaml': HOST });
  assert.equal(await ok(['apply', '-f', dir]), 'host.vigil.dev/nas created\ncontainer.vigil.dev/web created\ncontainer.vigil.dev/db created\n');
  assert.equal(await ok(['apply', '-f', dir]), 'host.vigil.dev/nas unchanged\ncontainer.vigil.dev/web unchanged\ncontainer.vigil.dev/db unchanged\n');
  writeFileSync(join(dir, 'containers.yaml'), `${containerYaml('web', 'manual')}---\n${containerYaml('db')}`);
  assert.equal(await ok(['apply', '-f', dir]), 'host.vigil.dev/nas unchanged\ncontainer.vigil.dev/web configured\ncontainer.vigil.dev/db unchanged\n');
  const web = JSON.parse(await ok(['get', 'container', 'web', '-n', 'nas', '-o', 'json'])) as { spec: { policy: string }; metadata: { managedFields: { manager: string; operation: string }[] } };
  assert.equal(web.spec.policy, 'manual');
  assert.ok(web.metadata.managedFields.some((entry) => entry.manager === 'vigil' && entry.operation === 'Apply'));
});

test('vigil apply refuses to take over fields another manager applied, until --force-conflicts', async () => {
  const dir = directory('conflict', { 'c.yaml': containerYaml('contested', 'auto', 'local') });
  await ok(['apply', '-f', dir]);
  const response = await fetch(`${server.url}/apis/vigil.dev/v1alpha1/namespaces/local/containers/contested?fieldManager=someone-else`, {
    method: 'PATCH',
    headers: { ...server.headers(), 'content-type': 'application/apply-patch+yaml' },
    body: JSON.stringify({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'contested', namespace: 'local' }, spec: { hostRef: 'local', policy: 'pinned' } }),
  });
  assert.equal(response.status, 409, 'the other manager conflicts with vigil first');
  await fetch(`${server.url}/apis/vigil.dev/v1alpha1/namespaces/local/containers/contested?fieldManager=someone-else&force=true`, {
    method: 'PATCH',
    headers: { ...server.headers(), 'content-type': 'application/apply-patch+yaml' },
    body: JSON.stringify({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'contested', namespace: 'local' }, spec: { hostRef: 'local', policy: 'pinned' } }),
  });
  const refused = await vigil(['apply', '-f', dir]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /container\.vigil\.dev\/contested \(.*c\.yaml: document 1\): Error from server \(Conflict\): Apply failed with 1 conflict/);
  assert.match(refused.stderr, /rerun with --force-conflicts/);
  assert.equal(await ok(['apply', '-f', dir, '--force-conflicts']), 'container.vigil.dev/contested configured\n');
  const object = JSON.parse(await ok(['get', 'container', 'contested', '-o', 'json'])) as { spec: { policy: string } };
  assert.equal(object.spec.policy, 'auto');
});

test('vigil apply writes nothing when one document of the directory is invalid, and names the file and document', async () => {
  const dir = directory('invalid', { 'a.yaml': containerYaml('valid-one'), 'b.yaml': `${containerYaml('fine')}---\n${containerYaml('broken').replace('policy: auto', 'policy: sometimes')}` });
  const result = await vigil(['apply', '-f', dir]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^vigil apply: nothing was applied: a manifest is invalid\n {2}.*b\.yaml: document 2 \(Container nas\/broken\): spec\.policy: /);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  const missing = await vigil(['get', 'container', 'valid-one', '-n', 'nas']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /NotFound/);
});

test('vigil get prints the server table, finds a name across namespaces, and prints YAML, JSON and names', async () => {
  const dir = directory('get', { 'c.yaml': `${containerYaml('get-a', 'auto', 'local')}---\n${containerYaml('get-b', 'auto', 'local')}` });
  await ok(['apply', '-f', dir]);
  const table = await ok(['get', 'containers', '-l', 'app in (get-a,get-b)']);
  const lines = table.trim().split('\n');
  assert.match(lines[0] ?? '', /^NAME\s+HOST\s+IMAGE\s+POLICY\s+STATE\s+HEALTH\s+UPDATE\s+AGE$/);
  assert.deepEqual(lines.slice(1).map((line) => line.split(/\s+/)[0]), ['get-a', 'get-b']);
  const yaml = parse(await ok(['get', 'ctr', 'get-a', '-o', 'yaml'])) as { metadata: { namespace: string; creationTimestamp: string } };
  assert.equal(yaml.metadata.namespace, 'local');
  assert.match(yaml.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'timestamps exactly as the server sent them');
  const list = JSON.parse(await ok(['get', 'containers', '-n', 'local', '-l', 'app=get-b', '-o', 'json'])) as { kind: string; items: { metadata: { name: string } }[] };
  assert.equal(list.kind, 'List');
  assert.deepEqual(list.items.map((item) => item.metadata.name), ['get-b']);
  assert.equal(await ok(['get', 'containers.vigil.dev', '-l', 'app=get-a', '-o', 'name']), 'container.vigil.dev/get-a\n');
  const unknown = await vigil(['get', 'gadgets']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /^vigil get: the server doesn't have a resource type "gadgets"/);
});

test('vigil get -w prints a row for a change made elsewhere', async () => {
  await ok(['apply', '-f', directory('watch', { 'w.yaml': containerYaml('watched', 'auto', 'local') })]);
  const { command, args } = vigilCommand(['get', 'containers', 'watched', '-n', 'local', '-w']);
  const watch = streamOf(spawn(command, args, { cwd: work, env: { ...process.env, VIGIL_DATA_DIR: server.dataDir } }), 'vigil get -w');
  try {
    await watch.waitFor(/^watched\s/m);
    const response = await fetch(`${server.url}/apis/vigil.dev/v1alpha1/namespaces/local/containers/watched/status`, {
      method: 'PATCH',
      headers: { ...server.headers(), 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ status: { state: 'exited' } }),
    });
    assert.equal(response.status, 200);
    await watch.waitFor(/^watched\s.*exited/m);
  } finally {
    await watch.stop();
  }
});

test('vigil delete removes by name (finding the namespace) and by manifest', async () => {
  const dir = directory('delete', { 'd.yaml': `${containerYaml('del-a', 'auto', 'local')}---\n${containerYaml('del-b', 'auto', 'local')}` });
  await ok(['apply', '-f', dir]);
  assert.equal(await ok(['delete', 'container', 'del-a']), 'containers.vigil.dev "del-a" deleted\n');
  assert.equal(await ok(['delete', '-f', dir, '--ignore-not-found']), 'containers.vigil.dev "del-b" deleted\n');
  const again = await vigil(['delete', 'container', 'del-b', '-n', 'local']);
  assert.equal(again.code, 1);
  assert.equal(again.stderr, 'Error from server (NotFound): containers.vigil.dev "del-b" not found\n');
});

test('a server that is not there is one clear line and exit code 1', async () => {
  const result = await vigil(['get', 'containers', '--server', 'http://127.0.0.1:1']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^vigil get: .*(ECONNREFUSED|fetch failed)/);
  assert.equal(result.stderr.trim().split('\n').length, 1);
});
