// Issue 4's Docker figures, on one real engine: how long after `docker run` (create + start through the Engine API)
// the Container resource is visible and shows the container running; how long the discovery of 500 existing
// containers and a full resync of 500 known ones take; and the resident memory of a `vigil serve` process that
// follows 500 containers.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Dockerode from 'dockerode';
import type { ContainerStatus } from '../../schemas/generated/types.ts';
import type { ResourceObject } from '../../apiserver/resources/client.ts';
import { buildTestImage, startDockerEngine, type DockerEngine } from '../testbed/docker.ts';
import { freePort, makeTempDir, removeTempDir } from '../testbed/daemon.ts';
import { projectRoot } from '../testbed/provision.ts';
import { startRealStack, type RealStack } from '../integration/inventory/real-stack.ts';
import { mib, ms, percentile, pool, table } from './stats.ts';

const IMAGE = 'vigil-test/bench:1';
const RUNS = 100;
const CONTAINERS = 500;

/** Resolves when the Container `name` first satisfies `check`, with the time it was seen (performance.now()). */
class ContainerWatch {
  readonly #waiters = new Map<string, { check: (status: ContainerStatus) => boolean; resolve: (at: number) => void }[]>();
  readonly #stop: () => void;
  added = 0;

  constructor(stack: RealStack) {
    const watcher = stack.registry.watch('Container', { namespace: 'local' });
    this.#stop = () => watcher.stop();
    void (async () => {
      for await (const event of watcher.events) {
        const at = performance.now();
        if (event.type === 'ADDED') this.added += 1;
        const object = event.object as ResourceObject;
        const status = (object.status ?? {}) as ContainerStatus;
        const waiting = this.#waiters.get(object.metadata.name) ?? [];
        for (const waiter of [...waiting]) {
          if (!waiter.check(status)) continue;
          waiter.resolve(at);
          waiting.splice(waiting.indexOf(waiter), 1);
        }
      }
    })();
  }

  when(name: string, check: (status: ContainerStatus) => boolean): Promise<number> {
    return new Promise((resolve) => {
      const list = this.#waiters.get(name) ?? [];
      list.push({ check, resolve });
      this.#waiters.set(name, list);
    });
  }

  stop(): void {
    this.#stop();
  }
}

async function runLatency(engine: DockerEngine, docker: Dockerode): Promise<{ engine: number[]; visible: number[]; running: number[] }> {
  const stack = await startRealStack({ defaultDockerHost: engine.host });
  const watch = new ContainerWatch(stack);
  const engineTimes: number[] = [];
  const visible: number[] = [];
  const running: number[] = [];
  try {
    for (let index = 0; index < RUNS; index += 1) {
      const name = `run-${index}`;
      const seen = watch.when(name, () => true);
      const up = watch.when(name, (status) => status.state === 'running');
      const started = performance.now();
      const container = await docker.createContainer({ name, Image: IMAGE, Cmd: ['sleep', '3600'] });
      await container.start();
      engineTimes.push(performance.now() - started);
      visible.push((await seen) - started);
      running.push((await up) - started);
    }
  } finally {
    watch.stop();
    await stack.close();
  }
  await pool(RUNS, 8, async (index) => {
    await docker.getContainer(`run-${index}`).remove({ force: true });
  });
  return { engine: engineTimes, visible, running };
}

