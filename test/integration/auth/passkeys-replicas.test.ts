// Passkeys across replicas: two Vigil API servers over one real etcd (as several replicas run), Chromium with the
// virtual authenticator on the first. Each ceremony is begun on one replica and finished on the other: the ceremony
// state and the credentials are in the shared store, not in one process's memory. A finish replayed on the first
// replica afterwards finds the ceremony used.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../apiserver/app.ts';
import { AuthService } from '../../../apiserver/auth/service.ts';
import { keyFromText, SecretBox } from '../../../apiserver/auth/secret-box.ts';
import { CachedStore } from '../../../apiserver/storage/cache/cached-store.ts';
import { EtcdStore } from '../../../apiserver/storage/etcd/store.ts';
import { ResourceRegistry } from '../../../apiserver/resources/registry.ts';
import { startEtcd, type EtcdServer } from '../../testbed/etcd.ts';
import { TEST_SCRYPT } from '../../testbed/auth.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { CHROMIUM_FLAGS } from '../dashboard/browser.ts';
import { buildDashboard } from '../../../web/build.ts';
import { addAuthenticator, CREATE_ONLY_SCRIPT, GET_ONLY_SCRIPT, type PageAnswer } from './passkey-browser.ts';

interface Replica {
  app: FastifyInstance;
  store: CachedStore;
  auth: AuthService;
  resources: ResourceRegistry;
  port: number;
}

const PASSWORD = 'admin-pass-1';

async function startReplica(etcd: EtcdServer, box: SecretBox): Promise<Replica> {
  const store = await CachedStore.open({ backend: new EtcdStore({ endpoints: [etcd.endpoint] }) });
  const auth = new AuthService({ store, encryption: box, dataDir: undefined, scrypt: TEST_SCRYPT });
  const resources = new ResourceRegistry({ store });
  const app = await buildApp({ store, resources, auth, logger: false, garbageCollection: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address !== 'object') throw new Error('not listening on a TCP port');
  return { app, store, auth, resources, port: address.port };
}

/** Polls until `check` holds, within the condition deadline. */
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + deadlines.condition;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`not in time: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('passkey ceremonies across two replicas on one etcd', () => {
  let etcd: EtcdServer;
  const replicas: Replica[] = [];
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  /** POST to a replica as the browser would, with the browser's cookies for localhost. */
  async function postAs(replica: Replica, path: string, body: unknown): Promise<Response> {
    // Cookies are per host, not per port: the ones the first replica set go to the second as a browser would send them.
    const cookies = Object.fromEntries((await context.cookies(`http://localhost:${replica.port}${path}`)).map((cookie) => [cookie.name, cookie.value]));
    return await fetch(`http://127.0.0.1:${replica.port}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: Object.entries(cookies).map(([name, value]) => `${name}=${value}`).join('; '),
        'x-csrf-token': cookies.sentinel_csrf ?? '',
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(deadlines.request),
    });
  }

  before(async () => {
    await buildDashboard();
    etcd = await startEtcd();
    const box = new SecretBox([keyFromText(SecretBox.generateKeyText())]);
    replicas.push(await startReplica(etcd, box), await startReplica(etcd, box));
    const [first, second] = replicas;
    assert.ok(first !== undefined && second !== undefined);
    const setupToken = await first.auth.prepareSetup();
    await first.auth.setup(setupToken, 'admin', PASSWORD, { ip: '127.0.0.1', userAgent: 'tests' });
    await first.resources.create({
      apiVersion: 'vigil.dev/v1alpha1',
      kind: 'Settings',
      metadata: { name: 'default' },
      spec: { passkeys: { publicUrl: `http://localhost:${first.port}` } },
    });
    // The second replica learns the setting from its own watch of the store.
    await eventually('the second replica sees passkeys configured', async () => {
      const response = await fetch(`http://127.0.0.1:${second.port}/api/auth/passkeys/available`, { signal: AbortSignal.timeout(deadlines.request) });
      return ((await response.json()) as { configured: boolean }).configured;
    });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
    context = await browser.newContext();
    context.setDefaultTimeout(deadlines.request);
    page = await context.newPage();
    await addAuthenticator(await context.newCDPSession(page));
  });

  after(async () => {
    await browser?.close();
    for (const replica of replicas) {
      await replica.app.close();
      await replica.store.close();
    }
    await etcd?.cleanup();
  });

  test('a registration begun on one replica finishes on the other; so does a sign-in, once', async () => {
    const [first, second] = replicas;
    assert.ok(first !== undefined && second !== undefined);
    await page.goto(`http://localhost:${first.port}/`);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Containers' }).waitFor({ timeout: deadlines.request });

    const created = await page.evaluate<PageAnswer>(CREATE_ONLY_SCRIPT);
    assert.equal(created.step, 'create', JSON.stringify(created.body));
    const registered = await postAs(second, '/api/auth/passkeys/register/finish?name=Laptop', created.credential);
    assert.deepEqual({ status: registered.status, body: await registered.json() }, { status: 200, body: { status: 'ok', name: 'Laptop' } });

    const asserted = await page.evaluate<PageAnswer>(GET_ONLY_SCRIPT);
    assert.equal(asserted.step, 'get', JSON.stringify(asserted.body));
    const signedIn = await postAs(second, '/api/auth/passkeys/login/finish', asserted.credential);
    assert.deepEqual({ status: signedIn.status, body: await signedIn.json() }, { status: 200, body: { redirect: '/' } });
    const session = signedIn.headers.getSetCookie().map((cookie) => cookie.split(';')[0] ?? '').find((cookie) => cookie.startsWith('sentinel_session='));
    assert.ok(session !== undefined);
    const me = await fetch(`http://127.0.0.1:${first.port}/api/auth/me`, { headers: { cookie: session }, signal: AbortSignal.timeout(deadlines.request) });
    assert.equal(((await me.json()) as { username: string }).username, 'admin', 'the session made on one replica is good on the other');

    const replayed = await postAs(first, '/api/auth/passkeys/login/finish', asserted.credential);
    assert.deepEqual({ status: replayed.status, body: await replayed.json() }, { status: 400, body: { error: 'login ceremony expired or not found' } });
  });
});
