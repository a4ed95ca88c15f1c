// The update controller as `vigil serve` runs it, on a real engine and the registry test bed: the embedded store in a
// temp folder with the watch cache, the resource registry, the controller manager, the Docker host and inventory
// controllers, and the update controller. The registry check is played by `check()`: the registry-check code
// (controllers/registry/check.ts) against the real registry, its result written into status as that controller does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry as MetricsRegistry } from 'prom-client';
import { CachedStore } from '../../../apiserver/storage/cache/cached-store.ts';
import { openEmbeddedStore } from '../../../apiserver/storage/sqlite/store.ts';
import { ResourceRegistry } from '../../../apiserver/resources/registry.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import { containerResourceName } from '../../../schemas/container-name.ts';
import type { Container, ContainerStatus, SettingsSpec, UpdateRecord } from '../../../schemas/generated/types.ts';
import { Manager, statusOf, systemClock, writeStatus, type Clock } from '../../../controllers/runtime/index.ts';
import { registerDockerControllers, type DockerControllers } from '../../../controllers/docker-hosts.ts';
import { registerUpdateController, type UpdateController } from '../../../controllers/update/controller/update-controller.ts';
import { checkContainer } from '../../../controllers/registry/check.ts';
import { RegistryClient } from '../../../controllers/registry/client.ts';
import type { VersionScope } from '../../../controllers/registry/versions.ts';
import type { TestRegistry } from '../../testbed/registry.ts';
import { deadlines } from '../../testbed/deadlines.ts';

export interface UpdateStack {
  registry: ResourceRegistry;
  manager: Manager;
  docker: DockerControllers;
  update: UpdateController;
  container(dockerName: string): Promise<Container | undefined>;
  /** Polls (real time) until `check` holds for the Container of `dockerName`. */
  waitFor(dockerName: string, what: string, check: (status: ContainerStatus, container: Container) => boolean, timeoutMs?: number): Promise<Container>;
  /** A registry check of the container now, written as the registry-check controller writes it. */
  check(dockerName: string): Promise<ContainerStatus>;
  records(dockerName?: string): Promise<UpdateRecord[]>;
  settings(spec: SettingsSpec): Promise<void>;
  close(): Promise<void>;
}

export interface UpdateStackOptions {
  dockerHost: string;
  testRegistry: TestRegistry;
  settings?: SettingsSpec;
  clock?: Clock;
  healthTimeoutMs?: number;
  /** The Host whose Containers and UpdateRecords the helpers address. Default local. */
  namespace?: string;
  /** Registers more controllers on the manager before it starts (the portainer controller). */
  setup?: (manager: Manager) => void;
}

export async function startUpdateStack(options: UpdateStackOptions): Promise<UpdateStack> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-update-stack-'));
  const clock = options.clock ?? systemClock;
  const store = await CachedStore.open({ backend: openEmbeddedStore({ path: join(dir, 'vigil.db'), compactionIntervalMs: 0 }) });
  const registry = new ResourceRegistry({ store, now: () => new Date(clock.now()) });
  await registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: { gracePeriod: '0s', updateConcurrency: 4, ...options.settings } });
  const manager = new Manager({ client: registry, metricsRegistry: new MetricsRegistry(), clock });
  const docker = registerDockerControllers({ manager, defaultDockerHost: options.dockerHost, backoff: { initialMs: 200, maxMs: 2000 } });
  const update = registerUpdateController({ manager, sessions: docker.sessions, healthTimeoutMs: options.healthTimeoutMs ?? deadlines.healthy, retryMs: 1000 });
  options.setup?.(manager);
  const namespace = options.namespace ?? 'local';
  await manager.start();
  const checker = new RegistryClient({ config: (server) => (server === options.testRegistry.server ? { server, insecure: true } : undefined) });

  const container = async (dockerName: string): Promise<Container | undefined> => {
    try {
      return (await registry.get('Container', namespace, containerResourceName(dockerName))) as unknown as Container;
    } catch (error) {
      if (isApiError(error, 'NotFound')) return undefined;
      throw error;
    }
  };
  const waitFor: UpdateStack['waitFor'] = async (dockerName, what, check, timeoutMs = deadlines.containerCondition) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await container(dockerName);
      if (found?.status !== undefined && check(found.status, found)) return found;
      if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${dockerName}: ${what}; status ${JSON.stringify(found?.status?.operation ?? found?.status?.conditions ?? null)}`);
      await sleep(25);
    }
  };
  return {
    registry,
    manager,
    docker,
    update,
    container,
    waitFor,
    check: async (dockerName) => {
      const found = await waitFor(dockerName, 'discovered with its effective settings', (status) => status.effective?.policy !== undefined && status.repoDigests !== undefined);
      const status = found.status ?? {};
      const result = await checkContainer({
        image: status.image ?? '',
        ...(status.imageID === undefined ? {} : { imageID: status.imageID }),
        repoDigests: status.repoDigests ?? [],
        platform: { os: 'linux', architecture: 'amd64' },
        labels: status.labels ?? {},
        scope: (status.effective?.versionScope?.value ?? 'default') as VersionScope,
        policy: status.effective?.policy?.value ?? 'manual',
        ...(status.self === undefined ? {} : { self: status.self }),
        ...(found.spec?.rejectedUpdate === undefined ? {} : { rejectedUpdate: found.spec.rejectedUpdate }),
        ...(found.spec?.ignoredVersions === undefined ? {} : { ignoredVersions: found.spec.ignoredVersions }),
        previous: { ...(status.registryCheck === undefined ? {} : { registryCheck: status.registryCheck }), ...(status.pendingUpdate === undefined ? {} : { pendingUpdate: status.pendingUpdate }) },
        now: clock.now(),
        purpose: 'manual',
      }, checker);
      if (result.error !== undefined) throw result.error;
      const written = await writeStatus(registry, 'Container', namespace, containerResourceName(dockerName), (current) => {
        const next: ContainerStatus = { ...(statusOf(current) as ContainerStatus), registryCheck: result.registryCheck };
        if (result.pendingUpdate === undefined) delete next.pendingUpdate;
        else next.pendingUpdate = result.pendingUpdate;
        return next as Record<string, unknown>;
      }, { fieldManager: 'vigil-registry-check' });
      return (written.status ?? {}) as ContainerStatus;
    },
    records: async (dockerName) => {
      const list = await registry.list('UpdateRecord', { namespace });
      return (list.items as unknown as UpdateRecord[])
        .filter((record) => dockerName === undefined || record.spec.containerName === dockerName)
        .sort((a, b) => (a.spec.finishedAt < b.spec.finishedAt ? -1 : 1));
    },
    settings: async (spec) => {
      await registry.modify('Settings', undefined, 'default', (current) => ({ ...current, spec: { ...(current.spec as object), ...spec } }));
    },
    close: async () => {
      await manager.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
