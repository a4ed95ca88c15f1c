// The embedded SQLite store: the shared store contract, plus what only a file-backed single-process store promises
// (durability across kill -9, one process per file, the compaction window, restarts).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { StoredObject, WatchEvent, Watcher } from '../../../apiserver/storage/interface.ts';
import { isStorageError } from '../../../apiserver/storage/errors.ts';
import { EmbeddedStore, openEmbeddedStore, type EmbeddedStoreOptions } from '../../../apiserver/storage/sqlite/store.ts';
import { REPLAY_CHUNK } from '../../../apiserver/storage/sqlite/watches.ts';
import { describeStoreContract } from '../../contract/store-contract.ts';

const root = mkdtempSync(join(tmpdir(), 'vigil-sqlite-'));
after(() => rmSync(root, { recursive: true, force: true }));

let stores = 0;
function freshPath(): string {
  stores += 1;
  return join(root, `data${stores}`, 'vigil.db');
}

function open(options: Partial<EmbeddedStoreOptions> = {}): EmbeddedStore {
  return openEmbeddedStore({ path: freshPath(), compactionIntervalMs: 0, ...options });
}

describeStoreContract('embedded (sqlite)', {
  newStore: async () => open(),
  reopen: async (store) => {
    assert.ok(store instanceof EmbeddedStore);
    await store.close();
    return openEmbeddedStore({ path: store.path, compactionIntervalMs: 0 });
  },
});

const PREFIX = '/registry/vigil.dev/things/default/';

function thing(name: string, n: number, labels: Record<string, string> = {}): StoredObject {
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'Thing', metadata: { name, namespace: 'default', labels }, spec: { n } };
}

function n(object: StoredObject): number {
  const spec = object.spec;
  assert.ok(typeof spec === 'object' && spec !== null && 'n' in spec && typeof spec.n === 'number', 'object has spec.n');
  return spec.n;
}

function rv(object: StoredObject): number {
  return Number(object.metadata.resourceVersion);
}

function setN(n: number) {
  return (current: StoredObject): StoredObject => ({ ...current, spec: { n } });
}

/** The next `count` events, or the error the watch ends with; fails after 5 s. */
async function take(watcher: Watcher, count: number): Promise<WatchEvent[]> {
  const iterator = watcher.events[Symbol.asyncIterator]();
  const events: WatchEvent[] = [];
  const deadline = AbortSignal.timeout(5000);
  while (events.length < count) {
    const next = await Promise.race([
      iterator.next(),
      new Promise<never>((_, reject) => deadline.addEventListener('abort', () => reject(new Error(`timed out after ${events.length} events`)))),
    ]);
    if (next.done === true) throw new Error(`watch ended (${String(watcher.endReason)}) after ${events.length} events`);
    events.push(next.value);
  }
  return events;
}

function summary(events: WatchEvent[]): Array<[string, string, number]> {
  return events.map((event) => [event.type, event.object.metadata.name, event.revision]);
}

async function rejectsExpired(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (error: unknown) => isStorageError(error, 'Expired'));
}

function runFixture(name: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(import.meta.dirname, 'fixtures', name), ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('embedded store: durability', () => {
  test('every acknowledged write survives kill -9 of the writer, and revisions continue without reuse', async () => {
    const path = freshPath();
    const child = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'sqlite-writer.ts'), path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const acknowledged = new Map<string, string>();
    for await (const line of createInterface({ input: child.stdout })) {
      if (line === 'ready') continue;
      const [key, resourceVersion] = line.split(' ');
      assert.ok(key !== undefined && resourceVersion !== undefined, `writer printed ${line}`);
      acknowledged.set(key, resourceVersion);
      // Killed while it is still writing as fast as it can.
      if (acknowledged.size === 2000) break;
    }
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL', `the writer was killed, not ended (${stderr})`);
    assert.equal(acknowledged.size, 2000, `the writer acknowledged 2000 writes before dying (${stderr})`);

    const store = openEmbeddedStore({ path, compactionIntervalMs: 0 });
    try {
      for (const [key, resourceVersion] of acknowledged) {
        assert.equal((await store.get(key)).metadata.resourceVersion, resourceVersion, key);
      }
      const newestAcknowledged = Math.max(...[...acknowledged.values()].map(Number));
      const current = await store.currentRevision();
      assert.ok(current >= newestAcknowledged, `revision ${current} >= ${newestAcknowledged}`);
      // Each revision was one create: whatever committed is complete, with no hole and nothing half-written.
      const listed = await store.list(PREFIX);
      assert.equal(listed.items.length, current);
      const next = await store.create(`${PREFIX}after-crash`, thing('after-crash', 0));
      assert.equal(rv(next), current + 1);
    } finally {
      await store.close();
    }
  });

  test("durability 'power' stores and reads back like the default", async () => {
    const store = open({ durability: 'power' });
    try {
      const created = await store.create(`${PREFIX}a`, thing('a', 1));
      assert.deepEqual(await store.get(`${PREFIX}a`), created);
    } finally {
      await store.close();
    }
  });
});

