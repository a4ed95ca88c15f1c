// Registry credentials and rate limits through the REST facade, against real registries, with the registry-check
// controllers behind the facade as `vigil serve` wires them (no Docker: the Container resources are written by the
// test): an htpasswd registry over TLS whose CA is on a Registry made with the resource API, and an anonymous registry
// behind a proxy that adds GitHub-style rate-limit headers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { registryCheckServices } from '../../../cli/sentinel-services.ts';
import { registerRegistryCheckControllers } from '../../../controllers/registry-check/register.ts';
import type { Registry, Secret } from '../../../schemas/generated/types.ts';
import { freePort } from '../../testbed/daemon.ts';
import { pushImage } from '../../testbed/registry-push.ts';
import { startRegistryProxy, type RegistryProxy } from '../../testbed/registry-proxy.ts';
import { startRegistry, TEST_PASSWORD, TEST_USERNAME, type TestRegistry } from '../../testbed/registry.ts';
import { containerResource } from '../../unit/registry-check/fixtures.ts';
import { assertError, assertShape } from './fixtures.ts';
import { startFacadeStack, type FacadeStack } from './stack.ts';

const WRONG_PASSWORD = 'not-the-password';
const RFC3339_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

let basic: TestRegistry;
let anonymous: TestRegistry;
let proxy: RegistryProxy;
let stack: FacadeStack;

before(async () => {
  [basic, anonymous] = await Promise.all([startRegistry({ mode: 'basic', name: 'rest-basic' }), startRegistry({ name: 'rest-anonymous' })]);
  const web = await pushImage(basic, 'team/web', ['1.0.0'], { version: '1.0.0' });
  await pushImage(basic, 'team/web', ['2.0.0'], { version: '2.0.0' });
  const api = await pushImage(anonymous, 'team/api', ['1.0.0'], { version: '1.0.0' });
  await pushImage(anonymous, 'team/api', ['1.1.0'], { version: '1.1.0' });
  proxy = await startRegistryProxy(anonymous.url);
  stack = await startFacadeStack({
    more: (manager, registry) => {
      registerRegistryCheckControllers({ manager, registryClient: { timeoutMs: 10_000 } });
      return { checks: registryCheckServices(registry, manager.clock) };
    },
  });
  assert.equal((await stack.request('POST', '/api/settings/pause', { paused: true })).status, 200);
  // What an administrator sets up with kubectl: the registry's CA, on a Registry without credentials.
  await stack.registry.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'basic-ca', namespace: 'vigil-system' }, stringData: { 'ca.crt': basic.caPem ?? '' } } satisfies Secret);
  await stack.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Registry', metadata: { name: 'basic' }, spec: { server: basic.server, caSecretRef: { name: 'basic-ca', key: 'ca.crt' }, concurrency: 2 } } satisfies Registry);
  await stack.registry.create(containerResource({ name: 'web', image: `${basic.server}/team/web:1.0.0`, digest: web.digest }), { includeStatus: true });
  await stack.registry.create(containerResource({ name: 'api', image: `${proxy.server}/team/api:1.0.0`, digest: api.digest }), { includeStatus: true });
});
after(async () => {
  await stack?.close();
  await proxy?.stop();
  await Promise.all([basic?.cleanup(), anonymous?.cleanup()]);
});

async function registryNamed(name: string): Promise<Registry> {
  return (await stack.registry.get('Registry', undefined, name)) as unknown as Registry;
}

async function storedPassword(secretName: string): Promise<string | undefined> {
  const secret = (await stack.registry.get('Secret', 'vigil-system', secretName)) as unknown as Secret;
  const value = secret.data?.password;
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString();
}

function assertNoSecret(what: string, value: unknown): void {
  const text = JSON.stringify(value);
  for (const secret of [TEST_PASSWORD, WRONG_PASSWORD, Buffer.from(TEST_PASSWORD).toString('base64')]) assert.ok(!text.includes(secret), `${what} shows no secret`);
}

