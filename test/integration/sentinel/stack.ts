// The REST facade with the controllers behind it, as `vigil serve` stacks them, against a real Docker engine (or
// none: then the Container resources are written by the test): the embedded store behind the watch cache, one
// resource registry for the app and the controller manager, the Docker host and inventory controllers, and buildApp
// with the same services `vigil serve` passes (cli/controllers.ts).
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../apiserver/app.ts';
import { CachedStore } from '../../../apiserver/storage/cache/cached-store.ts';
import { openEmbeddedStore } from '../../../apiserver/storage/sqlite/store.ts';
import { ResourceRegistry } from '../../../apiserver/resources/registry.ts';
import type { SentinelServices } from '../../../apiserver/sentinel/context.ts';
import { Manager } from '../../../controllers/runtime/index.ts';
import { registerDockerControllers, type DockerControllers } from '../../../controllers/docker-hosts.ts';
import { testCredentials } from '../../../controllers/registry/credential-test.ts';
import { testAuth, type TestAuth } from '../../testbed/auth.ts';
import { makeTempDir, removeTempDir } from '../../testbed/daemon.ts';
import type { Response } from '../apiserver/fixtures/api.ts';

export interface FacadeStack {
  app: FastifyInstance;
  registry: ResourceRegistry;
  manager: Manager;
  /** Absent when started without a Docker host (Container resources written by the test). */
  docker: DockerControllers | undefined;
  auth: TestAuth;
  /** A REST call with the admin's token (JSON body when given). */
  request(method: string, path: string, body?: unknown): Promise<Response>;
  /** Polls `check` every 50 ms until it gives a value; fails naming `what` after `timeoutMs`. */
  eventually<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export interface FacadeStackOptions {
  /** The Docker host of Host `local`; without one, no Docker controllers run. */
  defaultDockerHost?: string;
  /** Registers more controllers on the manager and returns the services they give the facade. */
  more?: (manager: Manager, registry: ResourceRegistry, docker: DockerControllers | undefined) => SentinelServices;
}

export async function startFacadeStack(options: FacadeStackOptions): Promise<FacadeStack> {
  const dir = makeTempDir('facade');
  const store = await CachedStore.open({ backend: openEmbeddedStore({ path: join(dir, 'vigil.db'), compactionIntervalMs: 0 }) });
  const registry = new ResourceRegistry({ store });
  const manager = new Manager({ client: registry, metricsRegistry: new Registry() });
  const docker = options.defaultDockerHost === undefined
    ? undefined
    : registerDockerControllers({ manager, defaultDockerHost: options.defaultDockerHost, backoff: { initialMs: 200, maxMs: 2000 } });
  const more = options.more?.(manager, registry, docker) ?? {};
  await manager.start();
  const auth = await testAuth();
  const app = await buildApp({
    store,
    resources: registry,
    auth: auth.auth,
    logger: false,
    ...(docker === undefined ? {} : { containerLogs: docker.logs }),
    sentinel: {
      ...(docker === undefined ? {} : { docker: { client: (host) => docker.sessions.get(host)?.client, logs: docker.logs } }),
      credentials: { test: testCredentials },
      ...more,
    },
  });
  await app.ready();
  return {
    app,
    registry,
    manager,
    docker,
    auth,
    request: async (method, path, body) => {
      const response = await app.inject({
        method: method as 'GET',
        url: path,
        headers: { ...auth.headers(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      return { status: response.statusCode, headers: response.headers, text: response.body, json: <T>() => JSON.parse(response.body) as T };
    },
    eventually: async <T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await check();
        if (value !== undefined && value !== false) return value;
        if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
        await sleep(50);
      }
    },
    close: async () => {
      await manager.stop();
      await app.close();
      await store.close();
      await auth.close();
      removeTempDir(dir);
    },
  };
}
