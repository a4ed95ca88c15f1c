// How Vigil marks what git owns (Flux kustomize-controller and Argo CD gitops-engine keep ownership twice as well):
// one server-side-apply field manager for every object applied from manifests, a label naming the source on each of
// them, and an inventory in the ManifestSource status. Pruning needs all three to agree.
import type { ResourceKind } from '../../schemas/index.ts';

/** The field manager of every apply from manifests (the server's loop and `vigil apply --prune` alike). */
export const GITOPS_FIELD_MANAGER = 'vigil-gitops';
/** The field manager of the ManifestSource `default` that `--manifests` / Settings.manifests describe. */
export const BOOTSTRAP_FIELD_MANAGER = 'vigil-gitops-bootstrap';

export const MANAGED_BY_LABEL = 'vigil.dev/managed-by';
export const MANAGED_BY_VALUE = 'gitops';
/** The name of the ManifestSource that applied the object. */
export const SOURCE_LABEL = 'vigil.dev/manifest-source';
/** `vigil.dev/prune: disabled` on a live object: never pruned, even once gone from the manifests. */
export const PRUNE_ANNOTATION = 'vigil.dev/prune';
export const PRUNE_DISABLED = 'disabled';

/** The ManifestSource that `vigil serve --manifests DIR` and Settings.manifests describe. */
export const DEFAULT_SOURCE_NAME = 'default';

/**
 * The order objects are applied in: what others refer to first (Secrets before the Registries and channels that read
 * them, Settings before everything, Hosts before the Containers in their namespace). Pruning goes in reverse.
 */
export const APPLY_ORDER: readonly string[] = [
  'Secret',
  'Settings',
  'Registry',
  'NotificationChannel',
  'PortainerInstance',
  'Host',
  'UpdatePolicy',
  'Hook',
  'Container',
  'ManifestSource',
  'Snapshot',
  'UpdateRecord',
];

export function applyRank(kind: string): number {
  const rank = APPLY_ORDER.indexOf(kind);
  return rank === -1 ? APPLY_ORDER.length : rank;
}

/**
 * Kinds whose objects Vigil itself brings into existence: a Container is discovered from Docker (and owns its
 * Snapshots), Settings is the one singleton. Pruning one of these never deletes it; it gives back what git set (an
 * empty apply by the gitops manager removes exactly the fields and labels git owned), so the container keeps running,
 * keeps its snapshots and falls back to its labels, policies and the global settings.
 */
export function relinquishedOnPrune(kind: Pick<ResourceKind, 'kind'>): boolean {
  return kind.kind === 'Container' || kind.kind === 'Settings';
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
}

/** KIND/NAME or KIND/NAMESPACE/NAME, as results and messages name objects. */
export function refText(ref: ObjectRef): string {
  return ref.namespace === undefined ? `${ref.kind}/${ref.name}` : `${ref.kind}/${ref.namespace}/${ref.name}`;
}

/** A key that tells objects apart across kinds and namespaces. */
export function refKey(ref: ObjectRef): string {
  return `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ''}|${ref.name}`;
}

export function sameRef(a: ObjectRef, b: ObjectRef): boolean {
  return refKey(a) === refKey(b);
}
