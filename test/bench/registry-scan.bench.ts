// The full scan as `vigil serve` runs it, on issue 5's workload (registry-workload.ts): the embedded store behind the
// watch cache (opened as `vigil serve` opens it), the resource registry, the controller manager and the registry-check
// controllers. The 200 containers are Container resources whose status the benchmark writes as the inventory would
// (image, RepoDigests, state, effective settings): 200 real containers would make it measure Docker, not the scan.
// A scan is timed from the trigger (the Settings `spec.scan` write, as POST /api/scan does it) to the Settings status
// write that ends it, which comes after every Container status is written; every container is then verified.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry as MetricsRegistry } from 'prom-client';
import { ResourceRegistry } from '../../apiserver/resources/registry.ts';
import type { CachedStore } from '../../apiserver/storage/cache/cached-store.ts';
import { openStore } from '../../apiserver/storage/open.ts';
import { keyFromText, SecretBox } from '../../apiserver/auth/secret-box.ts';
import { registerRegistryCheckControllers, type RegistryCheckControllers } from '../../controllers/registry-check/register.ts';
import { requestScan } from '../../controllers/registry-check/requests.ts';
import { Manager } from '../../controllers/runtime/index.ts';
import type { Container, Settings } from '../../schemas/generated/types.ts';
import type { TestRegistry } from '../testbed/registry.ts';
import { collectGarbage, CONCURRENCY, CONTAINERS_PER_REPOSITORY, REPOSITORIES, repository } from './registry-workload.ts';
import { mib, ms, percentile, table } from './stats.ts';

const TIMED_RUNS = 7;
const MEMORY_SCANS = 20;

interface ScanStack {
  api: ResourceRegistry;
  checks: RegistryCheckControllers;
  close(): Promise<void>;
}