describe('registry credentials: GET, PUT, test and DELETE /api/settings/registries', () => {
  test('without credentials the htpasswd registry refuses the check: 502', async () => {
    assertError(await stack.request('POST', '/api/check/web'), 502, /refused|unauthori[sz]ed|401/i);
  });

  test('PUT stores the secret only in a Secret, on the Registry kubectl made (its CA kept); GET shows it masked', async () => {
    const saved = await stack.request('PUT', '/api/settings/registries', [{ id: 'r1', registry: basic.server, username: TEST_USERNAME, secret: TEST_PASSWORD }]);
    assert.equal(saved.status, 200, saved.text);
    assert.deepEqual(saved.json(), { status: 'ok', message: 'registry credentials saved' });

    const registry = await registryNamed('basic');
    assert.deepEqual(registry.spec, {
      server: basic.server,
      caSecretRef: { name: 'basic-ca', key: 'ca.crt' },
      concurrency: 2,
      credentials: { username: TEST_USERNAME, passwordSecretRef: { name: 'registry-basic', key: 'password' } },
    });
    assertNoSecret('the Registry', registry);
    assert.equal(await storedPassword('registry-basic'), TEST_PASSWORD);

    const listed = await stack.request('GET', '/api/settings/registries');
    assert.equal(listed.status, 200);
    const body = listed.json<Record<string, { credential?: Record<string, unknown> }>>();
    assertNoSecret('GET /api/settings/registries', body);
    assert.deepEqual(Object.keys(body), [basic.server]);
    const credential = body[basic.server]?.credential;
    assertShape(credential, { id: 'string', registry: 'string', username: 'string', secret: 'string' });
    assert.deepEqual(credential, { id: 'r1', registry: basic.server, username: TEST_USERNAME, secret: '****' });
  });

  test('the stored credentials open the registry: a check through REST finds the newer version', async () => {
    // The registry-check controllers see the new Registry and Secret through their watch: allow them that moment.
    const checked = await stack.eventually('a check that uses the stored credentials', async () => {
      const answer = await stack.request('POST', '/api/check/web');
      return answer.status === 200 ? answer : undefined;
    }, 10_000);
    assert.deepEqual(checked.json(), { status: 'update_available', name: 'web', message: 'Update available for web', newer_versions: ['2.0.0'] });
  });

  test('a masked secret sent back keeps the stored one; with nothing stored it is a 400 naming the field', async () => {
    const kept = await stack.request('PUT', '/api/settings/registries', [{ id: 'r1', registry: basic.server, username: TEST_USERNAME, secret: '****' }]);
    assert.equal(kept.status, 200, kept.text);
    assert.equal(await storedPassword('registry-basic'), TEST_PASSWORD);
    // The dashboard's masked form of a longer secret (Sentinel shows its first characters) counts as masked too.
    assert.equal((await stack.request('PUT', '/api/settings/registries', [{ id: 'r1', registry: basic.server, username: TEST_USERNAME, secret: 'vigi****' }])).status, 200);
    assert.equal(await storedPassword('registry-basic'), TEST_PASSWORD);

    const unknown = await stack.request('PUT', '/api/settings/registries', [
      { id: 'r1', registry: basic.server, username: TEST_USERNAME, secret: '****' },
      { id: 'r2', registry: 'ghcr.io', username: 'someone', secret: '****' },
    ]);
    assertError(unknown, 400, /^\[1\]\.secret: must not be empty for ghcr\.io \(it is masked and no secret is stored\)$/);
    assert.equal((await stack.registry.list('Registry')).items.length, 1, 'a refused PUT changes nothing');
    assert.equal(await storedPassword('registry-basic'), TEST_PASSWORD);
  });

  test('POST /test: success true for the right credentials, false for wrong ones, a masked secret tests the stored one; an unreachable registry is a 502', async () => {
    const right = await stack.request('POST', '/api/settings/registries/test', { registry: basic.server, username: TEST_USERNAME, secret: TEST_PASSWORD });
    assert.equal(right.status, 200, right.text);
    assert.deepEqual(right.json(), { success: true, message: 'Credentials valid' });

    const wrong = await stack.request('POST', '/api/settings/registries/test', { registry: basic.server, username: TEST_USERNAME, secret: WRONG_PASSWORD });
    assert.equal(wrong.status, 200, wrong.text);
    const refused = wrong.json<Record<string, unknown>>();
    assertShape(refused, { success: 'boolean', message: 'string' });
    assert.equal(refused.success, false);
    assert.match(String(refused.message), /^Invalid credentials: /);
    assertNoSecret('the refusal', refused);

    const masked = await stack.request('POST', '/api/settings/registries/test', { id: 'r1', registry: basic.server, username: TEST_USERNAME, secret: '****' });
    assert.deepEqual(masked.json(), { success: true, message: 'Credentials valid' });
    const wrongUser = await stack.request('POST', '/api/settings/registries/test', { id: 'r1', registry: basic.server, username: 'someone-else', secret: '****' });
    assert.equal(wrongUser.json<{ success: boolean }>().success, false);

    const closed = `127.0.0.1:${await freePort()}`;
    assertError(await stack.request('POST', '/api/settings/registries/test', { registry: closed, username: TEST_USERNAME, secret: TEST_PASSWORD }), 502, /^registry check failed: /);
    assertError(await stack.request('POST', '/api/settings/registries/test', { registry: 'ghcr.io', username: 'someone', secret: '****' }), 400, /^secret: it is masked and no secret is stored/);
  });

  test('malformed credentials get a 400 naming the field, and change nothing', async () => {
    const cases: Array<[string, string, unknown, RegExp]> = [
      ['PUT', '/api/settings/registries', { registry: basic.server }, /array/],
      ['PUT', '/api/settings/registries', [{ registry: basic.server, secret: 'x' }], /^missing required field "\[0\]\.username"$/],
      ['PUT', '/api/settings/registries', [{ registry: basic.server, username: 7, secret: 'x' }], /^\[0\]\.username: must be a string/],
      ['PUT', '/api/settings/registries', [{ registry: '', username: 'u', secret: 'x' }], /registry/],
      ['PUT', '/api/settings/registries', [{ registry: basic.server, username: ' ', secret: 'x' }], /^\[0\]\.username: must not be empty/],
      ['PUT', '/api/settings/registries', [{ registry: basic.server, username: 'u', secret: '' }], /^\[0\]\.secret: must not be empty/],
      ['PUT', '/api/settings/registries', [{ registry: 'ghcr.io', username: 'u', secret: 'x' }, { registry: 'GHCR.io', username: 'u', secret: 'y' }], /^\[1\]\.registry: duplicate registry GHCR\.io$/],
      ['POST', '/api/settings/registries/test', { registry: basic.server, username: TEST_USERNAME }, /missing required field "secret"/],
      ['POST', '/api/settings/registries/test', { registry: basic.server, username: TEST_USERNAME, secret: 5 }, /secret: must be a string/],
    ];
    for (const [method, path, body, message] of cases) assertError(await stack.request(method, path, body), 400, message);
    assert.equal((await registryNamed('basic')).spec.credentials?.username, TEST_USERNAME);
    assert.equal(await storedPassword('registry-basic'), TEST_PASSWORD);
  });

  test('DELETE removes the credential and its Secret but keeps the Registry kubectl made; an unknown id is a 404', async () => {
    assertError(await stack.request('DELETE', '/api/settings/registries/nope'), 404, /credential "nope" not found/);
    const removed = await stack.request('DELETE', '/api/settings/registries/r1');
    assert.equal(removed.status, 200, removed.text);
    assertShape(removed.json(), { status: 'string', message: 'string' });
    assert.equal(removed.json<{ status: string }>().status, 'ok');
    const registry = await registryNamed('basic');
    assert.deepEqual(registry.spec, { server: basic.server, caSecretRef: { name: 'basic-ca', key: 'ca.crt' }, concurrency: 2 });
    await assert.rejects(stack.registry.get('Secret', 'vigil-system', 'registry-basic'), /not found/);
    assert.equal(await stack.registry.get('Secret', 'vigil-system', 'basic-ca').then(() => true), true, 'the CA stays');
    const listed = (await stack.request('GET', '/api/settings/registries')).json<Record<string, { credential?: unknown }>>();
    assert.equal(listed[basic.server]?.credential, undefined);
  });
});

