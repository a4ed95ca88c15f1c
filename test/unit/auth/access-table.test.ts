// The one access table, walked: every entry names a real permission, no route is listed twice, every kind has a
// rule, the roles grant exactly the reference's matrix (plus the documented settings.view for viewers), and the
// field rules give kubectl writes the permission of the equivalent REST action.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { REST_ROUTES, RESOURCE_RULES, STATUS_WRITE_PERMISSION, UNKNOWN_RESOURCE_PERMISSION } from '../../../apiserver/auth/access-table.ts';
import { fieldPermissions, resourceRequirement, restRequirement, routeKey, touchedByChange, writePermissions } from '../../../apiserver/auth/access.ts';
import { isPermission, PERMISSIONS, ROLE_PERMISSIONS } from '../../../apiserver/auth/permissions.ts';
import { resourceRequestInfo, type ResourceRequest } from '../../../apiserver/auth/request-info.ts';
import { resourceKinds } from '../../../schemas/index.ts';

const ANONYMOUS_ACCESS = new Set(['public', 'login', 'webhook', 'authenticated']);

function resource(method: string, path: string): ResourceRequest {
  const info = resourceRequestInfo(method, path, new URLSearchParams());
  assert.equal(info.kind, 'resource', `${method} ${path} is a resource request`);
  return info as ResourceRequest;
}

describe('the access table', () => {
  test('every REST route needs an existing permission or a named kind of anonymous access', () => {
    for (const route of REST_ROUTES) {
      assert.ok(ANONYMOUS_ACCESS.has(route.access) || isPermission(route.access), `${route.method} ${route.path}: ${route.access}`);
      assert.match(route.path, /^\/[-a-z0-9/:]*$/, `${route.path} is a fastify path`);
    }
  });

  test('no REST route is listed twice', () => {
    const seen = new Set<string>();
    for (const route of REST_ROUTES) {
      const key = routeKey(route.method, route.path);
      assert.ok(!seen.has(key), `${key} is listed twice`);
      seen.add(key);
    }
  });

  test('every permission guards at least one REST route, and the routes of the reference keep their permission', () => {
    for (const permission of PERMISSIONS) assert.ok(REST_ROUTES.some((route) => route.access === permission), `${permission} guards no route`);
    const expectations: [string, string, string][] = [
      ['GET', '/api/containers', 'containers.view'],
      ['POST', '/api/update/:name', 'containers.update'],
      ['POST', '/api/approve/:key', 'containers.approve'],
      ['POST', '/api/containers/:name/rollback', 'containers.rollback'],
      ['POST', '/api/containers/:name/policy', 'containers.manage'],
      ['GET', '/api/history', 'history.view'],
      ['GET', '/api/logs', 'logs.view'],
      ['GET', '/api/settings', 'settings.view'],
      ['POST', '/api/settings/poll-interval', 'settings.modify'],
      ['POST', '/api/auth/users', 'users.manage'],
      ['POST', '/api/webhook', 'webhook'],
      ['GET', '/api/auth/me', 'authenticated'],
      ['POST', '/login', 'login'],
      ['POST', '/setup', 'public'],
      ['GET', '/healthz', 'public'],
    ];
    for (const [method, path, access] of expectations) {
      assert.equal(REST_ROUTES.find((route) => route.method === method && route.path === path)?.access, access, `${method} ${path}`);
    }
  });

  test('every resource kind has a rule whose permissions exist', () => {
    for (const kind of resourceKinds) assert.ok(RESOURCE_RULES.some((rule) => rule.resource === kind.plural), `${kind.plural} has no rule`);
    for (const rule of RESOURCE_RULES) {
      assert.ok(isPermission(rule.read) && isPermission(rule.write), rule.resource);
      for (const [field, fieldRule] of Object.entries(rule.fields ?? {})) {
        assert.ok(isPermission(fieldRule.permission), `${rule.resource}.spec.${field}`);
        for (const permission of Object.values(fieldRule.byReason ?? {})) assert.ok(isPermission(permission), `${rule.resource}.spec.${field}`);
      }
    }
    assert.ok(isPermission(STATUS_WRITE_PERMISSION) && isPermission(UNKNOWN_RESOURCE_PERMISSION));
  });

  test('the roles grant exactly the reference matrix, the viewer with settings.view as in Sentinel’s code', () => {
    assert.deepEqual([...ROLE_PERMISSIONS.admin].sort(), [...PERMISSIONS].sort());
    assert.deepEqual([...ROLE_PERMISSIONS.operator].sort(), PERMISSIONS.filter((p) => p !== 'settings.modify' && p !== 'users.manage').sort());
    assert.deepEqual([...ROLE_PERMISSIONS.viewer].sort(), ['containers.view', 'history.view', 'logs.view', 'settings.view']);
    assert.equal(PERMISSIONS.length, 10);
  });

  test('a viewer can get, list and watch every kind but Secrets', () => {
    for (const kind of resourceKinds) {
      const base = kind.group === '' ? `/api/v1` : `/apis/${kind.group}/${kind.version}`;
      for (const [method, path] of [
        ['GET', `${base}/${kind.plural}`],
        ['GET', `${base}/namespaces/local/${kind.plural}/x`],
        ['GET', `${base}/watch/${kind.plural}`],
      ] as const) {
        const needed = resourceRequirement(resource(method, path)).permissions;
        const viewerCan = needed.every((permission) => ROLE_PERMISSIONS.viewer.includes(permission));
        assert.equal(viewerCan, kind.plural !== 'secrets', `${method} ${path} needs ${needed.join(', ')}`);
      }
    }
  });

  test('an unknown REST path needs a signed-in user, never nothing', () => {
    assert.deepEqual(restRequirement('GET', undefined), { anonymous: undefined, permissions: [] });
    assert.deepEqual(restRequirement('GET', '/api/containers/:whatever'), { anonymous: undefined, permissions: ['containers.view'] });
  });
});

