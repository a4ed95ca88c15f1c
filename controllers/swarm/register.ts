// Wires the Swarm controllers onto the manager: discovery per swarm (keyed by cluster ID) and the SwarmService
// reconciler (keyed by name), both leader-only as every controller of the manager is.
import type { Host, Settings, SwarmService, UpdatePolicy } from '../../schemas/generated/types.ts';
import { generationChanged, type Controller, type Manager } from '../runtime/index.ts';
import type { HostSessions } from '../hosts/host-sessions.ts';
import type { RegistryReader } from '../registry/client.ts';
import type { Credentials } from '../registry/credentials.ts';
import type { Stored } from '../stored.ts';
import { swarmServiceApiFor } from './dockerode-service-api.ts';
import { registryImageResolver } from './image-resolution.ts';
import type { SwarmServiceApi } from './service-api.ts';
import { ServiceDiscovery } from './service-discovery.ts';
import { ServiceReconciler, type ServiceReconcilerOptions } from './service-reconciler.ts';
import { managersByCluster } from './swarm-managers.ts';

export interface SwarmControllersOptions {
  manager: Manager;
  sessions: HostSessions;
  /** The registry checks' client: one cache and one budget for checks and service updates. */
  registry: RegistryReader;
  /** The credentials pulls use (Registry resources, then --docker-config). */
  credentials: (registry: string) => Credentials | undefined;
  /** Replaces the dockerode service API (tests). */
  apiFor?: (hostName: string) => SwarmServiceApi | undefined;
  timing?: Pick<ServiceReconcilerOptions, 'startDeadlineMs' | 'rolloutDeadlineMs' | 'followMs' | 'resyncMs'>;
}

export interface SwarmControllers {
  services: Controller;
  discovery: Controller;
}

export function registerSwarmControllers(options: SwarmControllersOptions): SwarmControllers {
  const { manager, sessions } = options;
  const services = manager.informers.informerFor<Stored<SwarmService>>('SwarmService');
  const hosts = manager.informers.informerFor<Stored<Host>>('Host');
  const policies = manager.informers.informerFor<Stored<UpdatePolicy>>('UpdatePolicy');
  const settings = manager.informers.informerFor<Stored<Settings>>('Settings');
  const apiFor = options.apiFor ?? ((hostName: string) => {
    const client = sessions.get(hostName)?.client;
    return client === undefined ? undefined : swarmServiceApiFor(client);
  });
  const managers = () => managersByCluster(sessions, apiFor);
  const serviceController = manager.addController({
    name: 'swarm-service',
    reconciler: new ServiceReconciler({
      client: manager.client,
      services: services.lister,
      hosts: hosts.lister,
      policies: policies.lister,
      settings: settings.lister,
      managers,
      resolve: registryImageResolver(options.registry),
      credentials: options.credentials,
      ...options.timing,
    }),
    workers: 4,
    reconcileTimeoutMs: 5 * 60_000,
  });
  // Spec changes only (requests, rollout policy): its own status writes must not wake it up; it requeues itself.
  serviceController.watch(services, undefined, { updateFilter: generationChanged });
  // status.effective follows UpdatePolicies and Settings (policy, scope, tag filters) at once, not at the next resync.
  const everyService = (): string[] => services.lister.list().flatMap((service) => (service.metadata.name === undefined ? [] : [service.metadata.name]));
  serviceController.watch(policies, everyService);
  serviceController.watch(settings, (object) => (object.metadata.name === 'default' ? everyService() : undefined));
  const discovery = manager.addController({
    name: 'swarm-discovery',
    reconciler: new ServiceDiscovery({ client: manager.client, services: services.lister, managers, enqueueService: (name) => serviceController.enqueue(name) }),
    workers: 1,
    exists: () => true,
  });
  // A manager Host's status names its swarm: every start (and any Host change) lists that swarm.
  discovery.watch(hosts, (host) => (host.status?.swarm?.role === 'manager' ? host.status.swarm.clusterID : undefined));
  // A session that connects (or whose engine joined a swarm) lists its swarm at once, and its services are read again.
  sessions.subscribe({
    stateChanged: () => {
      for (const clusterID of managers().keys()) discovery.enqueue(clusterID);
    },
  });
  return { services: serviceController, discovery };
}
