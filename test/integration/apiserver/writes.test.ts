// Writes over HTTP: create, replace, the /status subresource, generation, JSON and merge patches, dry runs,
// finalizers and deletion, deletecollection; and the in-process client gets the same rules.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceObject } from '../../../apiserver/resources/client.ts';
import { container, GROUP_PATH, startApi, statusOf, updatePolicy, type TestApi } from './fixtures/api.ts';

const containers = `${GROUP_PATH}/namespaces/local/containers`;
const policies = `${GROUP_PATH}/updatepolicies`;

describe('resource API writes', () => {
  let api: TestApi;
  before(async () => {
    api = await startApi({ app: { garbageCollection: false } });
  });
  after(async () => await api.close());

  test('create answers 201 with server metadata; status in the body is dropped; GET returns what was stored', async () => {
    const created = await api.request('POST', containers, { body: { ...container('web'), status: { state: 'running' } } });
    assert.equal(created.status, 201);
    const object = created.json();
    assert.equal(object.metadata.namespace, 'local');
    assert.equal(object.metadata.generation, 1);
    assert.equal(object.metadata.creationTimestamp, '2026-11-22T15:00:00Z');
    assert.match(object.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(object.status, undefined);
    const read = await api.request('GET', `${containers}/web`);
    assert.deepEqual(read.json(), object);
    const viaStatus = await api.request('GET', `${containers}/web/status`);
    assert.deepEqual(viaStatus.json(), object);
  });

  test('the namespace comes from the path when the body has none; apiVersion and kind default to the path', async () => {
    const response = await api.request('POST', containers, { body: { metadata: { name: 'bare' }, spec: { containerName: 'bare' } } });
    assert.equal(response.status, 201, response.text);
    assert.equal(response.json().metadata.namespace, 'local');
    assert.equal(response.json().kind, 'Container');
  });

  test('generation moves with the spec only; /status writes change only status and keep generation; observedGeneration is the controller\'s', async () => {
    const created = (await api.request('POST', containers, { body: container('gen') })).json();
    const relabelled = await api.request('PUT', `${containers}/gen`, { body: { ...created, metadata: { ...created.metadata, labels: { a: 'b' } } } });
    assert.equal(relabelled.json().metadata.generation, 1, 'a metadata change leaves generation');
    const respec = await api.request('PUT', `${containers}/gen`, { body: { ...relabelled.json<ResourceObject>(), spec: { containerName: 'gen', policy: 'auto' }, status: { state: 'ignored' } } });
    assert.equal(respec.json().metadata.generation, 2);
    assert.equal(respec.json().status, undefined, 'status on the main resource is ignored');
    const condition = { type: 'Ready', status: 'True', reason: 'Running', message: '', lastTransitionTime: '2026-11-22T15:00:00Z', observedGeneration: 2 };
    const statusWrite = await api.request('PUT', `${containers}/gen/status`, {
      body: { ...respec.json<ResourceObject>(), spec: { containerName: 'changed-through-status' }, status: { state: 'running', conditions: [condition] } },
    });
    assert.equal(statusWrite.status, 200, statusWrite.text);
    const written = statusWrite.json();
    assert.deepEqual(written.spec, { containerName: 'gen', policy: 'auto' });
    assert.equal(written.metadata.generation, 2);
    assert.deepEqual((written.status as { conditions: unknown[] }).conditions, [condition]);
    const merged = await api.request('PATCH', `${containers}/gen/status`, { text: '{"status":{"state":"exited"}}', contentType: 'application/merge-patch+json' });
    assert.equal((merged.json().status as { state: string }).state, 'exited');
    assert.equal(merged.json().metadata.generation, 2);
  });

  test('a JSON patch applies in order and fails as a whole on a failed test with 422', async () => {
    await api.request('POST', policies, { body: updatePolicy('jp', { policy: 'manual' }) });
    const patched = await api.request('PATCH', `${policies}/jp`, {
      text: JSON.stringify([{ op: 'test', path: '/spec/policy', value: 'manual' }, { op: 'replace', path: '/spec/policy', value: 'auto' }, { op: 'add', path: '/metadata/labels', value: { x: 'y' } }]),
      contentType: 'application/json-patch+json',
    });
    assert.equal(patched.status, 200, patched.text);
    assert.equal((patched.json().spec as { policy: string }).policy, 'auto');
    assert.deepEqual(patched.json().metadata.labels, { x: 'y' });
    const failed = statusOf(await api.request('PATCH', `${policies}/jp`, {
      text: JSON.stringify([{ op: 'replace', path: '/spec/policy', value: 'pinned' }, { op: 'test', path: '/spec/policy', value: 'manual' }]),
      contentType: 'application/json-patch+json',
    }));
    assert.equal(failed.code, 422);
    assert.match(failed.message ?? '', /test/i);
    assert.equal(((await api.request('GET', `${policies}/jp`)).json().spec as { policy: string }).policy, 'auto', 'nothing of a failed patch is written');
    const malformed = statusOf(await api.request('PATCH', `${policies}/jp`, { text: '{"op":"add"}', contentType: 'application/json-patch+json' }));
    assert.equal(malformed.code, 400);
    const renamed = statusOf(await api.request('PATCH', `${policies}/jp`, { text: JSON.stringify([{ op: 'replace', path: '/metadata/name', value: 'other' }]), contentType: 'application/json-patch+json' }));
    assert.equal(renamed.code, 400);
  });

  test('a merge patch merges maps, deletes with null, replaces lists; a resourceVersion in it is a precondition', async () => {
    const created = (await api.request('POST', policies, { body: updatePolicy('mp', { policy: 'auto', hosts: ['a', 'b'] }, { labels: { keep: '1', drop: '2' } }) })).json();
    const patched = await api.request('PATCH', `${policies}/mp`, {
      text: JSON.stringify({ metadata: { labels: { drop: null, add: '3' } }, spec: { hosts: ['c'] } }),
      contentType: 'application/merge-patch+json',
    });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(patched.json().metadata.labels, { keep: '1', add: '3' });
    assert.deepEqual((patched.json().spec as { hosts: string[] }).hosts, ['c']);
    const stale = statusOf(await api.request('PATCH', `${policies}/mp`, {
      text: JSON.stringify({ metadata: { resourceVersion: created.metadata.resourceVersion }, spec: { policy: 'manual' } }),
      contentType: 'application/merge-patch+json',
    }));
    assert.equal(stale.code, 409);
    assert.equal(stale.reason, 'Conflict');
    const fresh = await api.request('PATCH', `${policies}/mp`, {
      text: JSON.stringify({ metadata: { resourceVersion: patched.json().metadata.resourceVersion }, spec: { policy: 'manual' } }),
      contentType: 'application/merge-patch+json',
    });
    assert.equal(fresh.status, 200);
    const missing = statusOf(await api.request('PATCH', `${policies}/nope`, { text: '{}', contentType: 'application/merge-patch+json' }));
    assert.equal(missing.code, 404);
  });

  test('dryRun=All validates and answers the result of create, update, patch and delete, and persists none of them', async () => {
    const dryCreate = await api.request('POST', `${policies}?dryRun=All`, { body: updatePolicy('dry') });
    assert.equal(dryCreate.status, 201);
    assert.equal(dryCreate.json().metadata.name, 'dry');
    assert.equal((await api.request('GET', `${policies}/dry`)).status, 404);
    const real = (await api.request('POST', policies, { body: updatePolicy('dry') })).json();
    const dryUpdate = await api.request('PUT', `${policies}/dry?dryRun=All`, { body: { ...real, spec: { policy: 'auto' } } });
    assert.equal((dryUpdate.json().spec as { policy: string }).policy, 'auto');
    const dryPatch = await api.request('PATCH', `${policies}/dry?dryRun=All`, { text: '{"spec":{"policy":"pinned"}}', contentType: 'application/merge-patch+json' });
    assert.equal((dryPatch.json().spec as { policy: string }).policy, 'pinned');
    const invalid = statusOf(await api.request('PATCH', `${policies}/dry?dryRun=All`, { text: '{"spec":{"policy":"never"}}', contentType: 'application/merge-patch+json' }));
    assert.equal(invalid.code, 422, 'a dry run still validates');
    const dryDelete = await api.request('DELETE', `${policies}/dry`, { body: { kind: 'DeleteOptions', apiVersion: 'v1', dryRun: ['All'] } });
    assert.equal(dryDelete.status, 200);
    const stored = (await api.request('GET', `${policies}/dry`)).json();
    assert.deepEqual(stored, real);
  });

  test('delete with a finalizer answers 200 with deletionTimestamp; removing the last finalizer deletes; GET is then 404', async () => {
    await api.request('POST', policies, { body: updatePolicy('fin', { policy: 'auto' }, { finalizers: ['vigil.dev/hold'] }) });
    const marked = await api.request('DELETE', `${policies}/fin`, { body: { propagationPolicy: 'Background' } });
    assert.equal(marked.status, 200);
    assert.equal(marked.json().metadata.deletionTimestamp, '2026-11-22T15:00:00Z');
    assert.equal((await api.request('GET', `${policies}/fin`)).status, 200, 'kept while a finalizer remains');
    const again = await api.request('DELETE', `${policies}/fin`);
    assert.equal(again.json().metadata.deletionTimestamp, '2026-11-22T15:00:00Z', 'deleting again changes nothing');
    const forbidden = statusOf(await api.request('PATCH', `${policies}/fin`, { text: '{"metadata":{"finalizers":["vigil.dev/hold","vigil.dev/more"]}}', contentType: 'application/merge-patch+json' }));
    assert.equal(forbidden.code, 422);
    const released = await api.request('PATCH', `${policies}/fin`, { text: '{"metadata":{"finalizers":null}}', contentType: 'application/merge-patch+json' });
    assert.equal(released.status, 200);
    assert.equal((await api.request('GET', `${policies}/fin`)).status, 404);
  });

  test('delete without finalizers answers the deleted object; preconditions are honoured', async () => {
    const created = (await api.request('POST', policies, { body: updatePolicy('gone') })).json();
    const wrongUid = statusOf(await api.request('DELETE', `${policies}/gone`, { body: { preconditions: { uid: 'not-the-uid' } } }));
    assert.equal(wrongUid.code, 409);
    const staleVersion = statusOf(await api.request('DELETE', `${policies}/gone`, { body: { preconditions: { resourceVersion: '1' } } }));
    assert.equal(staleVersion.code, 409);
    const deleted = await api.request('DELETE', `${policies}/gone`, { body: { preconditions: { uid: created.metadata.uid } } });
    assert.equal(deleted.status, 200);
    assert.equal(deleted.json().metadata.uid, created.metadata.uid);
    assert.equal((await api.request('GET', `${policies}/gone`)).status, 404);
    assert.equal(statusOf(await api.request('DELETE', `${policies}/gone`)).code, 404);
  });

  test('deletecollection deletes what the selector picks in the namespace and answers the list', async () => {
    for (const name of ['d1', 'd2', 'd3']) {
      await api.request('POST', `${GROUP_PATH}/namespaces/dc/containers`, { body: container(name, 'dc', {}, { labels: { group: name === 'd3' ? 'keep' : 'drop' } }) });
    }
    await api.request('POST', `${GROUP_PATH}/namespaces/other/containers`, { body: container('d1', 'other', {}, { labels: { group: 'drop' } }) });
    const response = await api.request('DELETE', `${GROUP_PATH}/namespaces/dc/containers?labelSelector=group%3Ddrop`);
    assert.equal(response.status, 200, response.text);
    const list = response.json<{ kind: string; items: ResourceObject[] }>();
    assert.equal(list.kind, 'ContainerList');
    assert.deepEqual(list.items.map((item) => item.metadata.name).sort(), ['d1', 'd2']);
    const left = (await api.request('GET', `${GROUP_PATH}/containers?labelSelector=group`)).json<{ items: ResourceObject[] }>();
    assert.deepEqual(left.items.map((item) => `${item.metadata.namespace}/${item.metadata.name}`).sort(), ['dc/d3', 'other/d1']);
  });

  test('the in-process client patches and applies with the same rules', async () => {
    await api.resources.create(updatePolicy('inproc', { policy: 'manual' }));
    const patched = await api.resources.patch('UpdatePolicy', undefined, 'inproc', 'merge', { spec: { policy: 'auto' } });
    assert.equal((patched.spec as { policy: string }).policy, 'auto');
    assert.equal(patched.metadata.generation, 2);
    await assert.rejects(api.resources.patch('UpdatePolicy', undefined, 'inproc', 'json', [{ op: 'test', path: '/spec/policy', value: 'manual' }]), /could not be applied/);
    const unchanged = await api.resources.modify('UpdatePolicy', undefined, 'inproc', (current) => current);
    assert.equal(unchanged.metadata.resourceVersion, patched.metadata.resourceVersion, 'a write of the same state is free');
  });
});
