// A single-node Swarm for a test file: its own engine (docker.ts) turned into a manager, plus a client of the service
// calls over that engine's socket and a condition wait with the generous deadline a loaded 2-core machine needs.
import { DockerodeClient } from '../../controllers/docker/dockerode-client.ts';
import { swarmServiceApiFor } from '../../controllers/swarm/dockerode-service-api.ts';
import type { SwarmServiceApi } from '../../controllers/swarm/service-api.ts';
import { buildTestImage, initSwarm, startDockerEngine, type DockerEngine } from './docker.ts';
import type { TestRegistry } from './registry.ts';

/** Swarm convergence (scheduling, health checks, start-first overlap) is slow when colleagues load the machine. */
export const SWARM_WAIT_MS = 180_000;

export interface TestSwarm {
  readonly engine: DockerEngine;
  readonly api: SwarmServiceApi;
  readonly client: DockerodeClient;
  /** `docker service create -d` with the given flags; returns the service ID. */
  createService(name: string, image: string, flags?: string[]): Promise<string>;
  cleanup(): Promise<void>;
}

export async function startTestSwarm(name = 'swarm'): Promise<TestSwarm> {
  const engine = await startDockerEngine({ name });
  try {
    await initSwarm(engine);
  } catch (error) {
    await engine.cleanup();
    throw error;
  }
  const client = new DockerodeClient({ url: engine.host });
  const api = swarmServiceApiFor(client);
  if (api === undefined) throw new Error('the dockerode client has no service API');
  return {
    engine,
    api,
    client,
    createService: async (service, image, flags = []) =>
      (await engine.docker(['service', 'create', '-d', '--quiet', '--name', service, ...flags, image], { timeoutMs: 120_000 })).trim(),
    cleanup: async () => {
      client.close();
      await engine.docker(['swarm', 'leave', '--force'], { timeoutMs: 60_000 }).catch(() => undefined);
      await engine.cleanup();
    },
  };
}

/** Polls `read` until `ok`; fails with `what` and the last value seen. */
export async function waitUntil<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = SWARM_WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}; last: ${JSON.stringify(last).slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Builds a busybox test image (with a health check that passes, or one that fails) and pushes it; returns its digest. */
export async function pushTestImage(engine: DockerEngine, registry: TestRegistry, repository: string, tag: string, version: string, health: 'ok' | 'fail' = 'ok'): Promise<string> {
  const reference = `${registry.server}/${repository}:${tag}`;
  await buildTestImage(engine, { tag: reference, version, health });
  await engine.docker(['push', reference], { timeoutMs: 120_000 });
  const repoDigests = JSON.parse(await engine.docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', reference])) as string[];
  const entry = repoDigests.find((value) => value.startsWith(`${registry.server}/${repository}@`));
  if (entry === undefined) throw new Error(`docker push of ${reference} left no RepoDigest for it: ${JSON.stringify(repoDigests)}`);
  return entry.slice(entry.indexOf('@') + 1);
}
