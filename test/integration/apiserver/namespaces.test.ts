// Implicit namespaces: what kubectl reads under /api/v1/namespaces.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { container, startApi, statusOf, type TestApi } from './fixtures/api.ts';

interface Namespace {
  kind: string;
  metadata: { name: string; creationTimestamp?: string };
  status: { phase: string };
}

describe('namespaces', () => {
  let api: TestApi;
  before(async () => {
    api = await startApi({ app: { garbageCollection: false } });
    await api.resources.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Host', metadata: { name: 'nas' }, spec: {} });
    await api.resources.create(container('web', 'edge'));
  });
  after(async () => await api.close());

  test('any valid namespace reads as Active, as none needs creating', async () => {
    const response = await api.request('GET', '/api/v1/namespaces/never-used');
    assert.equal(response.status, 200);
    const namespace = response.json<Namespace>();
    assert.equal(namespace.kind, 'Namespace');
    assert.equal(namespace.metadata.name, 'never-used');
    assert.equal(namespace.status.phase, 'Active');
  });

  test('an invalid namespace name is a NotFound Status', async () => {
    const response = await api.request('GET', '/api/v1/namespaces/Not_Valid');
    assert.equal(response.status, 404);
    const status = statusOf(response);
    assert.equal(status.reason, 'NotFound');
    assert.equal(status.message, 'namespaces "Not_Valid" not found');
  });

  test('the list shows every Host\'s namespace, every namespace holding objects, local and vigil-system', async () => {
    const response = await api.request('GET', '/api/v1/namespaces');
    assert.equal(response.status, 200);
    const list = response.json<{ kind: string; items: Namespace[] }>();
    assert.equal(list.kind, 'NamespaceList');
    assert.deepEqual(list.items.map((item) => item.metadata.name), ['edge', 'local', 'nas', 'vigil-system']);
    const edge = list.items.find((item) => item.metadata.name === 'edge');
    assert.equal(edge?.metadata.creationTimestamp, '2026-11-22T15:00:00Z', 'the age of its oldest object');
  });
});
