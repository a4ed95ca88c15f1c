// What the gitops field manager applies for a manifest: the object as written, marked with the ownership labels,
// without what the server owns (timestamps, uid, resourceVersion, managedFields of an exported object) and without
// status (controllers write status; git never does).
import { isObject } from '../../schemas/json.ts';
import type { ManifestObject } from './manifest-tree.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, SOURCE_LABEL, type ObjectRef } from './ownership.ts';

const SERVER_METADATA = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields'];

export type Configuration = Record<string, unknown> & { apiVersion: string; kind: string; metadata: Record<string, unknown> };

export function applyConfiguration(manifest: ManifestObject, sourceName: string): Configuration {
  const { metadata, status: _status, ...rest } = manifest.object;
  const ownMetadata: Record<string, unknown> = Object.fromEntries(Object.entries(metadata).filter(([field]) => !SERVER_METADATA.includes(field)));
  ownMetadata.labels = { ...metadata.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [SOURCE_LABEL]: sourceName };
  const configuration: Configuration = { ...rest, apiVersion: manifest.kind.apiVersion, kind: manifest.kind.kind, metadata: ownMetadata };
  return manifest.kind.kind === 'Secret' ? withStringDataFolded(configuration) : configuration;
}

/**
 * A Secret's stringData applied as data. The server folds stringData into data on every write, so the field manager
 * that applied stringData would own nothing that is stored: a key removed from git would stay, and a value changed
 * by hand would not count as drift. Applying data owns each key. stringData wins over data, as in Kubernetes.
 */
function withStringDataFolded(configuration: Configuration): Configuration {
  const { stringData, ...rest } = configuration;
  if (!isObject(stringData)) return configuration;
  const data = isObject(rest.data) ? { ...rest.data } : {};
  for (const [key, value] of Object.entries(stringData)) data[key] = Buffer.from(String(value), 'utf8').toString('base64');
  return { ...rest, data };
}

/**
 * The configuration that gives an object back: applying only its identity makes the gitops manager drop every field
 * and label it set (fields another manager also owns stay).
 */
export function emptyConfiguration(ref: ObjectRef): Configuration {
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }) } };
}
