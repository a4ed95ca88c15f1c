// Where each object lives in the store: /registry/GROUP/PLURAL/NAMESPACE/NAME for our kinds, and
// /registry/PLURAL/NAMESPACE/NAME for core kinds (Secret), as kube-apiserver lays out etcd.
import type { ResourceKind } from '../../schemas/index.ts';

const ROOT = '/registry/';

/** The prefix of every object of a kind (in one namespace when given). Always ends with '/'. */
export function collectionPrefix(kind: ResourceKind, namespace?: string): string {
  const base = kind.group === '' ? `${ROOT}${kind.plural}/` : `${ROOT}${kind.group}/${kind.plural}/`;
  return kind.namespaced && namespace !== undefined && namespace !== '' ? `${base}${namespace}/` : base;
}

export function objectKey(kind: ResourceKind, namespace: string | undefined, name: string): string {
  if (kind.namespaced) {
    if (namespace === undefined || namespace === '') throw new Error(`${kind.kind} is namespaced: a namespace is required`);
    return `${collectionPrefix(kind, namespace)}${name}`;
  }
  return `${collectionPrefix(kind)}${name}`;
}
