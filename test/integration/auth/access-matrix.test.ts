// The table-driven test: every REST route of the access table (the REST facade's real handler, or a stub for a route
// not served yet) and every verb of every kind of the real resource API, called as anonymous, as a viewer, an
// operator and an admin, each by session and by API token; the answer must be exactly what the table says: 401,
// 403, or success (the stub's answer, the handler's own answer, or the resource API's 200/201). The resource API refuses with a Kubernetes Status.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import authPlugin from '../../../apiserver/auth/plugin.ts';
import { REST_ROUTES, RESOURCE_RULES, STATUS_WRITE_PERMISSION, type Access, type ResourceRule } from '../../../apiserver/auth/access-table.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import type { Permission } from '../../../apiserver/auth/permissions.ts';
import { ROLE_PERMISSIONS, type RoleId } from '../../../apiserver/auth/permissions.ts';
import { resourceKinds, type ResourceKind } from '../../../schemas/index.ts';
import { copyOf, type FixtureKind } from '../../unit/schemas/fixtures.ts';
import { as, createToken, createUser, loginOk, setUp, startVigil, type Credentials, type Harness } from './harness.ts';

interface Caller {
  name: string;
  role: RoleId | undefined;
  credentials: Credentials | string | undefined;
}

const STUB = { stub: true };
let vigil: Harness;
const callers: Caller[] = [{ name: 'anonymous', role: undefined, credentials: undefined }];
const realRoutes = new Set<string>();

before(async () => {
  vigil = await startVigil({
    signInLimitPerMinute: 1000,
    routes: (app) => {
      for (const route of REST_ROUTES) {
        if (app.hasRoute({ method: route.method, url: route.path })) {
          realRoutes.add(`${route.method} ${route.path}`);
          continue;
        }
        app.route({ method: route.method, url: route.path, handler: async () => STUB });
      }
    },
  });
  const admin = await setUp(vigil);
  for (const role of ['viewer', 'operator', 'admin'] as const) {
    const username = `${role}-user`;
    if (role !== 'admin') await createUser(vigil, admin, username, role);
    const session = role === 'admin' ? admin : await loginOk(vigil, username, `${username}-pass-1`);
    callers.push({ name: `${role} (session)`, role, credentials: session });
    callers.push({ name: `${role} (token)`, role, credentials: await createToken(vigil, session) });
  }
});
after(async () => await vigil.close());

function expectedStatus(access: Access, role: RoleId | undefined): 'through' | 401 | 403 {
  if (access === 'public' || access === 'login' || access === 'webhook') return 'through';
  if (role === undefined) return 401;
  if (access === 'authenticated') return 'through';
  return ROLE_PERMISSIONS[role].includes(access) ? 'through' : 403;
}

/** A route of the REST facade (apiserver/sentinel/), as opposed to the auth routes and health checks. */
function isFacadeRoute(path: string): boolean {
  // Passkey and OIDC routes are walked too (served by the auth routes, /api/settings/oidc by the facade): none of them
  // signs a caller out.
  return (path.startsWith('/api/') && !path.startsWith('/api/auth/')) || path === '/metrics' || /^\/api\/auth\/(passkeys|oidc)(\/|$)/.test(path);
}

/** The auth hook's own 401 and 403 answers (apiserver/auth/errors.ts, plugin.ts), told from a handler's. */
function refusedByAuth(status: number, body: string): boolean {
  if (status !== 401 && status !== 403) return false;
  const message = (JSON.parse(body) as { error?: string }).error ?? '';
  return /^(authentication required|invalid or revoked API token|the session has expired|forbidden: |missing or invalid CSRF token)/.test(message);
}

/** REST routes that stream (answered over a real socket, like the resource API's watches). */
const STREAMS = new Set(['/api/events']);

async function streamed(method: string, path: string, caller: Caller): Promise<{ statusCode: number; body: string; json(): Record<string, unknown> }> {
  const { status, body } = await call(method, path, caller);
  return { statusCode: status, body, json: () => JSON.parse(body) as Record<string, unknown> };
}

function concrete(path: string): string {
  return path.replace(/:[^/]+/g, 'x1');
}

