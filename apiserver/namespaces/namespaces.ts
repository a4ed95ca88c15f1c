// Namespaces in Vigil are implicit: a namespace is where a Host's Containers, Snapshots and UpdateRecords live (its
// name is the Host's) or where Secrets are kept (vigil-system by default), and any valid name may hold objects
// without being created first. kubectl still asks for them: after a 404 on a namespaced object it reads
// /api/v1/namespaces/NS to tell "no such namespace" from "no such object", and `kubectl get namespaces` lists them.
// So every valid namespace name reads as an Active Namespace, and the list shows the namespaces in use.
import { DEFAULT_SECRET_NAMESPACE, LOCAL_HOST_NAME, resourceKinds } from '../../schemas/index.ts';
import { dns1123LabelProblems } from '../../schemas/names.ts';
import type { ResourceClient } from '../resources/client.ts';

export interface Namespace {
  apiVersion: 'v1';
  kind: 'Namespace';
  metadata: { name: string; creationTimestamp?: string };
  spec: { finalizers: string[] };
  status: { phase: 'Active' };
}

export interface NamespaceList {
  apiVersion: 'v1';
  kind: 'NamespaceList';
  metadata: { resourceVersion: string };
  items: Namespace[];
}

export function isNamespaceName(name: string): boolean {
  return dns1123LabelProblems(name).length === 0;
}

export function namespaceObject(name: string, creationTimestamp?: string): Namespace {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, ...(creationTimestamp === undefined ? {} : { creationTimestamp }) },
    spec: { finalizers: [] },
    status: { phase: 'Active' },
  };
}

/**
 * The namespaces in use: every Host's, every namespace holding an object, vigil-system and the local Host's. Each
 * carries the oldest creationTimestamp of what makes it exist, so that ages mean something.
 */
export async function listNamespaces(resources: ResourceClient): Promise<NamespaceList> {
  const oldest = new Map<string, string | undefined>([[LOCAL_HOST_NAME, undefined], [DEFAULT_SECRET_NAMESPACE, undefined]]);
  const note = (name: string | undefined, created: string | undefined): void => {
    if (name === undefined || name === '') return;
    const known = oldest.get(name);
    oldest.set(name, known === undefined || (created !== undefined && created < known) ? created ?? known : known);
  };
  let resourceVersion = '0';
  // resourceVersion "0": served from the watch cache, like every list kubectl makes here.
  const hosts = await resources.list('Host', { resourceVersion: '0' });
  resourceVersion = hosts.metadata.resourceVersion;
  for (const host of hosts.items) note(host.metadata.name, host.metadata.creationTimestamp);
  for (const kind of resourceKinds.filter((candidate) => candidate.namespaced)) {
    for (const item of (await resources.list(kind.kind, { resourceVersion: '0' })).items) note(item.metadata.namespace, item.metadata.creationTimestamp);
  }
  const items = [...oldest.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, created]) => namespaceObject(name, created));
  return { apiVersion: 'v1', kind: 'NamespaceList', metadata: { resourceVersion }, items };
}

/** How discovery lists them: read-only, cluster-scoped, short name ns. */
export const NAMESPACE_RESOURCE = {
  name: 'namespaces',
  singularName: 'namespace',
  namespaced: false,
  kind: 'Namespace',
  verbs: ['get', 'list'],
  shortNames: ['ns'],
};
