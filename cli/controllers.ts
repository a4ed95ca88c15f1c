// The controllers `vigil serve` runs: a controller manager over the resource registry (leading alone with the
// embedded store, by etcd lease with etcd), and on it the Docker host and inventory controllers, the registry checks
// (scan scheduler, check requests, Registry statuses), the update controller, the GitOps sync, the Swarm services, the notifications
// and the Portainer instances.
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { Store } from '../apiserver/storage/interface.ts';
import { ResourceRegistry } from '../apiserver/resources/registry.ts';
import { Manager, type LeaderElector } from '../controllers/runtime/index.ts';
import { registerDockerControllers, type DockerControllers } from '../controllers/docker-hosts.ts';
import { registerRegistryCheckControllers, type RegistryCheckControllers } from '../controllers/registry-check/register.ts';
import { registerUpdateController, type UpdateController } from '../controllers/update/controller/update-controller.ts';
import { parseFailpoint } from '../controllers/update/controller/failpoint.ts';
import { registerGitopsController, type GitopsController } from '../controllers/gitops/gitops-controller.ts';
import { registerSwarmControllers, type SwarmControllers } from '../controllers/swarm/register.ts';
import { registerNotificationControllers, type NotificationControllers } from '../controllers/notifications/controller/register.ts';
import { registerHomeAssistantControllers, type HomeAssistantControllers } from '../controllers/notifications/home-assistant/register.ts';
import { registerPortainerController } from '../controllers/portainer/portainer-controller.ts';
import type { Controller } from '../controllers/runtime/index.ts';
import { updateDockerFor } from '../controllers/update/docker/dockerode-update-docker.ts';
import { withRegistryHostMap } from '../controllers/update/docker/mapped-pull.ts';
import { HOST_MAP_ENV, parseRegistryHostMap } from '../domain/registry/host-map.ts';
import { GarbageCollectionRunnable } from '../controllers/maintenance/garbage-collection.ts';
import { EtcdCompaction } from '../controllers/maintenance/etcd-compaction.ts';
import { LeaderStatus } from '../controllers/maintenance/leader-status.ts';
import type { ServeConfig } from './serve-config.ts';

export interface RunningControllers {
  manager: Manager;
  docker: DockerControllers;
  registryChecks: RegistryCheckControllers;
  update: UpdateController;
  gitops: GitopsController;
  swarm: SwarmControllers;
  notifications: NotificationControllers;
  homeAssistant: HomeAssistantControllers;
  /** PortainerInstances → the Hosts of their Docker endpoints (reached through Portainer's Docker proxy). */
  portainer: Controller;
  /** Stops the controllers (with the manager's grace period) and the informers. */
  stop(): Promise<void>;
}

async function leaderElector(config: ServeConfig, logger: Logger): Promise<LeaderElector | undefined> {
  if (config.store.kind !== 'etcd') return undefined;
  // Imported only with etcd: the etcd client and gRPC cost about 20 MiB of memory.
  const { EtcdLeaderElector } = await import('../controllers/runtime/etcd-leader-election.ts');
  return new EtcdLeaderElector({ endpoints: config.store.endpoints, ttlSeconds: config.leaderLeaseTtlSeconds, logger });
}

export async function startControllers(options: {
  store: Store;
  /** The registry the API serves too; default a new one over `store`. */
  resources?: ResourceRegistry;
  config: ServeConfig;
  logger: Logger;
  metricsRegistry?: Registry;
}): Promise<RunningControllers> {
  const { store, config, logger } = options;
  const elector = await leaderElector(config, logger);
  const metricsRegistry = options.metricsRegistry ?? new Registry();
  const resources = options.resources ?? new ResourceRegistry({ store });
  const manager = new Manager({
    client: resources,
    metricsRegistry,
    logger,
    ...(elector === undefined ? {} : { leaderElector: elector }),
  });
  // Once-per-cluster tasks, on the leader only (docs/ha.md): the ownerReferences garbage collector, etcd compaction.
  // The lease in Settings status.leader only with etcd: one embedded-store process has no lease to list.
  if (config.store.kind === 'etcd') manager.add(new LeaderStatus({ manager, logger }));
  manager.add(new GarbageCollectionRunnable({ resources, store, logger }));
  if (config.store.kind === 'etcd' && config.etcdCompactionIntervalSeconds > 0) {
    manager.add(new EtcdCompaction({ store, intervalMs: config.etcdCompactionIntervalSeconds * 1000, clock: manager.clock, logger, metricsRegistry }));
  }
  const docker = registerDockerControllers({ manager, defaultDockerHost: config.dockerHost });
  // Test-only (docs/registry.md): registry names served by local registries, for the registry client and the pulls.
  const hostMap = parseRegistryHostMap(process.env[HOST_MAP_ENV]);
  const registryChecks = registerRegistryCheckControllers({
    manager,
    ...(config.dockerConfig === undefined ? {} : { dockerConfigPath: config.dockerConfig }),
    ...(hostMap.size === 0 ? {} : { registryClient: { hostMap } }),
  });
  const failpoint = parseFailpoint(process.env.VIGIL_FAILPOINTS);
  const update = registerUpdateController({
    manager,
    sessions: docker.sessions,
    // Pulls authenticate as the registry checks do (Registry resources, then --docker-config).
    registryCredentials: (server) => registryChecks.access.credentials(server),
    ...(hostMap.size === 0 ? {} : { updateDocker: (_host: string, client: Parameters<typeof updateDockerFor>[0]) => {
      const docker = updateDockerFor(client);
      return docker === undefined ? undefined : withRegistryHostMap(docker, hostMap);
    } }),
    ...(failpoint === undefined ? {} : { failpoint }),
  });
  // ManifestSources, and `default` from --manifests or Settings.manifests.
  const gitops = registerGitopsController({ manager, bootstrapDirectory: config.manifests });
  // Swarm services of the manager Hosts: digests resolved by the registry checks' client, with the pulls' credentials.
  const swarm = registerSwarmControllers({
    manager,
    sessions: docker.sessions,
    registry: registryChecks.access.client,
    credentials: (server) => registryChecks.access.credentials(server),
  });
  // UpdateRecords, Container statuses and NotificationChannels → the outbox → the channels (issue 14).
  const notifications = registerNotificationControllers({ manager, metricsRegistry });
  // Settings.haDiscovery: Home Assistant update entities over the mqtt channel's broker, Install as an approval.
  const homeAssistant = registerHomeAssistantControllers({ manager });
  const portainer = registerPortainerController({ manager });
  await manager.start();
  return { manager, docker, registryChecks, update, gitops, swarm, notifications, homeAssistant, portainer, stop: () => manager.stop() };
}
