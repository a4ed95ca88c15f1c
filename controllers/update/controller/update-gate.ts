// Which updates may start now: dependencies before dependents, never two on one dependency chain, and at most
// Settings.updateConcurrency at once. With Settings.dependencyAware false, declared dependencies (depends-on, compose
// depends_on, spec.dependsOn) neither order updates nor form chains; a network namespace or link join still keeps two
// updates apart, because the update of one recreates the other (Docker binds the join to the container's ID). The reservations live in this process (one controller, on the leader), taken
// and checked without an await in between, so two workers cannot both take the last slot; the cache's view of
// operations already under way (a previous leader's) is added to them. Keys that had to wait are enqueued again
// whenever a reservation is released. Two updates of one container never run at once for another reason: the work
// queue never hands out one key twice.
import { analyzeDependencies, dockerNameOf } from '../../dependencies/graph.ts';
import type { Container, SettingsSpec } from '../../../schemas/generated/types.ts';
import { isDue } from './desired.ts';

export interface AdmitInput {
  key: string;
  hostName: string;
  /** Every Container of the host (gone ones included). */
  containers: readonly Container[];
  settings: SettingsSpec | undefined;
  now: number;
  /** Keys (any host) whose stored status shows an operation under way. */
  activeInStore: ReadonlySet<string>;
  /**
   * For an auto-update: when the registry check that found it ran. A dependency whose own check is older (the scan
   * has not reached it yet) may be about to show an update too, so the dependent waits for that check — for at most
   * `checkGraceMs` after its own, so that a dependency nobody checks cannot hold it back for ever.
   */
  checkedAt?: number;
  checkGraceMs?: number;
}

export type Admission = { admitted: true } | { admitted: false; reason: 'WaitingForDependencies' | 'WaitingForSlot'; message: string };

const DEFAULT_CHECK_GRACE_MS = 10 * 60_000;

/** A dependency the scan has not checked since `checkedAt` (pinned and self containers are never updated: no wait). */
function notYetChecked(container: Container, checkedAt: number): boolean {
  const status = container.status ?? {};
  if (status.self === true || status.effective?.policy?.value === 'pinned') return false;
  const lastChecked = status.registryCheck?.lastChecked;
  return lastChecked === undefined || Date.parse(lastChecked) < checkedAt;
}

function keyOf(container: Container): string {
  return `${container.metadata.namespace ?? ''}/${container.metadata.name ?? ''}`;
}

export class UpdateGate {
  readonly #reserved = new Set<string>();
  readonly #waiting = new Set<string>();
  readonly #enqueue: (key: string) => void;

  constructor(enqueue: (key: string) => void) {
    this.#enqueue = enqueue;
  }

  get reservedCount(): number {
    return this.#reserved.size;
  }

  isReserved(key: string): boolean {
    return this.#reserved.has(key);
  }

  /** Reserves a slot for `key`, or says what it waits for (and remembers to wake it up). */
  admit(input: AdmitInput): Admission {
    const decision = this.#check(input);
    if (decision.admitted) {
      this.#reserved.add(input.key);
      this.#waiting.delete(input.key);
    } else {
      this.#waiting.add(input.key);
    }
    return decision;
  }

  /** Keeps a reservation for an operation found under way (after a restart, or started before this check existed). */
  hold(key: string): void {
    this.#reserved.add(key);
  }

  /** The operation of `key` ended: its slot is free, and whatever waited looks again. */
  release(key: string): void {
    if (!this.#reserved.delete(key)) return;
    const waiting = [...this.#waiting];
    this.#waiting.clear();
    for (const other of waiting) this.#enqueue(other);
  }

  #check(input: AdmitInput): Admission {
    const { key, containers } = input;
    const byName = new Map(containers.map((container) => [dockerNameOf(container), container]));
    const self = containers.find((container) => keyOf(container) === key);
    if (self === undefined) return { admitted: true };
    const name = dockerNameOf(self);
    const active = (container: Container): boolean => {
      const other = keyOf(container);
      return other !== key && (this.#reserved.has(other) || input.activeInStore.has(other));
    };
    const analysis = analyzeDependencies(containers, { includeGone: true });
    const cycle = new Set(analysis.cycles.find((members) => members.includes(name)) ?? []);
    const dependencyAware = input.settings?.dependencyAware !== false;
    const edges = dependencyAware ? analysis.edges : analysis.edges.filter((edge) => edge.kinds.includes('network') || edge.kinds.includes('link'));

    // Dependencies first: anything this container needs (transitively, a cycle's own members aside) that is updating
    // or about to. Not without dependencyAware: then nothing is ordered.
    const needs = new Map<string, string[]>();
    if (dependencyAware) for (const edge of analysis.edges) needs.set(edge.dependent, [...(needs.get(edge.dependent) ?? []), edge.dependency]);
    const pending: string[] = [];
    const seen = new Set<string>([name]);
    const queue = [...(needs.get(name) ?? [])];
    const checkedAt = input.checkedAt;
    const awaitChecks = checkedAt !== undefined && input.now - checkedAt < (input.checkGraceMs ?? DEFAULT_CHECK_GRACE_MS);
    while (queue.length > 0) {
      const dependency = queue.shift() ?? '';
      if (seen.has(dependency) || cycle.has(dependency)) continue;
      seen.add(dependency);
      const container = byName.get(dependency);
      if (container !== undefined && (active(container) || isDue(container, input.settings, input.now))) pending.push(dependency);
      else if (container !== undefined && awaitChecks && notYetChecked(container, checkedAt)) pending.push(`${dependency} (registry check)`);
      queue.push(...(needs.get(dependency) ?? []));
    }
    if (pending.length > 0) return { admitted: false, reason: 'WaitingForDependencies', message: `waiting for ${pending.sort().join(', ')} to update first` };

    // Never two on one chain: the containers connected to this one through dependencies, either way.
    const neighbours = new Map<string, string[]>();
    for (const edge of edges) {
      neighbours.set(edge.dependent, [...(neighbours.get(edge.dependent) ?? []), edge.dependency]);
      neighbours.set(edge.dependency, [...(neighbours.get(edge.dependency) ?? []), edge.dependent]);
    }
    const chain = new Set<string>([name]);
    const walk = [name];
    while (walk.length > 0) {
      for (const next of neighbours.get(walk.pop() ?? '') ?? []) {
        if (chain.has(next)) continue;
        chain.add(next);
        walk.push(next);
      }
    }
    const busy = [...chain].filter((member) => {
      const container = byName.get(member);
      return container !== undefined && active(container);
    });
    // An update under way is about to recreate the containers joined to it, which the graph may no longer show (a
    // `container:ID` network mode names the old container's ID once the new one exists).
    for (const container of containers) {
      const joined = (container.status?.operation?.details as { dependents?: Array<{ name: string }> } | undefined)?.dependents ?? [];
      if (active(container) && joined.some((dependent) => dependent.name === name)) busy.push(dockerNameOf(container));
    }
    if (busy.length > 0) return { admitted: false, reason: 'WaitingForDependencies', message: `${[...new Set(busy)].sort().join(', ')} on the same dependency chain is being updated` };

    const limit = input.settings?.updateConcurrency ?? 1;
    const running = new Set([...this.#reserved, ...input.activeInStore]);
    running.delete(key);
    if (running.size >= limit) return { admitted: false, reason: 'WaitingForSlot', message: `${running.size} updates are under way (Settings updateConcurrency ${limit})` };
    return { admitted: true };
  }
}
