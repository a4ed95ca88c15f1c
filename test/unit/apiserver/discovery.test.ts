import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { discoveryRoutes } from '../../../apiserver/discovery/routes.ts';
import { resourceKinds, vigilKinds } from '../../../schemas/index.ts';

async function discovery() {
  const app = Fastify();
  await app.register(discoveryRoutes, {});
  return app;
}

// What kubectl 1.26+ sends first; it must get plain JSON back (it then falls back), never a 406.
const AGGREGATED_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

test('/api lists the core version v1', async () => {
  const app = await discovery();
  const response = await app.inject({ url: '/api' });
  assert.equal(response.statusCode, 200);
  const body = response.json();
  assert.equal(body.kind, 'APIVersions');
  assert.deepEqual(body.versions, ['v1']);
});

test('/apis lists vigil.dev with v1alpha1 preferred, and answers plain JSON to an aggregated-discovery Accept', async () => {
  const app = await discovery();
  const response = await app.inject({ url: '/apis', headers: { accept: AGGREGATED_ACCEPT } });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  assert.deepEqual(response.json(), {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [{
      name: 'vigil.dev',
      versions: [{ groupVersion: 'vigil.dev/v1alpha1', version: 'v1alpha1' }],
      preferredVersion: { groupVersion: 'vigil.dev/v1alpha1', version: 'v1alpha1' },
    }],
  });
  const group = await app.inject({ url: '/apis/vigil.dev' });
  assert.equal(group.json().kind, 'APIGroup');
  assert.equal(group.json().preferredVersion.groupVersion, 'vigil.dev/v1alpha1');
});

test('/apis/vigil.dev/v1alpha1 lists every vigil kind with its names, scope, verbs and subresources', async () => {
  const app = await discovery();
  const body = (await app.inject({ url: '/apis/vigil.dev/v1alpha1', headers: { accept: AGGREGATED_ACCEPT } })).json();
  assert.equal(body.kind, 'APIResourceList');
  assert.equal(body.groupVersion, 'vigil.dev/v1alpha1');
  const byName = new Map(body.resources.map((resource: { name: string }) => [resource.name, resource]));
  for (const kind of vigilKinds) assert.ok(byName.has(kind.plural), `${kind.plural} is listed`);
  assert.deepEqual(byName.get('containers'), {
    name: 'containers',
    singularName: 'container',
    namespaced: true,
    kind: 'Container',
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ctr'],
    categories: ['all', 'vigil'],
  });
  assert.deepEqual(byName.get('containers/status'), { name: 'containers/status', singularName: '', namespaced: true, kind: 'Container', verbs: ['get', 'patch', 'update'] });
  assert.deepEqual(byName.get('containers/log'), { name: 'containers/log', singularName: '', namespaced: true, kind: 'Container', verbs: ['get'] });
  assert.equal((byName.get('hosts') as { namespaced: boolean }).namespaced, false);
  assert.equal(byName.has('snapshots/status'), false, 'Snapshot has no status subresource');
  const expected = vigilKinds.length + vigilKinds.filter((kind) => kind.hasStatus).length + vigilKinds.filter((kind) => kind.hasLog).length;
  assert.equal(body.resources.length, expected);
});

test('/api/v1 lists secrets, the core kind Vigil serves, and the implicit namespaces kubectl reads', async () => {
  const app = await discovery();
  const body = (await app.inject({ url: '/api/v1' })).json();
  assert.equal(body.groupVersion, 'v1');
  const core = resourceKinds.filter((kind) => kind.group === '').map((kind) => kind.plural);
  assert.deepEqual(body.resources.map((resource: { name: string }) => resource.name), [...core, 'namespaces']);
  assert.ok(core.includes('secrets'));
  const namespaces = body.resources.find((resource: { name: string }) => resource.name === 'namespaces');
  assert.deepEqual(namespaces, { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['get', 'list'], shortNames: ['ns'] });
});

test('an unknown group is not found', async () => {
  const app = await discovery();
  assert.equal((await app.inject({ url: '/apis/example.com' })).statusCode, 404);
});
