// The inventory controller: every container on every connected host as a Container resource in the host's namespace.
// What wakes a key up:
// - the host's Docker events (create, start, die, rename, destroy, health…) for the containers they name, and for a
//   compose project's other containers when one appears or goes (their effective dependsOn may change);
// - every relist of a host (on connect and every Host spec.resyncInterval): every container it lists and every
//   resource of the namespace (a resource whose container was missed going is found gone);
// - a Container resource created (by someone else), deleted or with a new spec (generation): not the controller's
//   own writes;
// - any UpdatePolicy or Settings change: every container (effective settings).
import type { Container, Host, Settings, UpdatePolicy } from '../../schemas/generated/types.ts';
import { containerResourceName } from '../../schemas/container-name.ts';
import { keyOf, type Controller, type Manager } from '../runtime/index.ts';
import type { HostSessions } from '../hosts/host-sessions.ts';
import type { Stored } from '../stored.ts';
import { COMPOSE_LABELS, isSwarmTask } from './container-facts.ts';
import { ContainerReconciler } from './container-reconciler.ts';

export interface InventoryControllerOptions {
  manager: Manager;
  sessions: HostSessions;
  /** How long a gone container's resource (and the spec on it) is kept before it is deleted. Default 24 h. */
  goneRetentionMs?: number;
  /** Containers reconciled at once. Default 4. */
  workers?: number;
  /** A pass's time limit; a stop request waits for the container's StopTimeout. Default 5 min. */
  reconcileTimeoutMs?: number;
}

export const DEFAULT_GONE_RETENTION_MS = 24 * 3600_000;

const MEMBERSHIP_ACTIONS = new Set(['create', 'destroy', 'rename']);

export function registerInventoryController(options: InventoryControllerOptions): Controller {
  const { manager, sessions } = options;
  const containers = manager.informers.informerFor<Stored<Container>>('Container');
  const policies = manager.informers.informerFor<Stored<UpdatePolicy>>('UpdatePolicy');
  const settings = manager.informers.informerFor<Stored<Settings>>('Settings');
  const hosts = manager.informers.informerFor<Stored<Host>>('Host');
  const controller = manager.addController({
    name: 'inventory',
    reconciler: new ContainerReconciler({
      client: manager.client,
      sessions,
      containers: containers.lister,
      policies: policies.lister,
      settings: settings.lister,
      hosts: hosts.lister,
      goneRetentionMs: options.goneRetentionMs ?? DEFAULT_GONE_RETENTION_MS,
    }),
    workers: options.workers ?? 4,
    reconcileTimeoutMs: options.reconcileTimeoutMs ?? 5 * 60_000,
    // A key names a Docker container as much as a resource: a failed pass is retried even when no resource exists yet.
    exists: () => true,
  });

  containers.addEventHandler({
    // A resource that arrives with status.id was created by a pass of this controller, status included: nothing to do.
    // One made by a user (the API drops status on create) gets its pass.
    onAdd: (container) => {
      if (container.status?.id === undefined) controller.enqueue(keyOf(container));
    },
    onDelete: (container) => controller.enqueue(keyOf(container)),
    onUpdate: (before, after) => {
      if (before.metadata.generation !== after.metadata.generation) controller.enqueue(keyOf(after));
    },
  });
  const everyContainer = (): string[] => containers.lister.keys();
  controller.watch(policies, everyContainer);
  controller.watch(settings, everyContainer);

  const enqueueDockerNames = (hostName: string, dockerNames: readonly string[]): void => {
    for (const dockerName of dockerNames) controller.enqueue(`${hostName}/${containerResourceName(dockerName)}`);
  };
  sessions.subscribe({
    containersChanged: (hostName, dockerNames, event) => {
      if (isSwarmTask(event.attributes)) return;
      enqueueDockerNames(hostName, dockerNames);
      const project = event.attributes[COMPOSE_LABELS.project];
      if (project !== undefined && MEMBERSHIP_ACTIONS.has(event.action)) {
        enqueueDockerNames(hostName, sessions.get(hostName)?.index.composeProject(project) ?? []);
      }
    },
    resynced: (hostName, dockerNames) => {
      enqueueDockerNames(hostName, dockerNames);
      for (const container of containers.lister.list({ namespace: hostName })) controller.enqueue(keyOf(container));
    },
  });
  return controller;
}