describe('every REST route of the access table, as every kind of caller', () => {
  test('answers 401, 403 or goes through exactly as the table says', async () => {
    let checked = 0;
    for (const route of REST_ROUTES) {
      const real = realRoutes.has(`${route.method} ${route.path}`);
      // Real routes of the REST facade are walked too; the auth routes (sign-in, sessions, users) are not: calling
      // them as every caller would sign the callers out.
      if (real && !isFacadeRoute(route.path)) continue;
      for (const caller of callers) {
        // The event stream never ends by itself: it is opened over a socket and closed once it answered.
        const response = STREAMS.has(route.path)
          ? await streamed(route.method, route.path, caller)
          : await vigil.app.inject({
            method: route.method,
            url: concrete(route.path),
            ...as(caller.credentials),
            ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: {} }),
          });
        const expected = expectedStatus(route.access, caller.role);
        const what = `${route.method} ${route.path} as ${caller.name} (${route.access})`;
        if (expected === 'through' && real) {
          // The handler answered (200, or its own 400/404/501/503 for the made-up name x1), not the auth hook.
          assert.ok(!refusedByAuth(response.statusCode, response.body), `${what}: ${response.statusCode} ${response.body}`);
        } else if (expected === 'through') {
          assert.deepEqual(response.json(), STUB, `${what}: ${response.statusCode} ${response.body}`);
        } else {
          assert.equal(response.statusCode, expected, `${what}: ${response.body}`);
          assert.deepEqual(Object.keys(response.json()), ['error'], what);
        }
        checked += 1;
      }
    }
    assert.ok(checked > 140 * callers.length, `only ${checked} calls were checked`);
  });

  test('the routes Vigil serves itself are in the table, so none was left unchecked', () => {
    assert.ok(realRoutes.has('POST /login') && realRoutes.has('GET /healthz') && realRoutes.has('POST /api/auth/users'));
  });

  test('registering a REST route that the table does not know fails', async () => {
    const app = Fastify({ logger: false });
    await app.register(authPlugin, { auth: vigil.auth });
    app.get('/api/containers', async () => STUB);
    assert.throws(() => app.get('/api/not-in-the-table', async () => STUB), /GET \/api\/not-in-the-table has no entry in the access table/);
    await app.close();
  });
});


interface Verb {
  verb: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  needs: 'read' | 'write' | 'status' | 'log';
  success: number;
}

const VERBS: readonly Verb[] = [
  { verb: 'create', method: 'POST', needs: 'write', success: 201 },
  { verb: 'get', method: 'GET', needs: 'read', success: 200 },
  { verb: 'list', method: 'GET', needs: 'read', success: 200 },
  { verb: 'watch', method: 'GET', needs: 'read', success: 200 },
  { verb: 'update', method: 'PUT', needs: 'write', success: 200 },
  { verb: 'patch', method: 'PATCH', needs: 'write', success: 200 },
  { verb: 'get status', method: 'GET', needs: 'read', success: 200 },
  { verb: 'patch status', method: 'PATCH', needs: 'status', success: 200 },
  { verb: 'get log', method: 'GET', needs: 'log', success: 200 },
  { verb: 'delete', method: 'DELETE', needs: 'write', success: 200 },
  { verb: 'deletecollection', method: 'DELETE', needs: 'write', success: 200 },
];

let objects = 0;

/** A valid object of the kind (the schema fixtures) under a new name, without the fields whose writes need their own permission. */
function objectOf(kind: ResourceKind, rule: ResourceRule): Record<string, unknown> & { metadata: Record<string, unknown> } {
  const object = copyOf(kind.kind as FixtureKind) as Record<string, unknown> & { metadata: Record<string, unknown>; spec?: Record<string, unknown> };
  objects += 1;
  const name = kind.kind === 'Settings' ? 'default' : `walk-${objects}`;
  const { status: _status, ...rest } = object;
  const spec = rest.spec === undefined ? undefined : Object.fromEntries(Object.entries(rest.spec).filter(([field]) => rule.fields?.[field] === undefined));
  return { ...rest, ...(spec === undefined ? {} : { spec }), metadata: { name, ...(kind.namespaced ? { namespace: object.metadata.namespace } : {}), labels: { walk: name } } };
}

async function absent(kind: ResourceKind, namespace: string | undefined, name: string): Promise<void> {
  try {
    await vigil.resources.delete(kind.kind, namespace, name);
  } catch (error) {
    if (!isApiError(error, 'NotFound')) throw error;
  }
}

