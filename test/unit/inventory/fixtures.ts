// The Docker controllers over fake engines: the real resource stack (embedded store in a temp folder, watch cache,
// registry), the real controller manager, and FakeDockerEngines reached through their endpoint URLs. Time is a
// FakeClock: backoff, retention and resync timers move only when a test advances it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { CachedStore } from '../../../apiserver/storage/cache/cached-store.ts';
import { openEmbeddedStore } from '../../../apiserver/storage/sqlite/store.ts';
import { ResourceRegistry } from '../../../apiserver/resources/registry.ts';
import { FakeClock, Manager } from '../../../controllers/runtime/index.ts';
import { registerDockerControllers, type DockerControllers } from '../../../controllers/docker-hosts.ts';
import type { DockerClient } from '../../../domain/docker/client.ts';
import type { DockerEndpoint } from '../../../controllers/docker/endpoint.ts';
import { FakeDockerEngine } from '../../../controllers/docker/fake/fake-engine.ts';
import type { ResourceClient, ResourceObject, WatchQuery } from '../../../apiserver/resources/client.ts';
import type { WatchEvent, Watcher } from '../../../apiserver/storage/interface.ts';
import { waitUntilIdle } from '../../testbed/controllers-idle.ts';
import { ForwardingClient } from '../../fakes/forwarding-client.ts';
import { deadlines } from '../../testbed/deadlines.ts';

export const LOCAL_ENDPOINT = 'unix:///fake/local.sock';

export interface DockerStack {
  clock: FakeClock;
  registry: ResourceRegistry;
  manager: Manager;
  controllers: DockerControllers;
  /** Engines by endpoint URL; tests may add more before a Host points at them. */
  engines: Map<string, FakeDockerEngine>;
  /** The endpoints connected so far, with their TLS material, in order. */
  connections: DockerEndpoint[];
  /** Waits until both controllers have nothing queued or in flight (delayed keys aside). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface DockerStackOptions {
  goneRetentionMs?: number;
  /** Delays every watch event the informers receive (real time), as a remote store (etcd) may. */
  watchDelayMs?: number;
  /** Engines by endpoint URL; default one engine at LOCAL_ENDPOINT. */
  engines?: Record<string, FakeDockerEngine>;
}

export async function startDockerStack(options: DockerStackOptions = {}): Promise<DockerStack> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-inventory-'));
  const clock = new FakeClock();
  const engines = new Map(Object.entries(options.engines ?? { [LOCAL_ENDPOINT]: new FakeDockerEngine({ now: () => new Date(clock.now()) }) }));
  const store = await CachedStore.open({ backend: openEmbeddedStore({ path: join(dir, 'vigil.db'), compactionIntervalMs: 0 }) });
  const registry = new ResourceRegistry({ store, now: () => new Date(clock.now()) });
  const client = options.watchDelayMs === undefined ? registry : new SlowWatchClient(registry, options.watchDelayMs);
  const manager = new Manager({ client, metricsRegistry: new Registry(), clock });
  const connections: DockerEndpoint[] = [];
  const connect = (endpoint: DockerEndpoint): DockerClient => {
    connections.push(endpoint);
    const engine = engines.get(endpoint.url);
    if (engine !== undefined) return engine.client(endpoint.url);
    // Nothing listens there: a client of an engine that is down.
    const nowhere = new FakeDockerEngine();
    nowhere.stopEngine();
    return nowhere.client(endpoint.url);
  };
  const controllers = registerDockerControllers({
    manager,
    defaultDockerHost: LOCAL_ENDPOINT,
    connect,
    backoff: { initialMs: 1000, maxMs: 8000 },
    ...(options.goneRetentionMs === undefined ? {} : { goneRetentionMs: options.goneRetentionMs }),
  });
  await manager.start();
  const idle = async (): Promise<void> => await waitUntilIdle([controllers.hosts, controllers.inventory]);
  return {
    clock,
    registry,
    manager,
    controllers,
    engines,
    connections,
    idle,
    close: async () => {
      await manager.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` passes (returns a value other than undefined/false); fails with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = deadlines.condition): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}${lastError === undefined ? '' : `: ${String(lastError)}`}`);
    await sleep(5);
  }
}

/** The resource, or undefined when it does not exist. */
export async function find(registry: ResourceRegistry, kind: string, namespace: string | undefined, name: string): Promise<ResourceObject | undefined> {
  try {
    return await registry.get(kind, namespace, name);
  } catch (error) {
    if (error instanceof Error && 'status' in error) return undefined;
    throw error;
  }
}


/** A ResourceClient whose watches deliver each event `delayMs` late (reads and writes are immediate). */
class SlowWatchClient extends ForwardingClient {
  readonly #delayMs: number;

  constructor(client: ResourceClient, delayMs: number) {
    super(client);
    this.#delayMs = delayMs;
  }

  override watch(kind: string, query?: WatchQuery): Watcher {
    const inner = this.inner.watch(kind, query);
    const delayMs = this.#delayMs;
    async function* delayed(): AsyncIterable<WatchEvent> {
      for await (const event of inner.events) {
        await sleep(delayMs);
        yield event;
      }
    }
    return {
      events: delayed(),
      stop: () => inner.stop(),
      get endReason() {
        return inner.endReason;
      },
    };
  }
}
