// What one engine has, as far as its last list and the events since tell: Docker name → ID, state and labels. The
// inventory uses it to find the Docker name behind a resource name, to count containers for the Host status and to
// find a compose project's containers. It is a hint, never the truth: every reconcile inspects the container itself.
import { containerResourceName } from '../../schemas/container-name.ts';
import type { ContainerEvent, ContainerSummary } from '../../domain/docker/client.ts';
import { COMPOSE_LABELS, isSwarmTask } from '../inventory/container-facts.ts';

export interface IndexedContainer {
  id: string;
  name: string;
  /** created, running, paused, restarting, exited, dead… */
  state: string;
  /** From the list; after an event, the event's attributes (the labels plus image, name…). */
  labels: Readonly<Record<string, string>>;
  /** A Swarm task container: counted, never made a resource. */
  swarmTask: boolean;
}

export interface ContainerCounts {
  total: number;
  running: number;
  stopped: number;
}

const STATE_AFTER: Partial<Record<ContainerEvent['action'], string>> = {
  create: 'created',
  start: 'running',
  restart: 'running',
  unpause: 'running',
  pause: 'paused',
  die: 'exited',
  stop: 'exited',
};

export class ContainerIndex {
  readonly #byName = new Map<string, IndexedContainer>();
  readonly #nameByResource = new Map<string, string>();

  /** Replaces everything with a fresh list; returns the Docker names that disappeared. */
  replaceAll(summaries: readonly ContainerSummary[]): string[] {
    const before = new Set(this.#byName.keys());
    this.#byName.clear();
    this.#nameByResource.clear();
    for (const summary of summaries) {
      this.#put({ id: summary.id, name: summary.name, state: summary.state, labels: summary.labels, swarmTask: isSwarmTask(summary.labels) });
      before.delete(summary.name);
    }
    return [...before];
  }

  /** Applies one event; returns the Docker names it concerns (both names of a rename). */
  apply(event: ContainerEvent): string[] {
    const existing = this.#byName.get(event.name);
    if (event.action === 'destroy') {
      if (existing?.id === event.containerID) this.#delete(event.name);
      return [event.name];
    }
    if (event.action === 'rename' && event.oldName !== undefined) {
      const old = this.#byName.get(event.oldName);
      if (old?.id === event.containerID) this.#delete(event.oldName);
      this.#put({ ...(old ?? this.#fromEvent(event, 'created')), name: event.name });
      return [event.oldName, event.name];
    }
    const state = STATE_AFTER[event.action];
    if (existing === undefined || existing.id !== event.containerID) {
      this.#put(this.#fromEvent(event, state ?? 'created'));
    } else if (state !== undefined && state !== existing.state) {
      this.#put({ ...existing, state });
    }
    return [event.name];
  }

  get(dockerName: string): IndexedContainer | undefined {
    return this.#byName.get(dockerName);
  }

  /** The Docker name behind a Container resource name, when the engine has such a container. */
  dockerNameOf(resourceName: string): string | undefined {
    return this.#nameByResource.get(resourceName);
  }

  /** Every container that is not a Swarm task. */
  managed(): IndexedContainer[] {
    return [...this.#byName.values()].filter((container) => !container.swarmTask);
  }

  /** Docker names of the project's containers running service `service` (compose), sorted. */
  composeService(project: string, service: string): string[] {
    return this.managed()
      .filter((container) => container.labels[COMPOSE_LABELS.project] === project && container.labels[COMPOSE_LABELS.service] === service)
      .map((container) => container.name)
      .sort();
  }

  /** Docker names of every container of a compose project. */
  composeProject(project: string): string[] {
    return this.managed().filter((container) => container.labels[COMPOSE_LABELS.project] === project).map((container) => container.name);
  }

  /** Every container of the engine, Swarm tasks included (as docker info counts them). */
  counts(): ContainerCounts {
    const all = [...this.#byName.values()];
    const running = all.filter((container) => container.state === 'running').length;
    const paused = all.filter((container) => container.state === 'paused').length;
    return { total: all.length, running, stopped: all.length - running - paused };
  }

  get size(): number {
    return this.#byName.size;
  }

  #fromEvent(event: ContainerEvent, state: string): IndexedContainer {
    return { id: event.containerID, name: event.name, state, labels: event.attributes, swarmTask: isSwarmTask(event.attributes) };
  }

  #put(container: IndexedContainer): void {
    this.#byName.set(container.name, container);
    this.#nameByResource.set(containerResourceName(container.name), container.name);
  }

  #delete(dockerName: string): void {
    this.#byName.delete(dockerName);
    this.#nameByResource.delete(containerResourceName(dockerName));
  }
}