describe('resource requests', () => {
  test('are read from the path as kube-apiserver does', () => {
    assert.deepEqual(resource('GET', '/apis/vigil.dev/v1alpha1/namespaces/local/containers/nginx'), {
      kind: 'resource', verb: 'get', group: 'vigil.dev', version: 'v1alpha1', resource: 'containers', subresource: undefined, namespace: 'local', name: 'nginx',
    });
    assert.equal(resource('GET', '/apis/vigil.dev/v1alpha1/containers').verb, 'list');
    assert.equal(resourceRequestInfo('GET', '/api/v1/namespaces/a/secrets', new URLSearchParams('watch=true')).kind, 'resource');
    assert.equal((resourceRequestInfo('GET', '/api/v1/namespaces/a/secrets', new URLSearchParams('watch=1')) as ResourceRequest).verb, 'watch');
    assert.equal(resource('DELETE', '/apis/vigil.dev/v1alpha1/hooks').verb, 'deletecollection');
    assert.equal(resource('PUT', '/apis/vigil.dev/v1alpha1/namespaces/local/containers/nginx/status').subresource, 'status');
    assert.equal(resource('GET', '/api/v1/namespaces').resource, 'namespaces');
    assert.equal(resourceRequestInfo('GET', '/apis/vigil.dev/v1alpha1', new URLSearchParams()).kind, 'discovery');
    assert.equal(resourceRequestInfo('GET', '/api', new URLSearchParams()).kind, 'discovery');
  });

  test('writing a status needs settings.modify; Secrets need settings.modify even to read', () => {
    assert.deepEqual(resourceRequirement(resource('PATCH', '/apis/vigil.dev/v1alpha1/namespaces/local/containers/n/status')).permissions, ['settings.modify']);
    assert.deepEqual(resourceRequirement(resource('GET', '/api/v1/namespaces/vigil-system/secrets/s')).permissions, ['settings.modify']);
    assert.deepEqual(resourceRequirement(resource('PATCH', '/apis/vigil.dev/v1alpha1/registries/r')).permissions, ['settings.modify']);
  });
});

