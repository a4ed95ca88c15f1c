// The resource registry over a real embedded store (behind the watch cache, as Vigil runs it): the write rules every
// client gets, in process or over HTTP.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CachedStore } from '../../../apiserver/storage/cache/cached-store.ts';
import { openEmbeddedStore } from '../../../apiserver/storage/sqlite/store.ts';
import { ResourceRegistry } from '../../../apiserver/resources/registry.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import type { ResourceObject } from '../../../apiserver/resources/client.ts';

const root = mkdtempSync(join(tmpdir(), 'vigil-registry-'));
const stores: CachedStore[] = [];
after(async () => {
  for (const store of stores) await store.close();
  rmSync(root, { recursive: true, force: true });
});

let serial = 0;
async function registry(): Promise<ResourceRegistry> {
  serial += 1;
  const store = await CachedStore.open({ backend: openEmbeddedStore({ path: join(root, `db${serial}`, 'vigil.db'), compactionIntervalMs: 0 }) });
  stores.push(store);
  return new ResourceRegistry({ store, now: () => new Date('2026-11-22T15:00:00.123Z') });
}

function policy(name: string, spec: Record<string, unknown> = { policy: 'manual' }, labels?: Record<string, string>): Record<string, unknown> {
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'UpdatePolicy', metadata: { name, ...(labels === undefined ? {} : { labels }) }, spec };
}

function container(name: string, namespace = 'local'): Record<string, unknown> {
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', metadata: { name, namespace }, spec: { containerName: name } };
}

async function rejectsWith(promise: Promise<unknown>, reason: string, code: number): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isApiError(error), `an ApiError, got ${String(error)}`);
    assert.equal(error.reason, reason);
    assert.equal(error.code, code);
    return true;
  });
}

