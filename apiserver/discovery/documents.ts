// The discovery documents (k8s.io/apimachinery/pkg/apis/meta/v1 APIVersions, APIGroupList, APIGroup,
// APIResourceList), generated once from the kind registry: kubectl resolves every resource name it is given
// (plural, singular, short name, kind, category) through these, so they must list exactly what the API serves.
import { resourceKinds, type ResourceKind } from '../../schemas/index.ts';
import { NAMESPACE_RESOURCE } from '../namespaces/namespaces.ts';

/** Every verb the resource handlers serve on a kind's collection and item paths. */
export const RESOURCE_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] as const;
const STATUS_VERBS = ['get', 'patch', 'update'] as const;
const LOG_VERBS = ['get'] as const;

export interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

export interface APIResourceList {
  kind: 'APIResourceList';
  apiVersion: 'v1';
  groupVersion: string;
  resources: APIResource[];
}

export interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

export interface APIGroup {
  kind: 'APIGroup';
  apiVersion: 'v1';
  name: string;
  versions: GroupVersionForDiscovery[];
  preferredVersion: GroupVersionForDiscovery;
}

export interface APIGroupList {
  kind: 'APIGroupList';
  apiVersion: 'v1';
  groups: Omit<APIGroup, 'kind' | 'apiVersion'>[];
}

export interface APIVersions {
  kind: 'APIVersions';
  versions: string[];
}

/** A group ('' = core) and one of its versions, with the kinds served there. */
export interface GroupVersion {
  group: string;
  version: string;
  /** "vigil.dev/v1alpha1", or "v1" for the core group. */
  groupVersion: string;
  kinds: ResourceKind[];
}

/** The group versions the API serves, in registry order (every kind of one group version together). */
export function servedGroupVersions(kinds: readonly ResourceKind[] = resourceKinds): GroupVersion[] {
  const byGroupVersion = new Map<string, GroupVersion>();
  for (const kind of kinds) {
    let entry = byGroupVersion.get(kind.apiVersion);
    if (entry === undefined) {
      entry = { group: kind.group, version: kind.version, groupVersion: kind.apiVersion, kinds: [] };
      byGroupVersion.set(kind.apiVersion, entry);
    }
    entry.kinds.push(kind);
  }
  return [...byGroupVersion.values()];
}

function resourcesOf(kind: ResourceKind): APIResource[] {
  const main: APIResource = {
    name: kind.plural,
    singularName: kind.singular,
    namespaced: kind.namespaced,
    kind: kind.kind,
    verbs: [...RESOURCE_VERBS],
    // Empty lists are left out, as kube-apiserver does (omitempty).
    ...(kind.shortNames.length > 0 ? { shortNames: [...kind.shortNames] } : {}),
    ...(kind.categories.length > 0 ? { categories: [...kind.categories] } : {}),
  };
  // Subresources have an empty singularName in kube-apiserver's discovery; kubectl never resolves names to them.
  const subresource = (name: string, verbs: readonly string[]): APIResource =>
    ({ name: `${kind.plural}/${name}`, singularName: '', namespaced: kind.namespaced, kind: kind.kind, verbs: [...verbs] });
  return [
    main,
    ...(kind.hasStatus ? [subresource('status', STATUS_VERBS)] : []),
    ...(kind.hasLog ? [subresource('log', LOG_VERBS)] : []),
  ];
}

export function apiResourceList(groupVersion: GroupVersion): APIResourceList {
  const resources = groupVersion.kinds.flatMap(resourcesOf);
  // Namespaces have no schema (they are implicit, apiserver/namespaces/) but kubectl needs to read them.
  if (groupVersion.groupVersion === 'v1') resources.push({ ...NAMESPACE_RESOURCE, verbs: [...NAMESPACE_RESOURCE.verbs], shortNames: [...NAMESPACE_RESOURCE.shortNames] });
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion.groupVersion, resources };
}

/** The named groups (not the core group, which is discovered through /api), each with its versions. */
export function apiGroups(groupVersions: readonly GroupVersion[]): APIGroup[] {
  const groups = new Map<string, APIGroup>();
  for (const entry of groupVersions) {
    if (entry.group === '') continue;
    const version = { groupVersion: entry.groupVersion, version: entry.version };
    const group = groups.get(entry.group);
    // The first version listed is the preferred one (the registry lists a group's newest version first).
    if (group === undefined) groups.set(entry.group, { kind: 'APIGroup', apiVersion: 'v1', name: entry.group, versions: [version], preferredVersion: version });
    else group.versions.push(version);
  }
  return [...groups.values()];
}

export function apiGroupList(groups: readonly APIGroup[]): APIGroupList {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(({ name, versions, preferredVersion }) => ({ name, versions, preferredVersion })) };
}

export function apiVersions(groupVersions: readonly GroupVersion[]): APIVersions {
  return { kind: 'APIVersions', versions: groupVersions.filter((entry) => entry.group === '').map((entry) => entry.version) };
}
