// The watch cache in front of each backend passes the same store contract as the backends themselves, plus what
// only the cache promises: watchers served from memory, slow watchers cut off, bookmarks, history expiry.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store, StoredObject, WatchEvent, Watcher } from '../../../apiserver/storage/interface.ts';
import { isStorageError } from '../../../apiserver/storage/errors.ts';
import { CachedStore, type CachedStoreOptions } from '../../../apiserver/storage/cache/cached-store.ts';
import { EtcdStore } from '../../../apiserver/storage/etcd/store.ts';
import { openEmbeddedStore } from '../../../apiserver/storage/sqlite/store.ts';
import { startEtcd } from '../../testbed/etcd.ts';
import { describeStoreContract } from '../../contract/store-contract.ts';

const root = mkdtempSync(join(tmpdir(), 'vigil-cache-'));
after(() => rmSync(root, { recursive: true, force: true }));
let serial = 0;

function embedded(path = join(root, `db${++serial}`, 'vigil.db')): Store {
  return openEmbeddedStore({ path, compactionIntervalMs: 0 });
}

async function cached(backend: Store, options: Partial<CachedStoreOptions> = {}): Promise<CachedStore> {
  return await CachedStore.open({ backend, ...options });
}

describeStoreContract('watch cache over embedded (sqlite)', {
  newStore: async () => await cached(embedded()),
});

const etcd = await startEtcd();
after(() => etcd.cleanup());

describeStoreContract('watch cache over etcd', {
  newStore: async () => await cached(new EtcdStore({ endpoints: [etcd.endpoint] })),
  secondClient: async () => await cached(new EtcdStore({ endpoints: [etcd.endpoint] })),
});

const PREFIX = '/registry/vigil.dev/things/default/';

function thing(name: string, n: number): StoredObject {
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'Thing', metadata: { name, namespace: 'default' }, spec: { n } };
}

async function next(watcher: Watcher, timeoutMs = 3000): Promise<WatchEvent | 'ended'> {
  const iterator = watcher.events[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no event in time')), timeoutMs);
      }),
    ]);
    return result.done === true ? 'ended' : result.value;
  } finally {
    clearTimeout(timer);
  }
}

describe('watch cache', () => {
  test('serves lists not older than a revision from memory, consistent with the backend', async () => {
    const backend = embedded();
    const store = await cached(backend);
    try {
      for (let i = 0; i < 5; i += 1) await store.create(`${PREFIX}t${i}`, thing(`t${i}`, i));
      const written = await store.guaranteedUpdate(`${PREFIX}t2`, (current) => ({ ...current, spec: { n: 20 } }));
      const fromCache = await store.list(PREFIX, { revision: Number(written.metadata.resourceVersion), match: 'NotOlderThan' });
      const fromBackend = await backend.list(PREFIX);
      assert.deepEqual(fromCache.items, fromBackend.items);
      assert.equal(fromCache.revision, fromBackend.revision);
      assert.ok(Object.isFrozen(fromCache.items[0]), 'cached objects are frozen so nobody changes them by accident');
    } finally {
      await store.close();
    }
  });

  test('a watcher that falls too far behind is cut off instead of growing memory', async () => {
    const store = await cached(embedded(), { watcherCapacity: 5 });
    try {
      const slow = store.watch(PREFIX, { revision: await store.currentRevision() });
      for (let i = 0; i < 20; i += 1) await store.create(`${PREFIX}t${i}`, thing(`t${i}`, i));
      const deadline = Date.now() + 3000;
      while (slow.endReason === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(slow.endReason, 'too-slow');
      assert.equal(store.watcherCount, 0, 'the cut-off watcher is forgotten');
    } finally {
      await store.close();
    }
  });

  test('resuming from before the history window fails with Expired; within it, replays from memory', async () => {
    const store = await cached(embedded(), { historyCapacity: 3 });
    try {
      const first = await store.create(`${PREFIX}a`, thing('a', 0));
      for (let i = 1; i <= 5; i += 1) await store.guaranteedUpdate(`${PREFIX}a`, (current) => ({ ...current, spec: { n: i } }));
      const deadline = Date.now() + 3000;
      while (store.revision < Number(first.metadata.resourceVersion) + 5 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const old = store.watch(PREFIX, { revision: Number(first.metadata.resourceVersion) });
      await assert.rejects(next(old), (error: unknown) => isStorageError(error, 'Expired'));
      const recent = store.watch(PREFIX, { revision: store.revision - 1 });
      const event = await next(recent);
      assert.ok(event !== 'ended' && event.type === 'MODIFIED');
      recent.stop();
    } finally {
      await store.close();
    }
  });

  test('sends bookmarks with the current revision to watchers that allow them, and ends initial events with one', async () => {
    const store = await cached(embedded(), { bookmarkIntervalMs: 50 });
    try {
      const created = await store.create(`${PREFIX}a`, thing('a', 1));
      await store.waitForRevision(Number(created.metadata.resourceVersion));
      const watcher = store.watch(PREFIX, { revision: 0, sendInitialEvents: true, allowBookmarks: true });
      const added = await next(watcher);
      assert.ok(added !== 'ended' && added.type === 'ADDED' && added.object.metadata.name === 'a');
      const end = await next(watcher);
      assert.ok(end !== 'ended' && end.type === 'BOOKMARK' && end.initialEventsEnd === true);
      assert.equal(end.object.metadata.resourceVersion, created.metadata.resourceVersion);
      const periodic = await next(watcher);
      assert.ok(periodic !== 'ended' && periodic.type === 'BOOKMARK' && periodic.initialEventsEnd === undefined);
      watcher.stop();
    } finally {
      await store.close();
    }
  });

  test('one backend watch feeds a thousand watchers', async () => {
    const store = await cached(embedded());
    try {
      const start = await store.currentRevision();
      const watchers = Array.from({ length: 1000 }, () => store.watch(PREFIX, { revision: start }));
      assert.equal(store.watcherCount, 1000);
      await store.create(`${PREFIX}a`, thing('a', 7));
      const events = await Promise.all(watchers.map((watcher) => next(watcher)));
      for (const event of events) assert.ok(event !== 'ended' && event.type === 'ADDED' && event.object.metadata.name === 'a');
      for (const watcher of watchers) watcher.stop();
      assert.equal(store.watcherCount, 0);
    } finally {
      await store.close();
    }
  });
});
