// The table-driven test: every REST route of the access table (answered here by a stub until the REST facade
// registers the real one) and every resource API verb of every kind, called as anonymous, as a viewer, an operator
// and an admin, each by session and by API token; the answer must be exactly what the table says: 401, 403 or
// through. The resource API answers refusals as a Kubernetes Status.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import authPlugin from '../../../apiserver/auth/plugin.ts';
import { REST_ROUTES, RESOURCE_RULES, STATUS_WRITE_PERMISSION, type Access } from '../../../apiserver/auth/access-table.ts';
import type { Permission } from '../../../apiserver/auth/permissions.ts';
import { ROLE_PERMISSIONS, type RoleId } from '../../../apiserver/auth/permissions.ts';
import { resourceKinds } from '../../../schemas/index.ts';
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
  vigil = await startVigil({ signInLimitPerMinute: 1000 });
  for (const route of REST_ROUTES) {
    if (vigil.app.hasRoute({ method: route.method, url: route.path })) {
      realRoutes.add(`${route.method} ${route.path}`);
      continue;
    }
    vigil.app.route({ method: route.method, url: route.path, handler: async () => STUB });
  }
  // What the resource API (issue 3) will parse; a stub route needs it to reach the authorization of the body.
  vigil.app.addContentTypeParser(['application/merge-patch+json', 'application/json-patch+json'], { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(String(body)));
    } catch (error) {
      done(error instanceof Error ? error : new Error(String(error)), undefined);
    }
  });
  for (const prefix of ['/apis/*', '/api/v1/*']) vigil.app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: prefix, handler: async () => STUB });
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

function concrete(path: string): string {
  return path.replace(/:[^/]+/g, 'x1');
}

describe('every REST route of the access table, as every kind of caller', () => {
  test('answers 401, 403 or goes through exactly as the table says', async () => {
    let checked = 0;
    for (const route of REST_ROUTES) {
      if (realRoutes.has(`${route.method} ${route.path}`)) continue;
      for (const caller of callers) {
        const response = await vigil.app.inject({
          method: route.method,
          url: concrete(route.path),
          ...as(caller.credentials),
          ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: {} }),
        });
        const expected = expectedStatus(route.access, caller.role);
        const what = `${route.method} ${route.path} as ${caller.name} (${route.access})`;
        if (expected === 'through') {
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
    await app.register(authPlugin, { auth: vigil.auth, store: vigil.store });
    app.get('/api/containers', async () => STUB);
    assert.throws(() => app.get('/api/not-in-the-table', async () => STUB), /GET \/api\/not-in-the-table has no entry in the access table/);
    await app.close();
  });
});

describe('every resource API verb of every kind, as every kind of caller', () => {
  const verbs = [
    { verb: 'list', method: 'GET', named: false, needs: 'read' },
    { verb: 'watch', method: 'GET', named: false, needs: 'read', query: '?watch=true' },
    { verb: 'get', method: 'GET', named: true, needs: 'read' },
    { verb: 'create', method: 'POST', named: false, needs: 'write' },
    { verb: 'update', method: 'PUT', named: true, needs: 'write' },
    { verb: 'patch', method: 'PATCH', named: true, needs: 'write' },
    { verb: 'delete', method: 'DELETE', named: true, needs: 'write' },
    { verb: 'deletecollection', method: 'DELETE', named: false, needs: 'write' },
    { verb: 'patch status', method: 'PATCH', named: true, needs: 'status' },
  ] as const;

  test('answers as the resource rules say, refusing with a Kubernetes Status', async () => {
    for (const kind of resourceKinds) {
      const rule = RESOURCE_RULES.find((candidate) => candidate.resource === kind.plural);
      assert.ok(rule !== undefined);
      const base = `${kind.group === '' ? '/api/v1' : `/apis/${kind.group}/${kind.version}`}${kind.namespaced ? '/namespaces/local' : ''}/${kind.plural}`;
      for (const spec of verbs) {
        const url = `${base}${spec.named ? '/x1' : ''}${spec.verb === 'patch status' ? '/status' : ''}${'query' in spec ? spec.query : ''}`;
        const permission: Permission = spec.needs === 'read' ? rule.read : spec.needs === 'status' ? STATUS_WRITE_PERMISSION : rule.write;
        // A patch of metadata: labels are a general change, whatever field rules the kind has.
        const body = spec.method === 'GET' || spec.method === 'DELETE' ? undefined : { metadata: { labels: { a: 'b' } } };
        for (const caller of callers) {
          const contentType = spec.method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
          const headers = { ...as(caller.credentials).headers, ...(body === undefined ? {} : { 'content-type': contentType }) };
          const response = await vigil.app.inject({ method: spec.method, url, headers, cookies: as(caller.credentials).cookies, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
          const expected = expectedStatus(permission, caller.role);
          const what: string = `${spec.verb} ${url} as ${caller.name} (needs ${permission})`;
          if (expected === 'through') {
            assert.deepEqual(response.json(), STUB, `${what}: ${response.statusCode} ${response.body}`);
          } else {
            assert.equal(response.statusCode, expected, `${what}: ${response.body}`);
            const status = response.json<{ kind: string; reason: string; code: number }>();
            assert.equal(status.kind, 'Status', what);
            assert.equal(status.reason, expected === 401 ? 'Unauthorized' : 'Forbidden', what);
          }
        }
      }
    }
  });

  test('a Container patch needs the permission of the spec field it touches', async () => {
    const url = '/apis/vigil.dev/v1alpha1/namespaces/local/containers/nginx';
    const cases: [Record<string, unknown>, RoleId[]][] = [
      [{ policy: 'pinned' }, ['operator', 'admin']],
      [{ update: { requestedAt: '2025-01-15T14:30:00Z', reason: 'Approved', digest: 'sha256:1' } }, ['operator', 'admin']],
      [{ rollback: { requestedAt: '2025-01-15T14:30:00Z' } }, ['operator', 'admin']],
      [{ notifyMode: 'muted' }, ['admin']],
      [{ portConfig: { '8080': 'https://app.example.com' } }, ['admin']],
    ];
    for (const [spec, allowed] of cases) {
      for (const caller of callers.filter((candidate) => candidate.role !== undefined)) {
        const response = await vigil.app.inject({
          method: 'PATCH',
          url,
          headers: { ...as(caller.credentials).headers, 'content-type': 'application/merge-patch+json' },
          cookies: as(caller.credentials).cookies,
          payload: JSON.stringify({ spec }),
        });
        const role = caller.role ?? 'viewer';
        assert.equal(response.statusCode === 200, allowed.includes(role), `${JSON.stringify(spec)} as ${caller.name}: ${response.statusCode} ${response.body}`);
        if (!allowed.includes(role)) assert.match(response.json<{ message: string }>().message, /containers "nginx" is forbidden: user ".*" \(role \w+\) cannot patch resource "containers" in API group "vigil.dev" in the namespace "local": it needs /);
      }
    }
  });

  test('discovery needs a signed-in user; /version stays public', async () => {
    for (const url of ['/api', '/apis', '/apis/vigil.dev/v1alpha1', '/openapi/v2']) {
      assert.equal((await vigil.app.inject({ method: 'GET', url })).statusCode, 401, url);
      const viewer = callers.find((caller) => caller.role === 'viewer');
      const response = await vigil.app.inject({ method: 'GET', url, ...as(viewer?.credentials) });
      assert.notEqual(response.statusCode, 401, url);
      assert.notEqual(response.statusCode, 403, url);
    }
    assert.equal((await vigil.app.inject({ method: 'GET', url: '/version' })).statusCode, 200);
  });
});
