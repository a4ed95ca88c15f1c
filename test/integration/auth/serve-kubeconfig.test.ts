// The kubeconfig `vigil serve` keeps in its data directory: none before setup (a stale one removed), an admin's
// API token minted once and kept while valid, minted again when the file or the token is gone; no token needed with
// authentication off by configuration. Against a real AuthService over an in-memory store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { parse } from 'yaml';
import { AuthService } from '../../../apiserver/auth/service.ts';
import { keyFromText, SecretBox } from '../../../apiserver/auth/secret-box.ts';
import { deleteApiToken, tokensOf } from '../../../apiserver/auth/sessions.ts';
import { openEmbeddedStore } from '../../../apiserver/storage/sqlite/store.ts';
import { kubeconfigPath, readKubeconfigToken } from '../../../cli/kubeconfig.ts';
import { KUBECONFIG_TOKEN_NAME, writeLocalKubeconfig } from '../../../cli/serve-kubeconfig.ts';
import { TEST_SCRYPT, testAuth } from '../../testbed/auth.ts';
import { makeTempDir, removeTempDir } from '../../testbed/daemon.ts';

const SERVER = 'https://127.0.0.1:8443';
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const log = pino({ level: 'silent' });

test('no kubeconfig before setup, and a stale one is removed: no token could be valid yet', async () => {
  const dir = makeTempDir('kubeconfig');
  const store = openEmbeddedStore({ path: ':memory:', compactionIntervalMs: 0 });
  try {
    writeFileSync(kubeconfigPath(dir), 'stale');
    const auth = new AuthService({ store, encryption: new SecretBox([keyFromText(SecretBox.generateKeyText())]), dataDir: undefined, scrypt: TEST_SCRYPT });
    assert.equal(await writeLocalKubeconfig({ auth, dataDir: dir, server: SERVER, log }), undefined);
    assert.equal(existsSync(kubeconfigPath(dir)), false);
  } finally {
    await store.close();
    removeTempDir(dir);
  }
});

test('after setup: an admin\'s token named kubeconfig, the pinned certificate, 0600; kept while valid, minted again once gone', async () => {
  const dir = makeTempDir('kubeconfig');
  const users = await testAuth();
  try {
    const path = await writeLocalKubeconfig({ auth: users.auth, dataDir: dir, server: SERVER, certificateAuthority: CERT, log });
    assert.equal(path, kubeconfigPath(dir));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const config = parse(readFileSync(path, 'utf8')) as { clusters: { cluster: Record<string, string> }[] };
    assert.deepEqual(config.clusters[0]?.cluster, { server: SERVER, 'certificate-authority-data': Buffer.from(CERT).toString('base64') });
    const first = readKubeconfigToken(path) ?? '';
    const principal = await users.auth.principalFromToken(first);
    assert.equal(principal?.user?.username, 'admin');
    assert.equal(principal?.token?.name, KUBECONFIG_TOKEN_NAME);

    // A restart keeps the token (and follows a new port).
    await writeLocalKubeconfig({ auth: users.auth, dataDir: dir, server: 'https://127.0.0.1:9443', certificateAuthority: CERT, log });
    assert.equal(readKubeconfigToken(path), first);
    assert.match(readFileSync(path, 'utf8'), /server: https:\/\/127\.0\.0\.1:9443/);

    // Revoked: the next start mints another; the revoked one stays dead.
    const admin = principal?.user;
    assert.ok(admin !== undefined && principal?.token !== undefined);
    await deleteApiToken(users.auth.context, admin.id, principal.token.id);
    await writeLocalKubeconfig({ auth: users.auth, dataDir: dir, server: SERVER, log });
    const second = readKubeconfigToken(path) ?? '';
    assert.notEqual(second, first);
    assert.equal(await users.auth.principalFromToken(first), undefined);
    assert.equal((await users.auth.principalFromToken(second))?.user?.username, 'admin');

    // The file lost: another token; the old one is listed with the admin's tokens, to revoke.
    rmSync(path);
    await writeLocalKubeconfig({ auth: users.auth, dataDir: dir, server: SERVER, log });
    assert.notEqual(readKubeconfigToken(path), second);
    assert.equal((await tokensOf(users.auth.context, admin.id)).filter((token) => token.name === KUBECONFIG_TOKEN_NAME).length, 2);
  } finally {
    await users.close();
    removeTempDir(dir);
  }
});

test('with authentication off by configuration and nobody set up, the kubeconfig carries no token', async () => {
  const dir = makeTempDir('kubeconfig');
  const store = openEmbeddedStore({ path: ':memory:', compactionIntervalMs: 0 });
  try {
    const auth = new AuthService({ store, encryption: new SecretBox([keyFromText(SecretBox.generateKeyText())]), dataDir: undefined, mode: 'off' });
    const path = await writeLocalKubeconfig({ auth, dataDir: dir, server: 'http://127.0.0.1:8080', log });
    assert.ok(path !== undefined);
    assert.equal(readKubeconfigToken(path), undefined);
    assert.match(readFileSync(path, 'utf8'), /server: http:\/\/127\.0\.0\.1:8080/);
  } finally {
    await store.close();
    removeTempDir(dir);
  }
});
