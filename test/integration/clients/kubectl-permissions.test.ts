// kubectl 1.20 as users of each role, through `vigil serve` with authentication on: each user's own API token in
// its own kubeconfig (HTTPS on the same port, the server's certificate pinned), and what kubectl prints when Vigil
// refuses. The admin's kubeconfig is the one `vigil serve` wrote at setup.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kubectl } from '../../testbed/kubectl.ts';
import { startVigil, type VigilServer } from '../../testbed/vigil.ts';

let server: VigilServer;
let admin: Kubectl;
let viewer: Kubectl;
let operator: Kubectl;
let viewerName: string;
let operatorName: string;

const CONTAINER = JSON.stringify({
  apiVersion: 'vigil.dev/v1alpha1',
  kind: 'Container',
  metadata: { name: 'web', namespace: 'local' },
  spec: { hostRef: 'local', policy: 'auto' },
});
const SETTINGS = JSON.stringify({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: { pollInterval: '6h' } });
const SECRET = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'gotify', namespace: 'vigil-system' }, stringData: { token: 'abc123' } });

before(async () => {
  server = await startVigil();
  admin = new Kubectl(server.kubeconfig);
  const viewerUser = await server.createUser('viewer');
  const operatorUser = await server.createUser('operator');
  viewerName = viewerUser.username;
  operatorName = operatorUser.username;
  viewer = new Kubectl(server.kubeconfigFor(viewerUser.token, 'viewer'));
  operator = new Kubectl(server.kubeconfigFor(operatorUser.token, 'operator'));
  for (const manifest of [CONTAINER, SETTINGS, SECRET]) await admin.ok(['apply', '-f', '-'], { input: manifest });
});

after(async () => {
  await Promise.all([admin.close(), viewer.close(), operator.close()]);
  await server.stop();
});

test('a viewer\'s kubectl gets and lists, but a patch is Forbidden, worded as Kubernetes words it', async () => {
  assert.match(await viewer.ok(['get', 'containers', '-n', 'local']), /^web\s/m);
  assert.match(await viewer.ok(['get', 'container', 'web', '-n', 'local', '-o', 'jsonpath={.spec.policy}']), /^auto$/);
  const patched = await viewer.run(['patch', 'container', 'web', '-n', 'local', '--type', 'merge', '-p', '{"spec":{"policy":"manual"}}']);
  assert.equal(patched.code, 1);
  assert.match(patched.stderr, new RegExp(`^Error from server \\(Forbidden\\): containers\\.vigil\\.dev "web" is forbidden: User "${viewerName}" cannot patch resource "containers" in API group "vigil\\.dev" in the namespace "local"`, 'm'));
  assert.equal(await admin.ok(['get', 'container', 'web', '-n', 'local', '-o', 'jsonpath={.spec.policy}']), 'auto', 'nothing changed');
});

test('a viewer cannot read Secrets', async () => {
  const listed = await viewer.run(['get', 'secrets', '-n', 'vigil-system']);
  assert.equal(listed.code, 1);
  assert.match(listed.stderr, new RegExp(`Error from server \\(Forbidden\\): secrets is forbidden: User "${viewerName}" cannot list resource "secrets" in API group "" in the namespace "vigil-system"`));
});

test('an operator\'s kubectl patches a Container\'s policy, but neither writes Settings nor reads Secrets', async () => {
  await operator.ok(['patch', 'container', 'web', '-n', 'local', '--type', 'merge', '-p', '{"spec":{"policy":"manual"}}']);
  assert.equal(await admin.ok(['get', 'container', 'web', '-n', 'local', '-o', 'jsonpath={.spec.policy}']), 'manual');

  const notify = await operator.run(['patch', 'container', 'web', '-n', 'local', '--type', 'merge', '-p', '{"spec":{"notifyMode":"muted"}}']);
  assert.equal(notify.code, 1);
  assert.match(notify.stderr, /Error from server \(Forbidden\): .*changing spec\.notifyMode needs settings\.modify/);

  const settings = await operator.run(['patch', 'settings', 'default', '--type', 'merge', '-p', '{"spec":{"pollInterval":"2h"}}']);
  assert.equal(settings.code, 1);
  assert.match(settings.stderr, new RegExp(`Error from server \\(Forbidden\\): settings\\.vigil\\.dev "default" is forbidden: User "${operatorName}" cannot patch resource "settings" in API group "vigil\\.dev" at the cluster scope: .*settings\\.modify`));
  assert.equal(await admin.ok(['get', 'settings', 'default', '-o', 'jsonpath={.spec.pollInterval}']), '6h');

  const secret = await operator.run(['get', 'secret', 'gotify', '-n', 'vigil-system', '-o', 'yaml']);
  assert.equal(secret.code, 1);
  assert.match(secret.stderr, /Error from server \(Forbidden\): secrets "gotify" is forbidden/);
  assert.doesNotMatch(secret.stdout + secret.stderr, /abc123|YWJjMTIz/);
});

test('without a token kubectl is told to log in', async () => {
  const anonymous = new Kubectl(server.kubeconfigFor('stk_not-a-real-token', 'nobody'));
  try {
    const result = await anonymous.run(['get', 'containers', '-A']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error: You must be logged in to the server \(Unauthorized\)|error: You must be logged in to the server/);
  } finally {
    await anonymous.close();
  }
});