describe('embedded store: one process per file', () => {
  test('a second process opening the same file fails at once with a clear message, and succeeds once it is free', async () => {
    const store = open();
    try {
      await store.create(`${PREFIX}a`, thing('a', 1));
      const refused = runFixture('sqlite-open.ts', [store.path]);
      assert.equal(refused.status, 3, refused.stderr);
      assert.match(
        refused.stderr,
        /^Unreachable: the embedded store .*vigil\.db is in use by another process: it serves one Vigil process at a time \(stop the other one, or run several replicas against etcd\)\n$/,
      );
      // A second open inside this process is refused the same way.
      assert.throws(
        () => openEmbeddedStore({ path: store.path, compactionIntervalMs: 0 }),
        (error: unknown) => isStorageError(error, 'Unreachable') && error.message.includes('in use by another process'),
      );
      assert.equal(n(await store.get(`${PREFIX}a`)), 1, 'the refused opener did not disturb the owner');
    } finally {
      await store.close();
    }
    const admitted = runFixture('sqlite-open.ts', [store.path]);
    assert.equal(admitted.status, 0, admitted.stderr);
    assert.equal(admitted.stdout, 'opened\n');
  });

  test('refuses a file that is not a Vigil database', async () => {
    const path = freshPath();
    const other = openEmbeddedStore({ path, compactionIntervalMs: 0 });
    await other.close();
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(path);
    db.exec('PRAGMA application_id = 42');
    db.close();
    assert.throws(
      () => openEmbeddedStore({ path, compactionIntervalMs: 0 }),
      (error: unknown) => isStorageError(error, 'Internal') && /is not a Vigil database/.test(error.message),
    );
  });
});

describe('embedded store: compaction window', () => {
  test('automatic compaction forgets what is older than the window: reads from before it expire, from after it work', async () => {
    let now = 1_000_000;
    const store = open({ historyWindowMs: 300_000, now: () => now });
    try {
      const a1 = await store.create(`${PREFIX}a`, thing('a', 1)); // revision 1
      const a2 = await store.guaranteedUpdate(`${PREFIX}a`, setN(2)); // 2
      now += 60_000;
      assert.equal(await store.compactHistory(), 0, 'nothing is older than the window yet');
      const b = await store.create(`${PREFIX}b`, thing('b', 1)); // 3, after the checkpoint at +60 s
      now += 310_000;
      // The checkpoint at +60 s (revision 2) is now older than the window; revision 3 is not.
      assert.equal(await store.compactHistory(), rv(a2));
      assert.equal(store.compactedRevision, rv(a2));

      await rejectsExpired(take(store.watch(PREFIX, { revision: rv(a1) }), 1));
      await rejectsExpired(store.list(PREFIX, { revision: rv(a1), match: 'Exact' }));

      const watcher = store.watch(PREFIX, { revision: rv(a2) });
      try {
        assert.deepEqual(summary(await take(watcher, 1)), [['ADDED', 'b', rv(b)]]);
      } finally {
        watcher.stop();
      }
      const then = await store.list(PREFIX, { revision: rv(a2), match: 'Exact' });
      assert.deepEqual(then.items.map((item) => [item.metadata.name, n(item)]), [['a', 2]]);

      now += 300_000;
      assert.equal(await store.compactHistory(), rv(b), 'the next round moves the window on');
    } finally {
      await store.close();
    }
  });

  test('the compaction timer runs on its own and reports what it compacted', async () => {
    const compacted = Promise.withResolvers<number>();
    const store = open({ historyWindowMs: 0, compactionIntervalMs: 10, onCompacted: (revision) => compacted.resolve(revision) });
    try {
      // Both writes commit before the timer can fire (awaiting a settled promise runs no timers).
      const a = await store.create(`${PREFIX}a`, thing('a', 1));
      const b = await store.create(`${PREFIX}b`, thing('b', 1));
      assert.equal(await compacted.promise, rv(b));
      await rejectsExpired(take(store.watch(PREFIX, { revision: rv(a) }), 1));
    } finally {
      await store.close();
    }
  });

  test('compaction larger than one chunk keeps the newest state of every key and drops deleted ones', async () => {
    const store = open();
    try {
      for (let i = 0; i < 50; i += 1) await store.create(`${PREFIX}${i}`, thing(`t${i}`, 0));
      for (let round = 1; round <= 250; round += 1) {
        for (let i = 0; i < 50; i += 1) await store.guaranteedUpdate(`${PREFIX}${i}`, setN(round));
      }
      for (let i = 0; i < 10; i += 1) await store.delete(`${PREFIX}${i}`);
      const before = await store.list(PREFIX);
      await store.compact(await store.currentRevision()); // 12,560 revisions: two chunks
      const afterwards = await store.list(PREFIX);
      assert.deepEqual(afterwards, before);
      assert.equal(afterwards.items.length, 40);
      assert.ok(afterwards.items.every((item) => n(item) === 250));
    } finally {
      await store.close();
    }
  });
});

