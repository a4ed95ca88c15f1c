// Resource names on the command line, as kubectl takes them: plural, singular, short name or kind, optionally
// qualified by the group (containers.vigil.dev), and how objects are named in output (container.vigil.dev/web).
import { findKindByAnyName, type ResourceKind } from '../../schemas/index.ts';
import { UsageError } from './errors.ts';

export function resolveKind(text: string): ResourceKind {
  const direct = findKindByAnyName(text);
  if (direct !== undefined) return direct;
  const dot = text.indexOf('.');
  if (dot > 0) {
    const qualified = findKindByAnyName(text.slice(0, dot));
    if (qualified !== undefined && qualified.group === text.slice(dot + 1).toLowerCase()) return qualified;
  }
  throw new UsageError(`the server doesn't have a resource type "${text}"; kubectl api-resources lists them`);
}

/** "container.vigil.dev/web", or "secret/db" for the core group. */
export function objectName(kind: ResourceKind, name: string): string {
  return `${kind.group === '' ? kind.singular : `${kind.singular}.${kind.group}`}/${name}`;
}

/** "containers.vigil.dev", as Kubernetes names a resource in messages. */
export function resourceName(kind: ResourceKind): string {
  return kind.group === '' ? kind.plural : `${kind.plural}.${kind.group}`;
}

/** The collection path of a kind, in one namespace or all. */
export function collectionPath(kind: ResourceKind, namespace: string | undefined): string {
  const base = kind.group === '' ? `/api/${kind.version}` : `/apis/${kind.group}/${kind.version}`;
  return kind.namespaced && namespace !== undefined ? `${base}/namespaces/${encodeURIComponent(namespace)}/${kind.plural}` : `${base}/${kind.plural}`;
}
