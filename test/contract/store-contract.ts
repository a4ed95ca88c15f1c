// The one contract every Store implementation passes: the embedded SQLite backend, the etcd backend, and the watch
// cache in front of either. Modelled on k8s.io/apiserver/pkg/storage/testing/store_tests.go; a backend's test file
// calls describeStoreContract(name, harness) and nothing else.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Store, StoredObject, WatchEvent, Watcher } from '../../apiserver/storage/interface.ts';
import { isStorageError, type StorageErrorCode } from '../../apiserver/storage/errors.ts';

export interface StoreContractHarness {
  /** A store ready for use. Tests may share one backend: each test works under its own key prefix. */
  newStore(): Promise<Store>;
  /** Closes `store` and opens the same data again (a restart). Omit when the backend cannot. */
  reopen?(store: Store): Promise<Store>;
  /** A second, independent client over the same data (another replica), for cross-client races. */
  secondClient?(store: Store): Promise<Store>;
}

let prefixCounter = 0;
function newPrefix(): string {
  prefixCounter += 1;
  return `/registry/vigil.dev/contract${prefixCounter}x${randomUUID().slice(0, 8)}/`;
}

interface ThingSpec {
  n: number;
  note?: string;
  [field: string]: unknown;
}

function thing(name: string, spec: ThingSpec = { n: 0 }, labels: Record<string, string> = {}): StoredObject {
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'Thing',
    metadata: { name, namespace: 'default', uid: randomUUID(), labels },
    spec,
  };
}

function specOf(object: StoredObject): ThingSpec {
  const spec = object.spec;
  assert.ok(typeof spec === 'object' && spec !== null, 'object has a spec');
  return spec as ThingSpec;
}

function rv(object: StoredObject): number {
  const value = object.metadata.resourceVersion;
  assert.ok(value !== undefined && /^\d+$/.test(value), `resourceVersion is a decimal string, got ${String(value)}`);
  return Number(value);
}

async function rejectsWith(promise: Promise<unknown>, code: StorageErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isStorageError(error), `expected a StorageError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

/** Reads `count` events from a watcher, failing after `timeoutMs` with what arrived so far. */
async function take(watcher: Watcher, count: number, timeoutMs = 5000): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  if (count === 0) return events;
  const iterator = watcher.events[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${events.length} of ${count} events: ${describeEvents(events)}`)), timeoutMs);
  });
  try {
    while (events.length < count) {
      const next = await Promise.race([iterator.next(), timeout]);
      if (next.done === true) throw new Error(`watch ended after ${events.length} of ${count} events (${String(watcher.endReason)})`);
      if (next.value.type === 'BOOKMARK') continue;
      events.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return events;
}

/** Asserts that nothing (but bookmarks) arrives on the watcher within `ms`. */
async function expectQuiet(watcher: Watcher, ms = 300): Promise<void> {
  const iterator = watcher.events[Symbol.asyncIterator]();
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    let timer: NodeJS.Timeout | undefined;
    const quiet = new Promise<'quiet'>((resolve) => {
      timer = setTimeout(() => resolve('quiet'), deadline - Date.now());
    });
    const next = await Promise.race([iterator.next(), quiet]);
    clearTimeout(timer);
    if (next === 'quiet') return;
    if (next.done === true) return;
    if (next.value.type !== 'BOOKMARK') assert.fail(`unexpected event ${describeEvents([next.value])}`);
  }
}

function describeEvents(events: WatchEvent[]): string {
  return events.map((event) => `${event.type} ${event.object.metadata.name}@${event.revision}`).join(', ');
}

/** The first `count` events, as [type, name, n] triples, for compact assertions. */
function summary(events: WatchEvent[]): Array<[string, string, number]> {
  return events.map((event) => [event.type, event.object.metadata.name, specOf(event.object).n]);
}

