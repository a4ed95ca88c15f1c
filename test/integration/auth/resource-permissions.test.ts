// Field-level permissions on the resource API, whatever the form of the write (merge patch, JSON patch, server-side
// apply, PUT, dry runs, creation); their order against the media type and body checks; CSRF for sessions and not
// for tokens; and the wording of a refusal. Against the real app and store.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceObject } from '../../../apiserver/resources/client.ts';
import { as, createToken, createUser, loginOk, setUp, startVigil, type Credentials, type Harness } from './harness.ts';

const CONTAINERS = '/apis/vigil.dev/v1alpha1/namespaces/local/containers';
const SETTINGS = '/apis/vigil.dev/v1alpha1/settings/default';

let vigil: Harness;
let viewer: string;
let operator: string;
let operatorSession: Credentials;
let names = 0;

before(async () => {
  vigil = await startVigil({ signInLimitPerMinute: 1000 });
  const admin = await setUp(vigil);
  await createUser(vigil, admin, 'viewer1', 'viewer');
  await createUser(vigil, admin, 'operator1', 'operator');
  viewer = await createToken(vigil, await loginOk(vigil, 'viewer1', 'viewer1-pass-1'));
  operatorSession = await loginOk(vigil, 'operator1', 'operator1-pass-1');
  operator = await createToken(vigil, operatorSession);
  await vigil.resources.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: { pollInterval: '6h' } });
});
after(async () => await vigil.close());

/** A new Container with notifyMode set, made without going through authorization. */
async function newContainer(): Promise<string> {
  names += 1;
  const name = `web-${names}`;
  await vigil.resources.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name, namespace: 'local' }, spec: { hostRef: 'local', policy: 'auto', notifyMode: 'default' } });
  return name;
}

async function stored(name: string): Promise<ResourceObject & { spec: Record<string, unknown> }> {
  const object = await vigil.resources.get('Container', 'local', name);
  return { ...object, spec: specOf(object) };
}

function specOf(object: ResourceObject): Record<string, unknown> {
  const spec: unknown = object.spec;
  return typeof spec === 'object' && spec !== null ? (spec as Record<string, unknown>) : {};
}

async function send(method: string, url: string, credentials: Credentials | string, body: unknown, contentType: string): Promise<{ status: number; json: { kind?: string; reason?: string; message?: string; details?: Record<string, unknown> } }> {
  const response = await vigil.app.inject({
    method: method as 'PATCH',
    url,
    headers: { ...as(credentials).headers, 'content-type': contentType },
    cookies: as(credentials).cookies,
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.statusCode, json: response.json() };
}

describe('a Container write needs the permissions of what it changes, however it is written', () => {
  test('an operator may change the policy by merge patch, JSON patch, server-side apply or PUT', async () => {
    const name = await newContainer();
    const item = `${CONTAINERS}/${name}`;
    assert.equal((await send('PATCH', item, operator, { spec: { policy: 'manual' } }, 'application/merge-patch+json')).status, 200);
    assert.equal((await send('PATCH', item, operator, [{ op: 'replace', path: '/spec/policy', value: 'pinned' }], 'application/json-patch+json')).status, 200);
    const applied = { apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name, namespace: 'local' }, spec: { hostRef: 'local', policy: 'auto' } };
    assert.equal((await send('PATCH', `${item}?fieldManager=ops&force=true`, operator, applied, 'application/apply-patch+yaml')).status, 200);
    const current = await stored(name);
    assert.equal((await send('PUT', item, operator, { ...current, spec: { ...current.spec, policy: 'manual' } }, 'application/json')).status, 200);
    assert.equal((await stored(name)).spec.policy, 'manual');
  });

  test('changing notifyMode needs settings.modify in every form, and a refused write changes nothing', async () => {
    const name = await newContainer();
    const item = `${CONTAINERS}/${name}`;
    const before = await stored(name);
    const attempts: [string, string, unknown, string][] = [
      ['PATCH', item, { spec: { notifyMode: 'muted' } }, 'application/merge-patch+json'],
      ['PATCH', item, [{ op: 'replace', path: '/spec/notifyMode', value: 'muted' }], 'application/json-patch+json'],
      ['PATCH', item, [{ op: 'replace', path: '/spec', value: { hostRef: 'local', policy: 'auto', notifyMode: 'muted' } }], 'application/json-patch+json'],
      ['PATCH', `${item}?fieldManager=ops`, { apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name, namespace: 'local' }, spec: { hostRef: 'local', notifyMode: 'muted' } }, 'application/apply-patch+yaml'],
      ['PUT', item, { ...before, spec: { ...before.spec, notifyMode: 'muted' } }, 'application/json'],
      ['PATCH', `${item}?dryRun=All`, { spec: { notifyMode: 'muted' } }, 'application/merge-patch+json'],
      // Removing the field changes it too.
      ['PATCH', item, { spec: { notifyMode: null } }, 'application/merge-patch+json'],
    ];
    for (const [method, url, body, contentType] of attempts) {
      const response = await send(method, url, operator, body, contentType);
      assert.equal(response.status, 403, `${method} ${contentType} ${JSON.stringify(body)}: ${JSON.stringify(response.json)}`);
      assert.equal(response.json.reason, 'Forbidden');
      assert.match(response.json.message ?? '', /changing spec\.notifyMode needs settings\.modify, which the role operator lacks$/);
    }
    assert.deepEqual(await stored(name), before);
  });

  test('setting notifyMode to the value it has is no change, and needs nothing more', async () => {
    const name = await newContainer();
    assert.equal((await send('PATCH', `${CONTAINERS}/${name}`, operator, { spec: { notifyMode: 'default', policy: 'manual' } }, 'application/merge-patch+json')).status, 200);
  });

  test('creating a Container that sets notifyMode needs settings.modify too', async () => {
    const body = { apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'made-by-operator' }, spec: { hostRef: 'local', notifyMode: 'muted' } };
    assert.equal((await send('POST', CONTAINERS, operator, body, 'application/json')).status, 403);
    assert.equal((await send('POST', CONTAINERS, operator, { ...body, spec: { hostRef: 'local' } }, 'application/json')).status, 201);
  });

  test('an operator may request a scan through Settings, but not change a setting', async () => {
    assert.equal((await send('PATCH', SETTINGS, operator, { spec: { scan: { requestedAt: '2025-01-15T14:30:00Z' } } }, 'application/merge-patch+json')).status, 200);
    const refused = await send('PATCH', SETTINGS, operator, { spec: { pollInterval: '2h' } }, 'application/merge-patch+json');
    assert.equal(refused.status, 403);
    assert.equal(specOf(await vigil.resources.get('Settings', undefined, 'default')).pollInterval, '6h');
  });
});

