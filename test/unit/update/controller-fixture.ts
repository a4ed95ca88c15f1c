// The update controller over a fake engine: the real resource stack (embedded store in a temp folder, watch cache,
// registry), the real controller manager on a FakeClock, the update controller with its Docker calls going to a
// FakeUpdateDocker on the same clock, and a stand-in for the inventory controller (`mirror`) that writes what the
// fake engine shows into Container status as the inventory would (facts and effective settings).
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry as MetricsRegistry } from 'prom-client';
import { CachedStore } from '../../../apiserver/storage/cache/cached-store.ts';
import { openEmbeddedStore } from '../../../apiserver/storage/sqlite/store.ts';
import { ResourceRegistry } from '../../../apiserver/resources/registry.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import type { ResourceObject } from '../../../apiserver/resources/client.ts';
import { containerResourceName } from '../../../schemas/container-name.ts';
import type { Container, ContainerSpec, ContainerStatus, RegistryCheck, SettingsSpec, UpdatePolicy, UpdateRecord } from '../../../schemas/generated/types.ts';
import { FakeClock, Manager, statusOf, writeStatus } from '../../../controllers/runtime/index.ts';
import { HostSessions } from '../../../controllers/hosts/host-sessions.ts';
import { resolveEffective } from '../../../controllers/inventory/effective.ts';
import { isSelf } from '../../../controllers/inventory/container-facts.ts';
import { registerUpdateController, type UpdateController } from '../../../controllers/update/controller/update-controller.ts';
import type { ContainerConfig, EndpointSettings } from '../../../controllers/update/docker/types.ts';
import { FakeUpdateDocker, type FakeExec, type FakeImageBehaviour } from '../../fakes/update-docker.ts';

export const HOST = 'local';
/** A Tuesday, 10:00 in the test process's time zone: maintenance windows are local time. */
export const START = new Date(2025, 0, 14, 10, 0, 0).getTime();

export interface ControllerWorldOptions {
  exec?: FakeExec;
  settings?: SettingsSpec;
  healthTimeoutMs?: number;
}

export interface RunOptions {
  labels?: Record<string, string>;
  spec?: Partial<ContainerSpec>;
  hostConfig?: Record<string, unknown>;
  networks?: Record<string, EndpointSettings>;
  config?: ContainerConfig;
}

export class ControllerWorld {
  readonly clock = new FakeClock(START);
  readonly docker: FakeUpdateDocker;
  readonly options: ControllerWorldOptions;
  registry!: ResourceRegistry;
  manager!: Manager;
  update!: UpdateController;
  #store: CachedStore | undefined;
  #dir = '';
  #policies: UpdatePolicy[] = [];

  constructor(options: ControllerWorldOptions = {}) {
    this.options = options;
    this.docker = new FakeUpdateDocker({ clock: this.clock, ...(options.exec === undefined ? {} : { exec: options.exec }) });
  }

  async start(): Promise<this> {
    this.#dir = mkdtempSync(join(tmpdir(), 'vigil-update-'));
    this.#store = await CachedStore.open({ backend: openEmbeddedStore({ path: join(this.#dir, 'vigil.db'), compactionIntervalMs: 0 }) });
    this.registry = new ResourceRegistry({ store: this.#store, now: () => new Date(this.clock.now()) });
    await this.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Host', metadata: { name: HOST }, spec: {} });
    await this.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: { gracePeriod: '5s', ...this.options.settings } });
    this.manager = new Manager({ client: this.registry, metricsRegistry: new MetricsRegistry(), clock: this.clock });
    this.update = registerUpdateController({
      manager: this.manager,
      sessions: new HostSessions({ clock: this.clock }),
      docker: (hostName) => (hostName === HOST ? this.docker : undefined),
      healthTimeoutMs: this.options.healthTimeoutMs ?? 20_000,
      retryMs: 1000,
    });
    await this.manager.start();
    return this;
  }