describe('embedded store: watch replay', () => {
  test('a replay of many chunks, with writes landing while it catches up, has no gap and no duplicate', async () => {
    const store = open();
    try {
      for (let i = 0; i < 2500; i += 1) await store.create(`${PREFIX}${i}`, thing(`t${i}`, i)); // revisions 1..2500
      const watcher = store.watch(PREFIX, { revision: 1 });
      const writer = (async () => {
        for (let i = 0; i < 500; i += 1) {
          await store.guaranteedUpdate(`${PREFIX}${i}`, setN(10_000 + i));
          await new Promise((resolve) => setImmediate(resolve)); // interleave with the replay's chunks
        }
      })();
      try {
        const events = await take(watcher, 2499 + 500);
        await writer;
        assert.deepEqual(events.map((event) => event.revision), Array.from({ length: 2999 }, (_, i) => i + 2));
        const modified = events.filter((event) => event.type === 'MODIFIED');
        assert.equal(modified.length, 500);
        assert.ok(modified.every((event) => event.prevObject !== undefined && n(event.object) === n(event.prevObject) + 10_000));
        assert.equal(await store.currentRevision(), 3000);
      } finally {
        watcher.stop();
      }
    } finally {
      await store.close();
    }
  });

  test('a compaction that overtakes a replay ends that watch with Expired after the events it could deliver', async () => {
    const store = open();
    try {
      for (let i = 0; i < 2500; i += 1) await store.create(`${PREFIX}${i}`, thing(`t${i}`, i));
      const watcher = store.watch(PREFIX, { revision: 1 }); // the first chunk is queued now
      await store.compact(2500); // runs before the replay's next chunk
      const delivered: WatchEvent[] = [];
      await assert.rejects(
        (async () => {
          for await (const event of watcher.events) delivered.push(event);
        })(),
        (error: unknown) => isStorageError(error, 'Expired'),
      );
      assert.deepEqual(delivered.map((event) => event.revision), Array.from({ length: REPLAY_CHUNK }, (_, i) => i + 2));
    } finally {
      await store.close();
    }
  });
});

describe('embedded store: restart', () => {
  test('reopening keeps the revision, the history and the compacted revision', async () => {
    const path = freshPath();
    const first = openEmbeddedStore({ path, compactionIntervalMs: 0 });
    await first.create(`${PREFIX}a`, thing('a', 1)); // 1
    const a2 = await first.guaranteedUpdate(`${PREFIX}a`, setN(2)); // 2
    await first.create(`${PREFIX}b`, thing('b', 1)); // 3
    await first.delete(`${PREFIX}b`); // 4
    await first.compact(rv(a2));
    await first.create(`${PREFIX}c`, thing('c', 1)); // 5
    await first.delete(`${PREFIX}c`); // 6
    await first.close();

    const second = openEmbeddedStore({ path, compactionIntervalMs: 0 });
    try {
      assert.equal(await second.currentRevision(), 6);
      assert.equal(second.compactedRevision, rv(a2));
      await rejectsExpired(take(second.watch(PREFIX, { revision: 1 }), 1));
      const watcher = second.watch(PREFIX, { revision: rv(a2) });
      try {
        const events = await take(watcher, 4);
        assert.deepEqual(summary(events), [['ADDED', 'b', 3], ['DELETED', 'b', 4], ['ADDED', 'c', 5], ['DELETED', 'c', 6]]);
        assert.equal(events[1]?.object.metadata.resourceVersion, '4', 'DELETED carries the deletion revision');
        assert.equal(events[1]?.prevObject?.metadata.resourceVersion, '3', 'and the previous state as it was');
      } finally {
        watcher.stop();
      }
      // Compacting everything, with a deletion as the newest write, must not let the revision go back.
      await second.compact(6);
    } finally {
      await second.close();
    }
    const third = openEmbeddedStore({ path, compactionIntervalMs: 0 });
    try {
      assert.equal(await third.currentRevision(), 6);
      assert.equal(third.compactedRevision, 6);
      assert.equal(rv(await third.create(`${PREFIX}d`, thing('d', 1))), 7);
    } finally {
      await third.close();
    }
  });
});