describe('Container writes need the permission of the spec fields they change', () => {
  const rule = RESOURCE_RULES.find((candidate) => candidate.resource === 'containers');
  assert.ok(rule !== undefined);
  const stored = { apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name: 'n', namespace: 'local', labels: { a: 'b' }, resourceVersion: '5' }, spec: { hostRef: 'local', policy: 'auto', notifyMode: 'muted' } };
  const changed = (spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): string[] =>
    fieldPermissions(rule, touchedByChange(stored, { ...stored, metadata: { ...stored.metadata, ...metadata }, spec: { ...stored.spec, ...spec } })).sort();

  test('a policy change needs containers.manage, an update request containers.update, an approval containers.approve', () => {
    assert.deepEqual(changed({ policy: 'pinned' }), ['containers.manage']);
    assert.deepEqual(changed({ update: { requestedAt: '2025-01-15T14:30:00Z', reason: 'ChosenTag', tag: '1.2' } }), ['containers.update']);
    assert.deepEqual(changed({ update: { requestedAt: '2025-01-15T14:30:00Z', reason: 'Approved', digest: 'sha256:x' } }), ['containers.approve']);
    assert.deepEqual(changed({ rollback: { requestedAt: '2025-01-15T14:30:00Z' } }), ['containers.rollback']);
    assert.deepEqual(changed({ check: { requestedAt: '2025-01-15T14:30:00Z' } }), ['containers.update']);
    assert.deepEqual(changed({ lifecycle: { requestedAt: '2025-01-15T14:30:00Z', action: 'stop' } }), ['containers.manage']);
    assert.deepEqual(changed({ ignoredVersions: ['1.2'], rejectedUpdate: { version: '1', digest: 'd', rejectedAt: 'x' } }), ['containers.approve']);
    assert.deepEqual(changed({ notifyMode: 'all' }), ['settings.modify']);
    assert.deepEqual(changed({ rollback: {}, policy: 'manual' }), ['containers.manage', 'containers.rollback']);
  });

  test('what counts is the change: a field set to its stored value needs nothing, a removed field what setting it needs', () => {
    assert.deepEqual(changed({ notifyMode: 'muted', policy: 'auto' }), []);
    const { notifyMode: _removed, ...withoutNotifyMode } = stored.spec;
    assert.deepEqual(fieldPermissions(rule, touchedByChange(stored, { ...stored, spec: withoutNotifyMode })), ['settings.modify']);
  });

  test('labels, annotations, finalizers and owners are a general change; server-kept metadata is not', () => {
    assert.deepEqual(changed({}, { labels: { a: 'c' } }), ['containers.manage']);
    assert.deepEqual(changed({}, { finalizers: ['x'] }), ['containers.manage']);
    assert.deepEqual(changed({}, { resourceVersion: '6', managedFields: [{ manager: 'kubectl' }], generation: 2 }), []);
  });

  test('creating needs the kind\'s write permission and those of the ruled fields it sets', () => {
    assert.deepEqual(fieldPermissions(rule, touchedByChange(undefined, stored)).sort(), ['containers.manage', 'settings.modify']);
  });

  test('an update or patch is let through to the change only by a role holding some write permission of the kind', () => {
    const patch = resourceRequirement(resource('PATCH', '/apis/vigil.dev/v1alpha1/namespaces/local/containers/n'));
    assert.deepEqual(patch.permissions, []);
    assert.deepEqual([...(patch.anyOf ?? [])].sort(), writePermissions(rule).sort());
    assert.ok(!(patch.anyOf ?? []).some((permission) => ROLE_PERMISSIONS.viewer.includes(permission)), 'a viewer is refused before the body is read');
    assert.equal(patch.fieldRule, rule);
    const create = resourceRequirement(resource('POST', '/apis/vigil.dev/v1alpha1/namespaces/local/containers'));
    assert.deepEqual(create.permissions, ['containers.manage']);
    assert.equal(create.fieldRule, rule);
  });

  test('a Container\'s log needs logs.view besides containers.view', () => {
    assert.deepEqual(resourceRequirement(resource('GET', '/apis/vigil.dev/v1alpha1/namespaces/local/containers/n/log')).permissions, ['containers.view', 'logs.view']);
  });
});
