// What the etcd store promises beyond the shared contract, against a real etcd that the tests crash and restart:
// watches that resume from the last event they delivered (never skipping or repeating one), no lost update between
// two clients, Expired after a compaction made by someone else, and bounded failures when etcd cannot be reached.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Etcd3, type IEvent } from 'etcd3';
import type { StoredObject, WatchEvent, Watcher } from '../../../apiserver/storage/interface.ts';
import { isStorageError } from '../../../apiserver/storage/errors.ts';
import { EtcdStore, type EtcdStoreOptions } from '../../../apiserver/storage/etcd/store.ts';
import { freePort } from '../../testbed/daemon.ts';
import { startEtcd, startEtcdCluster, type EtcdServer } from '../../testbed/etcd.ts';

let etcd: EtcdServer;
const stores: EtcdStore[] = [];
before(async () => {
  etcd = await startEtcd();
});
after(async () => {
  for (const store of stores) await store.close();
  await etcd.cleanup();
});

function open(options: Partial<EtcdStoreOptions> = {}): EtcdStore {
  const store = new EtcdStore({ endpoints: [etcd.endpoint], ...options });
  stores.push(store);
  return store;
}

function newPrefix(): string {
  return `/registry/vigil.dev/durability-${randomUUID().slice(0, 8)}/`;
}

function thing(name: string, n: number): StoredObject {
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'Thing', metadata: { name, namespace: 'default' }, spec: { n } };
}

function n(object: StoredObject): number {
  const spec = object.spec;
  assert.ok(typeof spec === 'object' && spec !== null && 'n' in spec && typeof spec.n === 'number', 'object has spec.n');
  return spec.n;
}

function rv(object: StoredObject): number {
  return Number(object.metadata.resourceVersion);
}

/** Reads from one iterator of a watch (a watch can be iterated once), with a deadline. */
class EventReader {
  readonly #iterator: AsyncIterator<WatchEvent>;
  #pending: Promise<IteratorResult<WatchEvent>> | undefined;

  constructor(watcher: Watcher) {
    this.#iterator = watcher.events[Symbol.asyncIterator]();
  }

  /** The next event, or undefined when none arrives within `ms` (the pending read is kept for the next call). */
  async next(ms: number): Promise<WatchEvent | undefined> {
    this.#pending ??= this.#iterator.next();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ms);
    });
    try {
      const result = await Promise.race([this.#pending, timeout]);
      if (result === 'timeout') return undefined;
      this.#pending = undefined;
      if (result.done === true) throw new Error('the watch ended');
      return result.value;
    } finally {
      clearTimeout(timer);
    }
  }

  async take(count: number, timeoutMs: number): Promise<WatchEvent[]> {
    const deadline = Date.now() + timeoutMs;
    const events: WatchEvent[] = [];
    while (events.length < count) {
      const event = await this.next(Math.max(0, deadline - Date.now()));
      if (event === undefined) throw new Error(`timed out after ${events.length} of ${count} events`);
      events.push(event);
    }
    return events;
  }

  /** Every event that arrives until none has for `quietMs`. */
  async drain(quietMs: number): Promise<WatchEvent[]> {
    const events: WatchEvent[] = [];
    for (let event = await this.next(quietMs); event !== undefined; event = await this.next(quietMs)) events.push(event);
    return events;
  }

  /** The error the watch ends with, within `timeoutMs`. */
  async failure(timeoutMs: number): Promise<unknown> {
    const started = Date.now();
    for (;;) {
      try {
        const event = await this.next(Math.max(0, started + timeoutMs - Date.now()));
        if (event === undefined) return new Error(`no failure within ${timeoutMs} ms`);
      } catch (error) {
        return error;
      }
    }
  }
}

async function createMany(store: EtcdStore, prefix: string, count: number): Promise<StoredObject[]> {
  const created: StoredObject[] = [];
  for (let start = 0; start < count; start += 250) {
    const chunk = Array.from({ length: Math.min(250, count - start) }, (_, index) => start + index);
    created.push(...(await Promise.all(chunk.map((i) => store.create(`${prefix}${String(i).padStart(5, '0')}`, thing(`t${i}`, i))))));
  }
  return created;
}

/**
 * Creates as an API client must when a member dies under it: a write whose connection dropped fails with Unreachable
 * and may or may not have been applied, so look before writing again.
 */
async function createOnce(store: EtcdStore, key: string, object: StoredObject): Promise<StoredObject> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await store.create(key, object);
    } catch (error) {
      if (!isStorageError(error, 'Unreachable') || attempt === 3) throw error;
      const applied = await store.get(key).catch((readError: unknown) => {
        if (isStorageError(readError, 'NotFound')) return undefined;
        throw readError;
      });
      if (applied !== undefined) return applied;
    }
  }
}

