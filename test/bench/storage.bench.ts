// Issue 2's storage figures, both backends in one run, each used the way `vigil serve` uses it (behind the watch
// cache): create and update throughput (sequential and 32 in flight), listing 10,000 objects, write-to-delivery
// latency with 1,000 concurrent watchers, and the memory of a process holding 10,000 objects.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Store, StoredObject } from '../../apiserver/storage/interface.ts';
import { CachedStore } from '../../apiserver/storage/cache/cached-store.ts';
import { EtcdStore } from '../../apiserver/storage/etcd/store.ts';
import { embeddedStorePath, openEmbeddedStore } from '../../apiserver/storage/sqlite/store.ts';
import { makeTempDir, removeTempDir } from '../testbed/daemon.ts';
import { startEtcd } from '../testbed/etcd.ts';
import { benchObject, BENCH_PREFIX } from './storage-objects.ts';
import { mib, ms, percentile, perSecond, pool, table, type Row } from './stats.ts';

const LIST_OBJECTS = 10_000;
const WATCHERS = 1000;
const WATCHED_WRITES = 200;

interface Figures {
  createSequential: string;
  createConcurrent: string;
  updateSequential: string;
  updateConcurrent: string;
  listConsistent: string;
  listCached: string;
  deliveryP50: string;
  deliveryP99: string;
  memory: string;
}

function key(i: number, group: string): string {
  return `${BENCH_PREFIX}${group}/${String(i).padStart(5, '0')}`;
}

async function throughput(count: number, concurrency: number, write: (i: number) => Promise<unknown>): Promise<string> {
  const started = performance.now();
  await pool(count, concurrency, async (i) => {
    await write(i);
  });
  return perSecond(count, performance.now() - started);
}

function bump(current: StoredObject): StoredObject {
  const status = typeof current.status === 'object' && current.status !== null ? current.status : {};
  const restarts = 'restartCount' in status && typeof status.restartCount === 'number' ? status.restartCount : 0;
  return { ...current, status: { ...status, restartCount: restarts + 1 } };
}

async function listLatency(store: Store, prefix: string, cached: boolean, runs: number): Promise<string> {
  const samples: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const started = performance.now();
    const result = await store.list(prefix, cached ? { revision: 0 } : {});
    samples.push(performance.now() - started);
    if (result.items.length !== LIST_OBJECTS) throw new Error(`listed ${result.items.length}, expected ${LIST_OBJECTS}`);
  }
  return `p50 ${ms(percentile(samples, 50))}, p99 ${ms(percentile(samples, 99))}`;
}

