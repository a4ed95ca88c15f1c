// Docker hosts and their containers, in one call for `vigil serve` (and for tests): the shared host sessions, the
// bootstrap of the Host `local`, the Host controller, the inventory controller, and the logs provider the API
// server's Container `log` subresource calls.
import type { Controller, Manager } from './runtime/index.ts';
import type { Container } from '../schemas/generated/types.ts';
import type { DockerClient } from '../domain/docker/client.ts';
import type { DockerEndpoint } from './docker/endpoint.ts';
import { registerHostController } from './hosts/host-controller.ts';
import { HostSessions } from './hosts/host-sessions.ts';
import { LocalHostBootstrap } from './hosts/local-host.ts';
import { registerInventoryController } from './inventory/inventory-controller.ts';
import { createContainerLogsProvider, type ContainerLogsProvider } from './inventory/logs.ts';
import type { Stored } from './stored.ts';

export interface DockerControllersOptions {
  manager: Manager;
  /** The server's --docker-host: the local Host's endpoint, and that of any Host without spec.dockerHost. */
  defaultDockerHost: string;
  /** Default: the dockerode client. */
  connect?: (endpoint: DockerEndpoint) => DockerClient;
  /** Reconnection backoff. Default 500 ms doubling to 30 s. */
  backoff?: { initialMs: number; maxMs: number };
  /** See InventoryControllerOptions. */
  goneRetentionMs?: number;
  inventoryWorkers?: number;
}

export interface DockerControllers {
  sessions: HostSessions;
  hosts: Controller;
  inventory: Controller;
  /** For the API server's Container `log` subresource. */
  logs: ContainerLogsProvider;
}

export function registerDockerControllers(options: DockerControllersOptions): DockerControllers {
  const { manager } = options;
  const sessions = new HostSessions({
    clock: manager.clock,
    logger: manager.logger.child({ component: 'docker-hosts' }),
    ...(options.connect === undefined ? {} : { connect: options.connect }),
    ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
  });
  // Added before the controllers, so that it runs when their first passes open sessions.
  manager.add(sessions);
  manager.add(new LocalHostBootstrap({ client: manager.client, clock: manager.clock }));
  const hosts = registerHostController({ manager, sessions, defaultDockerHost: options.defaultDockerHost });
  const inventory = registerInventoryController({
    manager,
    sessions,
    ...(options.goneRetentionMs === undefined ? {} : { goneRetentionMs: options.goneRetentionMs }),
    ...(options.inventoryWorkers === undefined ? {} : { workers: options.inventoryWorkers }),
  });
  const logs = createContainerLogsProvider({
    sessions,
    containers: manager.informers.informerFor<Stored<Container>>('Container').lister,
    clock: manager.clock,
  });
  return { sessions, hosts, inventory, logs };
}