describe('GET /api/ratelimits', () => {
  /** Sets the proxy's budget, runs a check of `api` through REST, and answers what the proxy's last answer said was left. */
  async function checkThroughProxy(remaining: number): Promise<number> {
    proxy.setRateLimit({ limit: 100, remaining, windowSeconds: 3600, style: 'github' });
    const sent = proxy.requests.length;
    const checked = await stack.request('POST', '/api/check/api');
    assert.equal(checked.status, 200, checked.text);
    assert.equal(checked.json<{ status: string }>().status, 'update_available');
    // Every request counts against the budget: the last answer said this much was left.
    const used = proxy.requests.length - sent;
    assert.ok(used > 0, 'the check went through the proxy');
    return remaining - used;
  }

  async function rateLimitsShowing(left: number): Promise<{ health: string; registries: Array<Record<string, unknown>> }> {
    return await stack.eventually(`${proxy.server} with ${left} left in /api/ratelimits`, async () => {
      const answer = (await stack.request('GET', '/api/ratelimits')).json<{ health: string; registries: Array<Record<string, unknown>> }>();
      return answer.registries.some((entry) => entry.registry === proxy.server && entry.remaining === left) ? answer : undefined;
    }, 15_000);
  }

  test('after a check through a rate-limited registry, its budget is answered field by field, also beside its credential', async () => {
    const before = Date.now();
    const left = await checkThroughProxy(90);
    const limits = await rateLimitsShowing(left);
    assertShape(limits, { health: 'string', registries: 'array' });
    assert.equal(limits.health, 'ok');
    // Only registries that reported a budget are listed: the htpasswd registry sends no rate-limit headers.
    assert.equal(limits.registries.length, 1);
    const entry = limits.registries[0];
    assertShape(entry, { registry: 'string', remaining: 'number', limit: 'number', reset: 'string' });
    assert.deepEqual(Object.keys(entry ?? {}).sort(), ['limit', 'registry', 'remaining', 'reset']);
    assert.deepEqual({ registry: entry?.registry, remaining: entry?.remaining, limit: entry?.limit }, { registry: proxy.server, remaining: left, limit: 100 });
    const reset = String(entry?.reset);
    assert.match(reset, RFC3339_SECONDS);
    const resetAt = Date.parse(reset);
    assert.ok(resetAt >= Math.floor(before / 1000) * 1000 + 3_600_000 && resetAt <= Date.now() + 3_600_000, `reset ${reset} is one window after the check`);

    // GET /api/settings/registries shows the same status under the registry's key, without a credential.
    const registries = (await stack.request('GET', '/api/settings/registries')).json<Record<string, Record<string, unknown>>>();
    assert.deepEqual(registries[proxy.server], { rate_limit: entry });
  });

  test('a budget under 20 % makes the overall health low', async () => {
    const limits = await rateLimitsShowing(await checkThroughProxy(15));
    assert.equal(limits.health, 'low');
  });
});
