// The ownerReferences garbage collector, driven through the HTTP API as kubectl drives it: Background, Foreground
// and Orphan deletion, dangling references, and a collector that starts after the fact and finishes the work.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceObject } from '../../../apiserver/resources/client.ts';
import { GarbageCollector } from '../../../apiserver/garbage-collector/collector.ts';
import { eventually, GROUP_PATH, startApi, updatePolicy, type TestApi } from './fixtures/api.ts';

const policies = `${GROUP_PATH}/updatepolicies`;

function ownedBy(owner: ResourceObject, blockOwnerDeletion?: boolean): Record<string, unknown> {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    ...(blockOwnerDeletion === undefined ? {} : { blockOwnerDeletion }),
  };
}

describe('garbage collector', () => {
  let api: TestApi;
  const create = async (name: string, metadata: Record<string, unknown> = {}): Promise<ResourceObject> => {
    const response = await api.request('POST', policies, { body: updatePolicy(name, { policy: 'auto' }, metadata) });
    assert.equal(response.status, 201, response.text);
    return response.json();
  };
  const exists = async (name: string): Promise<boolean> => (await api.request('GET', `${policies}/${name}`)).status === 200;
  const gone = (name: string) => eventually(`${name} to be deleted`, async () => ((await exists(name)) ? undefined : true));

  before(async () => {
    api = await startApi();
  });
  after(async () => await api.close());

  test('Background: the owner goes at once and its dependents after it', async () => {
    const owner = await create('bg-owner');
    await create('bg-a', { ownerReferences: [ownedBy(owner)] });
    await create('bg-b', { ownerReferences: [ownedBy(owner, true)] });
    const response = await api.request('DELETE', `${policies}/bg-owner`, { body: { propagationPolicy: 'Background' } });
    assert.equal(response.status, 200);
    assert.equal(await exists('bg-owner'), false);
    await gone('bg-a');
    await gone('bg-b');
  });

  test('a dependent with another owner left only loses the reference to the deleted one', async () => {
    const first = await create('two-first');
    const second = await create('two-second');
    await create('two-dependent', { ownerReferences: [ownedBy(first), ownedBy(second)] });
    await api.request('DELETE', `${policies}/two-first`);
    const refs = await eventually('the dangling reference to go', async () => {
      const dependent = (await api.request('GET', `${policies}/two-dependent`)).json();
      const owners = (dependent.metadata as { ownerReferences?: Array<{ name: string }> }).ownerReferences ?? [];
      return owners.length === 1 ? owners : undefined;
    });
    assert.deepEqual(refs.map((ref) => ref.name), ['two-second']);
  });

  test('Foreground: the owner stays, marked, until every dependent that blocks its deletion is gone', async () => {
    const owner = await create('fg-owner');
    await create('fg-blocking', { ownerReferences: [ownedBy(owner, true)], finalizers: ['test.vigil.dev/hold'] });
    await create('fg-loose', { ownerReferences: [ownedBy(owner, false)] });
    const response = await api.request('DELETE', `${policies}/fg-owner`, { body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground' } });
    assert.equal(response.status, 200);
    assert.ok(response.json().metadata.deletionTimestamp !== undefined);
    assert.deepEqual(response.json().metadata.finalizers, ['foregroundDeletion']);
    await eventually('the blocking dependent to be marked for deletion', async () =>
      (await api.request('GET', `${policies}/fg-blocking`)).json().metadata.deletionTimestamp);
    await gone('fg-loose');
    assert.equal(await exists('fg-owner'), true, 'the owner waits for its blocking dependent');
    await api.request('PATCH', `${policies}/fg-blocking`, { text: '{"metadata":{"finalizers":null}}', contentType: 'application/merge-patch+json' });
    await gone('fg-blocking');
    await gone('fg-owner');
  });

  test('Orphan: dependents lose their reference to the owner and stay; the owner goes', async () => {
    const owner = await create('orphan-owner');
    await create('orphan-a', { ownerReferences: [ownedBy(owner)] });
    const response = await api.request('DELETE', `${policies}/orphan-owner?propagationPolicy=Orphan`);
    assert.equal(response.status, 200);
    await gone('orphan-owner');
    const dependent = (await api.request('GET', `${policies}/orphan-a`)).json();
    assert.equal((dependent.metadata as { ownerReferences?: unknown }).ownerReferences, undefined);
  });

  test('a reference to a kind this server does not serve is left alone', async () => {
    await create('foreign', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: '00000000-0000-0000-0000-000000000001' }] });
    const marker = await create('foreign-marker');
    await create('foreign-marker-dependent', { ownerReferences: [ownedBy(marker)] });
    await api.request('DELETE', `${policies}/foreign-marker`);
    await gone('foreign-marker-dependent');
    assert.equal(await exists('foreign'), true);
  });
});

describe('garbage collector restarts', () => {
  test('a collector that starts later rescans everything and deletes what was left behind', async () => {
    const api = await startApi({ app: { garbageCollection: false } });
    try {
      const owner = (await api.request('POST', policies, { body: updatePolicy('late-owner') })).json();
      await api.request('POST', policies, { body: updatePolicy('late-dependent', { policy: 'auto' }, { ownerReferences: [ownedBy(owner)] }) });
      await api.request('DELETE', `${policies}/late-owner`);
      assert.equal((await api.request('GET', `${policies}/late-dependent`)).status, 200, 'no collector ran');
      const collector = new GarbageCollector({ resources: api.resources, store: api.store });
      collector.start();
      try {
        await eventually('the left-behind dependent to be deleted', async () =>
          (await api.request('GET', `${policies}/late-dependent`)).status === 404 ? true : undefined);
      } finally {
        await collector.stop();
      }
    } finally {
      await api.close();
    }
  });
});
