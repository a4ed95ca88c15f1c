// The garbage collector for ownerReferences (k8s.io/kubernetes pkg/controller/garbagecollector), driven by one watch
// of every kind. Background: a dependent whose owners are all gone is deleted. Foreground: an owner deleted with
// propagationPolicy=Foreground keeps its `foregroundDeletion` finalizer while its dependents are deleted, until none
// with blockOwnerDeletion remains. Orphan: an owner deleted with propagationPolicy=Orphan has its reference removed
// from every dependent, then its `orphan` finalizer removed. The watch starts from the current state (synthetic ADDED
// for every object), so a restart rescans everything and finishes what a previous run left undone.
import type { ResourceKind } from '../../schemas/index.ts';
import { isApiError } from '../resources/errors.ts';
import type { ResourceRegistry } from '../resources/registry.ts';
import type { Store, WatchEvent } from '../storage/interface.ts';
import { FOREGROUND_FINALIZER, nodeOf, ORPHAN_FINALIZER, OwnerGraph, type GraphNode, type OwnerReference } from './owner-graph.ts';

export interface GarbageCollectorOptions {
  resources: ResourceRegistry;
  store: Store;
  log?: { warn: (object: object, message: string) => void; error: (object: object, message: string) => void };
  /** Wait before retrying an object whose processing failed, and before re-watching. Default 1 s. */
  retryDelayMs?: number;
}

const FIELD_MANAGER = 'vigil-garbage-collector';

type OwnerState = 'present' | 'absent' | 'waiting' | 'unknown';

export class GarbageCollector {
  readonly #resources: ResourceRegistry;
  readonly #store: Store;
  readonly #log: NonNullable<GarbageCollectorOptions['log']>;
  readonly #retryDelayMs: number;
  readonly #graph = new OwnerGraph();
  readonly #dirty = new Set<string>();
  readonly #abort = new AbortController();
  #wake: (() => void) | undefined;
  #running: Promise<unknown> | undefined;

  constructor(options: GarbageCollectorOptions) {
    this.#resources = options.resources;
    this.#store = options.store;
    this.#log = options.log ?? { warn: () => undefined, error: () => undefined };
    this.#retryDelayMs = options.retryDelayMs ?? 1000;
  }

  start(): void {
    this.#running ??= Promise.all([this.#watchLoop(), this.#workLoop()]);
  }

  async stop(): Promise<void> {
    this.#abort.abort();
    this.#wake?.();
    await this.#running;
  }

  #enqueue(uid: string): void {
    if (this.#abort.signal.aborted) return;
    this.#dirty.add(uid);
    this.#wake?.();
  }

