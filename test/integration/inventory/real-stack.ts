// Vigil's Docker controllers as `vigil serve` runs them, against real engines: the embedded store in a temp folder
// with the watch cache, the resource registry, the controller manager on the wall clock, the dockerode client.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { CachedStore } from '../../../apiserver/storage/cache/cached-store.ts';
import { openEmbeddedStore } from '../../../apiserver/storage/sqlite/store.ts';
import { ResourceRegistry } from '../../../apiserver/resources/registry.ts';
import type { ResourceObject } from '../../../apiserver/resources/client.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import { Manager } from '../../../controllers/runtime/index.ts';
import { registerDockerControllers, type DockerControllers } from '../../../controllers/docker-hosts.ts';
import { waitUntilIdle } from '../../testbed/controllers-idle.ts';

export interface RealStack {
  registry: ResourceRegistry;
  manager: Manager;
  controllers: DockerControllers;
  /** Waits until both controllers have nothing queued or in flight. */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startRealStack(options: { defaultDockerHost: string; goneRetentionMs?: number }): Promise<RealStack> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-real-'));
  const store = await CachedStore.open({ backend: openEmbeddedStore({ path: join(dir, 'vigil.db'), compactionIntervalMs: 0 }) });
  const registry = new ResourceRegistry({ store });
  const manager = new Manager({ client: registry, metricsRegistry: new Registry() });
  const controllers = registerDockerControllers({
    manager,
    defaultDockerHost: options.defaultDockerHost,
    // Quick reconnection, so that an engine restart is followed within seconds.
    backoff: { initialMs: 200, maxMs: 2000 },
    ...(options.goneRetentionMs === undefined ? {} : { goneRetentionMs: options.goneRetentionMs }),
  });
  await manager.start();
  return {
    registry,
    manager,
    controllers,
    idle: async (timeoutMs = 30_000) => await waitUntilIdle([controllers.hosts, controllers.inventory], { timeoutMs, settleMs: 100, pollMs: 10 }),
    close: async () => {
      await manager.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Polls every `intervalMs` (default 10) until `check` gives a value; fails with `what` after `timeoutMs`. Resolves with
 * the value and the time it took.
 */
export async function within<T>(
  timeoutMs: number,
  what: string,
  intervalOrCheck: number | (() => Promise<T | undefined | false>),
  maybeCheck?: () => Promise<T | undefined | false>,
): Promise<{ value: T; ms: number }> {
  const intervalMs = typeof intervalOrCheck === 'number' ? intervalOrCheck : 10;
  const check = typeof intervalOrCheck === 'number' ? maybeCheck : intervalOrCheck;
  if (check === undefined) throw new Error('within: no check given');
  const started = performance.now();
  for (;;) {
    const value = await check();
    const ms = performance.now() - started;
    if (value !== undefined && value !== false) return { value, ms };
    if (ms > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(intervalMs);
  }
}

export async function findResource(registry: ResourceRegistry, kind: string, namespace: string | undefined, name: string): Promise<ResourceObject | undefined> {
  try {
    return await registry.get(kind, namespace, name);
  } catch (error) {
    if (isApiError(error, 'NotFound')) return undefined;
    throw error;
  }
}
