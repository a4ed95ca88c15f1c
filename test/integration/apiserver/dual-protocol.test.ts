// HTTP and HTTPS on one port (buildApp's `tls`): each client gets its protocol, a session cookie is Secure only over
// TLS, a certificate a client does not trust ends only that connection, and closing the app does not wait for idle
// keep-alive TLS connections.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../apiserver/app.ts';
import { CachedStore } from '../../../apiserver/storage/cache/cached-store.ts';
import { openEmbeddedStore } from '../../../apiserver/storage/sqlite/store.ts';
import { certificateNames, generateSelfSigned, type TlsIdentity } from '../../../apiserver/tls/self-signed.ts';
import { testAuth, type TestAuth } from '../../testbed/auth.ts';

let identity: TlsIdentity;
let app: FastifyInstance;
let store: CachedStore;
let users: TestAuth;
let port: number;

before(async () => {
  identity = await generateSelfSigned(certificateNames('127.0.0.1'));
  store = await CachedStore.open({ backend: openEmbeddedStore({ path: ':memory:', compactionIntervalMs: 0 }) });
  users = await testAuth();
  app = await buildApp({ store, auth: users.auth, tls: identity, logger: false, garbageCollection: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address !== 'object') throw new Error('not listening on TCP');
  port = address.port;
});

after(async () => {
  await app.close();
  await store.close();
  await users.close();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  encrypted: boolean;
}

function overTls(method: string, path: string, options: { ca?: string; body?: string; agent?: https.Agent } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = https.request({
      host: '127.0.0.1', port, method, path, ca: options.ca ?? identity.cert, agent: options.agent ?? false,
      headers: options.body === undefined ? {} : { 'content-type': 'application/json' },
    }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body, encrypted: 'encrypted' in response.socket && response.socket.encrypted === true }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

test('the same port answers plain HTTP and, verified against the pinned certificate, HTTPS', async () => {
  const plain = await fetch(`http://127.0.0.1:${port}/version`);
  assert.equal(plain.status, 200);
  const secure = await overTls('GET', '/version');
  assert.equal(secure.status, 200);
  assert.equal(secure.encrypted, true);
  assert.deepEqual(JSON.parse(secure.body), await plain.json());
  const resource = await overTls('GET', '/apis/vigil.dev/v1alpha1/containers', {});
  assert.equal(resource.status, 401, 'authentication applies over TLS too');
});

test('a session cookie is Secure over TLS only', async () => {
  const credentials = JSON.stringify({ username: users.admin.username, password: users.admin.password });
  const secure = await overTls('POST', '/login', { body: credentials });
  assert.equal(secure.status, 200, secure.body);
  const secureCookies = [secure.headers['set-cookie'] ?? []].flat();
  assert.ok(secureCookies.length === 2 && secureCookies.every((cookie) => /;\s*Secure/i.test(cookie)), secureCookies.join(' | '));
  const plain = await fetch(`http://127.0.0.1:${port}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: credentials });
  assert.equal(plain.status, 200);
  assert.ok(plain.headers.getSetCookie().every((cookie) => !/;\s*Secure/i.test(cookie)));
});

test('a client that does not trust the certificate fails its handshake; the server goes on', async () => {
  const stranger = await generateSelfSigned(certificateNames('127.0.0.1'));
  await assert.rejects(overTls('GET', '/version', { ca: stranger.cert }), /self[- ]signed|certificate/i);
  assert.equal((await overTls('GET', '/version')).status, 200);
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
});

test('closing the app does not wait for an idle keep-alive TLS connection', async () => {
  const other = await buildApp({ store, auth: users.auth, tls: identity, logger: false, garbageCollection: false });
  await other.listen({ host: '127.0.0.1', port: 0 });
  const address = other.server.address();
  if (address === null || typeof address !== 'object') throw new Error('not listening on TCP');
  const agent = new https.Agent({ keepAlive: true, ca: identity.cert });
  try {
    const answer = await new Promise<number>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: address.port, path: '/healthz', agent }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      }).on('error', reject);
    });
    assert.equal(answer, 200);
    const started = Date.now();
    await other.close();
    assert.ok(Date.now() - started < 3000, `close took ${Date.now() - started} ms`);
  } finally {
    agent.destroy();
  }
});
