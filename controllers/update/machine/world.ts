// What the update machine observes before each decision: the containers that matter, reduced to the facts the
// decision needs, and the snapshot it took. `observeWorld` reads them through UpdateDocker; the decision itself
// (decide.ts) is a pure function of the persisted operation and this.
import type { ContainerInspect } from '../docker/types.ts';
import { containerName } from '../docker/types.ts';
import type { UpdateDocker } from '../docker/update-docker.ts';
import type { UpdateOperation } from './operation.ts';

export type Health = 'none' | 'starting' | 'healthy' | 'unhealthy';

export interface ContainerFacts {
  id: string;
  name: string;
  imageID: string;
  running: boolean;
  restarting: boolean;
  /** created, running, exited, … */
  status: string;
  exitCode: number;
  restartCount: number;
  health: Health;
  /** Whether it was ever started (Docker's StartedAt is the zero time until then). */
  started: boolean;
  networkMode: string;
  networks: string[];
}

export interface World {
  /** The clock's now, in ms. */
  now: number;
  /** The container the update started from (by ID), if it still exists. */
  old: ContainerFacts | undefined;
  /** Whatever container holds the original name now: the old one, the new one, or none. */
  holder: ContainerFacts | undefined;
  /** The snapshot's inspect, once taken. */
  snapshot: ContainerInspect | undefined;
  /** The namespace dependents by name, once listed. */
  dependents: Record<string, ContainerFacts | undefined>;
}

export function factsOf(inspect: ContainerInspect): ContainerFacts {
  const health = inspect.State.Health?.Status;
  const startedAt = inspect.State.StartedAt ?? '';
  return {
    id: inspect.Id,
    name: containerName(inspect),
    imageID: inspect.Image,
    running: inspect.State.Running,
    restarting: inspect.State.Restarting,
    status: inspect.State.Status,
    exitCode: inspect.State.ExitCode ?? 0,
    restartCount: inspect.RestartCount,
    health: health === 'starting' || health === 'healthy' || health === 'unhealthy' ? health : 'none',
    started: startedAt !== '' && !startedAt.startsWith('0001-01-01'),
    networkMode: typeof inspect.HostConfig.NetworkMode === 'string' ? inspect.HostConfig.NetworkMode : 'default',
    networks: Object.keys(inspect.NetworkSettings.Networks ?? {}).sort(),
  };
}

export interface ObserveContext {
  docker: UpdateDocker;
  loadSnapshot: (name: string) => Promise<ContainerInspect | undefined>;
  now: number;
  signal: AbortSignal;
}

export async function observeWorld(operation: UpdateOperation, context: ObserveContext): Promise<World> {
  const { docker, signal } = context;
  const [old, holder] = await Promise.all([
    docker.inspectContainer(operation.oldContainerID, signal),
    docker.inspectContainer(operation.details.containerName, signal),
  ]);
  // A name lookup also matches ID prefixes; only an exact name is the holder.
  const holds = holder !== undefined && containerName(holder) === operation.details.containerName;
  const snapshot = operation.snapshot === undefined ? undefined : await context.loadSnapshot(operation.snapshot);
  const dependents: Record<string, ContainerFacts | undefined> = {};
  for (const dependent of operation.details.dependents ?? []) {
    const inspected = await docker.inspectContainer(dependent.name, signal);
    dependents[dependent.name] = inspected !== undefined && containerName(inspected) === dependent.name ? factsOf(inspected) : undefined;
  }
  return {
    now: context.now,
    old: old === undefined ? undefined : factsOf(old),
    holder: holds ? factsOf(holder) : undefined,
    snapshot,
    dependents,
  };
}
