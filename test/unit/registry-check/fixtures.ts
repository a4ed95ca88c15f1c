// The registry-check controllers over a fake registry: the real resource stack (embedded store in a temp folder,
// watch cache, registry), the real controller manager on a FakeClock, Container resources written as the inventory
// would write them (no Docker), and a FakeRegistry that holds repositories and counts what it is asked.
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
import { FakeClock, Manager, type Controller } from '../../../controllers/runtime/index.ts';
import { registerRegistryCheckControllers, type RegistryCheckControllers } from '../../../controllers/registry-check/register.ts';
import type { Container, ContainerStatus, Settings, SettingsSpec } from '../../../schemas/generated/types.ts';
import { FakeRegistry } from '../registry/fake-registry.ts';
import { waitUntilIdle } from '../../testbed/controllers-idle.ts';
import { deadlines } from '../../testbed/deadlines.ts';

export const SERVER = 'registry.test:5000';
/** 2025-01-01T00:00:00Z, the FakeClock's start. */
export const HOUR = 3600_000;

export interface CheckStack {
  clock: FakeClock;
  api: ResourceRegistry;
  registry: FakeRegistry;
  manager: Manager;
  controllers: RegistryCheckControllers;
  /** Waits until no controller has a key queued or in flight (delayed keys aside). */
  idle(): Promise<void>;
  /** Moves the fake clock and waits for what it set off. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

export interface CheckStackOptions {
  /** Settings `default` spec; undefined: no Settings object. */
  settings?: SettingsSpec;
  /** Written before the controllers start. */
  seed?: (api: ResourceRegistry, registry: FakeRegistry) => Promise<void>;
}

export async function startCheckStack(options: CheckStackOptions = {}): Promise<CheckStack> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-registry-check-'));
  const clock = new FakeClock();
  const store = await CachedStore.open({ backend: openEmbeddedStore({ path: join(dir, 'vigil.db'), compactionIntervalMs: 0 }) });
  const api = new ResourceRegistry({ store, now: () => new Date(clock.now()) });
  const registry = new FakeRegistry();
  if (options.settings !== undefined) await api.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: options.settings });
  await options.seed?.(api, registry);
  const manager = new Manager({ client: api, metricsRegistry: new Registry(), clock });
  const controllers = registerRegistryCheckControllers({ manager, registryReader: registry });
  await manager.start();
  const all: Controller[] = [controllers.scans, controllers.checks, controllers.serviceChecks, controllers.registries];
  const idle = async (): Promise<void> => await waitUntilIdle(all);
  return {
    clock,
    api,
    registry,
    manager,
    controllers,
    idle,
    advance: async (ms) => {
      await clock.advance(ms);
      await idle();
    },
    close: async () => {
      await manager.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ContainerFixture {
  host?: string;
  name: string;
  image: string;
  /** Digest of the local image in its repository (RepoDigests); none = a local image. */
  digest?: string;
  imageID?: string;
  state?: ContainerStatus['state'];
  policy?: 'auto' | 'manual' | 'pinned';
  scope?: 'patch' | 'minor' | 'major' | 'all' | 'strict' | 'default';
  schedule?: string;
  spec?: Container['spec'];
}

/** A Container as the inventory controller writes it: spec.hostRef/containerName and status facts with effective settings. */
export function containerResource(fixture: ContainerFixture): Container {
  const host = fixture.host ?? 'local';
  const repository = fixture.image.replace(/:[^/:]+$/, '');
  return {
    apiVersion: 'vigil.dev/v1alpha1',
    kind: 'Container',
    metadata: { name: fixture.name, namespace: host },
    spec: { hostRef: host, containerName: fixture.name, ...fixture.spec },
    status: {
      id: `id-${fixture.name}`,
      name: fixture.name,
      image: fixture.image,
      ...(fixture.imageID === undefined ? {} : { imageID: fixture.imageID }),
      repoDigests: fixture.digest === undefined ? [] : [`${repository}@${fixture.digest}`],
      state: fixture.state ?? 'running',
      effective: {
        policy: { value: fixture.policy ?? 'manual', source: fixture.policy === undefined ? 'default' : 'label' },
        versionScope: { value: fixture.scope ?? 'major', source: 'label' },
        ...(fixture.schedule === undefined ? {} : { schedule: { value: fixture.schedule, source: 'label' } }),
      },
    },
  };
}

export async function createContainer(api: ResourceRegistry, fixture: ContainerFixture): Promise<void> {
  await api.create(containerResource(fixture), { includeStatus: true });
}

/** Tags `versions` in `repository`, each its own image; returns their digests and image IDs. */
export function seedVersions(registry: FakeRegistry, repository: string, versions: readonly string[]): Record<string, { digest: string; imageID: string }> {
  const digests: Record<string, { digest: string; imageID: string }> = {};
  for (const version of versions) {
    const image = registry.image(`${repository} ${version}`);
    digests[version] = image;
    registry.tag(repository, version, image.digest);
  }
  return digests;
}

export async function getContainer(api: ResourceRegistry, name: string, host = 'local'): Promise<Container> {
  return (await api.get('Container', host, name)) as Container;
}

export async function getSettings(api: ResourceRegistry): Promise<Settings> {
  return (await api.get('Settings', undefined, 'default')) as Settings;
}

export async function find(api: ResourceRegistry, kind: string, namespace: string | undefined, name: string): Promise<ResourceObject | undefined> {
  try {
    return await api.get(kind, namespace, name);
  } catch (error) {
    if (isApiError(error, 'NotFound')) return undefined;
    throw error;
  }
}

/** Polls until `check` passes; fails with `what` after `timeoutMs` (real time). */
export async function eventually<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = deadlines.condition): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(5);
  }
}
