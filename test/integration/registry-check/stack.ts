// Vigil's controllers as `vigil serve` runs them (the Docker hosts, the inventory and the registry checks), against
// real engines and real registries: the embedded store in a temp folder behind the watch cache, the resource registry,
// the controller manager on the wall clock. Plus the helpers the registry-check tests share.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { CachedStore } from '../../../apiserver/storage/cache/cached-store.ts';
import { openEmbeddedStore } from '../../../apiserver/storage/sqlite/store.ts';
import { ResourceRegistry } from '../../../apiserver/resources/registry.ts';
import { Manager, type Controller } from '../../../controllers/runtime/index.ts';
import { registerDockerControllers, type DockerControllers } from '../../../controllers/docker-hosts.ts';
import { registerRegistryCheckControllers, type RegistryCheckControllers } from '../../../controllers/registry-check/register.ts';
import type { Container, SettingsSpec } from '../../../schemas/generated/types.ts';
import { buildTestImage, type DockerEngine } from '../../testbed/docker.ts';
import { findResource, within } from '../inventory/real-stack.ts';
import { waitUntilIdle } from '../../testbed/controllers-idle.ts';

export { findResource, within };

export interface CheckStack {
  api: ResourceRegistry;
  manager: Manager;
  /** Absent when the stack runs without Docker (Container resources written by the test). */
  docker: DockerControllers | undefined;
  checks: RegistryCheckControllers;
  /** Waits until no controller has a key queued or in flight. */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startCheckStack(options: { defaultDockerHost?: string; settings?: SettingsSpec; dockerConfigPath?: string }): Promise<CheckStack> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-checks-'));
  const store = await CachedStore.open({ backend: openEmbeddedStore({ path: join(dir, 'vigil.db'), compactionIntervalMs: 0 }) });
  const api = new ResourceRegistry({ store });
  if (options.settings !== undefined) await api.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: options.settings });
  const manager = new Manager({ client: api, metricsRegistry: new Registry() });
  const docker = options.defaultDockerHost === undefined ? undefined : registerDockerControllers({ manager, defaultDockerHost: options.defaultDockerHost, backoff: { initialMs: 200, maxMs: 2000 } });
  const checks = registerRegistryCheckControllers({
    manager,
    ...(options.dockerConfigPath === undefined ? {} : { dockerConfigPath: options.dockerConfigPath }),
    registryClient: { timeoutMs: 10_000 },
  });
  await manager.start();
  const controllers: Controller[] = [...(docker === undefined ? [] : [docker.hosts, docker.inventory]), checks.scans, checks.checks, checks.registries];
  return {
    api,
    manager,
    docker,
    checks,
    idle: async (timeoutMs = 30_000) => await waitUntilIdle(controllers, { timeoutMs, settleMs: 100, pollMs: 10 }),
    close: async () => {
      await manager.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Builds one small image on `engine` and pushes it under each `repository:tag` of `registryServer`; returns the digests. */
export async function pushFromEngine(engine: DockerEngine, registryServer: string, references: string[], version: string): Promise<Map<string, string>> {
  const local = `vigil-test/check-source:${version}`;
  await buildTestImage(engine, { tag: local, version, health: 'none' });
  const digests = new Map<string, string>();
  for (const reference of references) {
    const full = `${registryServer}/${reference}`;
    await engine.docker(['tag', local, full]);
    await engine.docker(['push', full], { timeoutMs: 120_000 });
    const repoDigests = JSON.parse(await engine.docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', full])) as string[];
    const repository = full.slice(0, full.lastIndexOf(':'));
    const entry = repoDigests.find((value) => value.startsWith(`${repository}@`));
    if (entry === undefined) throw new Error(`docker push of ${full} left no RepoDigest: ${JSON.stringify(repoDigests)}`);
    digests.set(reference, entry.slice(entry.indexOf('@') + 1));
  }
  return digests;
}

/** `docker run -d` with labels; the container stays running (busybox httpd). */
export async function run(engine: DockerEngine, name: string, image: string, labels: Record<string, string> = {}): Promise<void> {
  await engine.docker(['run', '-d', '--name', name, ...Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]), image]);
}

export async function container(api: ResourceRegistry, namespace: string, name: string): Promise<Container | undefined> {
  return (await findResource(api, 'Container', namespace, name)) as Container | undefined;
}

export async function containerWhere(api: ResourceRegistry, namespace: string, name: string, what: string, check: (container: Container) => boolean, timeoutMs = 30_000): Promise<Container> {
  let last: Container | undefined;
  try {
    return (await within(timeoutMs, `${namespace}/${name}: ${what}`, async () => {
      last = await container(api, namespace, name);
      return last !== undefined && check(last) ? last : undefined;
    })).value;
  } catch (error) {
    // Say what the container last looked like, so that a failure in CI can be understood from its log alone.
    const seen = last === undefined ? 'not found' : JSON.stringify({ state: last.status?.state, image: last.status?.image, registryCheck: last.status?.registryCheck });
    throw new Error(`${error instanceof Error ? error.message : String(error)}; last seen: ${seen}`, { cause: error });
  }
}
