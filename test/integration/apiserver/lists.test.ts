// Lists over HTTP: selectors, pages and their expiry, resourceVersion semantics, and the Table kubectl asks for.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceObject } from '../../../apiserver/resources/client.ts';
import { container, GROUP_PATH, startApi, statusOf, updatePolicy, type TestApi } from './fixtures/api.ts';

interface List {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: ResourceObject[];
}

interface Table {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion?: string };
  columnDefinitions: Array<{ name: string; type: string; format: string; priority: number }>;
  rows: Array<{ cells: unknown[]; object?: { kind: string; apiVersion?: string; metadata: { name: string }; spec?: unknown } }>;
}

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const names = (list: List): string[] => list.items.map((item) => `${item.metadata.namespace ?? ''}/${item.metadata.name}`);

describe('resource API lists', () => {
  let api: TestApi;
  before(async () => {
    api = await startApi({ app: { garbageCollection: false } });
    for (const [name, namespace, labels] of [
      ['web', 'local', { app: 'web', tier: 'front' }],
      ['db', 'local', { app: 'db', tier: 'back' }],
      ['cache', 'local', { app: 'cache' }],
      ['web', 'nas', { app: 'web', tier: 'front' }],
    ] as const) {
      await api.resources.create(container(name, namespace, {}, { labels }));
    }
  });
  after(async () => await api.close());

  test('a list is a KindList of one namespace, or of all namespaces on the path without one', async () => {
    const local = (await api.request('GET', `${GROUP_PATH}/namespaces/local/containers`)).json<List>();
    assert.equal(local.kind, 'ContainerList');
    assert.equal(local.apiVersion, 'vigil.dev/v1alpha1');
    assert.deepEqual(names(local), ['local/cache', 'local/db', 'local/web']);
    const all = (await api.request('GET', `${GROUP_PATH}/containers`)).json<List>();
    assert.deepEqual(names(all), ['local/cache', 'local/db', 'local/web', 'nas/web']);
    assert.ok(Number(all.metadata.resourceVersion) >= 4);
  });

  test('label selectors: =, ==, !=, in, notin, exists and !exists, comma for AND', async () => {
    const select = async (selector: string): Promise<string[]> =>
      names((await api.request('GET', `${GROUP_PATH}/containers?labelSelector=${encodeURIComponent(selector)}`)).json<List>());
    assert.deepEqual(await select('app=web'), ['local/web', 'nas/web']);
    assert.deepEqual(await select('app==db'), ['local/db']);
    assert.deepEqual(await select('app!=web'), ['local/cache', 'local/db']);
    assert.deepEqual(await select('tier in (front,back)'), ['local/db', 'local/web', 'nas/web']);
    assert.deepEqual(await select('tier notin (front)'), ['local/cache', 'local/db']);
    assert.deepEqual(await select('tier'), ['local/db', 'local/web', 'nas/web']);
    assert.deepEqual(await select('!tier'), ['local/cache']);
    assert.deepEqual(await select('app=web,tier=front'), ['local/web', 'nas/web']);
    const bad = statusOf(await api.request('GET', `${GROUP_PATH}/containers?labelSelector=${encodeURIComponent('app in (a')}`));
    assert.equal(bad.code, 400);
  });

  test('field selectors on metadata.name and metadata.namespace', async () => {
    const byName = (await api.request('GET', `${GROUP_PATH}/containers?fieldSelector=metadata.name%3Dweb`)).json<List>();
    assert.deepEqual(names(byName), ['local/web', 'nas/web']);
    const notLocal = (await api.request('GET', `${GROUP_PATH}/containers?fieldSelector=metadata.namespace!%3Dlocal`)).json<List>();
    assert.deepEqual(names(notLocal), ['nas/web']);
  });

  test('limit and continue page through a consistent snapshot; an expired continue token is 410 Expired', async () => {
    const first = (await api.request('GET', `${GROUP_PATH}/containers?limit=3`)).json<List>();
    assert.equal(first.items.length, 3);
    assert.ok(first.metadata.continue !== undefined);
    // A change between pages does not show in the next page: it is read at the first page's revision.
    await api.resources.create(container('zzz', 'nas'));
    const second = (await api.request('GET', `${GROUP_PATH}/containers?limit=3&continue=${encodeURIComponent(first.metadata.continue ?? '')}`)).json<List>();
    assert.deepEqual(names(second), ['nas/web']);
    assert.equal(second.metadata.continue, undefined);
    assert.equal(second.metadata.resourceVersion, first.metadata.resourceVersion);
    const another = (await api.request('GET', `${GROUP_PATH}/containers?limit=1`)).json<List>();
    await api.resources.delete('Container', 'nas', 'zzz');
    await api.store.compact(await api.store.currentRevision());
    const expired = statusOf(await api.request('GET', `${GROUP_PATH}/containers?limit=1&continue=${encodeURIComponent(another.metadata.continue ?? '')}`));
    assert.equal(expired.code, 410);
    assert.equal(expired.reason, 'Expired');
    assert.match(expired.message ?? '', /continue parameter is too old/);
    const garbage = statusOf(await api.request('GET', `${GROUP_PATH}/containers?limit=1&continue=not-a-token`));
    assert.equal(garbage.code, 400);
  });

  test('resourceVersion=0 is served from the cache; Exact reads an older state; continue with a resourceVersion is refused', async () => {
    const before = await api.resources.create(updatePolicy('versioned', { policy: 'manual' }));
    await api.resources.patch('UpdatePolicy', undefined, 'versioned', 'merge', { spec: { policy: 'auto' } });
    const cached = (await api.request('GET', `${GROUP_PATH}/updatepolicies?resourceVersion=0`)).json<List>();
    assert.equal((cached.items.find((item) => item.metadata.name === 'versioned')?.spec as { policy: string }).policy, 'auto');
    const exact = (await api.request('GET', `${GROUP_PATH}/updatepolicies?resourceVersion=${before.metadata.resourceVersion}&resourceVersionMatch=Exact`)).json<List>();
    assert.equal(exact.metadata.resourceVersion, before.metadata.resourceVersion);
    assert.equal((exact.items.find((item) => item.metadata.name === 'versioned')?.spec as { policy: string }).policy, 'manual');
    const zeroExact = statusOf(await api.request('GET', `${GROUP_PATH}/updatepolicies?resourceVersion=0&resourceVersionMatch=Exact`));
    assert.equal(zeroExact.code, 422);
    const page = (await api.request('GET', `${GROUP_PATH}/containers?limit=1`)).json<List>();
    const mixed = statusOf(await api.request('GET', `${GROUP_PATH}/containers?limit=1&resourceVersion=5&continue=${encodeURIComponent(page.metadata.continue ?? '')}`));
    assert.equal(mixed.code, 400);
  });

  test('a Table has Name first, then the kind\'s printer columns; dates are ages; rows carry PartialObjectMetadata', async () => {
    await api.resources.modify('Container', 'local', 'web', (current) => ({
      ...current,
      status: { state: 'running', health: 'healthy', image: 'nginx:1.27', effective: { policy: { value: 'auto', source: 'label' } }, registryCheck: { target: { tag: '1.28', image: 'nginx:1.28' } } },
    }), { subresource: 'status' });
    api.clock.advance(5 * 60_000 + 7_000);
    const response = await api.request('GET', `${GROUP_PATH}/namespaces/local/containers`, { headers: { accept: TABLE_ACCEPT } });
    assert.equal(response.status, 200);
    const table = response.json<Table>();
    assert.equal(table.kind, 'Table');
    assert.equal(table.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(table.columnDefinitions.map((column) => column.name), ['Name', 'Host', 'Image', 'Policy', 'State', 'Health', 'Update', 'Docker Name', 'Source', 'Age']);
    assert.equal(table.columnDefinitions[0]?.format, 'name');
    const web = table.rows.find((row) => row.cells[0] === 'web');
    assert.deepEqual(web?.cells, ['web', 'local', 'nginx:1.27', 'auto', 'running', 'healthy', '1.28', null, 'label', '5m7s']);
    assert.deepEqual(web?.object?.kind, 'PartialObjectMetadata');
    assert.equal(web?.object?.metadata.name, 'web');
    assert.equal(web?.object?.spec, undefined);
    const db = table.rows.find((row) => row.cells[0] === 'db');
    assert.deepEqual(db?.cells.slice(2, 7), [null, null, null, null, null], 'missing values are null cells');
  });

  test('a Table of one object, v1beta1, includeObject=None and Object', async () => {
    api.clock.advance(3 * 24 * 3600_000);
    const one = (await api.request('GET', `${GROUP_PATH}/namespaces/local/containers/db?includeObject=None`, { headers: { accept: 'application/json;as=Table;v=v1beta1;g=meta.k8s.io' } })).json<Table>();
    assert.equal(one.apiVersion, 'meta.k8s.io/v1beta1');
    assert.equal(one.rows.length, 1);
    assert.equal(one.rows[0]?.object, undefined);
    assert.equal(one.rows[0]?.cells.at(-1), '3d');
    const full = (await api.request('GET', `${GROUP_PATH}/namespaces/local/containers/db?includeObject=Object`, { headers: { accept: TABLE_ACCEPT } })).json<Table>();
    assert.equal(full.rows[0]?.object?.kind, 'Container');
    assert.ok(full.rows[0]?.object?.spec !== undefined);
  });
});
