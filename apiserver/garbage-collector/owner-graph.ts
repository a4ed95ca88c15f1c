// The ownership graph the garbage collector works from (k8s.io/kubernetes pkg/controller/garbagecollector graph.go):
// every object that owns or is owned, with its owner references, deletion state and finalizers, and the reverse
// edges from an owner's uid to its dependents. Built from the store's watch; knows nothing of deleting.
import { findKind, type ResourceKind } from '../../schemas/index.ts';
import type { StoredObject } from '../storage/interface.ts';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface GraphNode {
  uid: string;
  kind: ResourceKind;
  namespace: string | undefined;
  name: string;
  owners: OwnerReference[];
  deleting: boolean;
  finalizers: string[];
}

export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

function ownerReferences(object: StoredObject): OwnerReference[] {
  const refs = (object.metadata as { ownerReferences?: unknown }).ownerReferences;
  if (!Array.isArray(refs)) return [];
  return refs.filter((ref): ref is OwnerReference =>
    typeof ref === 'object' && ref !== null && typeof ref.uid === 'string' && typeof ref.kind === 'string' &&
    typeof ref.name === 'string' && typeof ref.apiVersion === 'string');
}

export function nodeOf(object: StoredObject): GraphNode | undefined {
  const kind = findKind(object.apiVersion, object.kind);
  const uid = object.metadata.uid;
  if (kind === undefined || uid === undefined) return undefined;
  return {
    uid,
    kind,
    namespace: object.metadata.namespace,
    name: object.metadata.name,
    owners: ownerReferences(object),
    deleting: object.metadata.deletionTimestamp !== undefined,
    finalizers: object.metadata.finalizers ?? [],
  };
}

export class OwnerGraph {
  readonly #nodes = new Map<string, GraphNode>();
  readonly #dependents = new Map<string, Set<string>>();

  get(uid: string): GraphNode | undefined {
    return this.#nodes.get(uid);
  }

  /** The uids of objects that name `ownerUid` as an owner (the owner itself need not be known). */
  dependentsOf(ownerUid: string): GraphNode[] {
    return [...(this.#dependents.get(ownerUid) ?? [])].map((uid) => this.#nodes.get(uid)).filter((node) => node !== undefined);
  }

  /** Records the new state of an object; returns its previous node. */
  upsert(node: GraphNode): GraphNode | undefined {
    const previous = this.remove(node.uid);
    this.#nodes.set(node.uid, node);
    for (const owner of node.owners) {
      let set = this.#dependents.get(owner.uid);
      if (set === undefined) {
        set = new Set();
        this.#dependents.set(owner.uid, set);
      }
      set.add(node.uid);
    }
    return previous;
  }

  remove(uid: string): GraphNode | undefined {
    const node = this.#nodes.get(uid);
    if (node === undefined) return undefined;
    this.#nodes.delete(uid);
    for (const owner of node.owners) {
      const set = this.#dependents.get(owner.uid);
      set?.delete(uid);
      if (set?.size === 0) this.#dependents.delete(owner.uid);
    }
    return node;
  }

  clear(): void {
    this.#nodes.clear();
    this.#dependents.clear();
  }
}
