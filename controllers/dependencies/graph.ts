// The dependency graph of the containers of one Host, from their Container resources alone (no Docker call), so that
// the update controller and the Sentinel REST facade (`GET /api/deps`) see the same graph. A container depends on:
// - the names in `status.effective.dependsOn` (spec.dependsOn, label sentinel.depends-on, or compose depends_on
//   already mapped to the project's container names by the inventory controller);
// - the containers it links to (`status.links`, legacy --link);
// - the container whose network namespace it joins (`status.networkMode` `container:NAME` or `container:ID`).
// Edges to containers that do not exist (or are gone) are dropped. A cycle is reported, never looped on: `order`
// still lists every container once.
import type { Container } from '../../schemas/generated/types.ts';

export type DependencyKind = 'dependsOn' | 'link' | 'network';

/** `dependent` needs `dependency`: the dependency updates first; the dependent restarts (or is recreated) after. */
export interface DependencyEdge {
  dependent: string;
  dependency: string;
  kinds: DependencyKind[];
}

/** One container of `GET /api/deps` (Docker names). */
export interface DependencyNode {
  name: string;
  /** What it needs, sorted. */
  dependencies: string[];
  /** What needs it, sorted. */
  dependents: string[];
}

/** The shape of Sentinel's `GET /api/deps`, per Host. */
export interface DependencyGraph {
  containers: DependencyNode[];
  /** Every container once, each dependency before its dependents (ties alphabetical); members of a cycle, and what depends on them, come last, alphabetically. */
  order: string[];
  has_cycles: boolean;
}

/** The graph with what the update controller needs beyond the REST shape. */
export interface DependencyAnalysis extends DependencyGraph {
  edges: DependencyEdge[];
  /** Each cycle's members (a strongly connected component of two or more), sorted; sorted by first member. */
  cycles: string[][];
}

/** The Docker name a Container resource stands for. */
export function dockerNameOf(container: Pick<Container, 'spec' | 'status' | 'metadata'>): string {
  return container.status?.name ?? container.spec?.containerName ?? container.metadata.name ?? '';
}

function present(container: Container): boolean {
  return container.status?.state !== 'gone' && container.metadata.deletionTimestamp === undefined;
}

export interface AnalysisOptions {
  /**
   * Count gone containers too (default false). The update controller does, to keep a container that is between its
   * old and its new copy on its dependency chain.
   */
  includeGone?: boolean;
}

function kept(options: AnalysisOptions): (container: Container) => boolean {
  return (container) => container.metadata.deletionTimestamp === undefined && (options.includeGone === true || present(container));
}

/** Every dependency edge between the (present) containers given; they should all belong to one Host. */
export function dependencyEdges(containers: readonly Container[], options: AnalysisOptions = {}): DependencyEdge[] {
  const live = containers.filter(kept(options));
  const names = new Set(live.map(dockerNameOf));
  const byID = new Map(live.flatMap((container) => (container.status?.id === undefined ? [] : [[container.status.id, dockerNameOf(container)] as const])));
  const edges = new Map<string, DependencyEdge>();
  const add = (dependent: string, dependency: string | undefined, kind: DependencyKind): void => {
    if (dependency === undefined || dependency === dependent || !names.has(dependency)) return;
    const key = `${dependent}\u0000${dependency}`;
    const edge = edges.get(key) ?? { dependent, dependency, kinds: [] };
    if (!edge.kinds.includes(kind)) edge.kinds.push(kind);
    edges.set(key, edge);
  };
  for (const container of live) {
    const name = dockerNameOf(container);
    for (const dependency of container.status?.effective?.dependsOn?.value ?? []) add(name, dependency.trim(), 'dependsOn');
    for (const dependency of container.status?.links ?? []) add(name, dependency, 'link');
    const mode = container.status?.networkMode ?? '';
    if (mode.startsWith('container:')) {
      const owner = mode.slice('container:'.length);
      add(name, byID.get(owner) ?? owner, 'network');
    }
  }
  return [...edges.values()].sort((a, b) => compare(a.dependent, b.dependent) || compare(a.dependency, b.dependency));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Strongly connected components of two or more nodes (Tarjan), each sorted. */
function cyclesOf(nodes: readonly string[], needs: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  // Iterative, so that a long chain of containers cannot overflow the call stack.
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; next: number }> = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter);
    counter += 1;
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      if (frame === undefined) break;
      const targets = needs.get(frame.node) ?? [];
      if (frame.next < targets.length) {
        const target = targets[frame.next] ?? '';
        frame.next += 1;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter);
          counter += 1;
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node) ?? 0, index.get(target) ?? 0));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node) ?? 0, low.get(frame.node) ?? 0));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        for (;;) {
          const member = stack.pop();
          if (member === undefined) break;
          onStack.delete(member);
          component.push(member);
          if (member === frame.node) break;
        }
        if (component.length > 1) cycles.push(component.sort(compare));
      }
    }
  }
  return cycles.sort((a, b) => compare(a[0] ?? '', b[0] ?? ''));
}

/** Kahn's algorithm, alphabetical among the ready; whatever a cycle holds back is appended alphabetically. */
function topologicalOrder(nodes: readonly string[], edges: readonly DependencyEdge[]): string[] {
  const waitingFor = new Map(nodes.map((node) => [node, 0]));
  const dependentsOf = new Map<string, string[]>();
  for (const edge of edges) {
    waitingFor.set(edge.dependent, (waitingFor.get(edge.dependent) ?? 0) + 1);
    dependentsOf.set(edge.dependency, [...(dependentsOf.get(edge.dependency) ?? []), edge.dependent]);
  }
  const ready = nodes.filter((node) => waitingFor.get(node) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort(compare);
    const node = ready.shift() ?? '';
    order.push(node);
    for (const dependent of dependentsOf.get(node) ?? []) {
      const left = (waitingFor.get(dependent) ?? 0) - 1;
      waitingFor.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  }
  const placed = new Set(order);
  return [...order, ...nodes.filter((node) => !placed.has(node))];
}

/** The dependency graph of one Host's containers, with its edges and cycles. */
export function analyzeDependencies(containers: readonly Container[], options: AnalysisOptions = {}): DependencyAnalysis {
  const nodes = [...new Set(containers.filter(kept(options)).map(dockerNameOf))].sort(compare);
  const edges = dependencyEdges(containers, options);
  const needs = new Map<string, string[]>();
  const neededBy = new Map<string, string[]>();
  for (const edge of edges) {
    needs.set(edge.dependent, [...(needs.get(edge.dependent) ?? []), edge.dependency]);
    neededBy.set(edge.dependency, [...(neededBy.get(edge.dependency) ?? []), edge.dependent]);
  }
  const cycles = cyclesOf(nodes, needs);
  return {
    containers: nodes.map((name) => ({ name, dependencies: [...(needs.get(name) ?? [])].sort(compare), dependents: [...(neededBy.get(name) ?? [])].sort(compare) })),
    order: topologicalOrder(nodes, edges),
    has_cycles: cycles.length > 0,
    edges,
    cycles,
  };
}

/**
 * `GET /api/deps` for one Host: pass the Container resources of the Host's namespace (e.g. from a Container lister
 * with `{ namespace }`). `GET /api/deps/{container}` is the entry of `containers` with that name.
 */
export function dependencyGraph(containers: readonly Container[]): DependencyGraph {
  const { containers: nodes, order, has_cycles } = analyzeDependencies(containers);
  return { containers: nodes, order, has_cycles };
}
