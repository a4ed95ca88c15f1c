// Issue 5's registry figures on the workload of registry-workload.ts, in one run against one registry: the full scan
// as `vigil serve` runs it (registry-scan.bench.ts: trigger → every Container status written), and the client and the
// check alone (phase 1, below: each distinct image checked once, 8 at a time, results kept in memory). Each is
// measured against the floor in the same run: registry requests per scan (cold, and within the tag-list TTL), wall
// time of a cold scan, and memory across 20 scans.
import { checkContainer, type ContainerCheckInput, type ContainerCheckResult } from '../../controllers/registry/check.ts';
import { RegistryClient } from '../../controllers/registry/client.ts';
import { startRegistry, type TestRegistry } from '../testbed/registry.ts';
import { fullScanBenchmark } from './registry-scan.bench.ts';
import { collectGarbage, CONCURRENCY, CONTAINERS_PER_REPOSITORY, floor, REPOSITORIES, repository, seed } from './registry-workload.ts';
import { mib, ms, percentile, pool, table } from './stats.ts';

const TIMED_RUNS = 7;
const MEMORY_SCANS = 20;

interface Container {
  input: ContainerCheckInput;
  result?: ContainerCheckResult;
}

function containers(registry: TestRegistry, digests: Map<string, string>): Container[] {
  const list: Container[] = [];
  for (let i = 0; i < REPOSITORIES; i += 1) {
    const digest = digests.get(`${repository(i)}:1.0.0`) ?? '';
    for (let c = 0; c < CONTAINERS_PER_REPOSITORY; c += 1) {
      list.push({ input: { image: `${registry.server}/${repository(i)}:1.0.0`, repoDigests: [`${registry.server}/${repository(i)}@${digest}`], platform: { os: 'linux', architecture: 'amd64' }, scope: 'major', policy: 'manual', now: 0 } });
    }
  }
  return list;
}

/** One scan: each distinct image checked once, CONCURRENCY at a time; every container gets its image's result. */
async function scan(client: RegistryClient, list: Container[]): Promise<void> {
  const byImage = new Map<string, Container[]>();
  for (const container of list) {
    const group = byImage.get(container.input.image) ?? [];
    group.push(container);
    byImage.set(container.input.image, group);
  }
  const groups = [...byImage.values()];
  const now = Date.now();
  await pool(groups.length, CONCURRENCY, async (index) => {
    const group = groups[index] ?? [];
    const first = group[0];
    if (first === undefined) return;
    const previous = first.result === undefined ? {} : { previous: { registryCheck: first.result.registryCheck, ...(first.result.pendingUpdate === undefined ? {} : { pendingUpdate: first.result.pendingUpdate }) } };
    const result = await checkContainer({ ...first.input, now, ...previous }, client);
    if (result.outcome !== 'update_available' || result.registryCheck.target?.tag !== '2.0.0') throw new Error(`unexpected check result for ${first.input.image}: ${result.outcome} ${result.registryCheck.lastError ?? ''}`);
    for (const container of group) container.result = result;
  });
}

function newClient(): RegistryClient {
  return new RegistryClient({ config: (server) => ({ server, insecure: true, concurrency: CONCURRENCY }) });
}

export async function registryBenchmark(): Promise<string> {
  const registry = await startRegistry({ mode: 'anonymous', name: 'bench-registry' });
  try {
    const digests = await seed(registry);
    const phase1 = await clientAndCheck(registry, digests);
    const phase2 = await fullScanBenchmark(registry, digests, () => floor(registry));
    return [phase2, phase1].join('\n\n');
  } finally {
    await registry.cleanup();
  }
}

/** Phase 1's figures: the client and the check alone, without the controller runtime and the store. */
async function clientAndCheck(registry: TestRegistry, digests: Map<string, string>): Promise<string> {
  {
    const list = containers(registry, digests);

    // Warm both paths once (JIT, the registry's caches), then alternate timed runs so that drift hits both alike.
    await floor(registry);
    const warm = newClient();
    await scan(warm, containers(registry, digests));
    await warm.close();
    const floorTimes: number[] = [];
    const coldTimes: number[] = [];
    let coldRequests = 0;
    let floorRequests = 0;
    for (let run = 0; run < TIMED_RUNS; run += 1) {
      let started = performance.now();
      floorRequests = await floor(registry);
      floorTimes.push(performance.now() - started);
      const client = newClient();
      started = performance.now();
      await scan(client, containers(registry, digests));
      coldTimes.push(performance.now() - started);
      coldRequests = client.stats(registry.server).requests;
      await client.close();
    }

    // 20 scans with one long-lived client, as the server keeps it: the first cold, the rest within the tag-list TTL.
    const gc = collectGarbage();
    const client = newClient();
    const heap: number[] = [];
    const rss: number[] = [];
    const warmRequests: number[] = [];
    const warmTimes: number[] = [];
    for (let i = 0; i < MEMORY_SCANS; i += 1) {
      const before = client.stats(registry.server).requests;
      const started = performance.now();
      await scan(client, list);
      if (i > 0) warmTimes.push(performance.now() - started);
      if (i > 0) warmRequests.push(client.stats(registry.server).requests - before);
      gc();
      const usage = process.memoryUsage();
      heap.push(usage.heapUsed);
      rss.push(usage.rss);
    }
    const stats = client.stats(registry.server);
    await client.close();

    const floorMedian = percentile(floorTimes, 50);
    const coldMedian = percentile(coldTimes, 50);
    const rows = [
      { measure: 'registry requests, cold scan', values: [String(floorRequests), `${coldRequests} (${(coldRequests / REPOSITORIES).toFixed(1)} per repository)`], target: '≤ 2 per repository' },
      { measure: 'registry requests, scans 2-20 (within the tag-list TTL)', values: ['–', `${Math.min(...warmRequests) === Math.max(...warmRequests) ? Math.min(...warmRequests) : `${Math.min(...warmRequests)}–${Math.max(...warmRequests)}`} per scan (HEADs of the targets); tag lists after the first scan: ${stats.byKind.tags - REPOSITORIES}`], target: 'no tag lists' },
      { measure: `wall time, cold scan (median of ${TIMED_RUNS})`, values: [ms(floorMedian), `${ms(coldMedian)} (${(coldMedian / floorMedian).toFixed(2)} × floor)`], target: '≤ 1.3 × floor' },
      { measure: 'wall time, warm scan (median of 19)', values: ['–', ms(percentile(warmTimes, 50))] },
      { measure: 'heap after GC, scan 1 → 20', values: ['–', `${mib(heap[0] ?? 0)} → ${mib(heap.at(-1) ?? 0)} (max ${mib(Math.max(...heap))})`], target: 'flat' },
      { measure: 'RSS, scan 1 → 20', values: ['–', `${mib(rss[0] ?? 0)} → ${mib(rss.at(-1) ?? 0)}`], target: 'flat' },
    ];
    return [
      `### The client and the check alone (phase 1: no controller runtime, no store)\n`,
      `Distinct images checked once each, ${CONCURRENCY} at a time, results kept in memory.\n`,
      table(['floor (bare undici, 1 tag list + 1 HEAD per repository)', 'Vigil client + check'], rows),
    ].join('\n');
  }
}