async function resync(engine: DockerEngine, docker: Dockerode): Promise<{ discovery: number; resync: number }> {
  await pool(CONTAINERS, 8, async (index) => {
    await docker.createContainer({ name: `idle-${index}`, Image: IMAGE, Cmd: ['sleep', '3600'], Labels: { bench: 'yes', index: String(index) } });
  });
  const started = performance.now();
  const stack = await startRealStack({ defaultDockerHost: engine.host });
  const watch = new ContainerWatch(stack);
  try {
    await Promise.all(Array.from({ length: CONTAINERS }, (_, index) => watch.when(`idle-${index}`, () => true)));
    const discovery = performance.now() - started;
    await stack.idle(120_000);
    // A changed Host spec replaces the session: connect, relist, and one pass over each of the 500 known containers.
    const relisted = new Promise<void>((resolve) => {
      const unsubscribe = stack.controllers.sessions.subscribe({
        resynced: (hostName) => {
          if (hostName !== 'local') return;
          unsubscribe();
          resolve();
        },
      });
    });
    const resyncStarted = performance.now();
    await stack.registry.modify('Host', undefined, 'local', (current) => ({ ...current, spec: { resyncInterval: '6m' } }));
    await relisted;
    await stack.idle(120_000);
    return { discovery, resync: performance.now() - resyncStarted };
  } finally {
    watch.stop();
    await stack.close();
  }
}

/** `vigil serve` following the engine's `expected` containers: its resident memory once all are discovered. */
async function serveMemory(engine: DockerEngine, expected: number): Promise<{ rss: number; peak: number }> {
  const dataDir = makeTempDir('bench-serve');
  const child = spawn(process.execPath, ['--max-semi-space-size=2', join(projectRoot, 'cli', 'vigil.ts'), 'serve',
    '--listen', '127.0.0.1', '--port', String(await freePort()), '--data-dir', dataDir, '--docker-host', engine.host, '--log-level', 'debug'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      let discovered = 0;
      const timer = setTimeout(() => reject(new Error(`only ${discovered} containers discovered in 120 s`)), 120_000);
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (line.includes('"container discovered"')) discovered += 1;
        else if (!(expected === 0 && line.includes('connected to the Docker engine'))) return;
        if (discovered === expected) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`vigil serve exited with ${code}`)));
    });
    // Let the second passes and the Host status settle before reading.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    return { rss: kib('VmRSS'), peak: kib('VmHWM') };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    removeTempDir(dataDir);
  }
}

export async function dockerBenchmark(): Promise<string> {
  const engine = await startDockerEngine({ name: 'bench' });
  try {
    await buildTestImage(engine, { tag: IMAGE, version: '1', health: 'none' });
    const docker = new Dockerode({ socketPath: engine.socketPath });
    const baseline = await serveMemory(engine, 0);
    const latency = await runLatency(engine, docker);
    const { discovery, resync: resyncMs } = await resync(engine, docker);
    const memory = await serveMemory(engine, CONTAINERS);
    const spread = (samples: number[]): string => `p50 ${ms(percentile(samples, 50))}, p99 ${ms(percentile(samples, 99))}`;
    return [
      `## Docker hosts and inventory (one engine, Docker ${(await engine.docker(['version', '--format', '{{.Server.Version}}'])).trim()})\n`,
      table(['value'], [
        { measure: `the engine itself: create + start calls return, ${RUNS} runs`, values: [spread(latency.engine)] },
        { measure: `\`docker run\` (create + start) → Container resource visible, ${RUNS} runs`, values: [spread(latency.visible)], target: '< 1 s' },
        { measure: `\`docker run\` → resource shows state running, ${RUNS} runs`, values: [spread(latency.running)], target: '< 1 s' },
        { measure: `discovery of ${CONTAINERS} existing containers at start (500 resources created)`, values: [`${(discovery / 1000).toFixed(2)} s`] },
        { measure: `full resync of ${CONTAINERS} known containers (relist + a pass over each, no writes)`, values: [`${(resyncMs / 1000).toFixed(2)} s`] },
        { measure: '`vigil serve` resident memory, engine without containers (peak)', values: [`${mib(baseline.rss)} (${mib(baseline.peak)})`] },
        { measure: `\`vigil serve\` resident memory following ${CONTAINERS} containers (peak)`, values: [`${mib(memory.rss)} (${mib(memory.peak)})`] },
      ]),
    ].join('\n');
  } finally {
    await engine.cleanup();
  }
}