/** Each write carries its start time; every watcher records how long after that it received the event. */
async function deliveryLatency(store: CachedStore, prefix: string): Promise<{ p50: number; p99: number }> {
  const start = await store.currentRevision();
  const samples: number[] = [];
  const watchers = Array.from({ length: WATCHERS }, () => store.watch(prefix, { revision: start }));
  const consumers = watchers.map(async (watcher) => {
    let seen = 0;
    for await (const event of watcher.events) {
      const spec = event.object.spec;
      if (typeof spec === 'object' && spec !== null && 'sentAt' in spec && typeof spec.sentAt === 'number') {
        samples.push(performance.now() - spec.sentAt);
      }
      seen += 1;
      if (seen === WATCHED_WRITES) return;
    }
  });
  for (let i = 0; i < WATCHED_WRITES; i += 1) {
    await store.create(key(i, 'watched'), benchObject(i, { sentAt: performance.now() }));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(consumers);
  for (const watcher of watchers) watcher.stop();
  if (samples.length !== WATCHERS * WATCHED_WRITES) throw new Error(`got ${samples.length} deliveries, expected ${WATCHERS * WATCHED_WRITES}`);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

function memoryOf(args: string[]): string {
  // The same V8 flags as the `vigil` executable's shebang: this child stands for the serving process.
  const child = spawnSync(process.execPath, ['--expose-gc', '--max-semi-space-size=2', join(import.meta.dirname, 'storage-memory.child.ts'), ...args], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (child.status !== 0) throw new Error(`memory child failed: ${child.stderr}`);
  const parsed: unknown = JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}');
  if (typeof parsed !== 'object' || parsed === null || !('rss' in parsed) || typeof parsed.rss !== 'number') {
    throw new Error(`memory child printed ${child.stdout}`);
  }
  return mib(parsed.rss);
}

async function measure(store: CachedStore, counts: { sequential: number; concurrent: number }, memory: string): Promise<Figures> {
  const half = LIST_OBJECTS / 2;
  const createSequential = await throughput(half, 1, (i) => store.create(key(i, 'list'), benchObject(i)));
  const createConcurrent = await throughput(half, 32, (i) => store.create(key(half + i, 'list'), benchObject(half + i)));
  const updateSequential = await throughput(counts.sequential, 1, (i) => store.guaranteedUpdate(key(i % LIST_OBJECTS, 'list'), bump));
  const updateConcurrent = await throughput(counts.concurrent, 32, (i) => store.guaranteedUpdate(key(i % LIST_OBJECTS, 'list'), bump));
  const listConsistent = await listLatency(store, `${BENCH_PREFIX}list/`, false, 10);
  const listCached = await listLatency(store, `${BENCH_PREFIX}list/`, true, 20);
  const delivery = await deliveryLatency(store, `${BENCH_PREFIX}watched/`);
  return {
    createSequential,
    createConcurrent,
    updateSequential,
    updateConcurrent,
    listConsistent,
    listCached,
    deliveryP50: ms(delivery.p50),
    deliveryP99: ms(delivery.p99),
    memory,
  };
}

export async function storageBenchmark(): Promise<string> {
  const dir = makeTempDir('bench-store');
  const etcd = await startEtcd();
  try {
    const embeddedMemory = memoryOf(['embedded', join(dir, 'memory')]);
    const etcdMemory = memoryOf(['etcd', etcd.endpoint]);

    const embedded = await CachedStore.open({ backend: openEmbeddedStore({ path: embeddedStorePath(join(dir, 'bench')) }) });
    const embeddedFigures = await measure(embedded, { sequential: 20_000, concurrent: 20_000 }, embeddedMemory);
    await embedded.close();

    const overEtcd = await CachedStore.open({ backend: new EtcdStore({ endpoints: [etcd.endpoint] }) });
    const etcdFigures = await measure(overEtcd, { sequential: 3000, concurrent: 3000 }, etcdMemory);
    await overEtcd.close();

    const rows: Row[] = [
      { measure: 'create, sequential', values: [embeddedFigures.createSequential, etcdFigures.createSequential] },
      { measure: 'create, 32 in flight', values: [embeddedFigures.createConcurrent, etcdFigures.createConcurrent] },
      { measure: 'update (guaranteedUpdate), sequential', values: [embeddedFigures.updateSequential, etcdFigures.updateSequential], target: '≥ 5,000/s (embedded)' },
      { measure: 'update (guaranteedUpdate), 32 in flight', values: [embeddedFigures.updateConcurrent, etcdFigures.updateConcurrent] },
      { measure: `list ${LIST_OBJECTS.toLocaleString('en')} objects, consistent (backend)`, values: [embeddedFigures.listConsistent, etcdFigures.listConsistent] },
      { measure: `list ${LIST_OBJECTS.toLocaleString('en')} objects, from the watch cache`, values: [embeddedFigures.listCached, etcdFigures.listCached] },
      { measure: `write-to-delivery, ${WATCHERS.toLocaleString('en')} watchers, p50`, values: [embeddedFigures.deliveryP50, etcdFigures.deliveryP50] },
      { measure: `write-to-delivery, ${WATCHERS.toLocaleString('en')} watchers, p99`, values: [embeddedFigures.deliveryP99, etcdFigures.deliveryP99], target: '≤ 50 ms (embedded)' },
      { measure: `process memory (RSS) holding ${LIST_OBJECTS.toLocaleString('en')} objects`, values: [embeddedFigures.memory, etcdFigures.memory], target: '< 150 MiB (embedded)' },
    ];
    return [
      '## Store (issue 2)',
      '',
      `Each backend behind the watch cache, as \`vigil serve\` runs it. Objects are Container resources of ~1.7 KB. ` +
        `Sequential updates: ${(20_000).toLocaleString('en')} (embedded) and ${(3000).toLocaleString('en')} (etcd); each write returns once the cache has seen it. ` +
        `Delivery: ${WATCHED_WRITES} creates 5 ms apart, each timed from before the write to its arrival at every one of ${WATCHERS.toLocaleString('en')} watchers. ` +
        `Memory: a separate process (backend client + cache) after creating ${LIST_OBJECTS.toLocaleString('en')} objects and a full GC; for etcd, not counting the etcd server.`,
      '',
      table(['embedded (SQLite)', 'etcd 3.4 (single member, same machine)'], rows),
    ].join('\n');
  } finally {
    await etcd.cleanup();
    removeTempDir(dir);
  }
}
