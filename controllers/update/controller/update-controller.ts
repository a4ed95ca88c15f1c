// The update controller (issue 6): drives Container resources through updates and rollbacks on the controller
// runtime, on the leader only. What wakes a key up: any change of the Container (a request, the registry check
// finding an update, the inventory's facts, its own status writes while an operation runs), a change of Settings
// (dry-run, maintenance window, concurrency: every container looks again), a reservation of the update gate being
// released (what waited looks again), and its own requeueAfter (the next step, the end of a grace period, a
// maintenance window opening).
import type { Container, Hook, Host, Registry, Secret, Settings } from '../../../schemas/generated/types.ts';
import { keyOf, type Controller, type Manager } from '../../runtime/index.ts';
import type { DockerClient } from '../../../domain/docker/client.ts';
import type { HostSessions } from '../../hosts/host-sessions.ts';
import type { Stored } from '../../stored.ts';
import { updateDockerFor } from '../docker/dockerode-update-docker.ts';
import type { UpdateDocker } from '../docker/update-docker.ts';
import type { Failpoint } from './failpoint.ts';
import { pullCredentials, registryResourceCredentials, type RegistryCredentials } from './pull-credentials.ts';
import { UpdateGate } from './update-gate.ts';
import { UpdateReconciler } from './update-reconciler.ts';

export interface UpdateControllerOptions {
  manager: Manager;
  sessions: HostSessions;
  /** The update's Docker calls over a session's client. Default: updateDockerFor (the dockerode client's connection). */
  updateDocker?: (hostName: string, client: DockerClient) => UpdateDocker | undefined;
  /** Replaces the sessions as the source of Docker connections (tests on a fake engine). */
  docker?: (hostName: string) => UpdateDocker | undefined;
  /** How long a new container's health check may stay `starting` after the grace period. Default 60 s (Sentinel's). */
  healthTimeoutMs?: number;
  /** Containers worked on at once (steps of different updates interleave; Settings.updateConcurrency bounds the updates). Default 16. */
  workers?: number;
  /** A pass's time limit; a step may stop a container (its StopTimeout) or pull an image. Default 30 min. */
  reconcileTimeoutMs?: number;
  /** How soon a disconnected host, or an update the gate held back, is looked at again. Default 30 s. */
  retryMs?: number;
  /** Fault injection (failpoint.ts). */
  failpoint?: Failpoint;
  /**
   * The credentials pulls send, per registry server. Default: Registry resources and their Secrets; `vigil serve`
   * passes the registry checks' (RegistryAccess.credentials), which adds its config.json.
   */
  registryCredentials?: RegistryCredentials;
}

export interface UpdateController {
  controller: Controller;
  gate: UpdateGate;
}

export function registerUpdateController(options: UpdateControllerOptions): UpdateController {
  const { manager, sessions } = options;
  const containers = manager.informers.informerFor<Stored<Container>>('Container');
  const settings = manager.informers.informerFor<Stored<Settings>>('Settings');
  const hosts = manager.informers.informerFor<Stored<Host>>('Host');
  const hooks = manager.informers.informerFor<Stored<Hook>>('Hook');
  const registries = manager.informers.informerFor<Stored<Registry>>('Registry');
  const registryCredentials = options.registryCredentials ?? registryResourceCredentials(registries.lister, manager.informers.informerFor<Stored<Secret>>('Secret').lister);
  const updateDocker = options.updateDocker ?? ((_hostName: string, client: DockerClient) => updateDockerFor(client));
  let controller: Controller | undefined;
  const gate = new UpdateGate((key) => controller?.enqueue(key));
  const reconciler = new UpdateReconciler({
    client: manager.client,
    containers: containers.lister,
    settings: settings.lister,
    hosts: hosts.lister,
    hooks: hooks.lister,
    registries: registries.lister,
    docker: options.docker ?? ((hostName) => {
      const client = sessions.get(hostName)?.client;
      return client === undefined ? undefined : updateDocker(hostName, client);
    }),
    credentialsFor: pullCredentials(registryCredentials),
    gate,
    healthTimeoutMs: options.healthTimeoutMs ?? 60_000,
    retryMs: options.retryMs ?? 30_000,
    ...(options.failpoint === undefined ? {} : {
      failpoint: {
        ...options.failpoint,
        pause: async (operation) => {
          manager.logger.warn({ failpoint: options.failpoint, container: operation.details.containerName, step: operation.step }, 'failpoint reached: the update controller pauses until the process is killed');
          await new Promise<never>(() => undefined);
        },
      },
    }),
  });
  controller = manager.addController({
    name: 'update',
    reconciler,
    workers: options.workers ?? 16,
    reconcileTimeoutMs: options.reconcileTimeoutMs ?? 30 * 60_000,
  });
  controller.watch(containers);
  controller.watch(settings, () => containers.lister.keys());
  // A host that (re)connects may have operations waiting for it.
  sessions.subscribe({
    resynced: (hostName) => {
      for (const container of containers.lister.list({ namespace: hostName })) controller?.enqueue(keyOf(container));
    },
  });
  return { controller, gate };
}