describe('embedded store: semantics beyond the contract', () => {
  test('keys with LIKE wildcards and control characters stay inside their prefix', async () => {
    const store = open();
    try {
      for (const key of ['/r/a%/x', '/r/a_/y', '/r/ab/z', '/r/a/w', '/r/a%\u0000/v', '/r/a%0']) await store.create(key, thing(key, 0));
      assert.deepEqual((await store.list('/r/a%/')).keys, ['/r/a%/x']);
      assert.deepEqual((await store.list('/r/a_/')).keys, ['/r/a_/y']);
      assert.deepEqual((await store.list('/r/a%')).keys, ['/r/a%\u0000/v', '/r/a%/x', '/r/a%0']);
      assert.equal((await store.list('')).keys.length, 6, 'the empty prefix lists everything');
    } finally {
      await store.close();
    }
  });

  test('a first page reports how many items remain', async () => {
    const store = open();
    try {
      for (let i = 0; i < 10; i += 1) await store.create(`${PREFIX}${i}`, thing(`t${i}`, i));
      const page = await store.list(PREFIX, { limit: 3 });
      assert.equal(page.remainingItemCount, 7);
      assert.equal((await store.list(PREFIX, { limit: 10 })).continue, undefined, 'a page that ends the range has no continue');
    } finally {
      await store.close();
    }
  });

  test('a filtered watch sees an object that stops matching as DELETED and one that starts matching as ADDED', async () => {
    const store = open();
    try {
      const a = await store.create(`${PREFIX}a`, thing('a', 1, { tier: 'web' }));
      const watcher = store.watch(PREFIX, { revision: rv(a), filter: (object) => object.metadata.labels?.tier === 'web' });
      try {
        const moved = await store.guaranteedUpdate(`${PREFIX}a`, (current) => ({ ...current, metadata: { ...current.metadata, labels: { tier: 'db' } } }));
        await store.guaranteedUpdate(`${PREFIX}a`, (current) => ({ ...current, metadata: { ...current.metadata, labels: { tier: 'web' } } }));
        const [left, back] = await take(watcher, 2);
        assert.equal(left?.type, 'DELETED');
        assert.equal(left?.object.metadata.labels?.tier, 'web', 'the last state that matched');
        assert.equal(left?.object.metadata.resourceVersion, moved.metadata.resourceVersion);
        assert.equal(back?.type, 'ADDED');
      } finally {
        watcher.stop();
      }
    } finally {
      await store.close();
    }
  });

  test('a replay longer than the watch buffer is delivered whole, and events are frozen', async () => {
    const store = open({ watchCapacity: 5 });
    try {
      for (let i = 0; i < 50; i += 1) await store.create(`${PREFIX}${String(i).padStart(2, '0')}`, thing(`t${i}`, i));
      const watcher = store.watch(PREFIX, { revision: 0, sendInitialEvents: true });
      try {
        const events = await take(watcher, 51);
        assert.deepEqual(events.slice(0, 50).map((event) => n(event.object)), Array.from({ length: 50 }, (_, i) => i));
        assert.ok(events.slice(0, 50).every((event) => event.type === 'ADDED' && event.revision === 50), 'all at the snapshot revision');
        assert.deepEqual(events[50], {
          type: 'BOOKMARK',
          key: '',
          revision: 50,
          initialEventsEnd: true,
          object: { apiVersion: '', kind: '', metadata: { name: '', resourceVersion: '50' } },
        });
        assert.ok(Object.isFrozen(events[0]?.object.metadata), 'watchers share event objects, so they are frozen');
      } finally {
        watcher.stop();
      }
    } finally {
      await store.close();
    }
  });

  test('an update that keeps losing races gives up with Conflict after maxUpdateAttempts', async () => {
    const store = open({ maxUpdateAttempts: 3 });
    try {
      await store.create(`${PREFIX}a`, thing('a', 0));
      let attempts = 0;
      await assert.rejects(
        store.guaranteedUpdate(`${PREFIX}a`, async (current) => {
          attempts += 1;
          await store.guaranteedUpdate(`${PREFIX}a`, setN(100 + attempts));
          return { ...current, spec: { n: -1 } };
        }),
        (error: unknown) => isStorageError(error, 'Conflict'),
      );
      assert.equal(attempts, 3);
      assert.equal(n(await store.get(`${PREFIX}a`)), 103);
    } finally {
      await store.close();
    }
  });

  test('a closed store refuses work and ends its watches as closed', async () => {
    const store = open();
    const watcher = store.watch(PREFIX, { revision: 0 });
    const pending = watcher.events[Symbol.asyncIterator]().next();
    await store.close();
    assert.equal((await pending).done, true);
    assert.equal(watcher.endReason, 'closed');
    await assert.rejects(store.get(`${PREFIX}a`), (error: unknown) => isStorageError(error, 'Unreachable'));
  });
});