function assertExactlyOnce(events: WatchEvent[], written: StoredObject[]): void {
  const revisions = events.map((event) => event.revision);
  assert.equal(new Set(revisions).size, revisions.length, 'no event is delivered twice');
  // Concurrent writes commit in any order: compare with the revisions they got, in revision order.
  assert.deepEqual(revisions, written.map(rv).sort((a, b) => a - b), 'every written revision is delivered, in order');
}

describe('etcd store: durability and failures', { timeout: 120_000 }, () => {
  test('data and a running watch survive an etcd crash: every event written after the restart arrives exactly once', async () => {
    const prefix = newPrefix();
    const writer = open();
    const impatient = open({ dialTimeoutMs: 300 });
    const watching = open();
    const start = await writer.currentRevision();
    const reader = new EventReader(watching.watch(prefix, { revision: start }));

    const before = [];
    for (let i = 0; i < 3; i += 1) before.push(await writer.create(`${prefix}before-${i}`, thing(`before-${i}`, i)));
    assertExactlyOnce(await reader.take(3, 5_000), before);

    await etcd.kill();
    const refused = Date.now();
    await assert.rejects(impatient.create(`${prefix}while-down`, thing('while-down', 0)), (error: unknown) => isStorageError(error, 'Unreachable'));
    assert.ok(Date.now() - refused < 3_000, 'a write to a dead etcd fails within the dial timeout, not after a hang');
    await etcd.restart();

    assert.deepEqual(await writer.get(`${prefix}before-2`), before[2], 'acknowledged writes survive SIGKILL');
    const afterRestart = [];
    for (let i = 0; i < 20; i += 1) afterRestart.push(await writer.create(`${prefix}after-${i}`, thing(`after-${i}`, i)));
    const events = await reader.take(20, 15_000);
    assertExactlyOnce(events, afterRestart);
    assert.deepEqual(await reader.drain(300), [], 'nothing is delivered twice after the resume');
  });

  test('etcd3 would resume a watch cut off during a long catch-up from the header revision, skipping events', async () => {
    // The quirk the store works around, shown on etcd3 itself: etcd sends a catch-up of more than 1000 revisions in
    // batches whose header carries the current revision, and etcd3's Watcher takes the header as its resume point.
    const prefix = newPrefix();
    const writer = open();
    const start = await writer.currentRevision();
    const written = await createMany(writer, prefix, 1500);
    const client = new Etcd3({ hosts: [etcd.endpoint] });
    try {
      const watcher = client.watch().prefix(prefix).startRevision(String(start + 1)).watcher();
      const first = await new Promise<{ lastEvent: number; resumeFrom: number }>((resolve, reject) => {
        watcher.once('error', reject);
        watcher.once('data', (response) => {
          const lastEvent = Math.max(...response.events.map((event: IEvent) => Number(event.kv.mod_revision)));
          resolve({ lastEvent, resumeFrom: Number(watcher.lastRevision()) });
        });
      });
      await watcher.cancel();
      assert.ok(first.lastEvent < rv(written[written.length - 1] ?? thing('none', 0)), 'the first batch is not the whole catch-up');
      assert.ok(first.resumeFrom > first.lastEvent + 1, `etcd3 would resume from ${first.resumeFrom} after delivering up to ${first.lastEvent}`);
    } finally {
      client.close();
    }
  });

  test('a watch cut off during a long catch-up resumes from the last event it delivered', async (t) => {
    const prefix = newPrefix();
    const writer = open();
    const start = await writer.currentRevision();
    const written = await createMany(writer, prefix, 2500);
    const reader = new EventReader(open().watch(prefix, { revision: start }));
    const first = await reader.take(1, 10_000);
    // etcd sends the next batch of 1000 revisions 100 ms after the first: crash it before that.
    await etcd.kill();
    const beforeCrash = [...first, ...(await reader.drain(200))];
    assert.ok(beforeCrash.length < written.length, `only part of the catch-up (${beforeCrash.length}) arrived before the crash`);
    t.diagnostic(`${beforeCrash.length} of ${written.length} events arrived before etcd was killed`);
    await etcd.restart();
    const rest = await reader.take(written.length - beforeCrash.length, 20_000);
    assertExactlyOnce([...beforeCrash, ...rest], written);
    assert.deepEqual(await reader.drain(300), []);
  });

  test('two stores (two etcd clients) updating one key concurrently lose no update; conflicts are retried', async () => {
    const prefix = newPrefix();
    const [first, second] = [open(), open()];
    await first.create(`${prefix}counter`, thing('counter', 0));
    let attempts = 0;
    const increment = (current: StoredObject): StoredObject => {
      attempts += 1;
      return { ...current, spec: { n: n(current) + 1 } };
    };
    const workers = 8;
    const perWorker = 25;
    await Promise.all(
      Array.from({ length: workers }, async (_, worker) => {
        const store = worker % 2 === 0 ? first : second;
        for (let i = 0; i < perWorker; i += 1) await store.guaranteedUpdate(`${prefix}counter`, increment);
      }),
    );
    assert.equal(n(await second.get(`${prefix}counter`)), workers * perWorker);
    assert.ok(attempts > workers * perWorker, `writers collided and retried (${attempts} attempts for ${workers * perWorker} updates)`);
  });

  test('after a compaction made by another client, old watches and continue tokens are Expired; a running watch goes on', async () => {
    const prefix = newPrefix();
    const [store, compactor] = [open(), open()];
    const start = await store.currentRevision();
    await createMany(store, prefix, 5);
    const running = new EventReader(store.watch(prefix, { revision: start }));
    await running.take(5, 5_000);
    const page = await store.list(prefix, { limit: 2 });
    assert.ok(page.continue !== undefined);
    const moved = await store.guaranteedUpdate(`${prefix}00000`, (current) => ({ ...current, spec: { n: 100 } }));
    await compactor.compact(rv(moved));
    await compactor.compact(rv(moved)); // again: nothing left to forget, not an error

    const old = new EventReader(store.watch(prefix, { revision: start }));
    const failure = await old.failure(5_000);
    assert.ok(isStorageError(failure, 'Expired'), `a watch from a compacted revision fails with Expired, not ${String(failure)}`);
    await assert.rejects(store.list(prefix, { limit: 2, continue: page.continue }), (error: unknown) => isStorageError(error, 'Expired'));
    await assert.rejects(store.list(prefix, { revision: start, match: 'Exact' }), (error: unknown) => isStorageError(error, 'Expired'));
    const [event] = await running.take(1, 5_000);
    assert.equal(event?.revision, rv(moved), 'the watch that was running saw the write before the compaction');
    const later = await store.guaranteedUpdate(`${prefix}00001`, (current) => ({ ...current, spec: { n: 101 } }));
    const [next] = await running.take(1, 5_000);
    assert.equal(next?.revision, rv(later), 'and keeps going after it');
  });

  test('a watch and writes ride through each member of a 3-member cluster being killed in turn', async () => {
    const cluster = await startEtcdCluster(3);
    const store = new EtcdStore({ endpoints: cluster.endpoints });
    try {
      const prefix = newPrefix();
      const reader = new EventReader(store.watch(prefix, { revision: await store.currentRevision() }));
      const written: StoredObject[] = [];
      // The watch is connected to one of the members; killing each in turn kills that one too.
      for (const member of cluster.members) {
        await member.kill();
        await cluster.waitForLeader();
        for (let i = 0; i < 5; i += 1) written.push(await createOnce(store, `${prefix}${member.name}-${i}`, thing(`${member.name}-${i}`, i)));
        await member.restart();
      }
      assertExactlyOnce(await reader.take(written.length, 15_000), written);
      assert.deepEqual(await reader.drain(300), []);
    } finally {
      await store.close();
      await cluster.cleanup();
    }
  });

  test('nothing listening on the port: calls and watches fail with Unreachable within the configured time', async () => {
    const port = await freePort();
    const store = new EtcdStore({ endpoints: [`http://127.0.0.1:${port}`], dialTimeoutMs: 300, watchReconnectTimeoutMs: 500 });
    try {
      const started = Date.now();
      await assert.rejects(store.get('/registry/x'), (error: unknown) => isStorageError(error, 'Unreachable'));
      await assert.rejects(store.create('/registry/x', thing('x', 0)), (error: unknown) => isStorageError(error, 'Unreachable'));
      const failure = await new EventReader(store.watch('/registry/', { revision: 1 })).failure(3_000);
      assert.ok(isStorageError(failure, 'Unreachable'), `the watch fails with Unreachable, not ${String(failure)}`);
      assert.ok(Date.now() - started < 3_000, `failed in ${Date.now() - started} ms`);
    } finally {
      await store.close();
    }
  });

  test('a server that accepts connections and never answers: calls fail with a Timeout or Unreachable, watches with Unreachable', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    assert.ok(address !== null && typeof address === 'object');
    const store = new EtcdStore({
      endpoints: [`http://127.0.0.1:${address.port}`],
      dialTimeoutMs: 300,
      requestTimeoutMs: 500,
      watchReconnectTimeoutMs: 500,
    });
    try {
      const started = Date.now();
      await assert.rejects(store.currentRevision(), (error: unknown) => isStorageError(error, 'Timeout') || isStorageError(error, 'Unreachable'));
      const failure = await new EventReader(store.watch('/registry/', { revision: 1 })).failure(3_000);
      assert.ok(isStorageError(failure, 'Unreachable'), `the watch fails with Unreachable, not ${String(failure)}`);
      assert.ok(Date.now() - started < 4_000, `failed in ${Date.now() - started} ms`);
    } finally {
      await store.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