describe('resource registry', () => {
  test('create sets uid, creationTimestamp and generation 1, and refuses a second object of the same name', async () => {
    const client = await registry();
    const created = await client.create(policy('nightly'));
    assert.match(created.metadata.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(created.metadata.creationTimestamp, '2026-11-22T15:00:00Z');
    assert.equal(created.metadata.generation, 1);
    assert.ok(Number(created.metadata.resourceVersion) > 0);
    await rejectsWith(client.create(policy('nightly')), 'AlreadyExists', 409);
  });

  test('an invalid object is refused with Invalid, naming each bad field', async () => {
    const client = await registry();
    await assert.rejects(client.create(policy('bad', { policy: 'sometimes' })), (error: unknown) => {
      assert.ok(isApiError(error, 'Invalid'));
      assert.equal(error.code, 422);
      assert.deepEqual(error.status.details?.causes?.map((cause) => cause.field), ['spec.policy']);
      assert.match(error.message, /^UpdatePolicy\.vigil\.dev "bad" is invalid: spec\.policy: Unsupported value: "sometimes"/);
      return true;
    });
    await rejectsWith(client.get('UpdatePolicy', undefined, 'bad'), 'NotFound', 404);
  });

  test('status on create is dropped unless a controller asks to keep it; /status writes touch only status', async () => {
    const client = await registry();
    const plain = await client.create({ ...container('web'), status: { state: 'running' } });
    assert.equal(plain.status, undefined);
    const kept = await client.create({ ...container('db'), status: { state: 'running' } }, { includeStatus: true });
    assert.deepEqual(kept.status, { state: 'running' });
    const updated = await client.updateStatus({ ...kept, spec: { containerName: 'db', policy: 'auto' }, status: { state: 'exited' } });
    assert.deepEqual(updated.status, { state: 'exited' });
    assert.deepEqual(updated.spec, { containerName: 'db' }, 'spec is not changed through /status');
    assert.equal(updated.metadata.generation, 1, 'a status write does not move generation');
  });

  test('generation moves only when the spec changes; a stale resourceVersion is a Conflict', async () => {
    const client = await registry();
    const created = await client.create(policy('p'));
    const relabelled = await client.update({ ...created, metadata: { ...created.metadata, labels: { team: 'a' } } });
    assert.equal(relabelled.metadata.generation, 1);
    const changed = await client.update({ ...relabelled, spec: { policy: 'auto' } });
    assert.equal(changed.metadata.generation, 2);
    await rejectsWith(client.update({ ...created, spec: { policy: 'pinned' } }), 'Conflict', 409);
  });

  test('modify retries on conflicts and writing the same state again changes nothing', async () => {
    const client = await registry();
    const created = await client.create(container('app'), { includeStatus: false });
    const first = await client.modify('Container', 'local', 'app', (current) => ({ ...current, status: { state: 'running' } }), { subresource: 'status' });
    const again = await client.modify('Container', 'local', 'app', (current) => ({ ...current, status: { state: 'running' } }), { subresource: 'status' });
    assert.notEqual(first.metadata.resourceVersion, created.metadata.resourceVersion);
    assert.equal(again.metadata.resourceVersion, first.metadata.resourceVersion, 'no write, no new resourceVersion');
  });

  test('a status write that changes nothing leaves managedFields as stored (no entry, no new time); one that changes a field takes it over', async () => {
    let now = new Date('2026-11-22T15:00:00Z');
    serial += 1;
    const store = await CachedStore.open({ backend: openEmbeddedStore({ path: join(root, `db${serial}`, 'vigil.db'), compactionIntervalMs: 0 }) });
    stores.push(store);
    const client = new ResourceRegistry({ store, now: () => now });
    await client.create(container('app'));
    const checked = await client.modify('Container', 'local', 'app', (current) => ({ ...current, status: { state: 'running', image: 'nginx:1' } }), { subresource: 'status', fieldManager: 'checker' });
    now = new Date('2026-11-22T16:00:00Z');
    const same = await client.modify('Container', 'local', 'app', (current) => ({ ...current, status: { image: 'nginx:1', state: 'running' } }), { subresource: 'status', fieldManager: 'other' });
    assert.equal(same.metadata.resourceVersion, checked.metadata.resourceVersion, 'no write');
    assert.deepEqual(same.metadata.managedFields, checked.metadata.managedFields);
    const taken = await client.modify('Container', 'local', 'app', (current) => ({ ...current, status: { state: 'exited', image: 'nginx:1' } }), { subresource: 'status', fieldManager: 'other' });
    const entries = (taken.metadata.managedFields ?? []).filter((entry) => entry.subresource === 'status').map((entry) => [entry.manager, entry.time, entry.fieldsV1]);
    assert.deepEqual(entries, [
      ['checker', '2026-11-22T15:00:00Z', { 'f:status': { '.': {}, 'f:image': {} } }],
      ['other', '2026-11-22T16:00:00Z', { 'f:status': { 'f:state': {} } }],
    ]);
  });

  test('delete with finalizers marks the object; removing the last finalizer deletes it', async () => {
    const client = await registry();
    const created = await client.create({ ...policy('guarded'), metadata: { name: 'guarded', finalizers: ['vigil.dev/test'] } });
    const marked = await client.delete('UpdatePolicy', undefined, 'guarded');
    assert.equal(marked.metadata.deletionTimestamp, '2026-11-22T15:00:00Z');
    assert.equal((await client.get('UpdatePolicy', undefined, 'guarded')).metadata.uid, created.metadata.uid);
    await rejectsWith(
      client.update({ ...marked, metadata: { ...marked.metadata, finalizers: ['vigil.dev/test', 'vigil.dev/other'] } }),
      'Invalid',
      422,
    );
    await client.modify('UpdatePolicy', undefined, 'guarded', (current) => ({ ...current, metadata: { ...current.metadata, finalizers: [] } }));
    await rejectsWith(client.get('UpdatePolicy', undefined, 'guarded'), 'NotFound', 404);
  });

  test('lists by namespace, label selector and field selector, and pages', async () => {
    const client = await registry();
    for (const name of ['a', 'b', 'c']) await client.create(container(name, 'local'));
    await client.create(container('a', 'nas'));
    await client.create(policy('p1', { policy: 'auto' }, { tier: 'web' }));
    await client.create(policy('p2', { policy: 'auto' }, { tier: 'db' }));
    const names = (items: ResourceObject[]): string[] => items.map((item) => `${item.metadata.namespace ?? ''}/${item.metadata.name}`);
    assert.deepEqual(names((await client.list('Container')).items), ['local/a', 'local/b', 'local/c', 'nas/a']);
    assert.deepEqual(names((await client.list('Container', { namespace: 'nas' })).items), ['nas/a']);
    assert.deepEqual(names((await client.list('Container', { fieldSelector: 'metadata.name=a' })).items), ['local/a', 'nas/a']);
    assert.deepEqual(names((await client.list('UpdatePolicy', { labelSelector: 'tier in (web)' })).items), ['/p1']);
    assert.deepEqual(names((await client.list('UpdatePolicy', { labelSelector: 'tier!=web' })).items), ['/p2']);
    await rejectsWith(client.list('UpdatePolicy', { labelSelector: 'tier=' + 'x'.repeat(64) }), 'BadRequest', 400);
    await rejectsWith(client.list('Container', { fieldSelector: 'spec.policy=auto' }), 'BadRequest', 400);
    const page = await client.list('Container', { limit: 2 });
    assert.equal(page.items.length, 2);
    assert.ok(page.metadata.continue !== undefined);
    const rest = await client.list('Container', { limit: 2, continue: page.metadata.continue });
    assert.deepEqual(names(rest.items), ['local/c', 'nas/a']);
    assert.equal(rest.kind, 'ContainerList');
  });

  test('dry run validates and answers without writing', async () => {
    const client = await registry();
    const dry = await client.create(policy('dry'), { dryRun: true });
    assert.equal(dry.metadata.name, 'dry');
    await rejectsWith(client.get('UpdatePolicy', undefined, 'dry'), 'NotFound', 404);
  });
});