export function describeStoreContract(name: string, harness: StoreContractHarness): void {
  describe(`store contract: ${name}`, () => {
    const opened: Store[] = [];
    async function open(): Promise<Store> {
      const store = await harness.newStore();
      opened.push(store);
      return store;
    }
    after(async () => {
      for (const store of opened) await store.close().catch(() => undefined);
    });

    describe('create and get', () => {
      test('create returns the object with a resourceVersion and get returns the same', async () => {
        const store = await open();
        const prefix = newPrefix();
        const created = await store.create(`${prefix}a`, thing('a', { n: 1 }));
        assert.ok(rv(created) > 0);
        assert.deepEqual(specOf(created), { n: 1 });
        const read = await store.get(`${prefix}a`);
        assert.deepEqual(read, created);
      });

      test('create on a taken key fails with KeyExists and changes nothing', async () => {
        const store = await open();
        const prefix = newPrefix();
        const first = await store.create(`${prefix}a`, thing('a', { n: 1 }));
        await rejectsWith(store.create(`${prefix}a`, thing('a', { n: 2 })), 'KeyExists');
        assert.deepEqual(await store.get(`${prefix}a`), first);
      });

      test('create refuses an object that already carries a resourceVersion', async () => {
        const store = await open();
        const prefix = newPrefix();
        const object = thing('a');
        object.metadata.resourceVersion = '7';
        await rejectsWith(store.create(`${prefix}a`, object), 'InvalidObject');
        await rejectsWith(store.get(`${prefix}a`), 'NotFound');
      });

      test('get of a missing key fails with NotFound', async () => {
        const store = await open();
        await rejectsWith(store.get(`${newPrefix()}missing`), 'NotFound');
      });

      test('every write gets a new, higher revision shared across keys, and currentRevision follows', async () => {
        const store = await open();
        const prefix = newPrefix();
        const a = await store.create(`${prefix}a`, thing('a'));
        const b = await store.create(`${prefix}b`, thing('b'));
        const a2 = await store.guaranteedUpdate(`${prefix}a`, (current) => ({ ...current, spec: { n: 5 } }));
        assert.ok(rv(a) < rv(b) && rv(b) < rv(a2), `revisions ${rv(a)} < ${rv(b)} < ${rv(a2)}`);
        assert.ok((await store.currentRevision()) >= rv(a2));
      });
    });

    describe('guaranteedUpdate', () => {
      test('applies the change and returns the new state', async () => {
        const store = await open();
        const prefix = newPrefix();
        const created = await store.create(`${prefix}a`, thing('a', { n: 1 }));
        const updated = await store.guaranteedUpdate(`${prefix}a`, (current) => {
          specOf(current).n += 1;
          return current;
        });
        assert.equal(specOf(updated).n, 2);
        assert.ok(rv(updated) > rv(created));
        assert.deepEqual(await store.get(`${prefix}a`), updated);
      });

      test('gives tryUpdate a private copy: changes made before throwing are not stored', async () => {
        const store = await open();
        const prefix = newPrefix();
        const created = await store.create(`${prefix}a`, thing('a', { n: 1 }));
        await assert.rejects(
          store.guaranteedUpdate(`${prefix}a`, (current) => {
            specOf(current).n = 99;
            throw new Error('changed my mind');
          }),
          /changed my mind/,
        );
        assert.deepEqual(await store.get(`${prefix}a`), created);
      });

      test('fails with NotFound for a missing key without calling tryUpdate', async () => {
        const store = await open();
        let called = false;
        await rejectsWith(
          store.guaranteedUpdate(`${newPrefix()}missing`, (current) => {
            called = true;
            return current;
          }),
          'NotFound',
        );
        assert.equal(called, false);
      });

      test('a write that changes nothing keeps the resourceVersion, bumps no revision and emits no event', async () => {
        const store = await open();
        const prefix = newPrefix();
        const created = await store.create(`${prefix}a`, thing('a', { n: 1, note: 'x' }));
        const watcher = store.watch(prefix, { revision: rv(created) });
        try {
          const before = await store.currentRevision();
          // The same content with keys in another order is still no change.
          const same = await store.guaranteedUpdate(`${prefix}a`, (current) => ({
            spec: { note: 'x', n: 1 },
            metadata: current.metadata,
            kind: current.kind,
            apiVersion: current.apiVersion,
          }));
          assert.equal(same.metadata.resourceVersion, created.metadata.resourceVersion);
          assert.equal(await store.currentRevision(), before);
          await store.create(`${prefix}b`, thing('b', { n: 2 }));
          const [first] = await take(watcher, 1);
          assert.equal(first?.object.metadata.name, 'b', 'the first event after the no-op write is the next real write');
        } finally {
          watcher.stop();
        }
      });

      test('a resourceVersion precondition that is stale fails with Conflict; a current one succeeds', async () => {
        const store = await open();
        const prefix = newPrefix();
        const created = await store.create(`${prefix}a`, thing('a', { n: 1 }));
        const updated = await store.guaranteedUpdate(`${prefix}a`, (current) => ({ ...current, spec: { n: 2 } }));
        await rejectsWith(
          store.guaranteedUpdate(`${prefix}a`, (current) => ({ ...current, spec: { n: 3 } }), {
            preconditions: { resourceVersion: created.metadata.resourceVersion },
          }),
          'Conflict',
        );
        const ok = await store.guaranteedUpdate(`${prefix}a`, (current) => ({ ...current, spec: { n: 3 } }), {
          preconditions: { resourceVersion: updated.metadata.resourceVersion },
        });
        assert.equal(specOf(ok).n, 3);
      });

      test('a uid precondition that does not match fails with InvalidPrecondition', async () => {
        const store = await open();
        const prefix = newPrefix();
        const created = await store.create(`${prefix}a`, thing('a', { n: 1 }));
        await rejectsWith(
          store.guaranteedUpdate(`${prefix}a`, (current) => ({ ...current, spec: { n: 2 } }), { preconditions: { uid: randomUUID() } }),
          'InvalidPrecondition',
        );
        const ok = await store.guaranteedUpdate(`${prefix}a`, (current) => ({ ...current, spec: { n: 2 } }), {
          preconditions: { uid: created.metadata.uid },
        });
        assert.equal(specOf(ok).n, 2);
      });

      test('retries on a concurrent change: tryUpdate runs again on the fresh state and no update is lost', async () => {
        const store = await open();
        const prefix = newPrefix();
        await store.create(`${prefix}a`, thing('a', { n: 0 }));
        let attempts = 0;
        const result = await store.guaranteedUpdate(`${prefix}a`, async (current) => {
          attempts += 1;
          if (attempts === 1) {
            // Another writer gets in between our read and our write.
            await store.guaranteedUpdate(`${prefix}a`, (other) => ({ ...other, spec: { ...specOf(other), note: 'other' } }));
          }
          return { ...current, spec: { ...specOf(current), n: specOf(current).n + 1 } };
        });
        assert.equal(attempts, 2);
        assert.deepEqual(specOf(result), { n: 1, note: 'other' });
      });

      test('many concurrent writers on one key lose no update', async () => {
        const store = await open();
        const other = harness.secondClient === undefined ? store : await harness.secondClient(store);
        if (other !== store) opened.push(other);
        const prefix = newPrefix();
        await store.create(`${prefix}counter`, thing('counter', { n: 0 }));
        const workers = 10;
        const increments = 20;
        await Promise.all(
          Array.from({ length: workers }, async (_, worker) => {
            const client = worker % 2 === 0 ? store : other;
            for (let i = 0; i < increments; i += 1) {
              await client.guaranteedUpdate(`${prefix}counter`, (current) => ({
                ...current,
                spec: { n: specOf(current).n + 1 },
              }));
            }
          }),
        );
        assert.equal(specOf(await store.get(`${prefix}counter`)).n, workers * increments);
      });
    });

    describe('delete', () => {
      test('returns the last state with the deletion revision, after which get fails with NotFound', async () => {
        const store = await open();
        const prefix = newPrefix();
        const created = await store.create(`${prefix}a`, thing('a', { n: 4 }));
        const deleted = await store.delete(`${prefix}a`);
        assert.equal(specOf(deleted).n, 4);
        assert.ok(rv(deleted) > rv(created));
        await rejectsWith(store.get(`${prefix}a`), 'NotFound');
        await rejectsWith(store.delete(`${prefix}a`), 'NotFound');
      });

      test('honours resourceVersion and uid preconditions', async () => {
        const store = await open();
        const prefix = newPrefix();
        const created = await store.create(`${prefix}a`, thing('a'));
        await store.guaranteedUpdate(`${prefix}a`, (current) => ({ ...current, spec: { n: 1 } }));
        await rejectsWith(store.delete(`${prefix}a`, { preconditions: { resourceVersion: created.metadata.resourceVersion } }), 'Conflict');
        await rejectsWith(store.delete(`${prefix}a`, { preconditions: { uid: randomUUID() } }), 'InvalidPrecondition');
        await store.delete(`${prefix}a`, { preconditions: { uid: created.metadata.uid } });
        await rejectsWith(store.get(`${prefix}a`), 'NotFound');
      });

      test('validateDeletion sees the current state and can refuse', async () => {
        const store = await open();
        const prefix = newPrefix();
        await store.create(`${prefix}a`, thing('a', { n: 3 }));
        let seen = -1;
        await assert.rejects(
          store.delete(`${prefix}a`, {
            validateDeletion: (current) => {
              seen = specOf(current).n;
              throw new Error('has finalizers');
            },
          }),
          /has finalizers/,
        );
        assert.equal(seen, 3);
        assert.equal(specOf(await store.get(`${prefix}a`)).n, 3);
      });
    });

    describe('list', () => {
      test('lists exactly the keys under the prefix, sorted by key, at one revision', async () => {
        const store = await open();
        const prefix = newPrefix();
        await store.create(`${prefix}b/x`, thing('x'));
        await store.create(`${prefix}a/z`, thing('z'));
        await store.create(`${prefix}a/y`, thing('y'));
        // A sibling whose name starts with the same letters must not leak into the list.
        await store.create(`${prefix}ab/w`, thing('w'));
        const all = await store.list(prefix);
        assert.deepEqual(all.items.map((item) => item.metadata.name), ['y', 'z', 'w', 'x']);
        assert.deepEqual(all.keys, [`${prefix}a/y`, `${prefix}a/z`, `${prefix}ab/w`, `${prefix}b/x`], 'keys come with the items, in order');
        const onlyA = await store.list(`${prefix}a/`);
        assert.deepEqual(onlyA.items.map((item) => item.metadata.name), ['y', 'z']);
        assert.ok(onlyA.revision >= Math.max(...all.items.map(rv)));
        assert.equal(onlyA.continue, undefined);
      });

      test('an empty prefix lists nothing and still reports a revision', async () => {
        const store = await open();
        const result = await store.list(newPrefix());
        assert.deepEqual(result.items, []);
        assert.ok(result.revision >= 0);
      });

      test('filters by a predicate', async () => {
        const store = await open();
        const prefix = newPrefix();
        await store.create(`${prefix}a`, thing('a', { n: 1 }, { tier: 'web' }));
        await store.create(`${prefix}b`, thing('b', { n: 2 }, { tier: 'db' }));
        await store.create(`${prefix}c`, thing('c', { n: 3 }, { tier: 'web' }));
        const web = await store.list(prefix, { filter: (object) => object.metadata.labels?.tier === 'web' });
        assert.deepEqual(web.items.map((item) => item.metadata.name), ['a', 'c']);
      });

      test('pages with limit and continue, every page read at the first page revision despite writes in between', async () => {
        const store = await open();
        const prefix = newPrefix();
        for (let i = 0; i < 10; i += 1) await store.create(`${prefix}${String(i).padStart(2, '0')}`, thing(`t${i}`, { n: i }));
        const first = await store.list(prefix, { limit: 3 });
        assert.equal(first.items.length, 3);
        assert.ok(first.continue !== undefined);
        // Writes after the first page: none of them may show in later pages.
        await store.guaranteedUpdate(`${prefix}05`, (current) => ({ ...current, spec: { n: 500 } }));
        await store.delete(`${prefix}07`);
        await store.create(`${prefix}08a`, thing('new', { n: 88 }));
        const names: string[] = first.items.map((item) => item.metadata.name);
        const values: number[] = first.items.map((item) => specOf(item).n);
        let token: string | undefined = first.continue;
        let pages = 1;
        while (token !== undefined) {
          const page = await store.list(prefix, { limit: 3, continue: token });
          assert.equal(page.revision, first.revision, 'every page reports the first page revision');
          names.push(...page.items.map((item) => item.metadata.name));
          values.push(...page.items.map((item) => specOf(item).n));
          token = page.continue;
          pages += 1;
        }
        assert.equal(pages, 4);
        assert.deepEqual(names, ['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 't9']);
        assert.deepEqual(values, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      });

      test('with a filter, limit counts matching items and paging still finds every match', async () => {
        const store = await open();
        const prefix = newPrefix();
        for (let i = 0; i < 12; i += 1) {
          await store.create(`${prefix}${String(i).padStart(2, '0')}`, thing(`t${i}`, { n: i }, { even: String(i % 2 === 0) }));
        }
        const filter = (object: StoredObject): boolean => object.metadata.labels?.even === 'true';
        const seen: number[] = [];
        let token: string | undefined;
        do {
          const page = await store.list(prefix, { limit: 2, filter, ...(token === undefined ? {} : { continue: token }) });
          assert.ok(page.items.length <= 2);
          if (page.continue !== undefined) assert.equal(page.items.length, 2, 'a page that is not the last is full');
          seen.push(...page.items.map((item) => specOf(item).n));
          token = page.continue;
        } while (token !== undefined);
        assert.deepEqual(seen, [0, 2, 4, 6, 8, 10]);
      });

      test('lists the state at an exact older revision', async () => {
        const store = await open();
        const prefix = newPrefix();
        await store.create(`${prefix}a`, thing('a', { n: 1 }));
        const b = await store.create(`${prefix}b`, thing('b', { n: 1 }));
        await store.guaranteedUpdate(`${prefix}a`, (current) => ({ ...current, spec: { n: 2 } }));
        await store.delete(`${prefix}b`);
        await store.create(`${prefix}c`, thing('c', { n: 1 }));
        const then = await store.list(prefix, { revision: rv(b), match: 'Exact' });
        assert.equal(then.revision, rv(b));
        assert.deepEqual(summaryOfList(then.items), [['a', 1], ['b', 1]]);
        const now = await store.list(prefix);
        assert.deepEqual(summaryOfList(now.items), [['a', 2], ['c', 1]]);
      });

      test('rejects a malformed continue token', async () => {
        const store = await open();
        await rejectsWith(store.list(newPrefix(), { continue: 'not a token' }), 'InvalidObject');
      });
    });

    describe('watch', () => {
      test('delivers every change after the given revision, in order, with previous states', async () => {
        const store = await open();
        const prefix = newPrefix();
        const start = await store.currentRevision();
        const watcher = store.watch(prefix, { revision: start });
        try {
          const a = await store.create(`${prefix}a`, thing('a', { n: 1 }));
          const a2 = await store.guaranteedUpdate(`${prefix}a`, (current) => ({ ...current, spec: { n: 2 } }));
          await store.create(`${prefix}b`, thing('b', { n: 1 }));
          const gone = await store.delete(`${prefix}a`);
          const events = await take(watcher, 4);
          assert.deepEqual(summary(events), [
            ['ADDED', 'a', 1],
            ['MODIFIED', 'a', 2],
            ['ADDED', 'b', 1],
            ['DELETED', 'a', 2],
          ]);
          assert.deepEqual(events.map((event) => event.key), [`${prefix}a`, `${prefix}a`, `${prefix}b`, `${prefix}a`], 'events carry their keys');
          const revisions = events.map((event) => event.revision);
          assert.deepEqual(revisions, [...revisions].sort((x, y) => x - y), 'events arrive in revision order');
          assert.equal(events[0]?.object.metadata.resourceVersion, a.metadata.resourceVersion);
          assert.equal(events[1]?.object.metadata.resourceVersion, a2.metadata.resourceVersion);
          assert.equal(specOf(events[1]?.prevObject ?? thing('none', { n: -1 })).n, 1, 'MODIFIED carries the previous state');
          const deleted = events[3];
          assert.ok(deleted !== undefined);
          assert.equal(deleted.object.metadata.resourceVersion, gone.metadata.resourceVersion, 'DELETED carries the deletion revision');
          assert.equal(deleted.revision, rv(gone));
        } finally {
          watcher.stop();
        }
      });

      test('a watch withoutPrevObject sees the same changes, DELETED still with the last state; a watch beside it keeps previous states', async () => {
        const store = await open();
        const prefix = newPrefix();
        const start = await store.currentRevision();
        const lean = store.watch(prefix, { revision: start, withoutPrevObject: true });
        const full = store.watch(prefix, { revision: start });
        try {
          await store.create(`${prefix}a`, thing('a', { n: 1 }));
          await store.guaranteedUpdate(`${prefix}a`, (current) => ({ ...current, spec: { n: 2 } }));
          await store.delete(`${prefix}a`);
          const leanEvents = await take(lean, 3);
          const fullEvents = await take(full, 3);
          assert.deepEqual(summary(leanEvents), [['ADDED', 'a', 1], ['MODIFIED', 'a', 2], ['DELETED', 'a', 2]]);
          assert.deepEqual(leanEvents.map((event) => event.object), fullEvents.map((event) => event.object));
          assert.equal(specOf(leanEvents[2]?.prevObject ?? thing('none', { n: -1 })).n, 2, 'DELETED carries the state before');
          assert.equal(specOf(fullEvents[1]?.prevObject ?? thing('none', { n: -1 })).n, 1, 'the other watch still gets MODIFIED with the previous state');
        } finally {
          lean.stop();
          full.stop();
        }
      });

      test('resumes from a revision in the middle with exactly the events after it', async () => {
        const store = await open();
        const prefix = newPrefix();
        const written: StoredObject[] = [];
        for (let i = 0; i < 6; i += 1) written.push(await store.create(`${prefix}${i}`, thing(`t${i}`, { n: i })));
        const middle = written[2];
        assert.ok(middle !== undefined);
        const watcher = store.watch(prefix, { revision: rv(middle) });
        try {
          const events = await take(watcher, 3);
          assert.deepEqual(summary(events), [['ADDED', 't3', 3], ['ADDED', 't4', 4], ['ADDED', 't5', 5]]);
          await expectQuiet(watcher);
        } finally {
          watcher.stop();
        }
      });

      test('from revision 0 starts with one ADDED per existing object, then the changes', async () => {
        const store = await open();
        const prefix = newPrefix();
        await store.create(`${prefix}a`, thing('a', { n: 1 }));
        await store.create(`${prefix}b`, thing('b', { n: 1 }));
        await store.delete(`${prefix}b`);
        await store.create(`${prefix}c`, thing('c', { n: 1 }));
        const watcher = store.watch(prefix, { revision: 0 });
        try {
          const initial = await take(watcher, 2);
          assert.deepEqual(summary(initial).sort(), [['ADDED', 'a', 1], ['ADDED', 'c', 1]]);
          await store.guaranteedUpdate(`${prefix}a`, (current) => ({ ...current, spec: { n: 2 } }));
          const [change] = await take(watcher, 1);
          assert.deepEqual(summary(change === undefined ? [] : [change]), [['MODIFIED', 'a', 2]]);
        } finally {
          watcher.stop();
        }
      });

      test('sees only its prefix and what its filter accepts', async () => {
        const store = await open();
        const prefix = newPrefix();
        const start = await store.currentRevision();
        const watcher = store.watch(`${prefix}a/`, { revision: start, filter: (object) => specOf(object).n % 2 === 0 });
        try {
          await store.create(`${prefix}ab/x`, thing('sibling', { n: 0 }));
          await store.create(`${prefix}a/odd`, thing('odd', { n: 1 }));
          await store.create(`${prefix}a/even`, thing('even', { n: 2 }));
          const events = await take(watcher, 1);
          assert.deepEqual(summary(events), [['ADDED', 'even', 2]]);
          await expectQuiet(watcher);
        } finally {
          watcher.stop();
        }
      });

      test('with a filter, an object that starts matching is ADDED and one that stops matching is DELETED', async () => {
        const store = await open();
        const prefix = newPrefix();
        await store.create(`${prefix}a`, thing('a', { n: 1 }));
        const start = await store.currentRevision();
        const watcher = store.watch(prefix, { revision: start, filter: (object) => specOf(object).n % 2 === 0 });
        try {
          await store.guaranteedUpdate(`${prefix}a`, (current) => ({ ...current, spec: { n: 2 } }));
          await store.guaranteedUpdate(`${prefix}a`, (current) => ({ ...current, spec: { n: 4 } }));
          await store.guaranteedUpdate(`${prefix}a`, (current) => ({ ...current, spec: { n: 5 } }));
          await store.guaranteedUpdate(`${prefix}a`, (current) => ({ ...current, spec: { n: 7 } }));
          await store.delete(`${prefix}a`);
          const events = await take(watcher, 3);
          // Leaving the selection shows as DELETED with the content last matched, at the revision of the change.
          assert.deepEqual(summary(events), [['ADDED', 'a', 2], ['MODIFIED', 'a', 4], ['DELETED', 'a', 4]]);
          const left = events[2];
          assert.ok(left !== undefined);
          assert.equal(left.object.metadata.resourceVersion, String(left.revision));
          await expectQuiet(watcher);
        } finally {
          watcher.stop();
        }
      });

      test('many watchers each receive every event exactly once', async () => {
        const store = await open();
        const prefix = newPrefix();
        const start = await store.currentRevision();
        const watchers = Array.from({ length: 25 }, () => store.watch(prefix, { revision: start }));
        try {
          for (let i = 0; i < 20; i += 1) await store.create(`${prefix}${String(i).padStart(2, '0')}`, thing(`t${i}`, { n: i }));
          const results = await Promise.all(watchers.map((watcher) => take(watcher, 20)));
          for (const events of results) {
            assert.deepEqual(events.map((event) => specOf(event.object).n), Array.from({ length: 20 }, (_, i) => i));
          }
        } finally {
          for (const watcher of watchers) watcher.stop();
        }
      });

      test('stop ends the iteration', async () => {
        const store = await open();
        const watcher = store.watch(newPrefix(), { revision: await store.currentRevision() });
        const iterator = watcher.events[Symbol.asyncIterator]();
        const pending = iterator.next();
        watcher.stop();
        const result = await pending;
        assert.equal(result.done, true);
        assert.equal(watcher.endReason, 'stopped');
      });

      test('an aborted signal ends the watch', async () => {
        const store = await open();
        const controller = new AbortController();
        const watcher = store.watch(newPrefix(), { revision: await store.currentRevision(), signal: controller.signal });
        const iterator = watcher.events[Symbol.asyncIterator]();
        const pending = iterator.next();
        controller.abort();
        assert.equal((await pending).done, true);
      });
    });

    describe('compaction and expiry', () => {
      test('after compaction, watching or listing from before it fails with Expired; current reads still work', async () => {
        const store = await open();
        const prefix = newPrefix();
        const a = await store.create(`${prefix}a`, thing('a', { n: 1 }));
        await store.create(`${prefix}b`, thing('b', { n: 1 }));
        await store.create(`${prefix}c`, thing('c', { n: 1 }));
        const page = await store.list(prefix, { limit: 1 });
        assert.ok(page.continue !== undefined);
        const b2 = await store.guaranteedUpdate(`${prefix}b`, (current) => ({ ...current, spec: { n: 2 } }));
        await store.compact(rv(b2));

        const old = store.watch(prefix, { revision: rv(a) });
        await assert.rejects(take(old, 1), (error: unknown) => isStorageError(error, 'Expired'));
        await rejectsWith(store.list(prefix, { revision: rv(a), match: 'Exact' }), 'Expired');
        await rejectsWith(store.list(prefix, { limit: 1, continue: page.continue }), 'Expired');

        // From the compaction revision on, history is complete.
        const fresh = store.watch(prefix, { revision: rv(b2) });
        try {
          await store.guaranteedUpdate(`${prefix}c`, (current) => ({ ...current, spec: { n: 2 } }));
          assert.deepEqual(summary(await take(fresh, 1)), [['MODIFIED', 'c', 2]]);
        } finally {
          fresh.stop();
        }
        assert.deepEqual(summaryOfList((await store.list(prefix)).items), [['a', 1], ['b', 2], ['c', 2]]);
        assert.equal(specOf(await store.get(`${prefix}b`)).n, 2);
      });
    });

    if (harness.reopen !== undefined) {
      const reopen = harness.reopen;
      describe('restart', () => {
        test('objects, revisions and history survive closing and reopening', async () => {
          const store = await open();
          const prefix = newPrefix();
          const a = await store.create(`${prefix}a`, thing('a', { n: 1 }));
          const a2 = await store.guaranteedUpdate(`${prefix}a`, (current) => ({ ...current, spec: { n: 2 } }));
          const revision = await store.currentRevision();
          const again = await reopen(store);
          opened.push(again);
          assert.deepEqual(await again.get(`${prefix}a`), a2);
          assert.ok((await again.currentRevision()) >= revision);
          const watcher = again.watch(prefix, { revision: rv(a) });
          try {
            assert.deepEqual(summary(await take(watcher, 1)), [['MODIFIED', 'a', 2]]);
          } finally {
            watcher.stop();
          }
          const b = await again.create(`${prefix}b`, thing('b'));
          assert.ok(rv(b) > revision, 'revisions continue after a restart, never reused');
        });
      });
    }
  });
}

function summaryOfList(items: StoredObject[]): Array<[string, number]> {
  return items.map((item) => [item.metadata.name, specOf(item).n]);
}