/** Requests over a real socket (a watch streams: inject() would wait for its end); the answer's status and body. */
async function call(method: string, path: string, caller: Caller, body?: unknown, contentType = 'application/json'): Promise<{ status: number; body: string }> {
  const { headers, cookies } = as(caller.credentials);
  const cookie = Object.entries(cookies).map(([name, value]) => `${name}=${value}`).join('; ');
  const abort = new AbortController();
  const response = await fetch(`${vigil.url}${path}`, {
    method,
    headers: { ...headers, ...(cookie === '' ? {} : { cookie }), ...(body === undefined ? {} : { 'content-type': contentType }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: abort.signal,
  });
  if ((path.includes('watch=true') || STREAMS.has(path)) && response.status === 200) {
    // A running watch: its status says it was let through; nothing more to wait for.
    abort.abort();
    return { status: response.status, body: '' };
  }
  return { status: response.status, body: await response.text() };
}

describe('every resource API verb of every kind, as every kind of caller', () => {
  test('answers 401, 403 or succeeds as the resource rules say, refusing with a Kubernetes Status', async () => {
    let checked = 0;
    for (const kind of resourceKinds) {
      const rule = RESOURCE_RULES.find((candidate) => candidate.resource === kind.plural);
      assert.ok(rule !== undefined, kind.plural);
      for (const caller of callers) {
        for (const spec of VERBS) {
          if ((spec.verb.endsWith('status') && !kind.hasStatus) || (spec.verb === 'get log' && !kind.hasLog)) continue;
          const object = objectOf(kind, rule);
          const name = String(object.metadata.name);
          const namespace = typeof object.metadata.namespace === 'string' ? object.metadata.namespace : undefined;
          await absent(kind, namespace, name);
          if (spec.verb !== 'create') await vigil.resources.create(object);
          const collection = `${kind.group === '' ? '/api/v1' : `/apis/${kind.group}/${kind.version}`}${namespace === undefined ? '' : `/namespaces/${namespace}`}/${kind.plural}`;
          const item = `${collection}/${name}`;
          let response: { status: number; body: string };
          switch (spec.verb) {
            case 'create': response = await call('POST', collection, caller, object); break;
            case 'get': response = await call('GET', item, caller); break;
            case 'list': response = await call('GET', `${collection}?labelSelector=walk%3D${name}`, caller); break;
            case 'watch': response = await call('GET', `${collection}?watch=true&labelSelector=walk%3D${name}`, caller); break;
            case 'update': response = await call('PUT', item, caller, { ...(await vigil.resources.get(kind.kind, namespace, name)), metadata: { ...object.metadata, labels: { walk: name, updated: 'yes' } } }); break;
            case 'patch': response = await call('PATCH', item, caller, { metadata: { labels: { patched: 'yes' } } }, 'application/merge-patch+json'); break;
            case 'get status': response = await call('GET', `${item}/status`, caller); break;
            case 'patch status': response = await call('PATCH', `${item}/status`, caller, {}, 'application/merge-patch+json'); break;
            case 'get log': response = await call('GET', `${item}/log`, caller); break;
            case 'delete': response = await call('DELETE', item, caller); break;
            default: response = await call('DELETE', `${collection}?labelSelector=walk%3D${name}`, caller); break;
          }
          const permissions: Permission[] = spec.needs === 'read' ? [rule.read] : spec.needs === 'status' ? [STATUS_WRITE_PERMISSION] : spec.needs === 'log' ? [rule.read, 'logs.view'] : [rule.write];
          const expected = permissions.map((permission) => expectedStatus(permission, caller.role)).find((outcome) => outcome !== 'through') ?? 'through';
          const what = `${spec.verb} ${kind.plural} as ${caller.name} (needs ${permissions.join(' and ')})`;
          if (expected === 'through') {
            assert.equal(response.status, spec.success, `${what}: ${response.body}`);
          } else {
            assert.equal(response.status, expected, `${what}: ${response.body}`);
            const status = JSON.parse(response.body) as { kind: string; reason: string; code: number };
            assert.deepEqual([status.kind, status.reason, status.code], ['Status', expected === 401 ? 'Unauthorized' : 'Forbidden', expected], what);
          }
          checked += 1;
        }
      }
    }
    assert.ok(checked >= resourceKinds.length * callers.length * 8, `only ${checked} calls were checked`);
  });

  test('namespaces (Host names) are listed and read with settings.view, which every role has', async () => {
    await vigil.resources.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'in-local', namespace: 'local' }, spec: { hostRef: 'local' } });
    for (const caller of callers) {
      for (const path of ['/api/v1/namespaces', '/api/v1/namespaces/local']) {
        const response = await call('GET', path, caller);
        assert.equal(response.status, caller.role === undefined ? 401 : 200, `${path} as ${caller.name}: ${response.body}`);
      }
    }
  });

  test('discovery and OpenAPI need a signed-in user; /version stays public', async () => {
    const viewer = callers.find((caller) => caller.role === 'viewer');
    const nobody = callers.find((caller) => caller.role === undefined);
    assert.ok(viewer !== undefined && nobody !== undefined);
    for (const path of ['/api', '/apis', '/apis/vigil.dev', '/apis/vigil.dev/v1alpha1', '/api/v1', '/openapi/v2', '/openapi/v3']) {
      const anonymous = await call('GET', path, nobody);
      assert.equal(anonymous.status, 401, path);
      assert.equal((JSON.parse(anonymous.body) as { reason: string }).reason, 'Unauthorized', path);
      assert.equal((await call('GET', path, viewer)).status, 200, path);
    }
    assert.equal((await vigil.app.inject({ method: 'GET', url: '/version' })).statusCode, 200);
  });
});