describe('the order of the checks', () => {
  test('a role that can write nothing of the kind is refused before the body is read, whatever its media type', async () => {
    const name = await newContainer();
    for (const contentType of ['application/strategic-merge-patch+json', 'application/merge-patch+json', 'text/plain']) {
      const response = await send('PATCH', `${CONTAINERS}/${name}`, viewer, '{not json', contentType);
      assert.equal(response.status, 403, contentType);
    }
  });

  test('for a role that may write, the media type (415), the body (400) and validation (422) come before the field check', async () => {
    const item = `${CONTAINERS}/${await newContainer()}`;
    assert.equal((await send('PATCH', item, operator, { spec: { notifyMode: 'muted' } }, 'application/strategic-merge-patch+json')).json.reason, 'UnsupportedMediaType');
    assert.equal((await send('PATCH', item, operator, '{not json', 'application/merge-patch+json')).json.reason, 'BadRequest');
    assert.equal((await send('PATCH', item, operator, { spec: { notifyMode: 'loud' } }, 'application/merge-patch+json')).json.reason, 'Invalid');
    assert.equal((await send('PATCH', `${CONTAINERS}/absent`, operator, { spec: { notifyMode: 'muted' } }, 'application/merge-patch+json')).json.reason, 'NotFound');
  });
});

describe('CSRF on the resource API', () => {
  test('a session must echo its CSRF token to write, but not to read or watch; a bearer token needs none', async () => {
    const item = `${CONTAINERS}/${await newContainer()}`;
    const withoutCsrf = { cookies: as(operatorSession).cookies };
    const patch = await vigil.app.inject({ method: 'PATCH', url: item, ...withoutCsrf, headers: { 'content-type': 'application/merge-patch+json' }, payload: '{"spec":{"policy":"manual"}}' });
    assert.equal(patch.statusCode, 403);
    assert.equal(patch.json<{ kind: string; reason: string; message: string }>().reason, 'Forbidden');
    assert.match(patch.json<{ message: string }>().message, /CSRF token/);
    assert.equal((await vigil.app.inject({ method: 'GET', url: item, ...withoutCsrf })).statusCode, 200);
    const watch = await fetch(`${vigil.url}${CONTAINERS}?watch=true`, { headers: { cookie: `sentinel_session=${operatorSession.session}` }, signal: AbortSignal.timeout(10_000) });
    assert.equal(watch.status, 200);
    await watch.body?.cancel();
    assert.equal((await send('PATCH', item, operatorSession, { spec: { policy: 'manual' } }, 'application/merge-patch+json')).status, 200);
    assert.equal((await send('PATCH', item, operator, { spec: { policy: 'pinned' } }, 'application/merge-patch+json')).status, 200);
  });
});

describe('a refusal', () => {
  test('is a Forbidden Status in kube-apiserver\'s words, with the object in its details', async () => {
    const name = await newContainer();
    const response = await send('PATCH', `${CONTAINERS}/${name}`, viewer, { spec: { policy: 'manual' } }, 'application/merge-patch+json');
    assert.equal(response.status, 403);
    assert.equal(response.json.kind, 'Status');
    assert.match(response.json.message ?? '', new RegExp(`^containers\\.vigil\\.dev "${name}" is forbidden: User "viewer1" cannot patch resource "containers" in API group "vigil\\.dev" in the namespace "local": `));
    assert.deepEqual(response.json.details, { group: 'vigil.dev', kind: 'containers', name });
    const status = await send('PATCH', `${CONTAINERS}/${name}/status`, operator, { status: {} }, 'application/merge-patch+json');
    assert.match(status.json.message ?? '', /cannot patch resource "containers\/status" in API group "vigil\.dev" in the namespace "local": the role operator lacks settings\.modify$/);
    const anonymous = await vigil.app.inject({ method: 'GET', url: `${CONTAINERS}/${name}` });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json<{ reason: string }>().reason, 'Unauthorized');
  });
});

describe('with authentication off', () => {
  test('every write goes through, field rules included', async () => {
    const off = await startVigil({ mode: 'off' });
    try {
      await off.resources.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'web', namespace: 'local' }, spec: { hostRef: 'local' } });
      const response = await off.app.inject({ method: 'PATCH', url: `${CONTAINERS}/web`, headers: { 'content-type': 'application/merge-patch+json' }, payload: '{"spec":{"notifyMode":"muted"}}' });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.headers['x-vigil-auth'], 'disabled');
    } finally {
      await off.close();
    }
  });
});