async function startStack(registry: TestRegistry, digests: Map<string, string>): Promise<ScanStack> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-scan-'));
  const logger = pino({ level: 'silent' });
  const store: CachedStore = await openStore({ kind: 'embedded' }, { dataDir: dir, logger, encryption: new SecretBox([keyFromText(SecretBox.generateKeyText())]) });
  const api = new ResourceRegistry({ store });
  await api.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Registry', metadata: { name: 'bench' }, spec: { server: registry.server, insecure: true, concurrency: CONCURRENCY } });
  // Paused: scans run only when the benchmark asks (a requested scan runs while paused).
  await api.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: { paused: true, scanConcurrency: CONCURRENCY } });
  for (let i = 0; i < REPOSITORIES; i += 1) {
    const digest = digests.get(`${repository(i)}:1.0.0`) ?? '';
    for (let c = 0; c < CONTAINERS_PER_REPOSITORY; c += 1) {
      const name = `app-${i}-${c}`;
      const container: Container = {
        apiVersion: 'vigil.dev/v1alpha1',
        kind: 'Container',
        metadata: { name, namespace: 'local' },
        spec: { hostRef: 'local', containerName: name },
        status: {
          id: `${String(i).padStart(32, '0')}${String(c).padStart(32, '0')}`,
          name,
          image: `${registry.server}/${repository(i)}:1.0.0`,
          imageID: `sha256:${String(i).padStart(64, '0')}`,
          repoDigests: [`${registry.server}/${repository(i)}@${digest}`],
          state: 'running',
          labels: { 'sentinel.semver': 'major' },
          effective: { policy: { value: 'manual', source: 'default' }, versionScope: { value: 'major', source: 'label' } },
        },
      };
      await api.create(container, { includeStatus: true });
    }
  }
  const manager = new Manager({ client: api, metricsRegistry: new MetricsRegistry(), logger });
  const checks = registerRegistryCheckControllers({ manager });
  await manager.start();
  return {
    api,
    checks,
    close: async () => {
      await manager.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One requested scan, timed from the request to the Settings status write that ends it. */
async function timedScan(api: ResourceRegistry): Promise<{ ms: number; requestedAt: string }> {
  const current = await api.get('Settings', undefined, 'default');
  const controller = new AbortController();
  const watcher = api.watch('Settings', { resourceVersion: current.metadata.resourceVersion ?? '0', signal: controller.signal });
  const started = performance.now();
  const requestedAt = await requestScan(api);
  try {
    for await (const event of watcher.events) {
      if ((event.object as Settings).status?.handledRequests?.scan === requestedAt) return { ms: performance.now() - started, requestedAt };
    }
  } finally {
    controller.abort();
    watcher.stop();
  }
  throw new Error('the Settings watch ended before the scan did');
}

/**
 * Every container was checked since `checkedSince` (the scan's own request; for a scan within the hour after another,
 * that first scan's: an unchanged result is not written, lastChecked moves at most hourly) and offers 2.0.0.
 */
async function verify(api: ResourceRegistry, checkedSince: string): Promise<void> {
  const list = await api.list('Container', { namespace: 'local' });
  if (list.items.length !== REPOSITORIES * CONTAINERS_PER_REPOSITORY) throw new Error(`expected ${REPOSITORIES * CONTAINERS_PER_REPOSITORY} containers, found ${list.items.length}`);
  for (const item of list.items) {
    const check = (item as Container).status?.registryCheck;
    if (check?.target?.tag !== '2.0.0' || Date.parse(check.lastChecked ?? '') < Date.parse(checkedSince) - 1) {
      throw new Error(`${item.metadata.name}: not checked by the scan (${JSON.stringify(check)})`);
    }
  }
}

export async function fullScanBenchmark(registry: TestRegistry, digests: Map<string, string>, floor: () => Promise<number>): Promise<string> {
  // Warm both paths once (JIT, the registry's caches), then alternate timed runs so that drift hits both alike.
  await floor();
  const warm = await startStack(registry, digests);
  await verify(warm.api, (await timedScan(warm.api)).requestedAt);
  await warm.close();

  const floorTimes: number[] = [];
  const coldTimes: number[] = [];
  let floorRequests = 0;
  let coldRequests = 0;
  let coldTagLists = 0;
  for (let run = 0; run < TIMED_RUNS; run += 1) {
    const started = performance.now();
    floorRequests = await floor();
    floorTimes.push(performance.now() - started);
    // A new server: an empty tag-list cache, new sessions.
    const stack = await startStack(registry, digests);
    try {
      const scan = await timedScan(stack.api);
      coldTimes.push(scan.ms);
      const stats = stack.checks.access.client.stats(registry.server);
      coldRequests = stats.requests;
      coldTagLists = stats.byKind.tags;
      await verify(stack.api, scan.requestedAt);
    } finally {
      await stack.close();
    }
  }

  // 20 scans on one long-lived server: the first cold, the rest within the tag-list TTL (15 min).
  const gc = collectGarbage();
  const stack = await startStack(registry, digests);
  const heap: number[] = [];
  const rss: number[] = [];
  const warmRequests: number[] = [];
  const warmTagLists: number[] = [];
  const warmTimes: number[] = [];
  let firstRequestedAt: string | undefined;
  try {
    for (let i = 0; i < MEMORY_SCANS; i += 1) {
      const before = stack.checks.access.client.stats(registry.server);
      const scan = await timedScan(stack.api);
      const after = stack.checks.access.client.stats(registry.server);
      if (i > 0) {
        warmTimes.push(scan.ms);
        warmRequests.push(after.requests - before.requests);
        warmTagLists.push(after.byKind.tags - before.byKind.tags);
      }
      firstRequestedAt ??= scan.requestedAt;
      await verify(stack.api, firstRequestedAt);
      gc();
      const usage = process.memoryUsage();
      heap.push(usage.heapUsed);
      rss.push(usage.rss);
    }
  } finally {
    await stack.close();
  }

  const floorMedian = percentile(floorTimes, 50);
  const coldMedian = percentile(coldTimes, 50);
  const range = (values: number[]): string => (Math.min(...values) === Math.max(...values) ? String(values[0]) : `${Math.min(...values)}–${Math.max(...values)}`);
  const rows = [
    { measure: 'registry requests, cold scan', values: [String(floorRequests), `${coldRequests} (${(coldRequests / REPOSITORIES).toFixed(1)} per repository; ${coldTagLists} tag lists)`], target: '≤ 2 per repository' },
    { measure: 'registry requests, scans 2-20 (within the tag-list TTL)', values: ['–', `${range(warmRequests)} per scan (HEADs of the targets); tag lists: ${range(warmTagLists)}`], target: 'no tag lists' },
    { measure: `full scan, cold: trigger → 200 statuses written (median of ${TIMED_RUNS})`, values: [ms(floorMedian), `${ms(coldMedian)} (${(coldMedian / floorMedian).toFixed(2)} × floor)`], target: '≤ 1.3 × floor' },
    { measure: 'full scan, cold: each run', values: [floorTimes.map((value) => value.toFixed(0)).join(', '), coldTimes.map((value) => value.toFixed(0)).join(', ')] },
    { measure: 'full scan within the TTL (median of 19)', values: ['–', ms(percentile(warmTimes, 50))] },
    { measure: 'heap after GC, scan 1 → 20', values: ['–', `${mib(heap[0] ?? 0)} → ${mib(heap.at(-1) ?? 0)} (max ${mib(Math.max(...heap))})`], target: 'flat' },
    { measure: 'RSS, scan 1 → 20', values: ['–', `${mib(rss[0] ?? 0)} → ${mib(rss.at(-1) ?? 0)}`], target: 'flat' },
  ];
  return [
    `## Registry checks: the full scan (issue 5)\n`,
    `Workload: ${REPOSITORIES} repositories × tags 1.0.0, 1.0.1, 1.1.0, 2.0.0 (distinct digests) in docker-registry 2.8 on 127.0.0.1; ${REPOSITORIES * CONTAINERS_PER_REPOSITORY} containers, ${CONTAINERS_PER_REPOSITORY} per repository, at 1.0.0, scope major, as Container resources in the embedded store (status seeded as the inventory writes it; no Docker). Settings scanConcurrency ${CONCURRENCY}, Registry concurrency ${CONCURRENCY}. A scan is timed from the Settings spec.scan write to the status write that ends it (after all 200 Container status writes); every container is verified to offer 2.0.0 afterwards.\n`,
    table(['floor (bare undici, 1 tag list + 1 HEAD per repository)', 'vigil: requested scan, controllers + store'], rows),
  ].join('\n');
}