  async #watchLoop(): Promise<void> {
    while (!this.#abort.signal.aborted) {
      // From revision 0: the current state first, so every (re)start rescans everything.
      this.#graph.clear();
      const watcher = this.#store.watch('/registry/', { revision: 0, signal: this.#abort.signal });
      try {
        for await (const event of watcher.events) this.#observe(event);
      } catch (error) {
        if (!this.#abort.signal.aborted) this.#log.warn({ err: error }, 'garbage collector watch failed; rescanning');
      }
      if (this.#abort.signal.aborted) return;
      await this.#sleep(this.#retryDelayMs);
    }
  }

  #observe(event: WatchEvent): void {
    if (event.type === 'BOOKMARK') return;
    const node = nodeOf(event.object);
    if (node === undefined) return;
    if (event.type === 'DELETED') {
      this.#graph.remove(node.uid);
      for (const dependent of this.#graph.dependentsOf(node.uid)) this.#enqueue(dependent.uid);
      for (const owner of node.owners) if (this.#graph.get(owner.uid)?.finalizers.includes(FOREGROUND_FINALIZER)) this.#enqueue(owner.uid);
      return;
    }
    this.#graph.upsert(node);
    if (node.owners.length > 0) this.#enqueue(node.uid);
    if (node.deleting && (node.finalizers.includes(ORPHAN_FINALIZER) || node.finalizers.includes(FOREGROUND_FINALIZER))) this.#enqueue(node.uid);
    for (const owner of node.owners) if (this.#graph.get(owner.uid)?.finalizers.includes(FOREGROUND_FINALIZER)) this.#enqueue(owner.uid);
  }

  async #workLoop(): Promise<void> {
    while (!this.#abort.signal.aborted) {
      const next = this.#dirty.values().next();
      if (next.done === true) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
        continue;
      }
      const uid = next.value;
      this.#dirty.delete(uid);
      try {
        await this.#process(uid);
      } catch (error) {
        if (this.#abort.signal.aborted) return;
        this.#log.warn({ err: error, uid }, 'garbage collection failed; retrying');
        setTimeout(() => this.#enqueue(uid), this.#retryDelayMs).unref();
      }
    }
  }

  async #process(uid: string): Promise<void> {
    const node = this.#graph.get(uid);
    if (node === undefined) return;
    if (node.deleting && node.finalizers.includes(ORPHAN_FINALIZER)) await this.#orphanDependents(node);
    if (node.deleting && node.finalizers.includes(FOREGROUND_FINALIZER)) await this.#deleteDependentsFirst(node);
    if (node.owners.length > 0) await this.#checkOwners(node);
  }

  async #orphanDependents(owner: GraphNode): Promise<void> {
    for (const dependent of this.#graph.dependentsOf(owner.uid)) {
      await this.#ignoreGone(this.#resources.modify(dependent.kind.kind, dependent.namespace, dependent.name, (current) => {
        const refs = ((current.metadata as { ownerReferences?: OwnerReference[] }).ownerReferences ?? []).filter((ref) => ref.uid !== owner.uid);
        const metadata = { ...current.metadata, ownerReferences: refs };
        if (refs.length === 0) delete (metadata as { ownerReferences?: unknown }).ownerReferences;
        return { ...current, metadata };
      }, { fieldManager: FIELD_MANAGER }));
    }
    await this.#removeFinalizer(owner, ORPHAN_FINALIZER);
  }

  async #deleteDependentsFirst(owner: GraphNode): Promise<void> {
    const dependents = this.#graph.dependentsOf(owner.uid);
    for (const dependent of dependents) {
      if (!dependent.deleting) await this.#delete(dependent, 'Foreground');
    }
    const blocking = this.#graph.dependentsOf(owner.uid).filter((dependent) =>
      dependent.owners.some((ref) => ref.uid === owner.uid && ref.blockOwnerDeletion === true));
    if (blocking.length === 0) await this.#removeFinalizer(owner, FOREGROUND_FINALIZER);
  }

  async #checkOwners(node: GraphNode): Promise<void> {
    const states = await Promise.all(node.owners.map(async (ref) => [ref, await this.#ownerState(node, ref)] as const));
    if (states.some(([, state]) => state === 'unknown')) return;
    const remaining = states.filter(([, state]) => state !== 'absent');
    if (remaining.length === 0) {
      await this.#delete(node, 'Background');
      return;
    }
    if (remaining.every(([, state]) => state === 'waiting')) {
      if (!node.deleting) await this.#delete(node, 'Foreground');
      return;
    }
    const absent = new Set(states.filter(([, state]) => state === 'absent').map(([ref]) => ref.uid));
    if (absent.size === 0) return;
    // Some owners are gone, others stay: only the dangling references go.
    await this.#ignoreGone(this.#resources.modify(node.kind.kind, node.namespace, node.name, (current) => {
      const refs = ((current.metadata as { ownerReferences?: OwnerReference[] }).ownerReferences ?? []).filter((ref) => !absent.has(ref.uid));
      return { ...current, metadata: { ...current.metadata, ownerReferences: refs } as typeof current.metadata };
    }, { fieldManager: FIELD_MANAGER }));
  }

  async #ownerState(dependent: GraphNode, ref: OwnerReference): Promise<OwnerState> {
    const known = this.#graph.get(ref.uid);
    if (known !== undefined) return known.deleting && known.finalizers.includes(FOREGROUND_FINALIZER) ? 'waiting' : 'present';
    let kind: ResourceKind;
    try {
      kind = this.#resources.kind(ref.kind);
    } catch {
      this.#log.warn({ dependent: `${dependent.namespace ?? ''}/${dependent.name}`, owner: ref }, 'owner reference names a kind this server does not serve; left alone');
      return 'unknown';
    }
    if (kind.namespaced && dependent.namespace === undefined) return 'unknown';
    // The graph may lag the store: only a read of the store proves an owner gone.
    try {
      const owner = await this.#resources.get(kind.kind, kind.namespaced ? dependent.namespace : undefined, ref.name);
      if (owner.metadata.uid !== ref.uid) return 'absent';
      return owner.metadata.deletionTimestamp !== undefined && (owner.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER) ? 'waiting' : 'present';
    } catch (error) {
      if (isApiError(error, 'NotFound')) return 'absent';
      throw error;
    }
  }

  async #delete(node: GraphNode, propagationPolicy: 'Background' | 'Foreground'): Promise<void> {
    await this.#ignoreGone(this.#resources.delete(node.kind.kind, node.namespace, node.name, { propagationPolicy, preconditions: { uid: node.uid } }));
  }

  async #removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    await this.#ignoreGone(this.#resources.modify(node.kind.kind, node.namespace, node.name, (current) => {
      if (current.metadata.uid !== node.uid) return current;
      const finalizers = (current.metadata.finalizers ?? []).filter((name) => name !== finalizer);
      return { ...current, metadata: { ...current.metadata, finalizers } };
    }, { fieldManager: FIELD_MANAGER }));
  }

  /** Something already gone (or replaced by a new object of the same name) needs nothing more. */
  async #ignoreGone(write: Promise<unknown>): Promise<void> {
    try {
      await write;
    } catch (error) {
      if (isApiError(error, 'NotFound') || (isApiError(error, 'Conflict') && /UID/i.test(error.message))) return;
      throw error;
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      this.#abort.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }
}
