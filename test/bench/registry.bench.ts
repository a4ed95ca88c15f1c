// Issue 5's registry figures, phase 1 (the client and the check, without the controller runtime): the workload is 50
// repositories with tags 1.0.0, 1.0.1, 1.1.0 and 2.0.0 (distinct digests) in a local registry and 200 containers, 4
// per repository, at 1.0.0 with scope major. A scan checks each distinct image once (8 at a time) and applies the
// result to its 4 containers. Measured in the same run: registry requests per scan (cold, and within the tag-list
// TTL), wall time of a cold scan against the floor (one tag list and one HEAD per repository at concurrency 8 with a
// bare undici client), and memory across 20 scans.
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { Agent, request } from 'undici';
import { checkContainer, type ContainerCheckInput, type ContainerCheckResult } from '../../controllers/registry/check.ts';
import { RegistryClient } from '../../controllers/registry/client.ts';
import { MANIFEST_ACCEPT } from '../../controllers/registry/manifest.ts';
import { pushImage } from '../testbed/registry-push.ts';
import { startRegistry, type TestRegistry } from '../testbed/registry.ts';
import { mib, ms, percentile, pool, table } from './stats.ts';

const REPOSITORIES = 50;
const CONTAINERS_PER_REPOSITORY = 4;
const VERSIONS = ['1.0.0', '1.0.1', '1.1.0', '2.0.0'];
const CONCURRENCY = 8;
const TIMED_RUNS = 7;
const MEMORY_SCANS = 20;

interface Container {
  input: ContainerCheckInput;
  result?: ContainerCheckResult;
}

function repository(i: number): string {
  return `bench/app-${String(i).padStart(2, '0')}`;
}

async function seed(registry: TestRegistry): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  await pool(REPOSITORIES, 8, async (i) => {
    for (const version of VERSIONS) {
      const pushed = await pushImage(registry, repository(i), [version], { version: `${repository(i)} ${version}` });
      digests.set(`${repository(i)}:${version}`, pushed.digest);
    }
  });
  return digests;
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

/** The floor: one tag list and one HEAD per repository, CONCURRENCY at a time, a bare undici client. */
async function floor(registry: TestRegistry): Promise<number> {
  const agent = new Agent({ connections: CONCURRENCY });
  let requests = 0;
  try {
    await pool(REPOSITORIES, CONCURRENCY, async (i) => {
      const tags = await request(`${registry.url}/v2/${repository(i)}/tags/list`, { dispatcher: agent });
      const body = (await tags.body.json()) as { tags: string[] };
      const head = await request(`${registry.url}/v2/${repository(i)}/manifests/${body.tags.includes('2.0.0') ? '2.0.0' : '1.0.0'}`, { method: 'HEAD', headers: { accept: MANIFEST_ACCEPT }, dispatcher: agent });
      await head.body.dump();
      requests += 2;
    });
  } finally {
    await agent.close();
  }
  return requests;
}

function newClient(): RegistryClient {
  return new RegistryClient({ config: (server) => ({ server, insecure: true, concurrency: CONCURRENCY }) });
}

function collectGarbage(): () => void {
  setFlagsFromString('--expose_gc');
  const gc: unknown = runInNewContext('gc');
  return typeof gc === 'function' ? () => (gc as () => void)() : () => undefined;
}

export async function registryBenchmark(): Promise<string> {
  const registry = await startRegistry({ mode: 'anonymous', name: 'bench-registry' });
  try {
    const digests = await seed(registry);
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
      `## Registry checks (phase 1: client and check, no controller runtime)\n`,
      `Workload: ${REPOSITORIES} repositories × tags ${VERSIONS.join(', ')} (distinct digests) in docker-registry 2.8 on 127.0.0.1; ${REPOSITORIES * CONTAINERS_PER_REPOSITORY} containers, ${CONTAINERS_PER_REPOSITORY} per repository, at 1.0.0, scope major; every check must find 2.0.0. Distinct images checked once each, ${CONCURRENCY} at a time; registry concurrency ${CONCURRENCY}.\n`,
      table(['floor (bare undici, 1 tag list + 1 HEAD per repository)', 'Vigil client + check'], rows),
    ].join('\n');
  } finally {
    await registry.cleanup();
  }
}
