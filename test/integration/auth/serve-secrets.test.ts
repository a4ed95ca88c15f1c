// `vigil serve` as users run it, logging everything (trace): after setup, the kubeconfig token it minted, users'
// passwords and tokens, a Secret's value and the setup token never reach the store's files or the log in clear. Only
// the kubeconfig files hold a token, by design (0600, in the data directory: the trust boundary).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startVigil, ADMIN_PASSWORD, type TestUser, type VigilChild } from '../../testbed/vigil.ts';

let server: VigilChild;
let viewer: TestUser;
const SECRET_VALUE = 'gotify-app-token-in-clear';

before(async () => {
  server = await startVigil({ args: ['--log-level', 'trace'] });
  viewer = await server.createUser('viewer');
  const secret = await fetch(`${server.url}/api/v1/namespaces/vigil-system/secrets`, {
    method: 'POST',
    headers: { ...server.headers(), 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'gotify' }, stringData: { token: SECRET_VALUE } }),
  });
  assert.equal(secret.status, 201, await secret.text());
  // Requests with each token, so that their use is logged too.
  assert.equal((await fetch(`${server.url}/apis/vigil.dev/v1alpha1/containers`, { headers: server.headers(viewer.token) })).status, 200);
  assert.equal((await fetch(`${server.url}/api/v1/namespaces/vigil-system/secrets/gotify`, { headers: server.headers() })).status, 200);
});

after(async () => await server.stop());

test('the kubeconfig token, the setup token, passwords, tokens and Secret values are neither in the store\'s files nor in the log', () => {
  const log = readFileSync(join(server.dataDir, 'vigil.log'), 'utf8');
  assert.match(log, /issued the API token \\?"kubeconfig\\?"/, 'the log was written at trace level');
  assert.match(log, /"url":"\/apis\/vigil.dev\/v1alpha1\/containers"/, 'requests were logged');
  const adminToken = server.adminToken ?? 'missing';
  const setupToken = server.setupToken ?? 'missing';
  assert.match(log, /setup-token/, 'the log says where the setup token is');
  const store = readdirSync(server.dataDir)
    .filter((name) => name.startsWith('vigil.db'))
    .map((name) => readFileSync(join(server.dataDir, name)).toString('latin1'))
    .join('\n');
  assert.ok(store.length > 0, 'the store has files');
  for (const value of [adminToken, setupToken, viewer.token, ADMIN_PASSWORD, viewer.password, SECRET_VALUE, Buffer.from(SECRET_VALUE).toString('base64')]) {
    assert.ok(!store.includes(value), `${value.slice(0, 6)}… is in the store's files`);
    assert.ok(!log.includes(value), `${value.slice(0, 6)}… is in the log`);
  }
});

test('only the kubeconfig files hold a token, readable by their owner alone', () => {
  const holders = readdirSync(server.dataDir).filter((name) => readFileSync(join(server.dataDir, name)).toString('latin1').includes(server.adminToken ?? 'missing'));
  assert.deepEqual(holders, ['kubeconfig']);
  assert.equal(statSync(join(server.dataDir, 'kubeconfig')).mode & 0o777, 0o600);
  assert.equal(statSync(join(server.dataDir, 'tls.key')).mode & 0o777, 0o600);
});