  async close(): Promise<void> {
    await this.manager?.stop();
    await this.#store?.close();
    if (this.#dir !== '') rmSync(this.#dir, { recursive: true, force: true });
  }

  async settings(spec: SettingsSpec): Promise<void> {
    await this.registry.modify('Settings', undefined, 'default', (current) => ({ ...current, spec: { ...(current.spec as object), ...spec } }));
  }

  /** `docker run` on the fake engine and the Container resource the inventory would create for it. */
  async run(name: string, image: string, options: RunOptions = {}): Promise<string> {
    const id = await this.docker.run(name, image, {
      config: { ...options.config, Labels: { ...options.config?.Labels, ...options.labels } },
      ...(options.hostConfig === undefined ? {} : { hostConfig: options.hostConfig }),
      ...(options.networks === undefined ? {} : { networks: options.networks }),
    });
    await this.registry.create({
      apiVersion: 'vigil.dev/v1alpha1',
      kind: 'Container',
      metadata: { name: containerResourceName(name), namespace: HOST },
      spec: { hostRef: HOST, containerName: name, ...options.spec },
    });
    await this.mirror(name);
    return id;
  }

  async container(name: string): Promise<Container> {
    return (await this.registry.get('Container', HOST, containerResourceName(name))) as unknown as Container;
  }

  async status(name: string): Promise<ContainerStatus> {
    return (await this.container(name)).status ?? {};
  }

  async spec(name: string, spec: Partial<ContainerSpec>): Promise<void> {
    await this.registry.modify('Container', HOST, containerResourceName(name), (current) => ({ ...current, spec: { ...(current.spec as object), ...spec } }));
  }

  /** What the registry-check controller writes when it finds `image` (digest `digest`) newer than what runs. */
  async offer(name: string, image: string, digest: string, firstSeen = this.clock.now()): Promise<void> {
    const tag = image.slice(image.lastIndexOf(':') + 1);
    const check: RegistryCheck = {
      updateAvailable: true,
      target: { tag, version: tag, digest, image },
      remoteDigest: digest,
      firstSeen: new Date(firstSeen).toISOString(),
      lastSeen: new Date(this.clock.now()).toISOString(),
      lastChecked: new Date(this.clock.now()).toISOString(),
      newerVersions: [tag],
    };
    await writeStatus(this.registry, 'Container', HOST, containerResourceName(name), (current) => ({ ...statusOf(current), registryCheck: check }), { fieldManager: 'vigil-registry-check' });
  }

  /** The registry check finding nothing newer (as after an update): the remote digest is the one running. */
  async upToDate(name: string): Promise<void> {
    const at = new Date(this.clock.now()).toISOString();
    const inspect = await this.docker.inspectContainer(name, AbortSignal.timeout(1000));
    const image = inspect === undefined ? undefined : await this.docker.inspectImage(inspect.Image, AbortSignal.timeout(1000));
    const digest = image?.RepoDigests?.[0]?.split('@')[1];
    const check: RegistryCheck = { updateAvailable: false, newerVersions: [], lastChecked: at, ...(digest === undefined ? {} : { remoteDigest: digest, localDigest: digest }) };
    await writeStatus(this.registry, 'Container', HOST, containerResourceName(name), (current) => ({ ...statusOf(current), registryCheck: check }), { fieldManager: 'vigil-registry-check' });
  }

  /** The inventory's part: the fake engine's facts about `name`, and the effective settings, into its status. */
  async mirror(name: string): Promise<void> {
    const inspect = await this.docker.inspectContainer(name, AbortSignal.timeout(1000));
    const settingsObject = (await this.registry.get('Settings', undefined, 'default')) as ResourceObject;
    const image = inspect === undefined ? undefined : await this.docker.inspectImage(inspect.Image, AbortSignal.timeout(1000));
    await writeStatus(this.registry, 'Container', HOST, containerResourceName(name), (current) => {
      const status = statusOf(current) as ContainerStatus;
      if (inspect === undefined) return { ...status, state: 'gone', goneSince: status.goneSince ?? new Date(this.clock.now()).toISOString() };
      const labels = inspect.Config.Labels ?? {};
      const { effective } = resolveEffective({
        spec: (current as unknown as Container).spec,
        labels,
        containerName: name,
        hostName: HOST,
        image: inspect.Config.Image ?? '',
        policies: this.#policies,
        settings: settingsObject.spec as SettingsSpec,
      });
      const next: ContainerStatus = {
        ...status,
        id: inspect.Id,
        name,
        image: inspect.Config.Image ?? '',
        imageID: inspect.Image,
        repoDigests: [...(image?.RepoDigests ?? [])].sort(),
        state: inspect.State.Running ? 'running' : 'exited',
        labels,
        networkMode: String(inspect.HostConfig.NetworkMode ?? 'default'),
        ...(Array.isArray(inspect.HostConfig.Links) ? { links: inspect.HostConfig.Links.map((link) => String(link).slice(1).split(':')[0] ?? '') } : {}),
        ...(inspect.State.StartedAt === undefined ? {} : { startedAt: inspect.State.StartedAt }),
        self: isSelf(labels),
        effective,
      };
      delete next.goneSince;
      return next as Record<string, unknown>;
    }, { fieldManager: 'vigil-inventory' });
  }

  /** Mirrors every container the resources name. */
  async mirrorAll(): Promise<void> {
    const list = await this.registry.list('Container', { namespace: HOST });
    for (const item of list.items) await this.mirror(String((item as unknown as Container).spec?.containerName));
  }

  /**
   * Lets time pass in steps of `stepMs` (firing the controller's requeues), mirroring the engine after each, until
   * `check` holds; fails after `limitMs` of fake time.
   */
  async until<T>(what: string, check: () => Promise<T | undefined | false>, options: { stepMs?: number; limitMs?: number } = {}): Promise<T> {
    const stepMs = options.stepMs ?? 250;
    const limit = this.clock.now() + (options.limitMs ?? 120_000);
    for (;;) {
      await this.#quiet();
      await this.mirrorAll();
      await this.#quiet();
      const value = await check();
      if (value !== undefined && value !== false) return value;
      if (this.clock.now() >= limit) {
        throw new Error(`not within ${options.limitMs ?? 120_000} ms of fake time: ${what}`);
      }
      await this.clock.advance(stepMs);
    }
  }

  /** Until the controller has nothing queued or in flight (delayed keys aside), in real time. */
  async #quiet(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      await this.clock.tick();
      const queue = this.update.controller.queue;
      if (queue === undefined || (queue.length === 0 && queue.processing === 0)) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        await this.clock.tick();
        if (queue === undefined || (queue.length === 0 && queue.processing === 0)) return;
      }
      if (Date.now() > deadline) throw new Error('the update controller did not settle within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** Lets the controller work without moving time. */
  async settle(): Promise<void> {
    await this.#quiet();
    await this.mirrorAll();
    await this.#quiet();
  }

  async records(name?: string): Promise<UpdateRecord[]> {
    const list = await this.registry.list('UpdateRecord', { namespace: HOST });
    const records = list.items as unknown as UpdateRecord[];
    return records.filter((record) => name === undefined || record.spec.containerName === name).sort((a, b) => (a.spec.finishedAt < b.spec.finishedAt ? -1 : 1));
  }

  async snapshots(name: string): Promise<ResourceObject[]> {
    const list = await this.registry.list('Snapshot', { namespace: HOST });
    return list.items.filter((item) => (item.spec as { containerName?: string }).containerName === name);
  }

  async exists(kind: string, name: string): Promise<boolean> {
    try {
      await this.registry.get(kind, HOST, name);
      return true;
    } catch (error) {
      if (isApiError(error, 'NotFound')) return false;
      throw error;
    }
  }
}

export const IMAGE_1 = 'registry.test/team/app:1';
export const IMAGE_2 = 'registry.test/team/app:2';

/** The digest the fake registry gives an image (the sha256 of its config). */
export function fakeDigest(config: ContainerConfig): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(config)).digest('hex')}`;
}

export function appConfig(version: string, extra: ContainerConfig = {}): ContainerConfig {
  return { Env: ['PATH=/bin', `VERSION=${version}`], Cmd: ['httpd', '-f'], Healthcheck: { Test: ['CMD', '/bin/true'], Interval: 1_000_000_000 }, ...extra };
}

/** app:1 on the engine, app:2 in the fake registry (with `behaviour`). */
export function publishApp(world: ControllerWorld, behaviour?: FakeImageBehaviour): string {
  const oldImageID = world.docker.addImage([IMAGE_1], { config: appConfig('1') }, [`registry.test/team/app@sha256:${'1'.repeat(64)}`]);
  world.docker.publish(IMAGE_2, { config: appConfig('2'), ...(behaviour === undefined ? {} : { behaviour }) });
  return oldImageID;
}
