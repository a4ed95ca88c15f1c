// How objects are kept in etcd, as kube-apiserver keeps them: the value is the object's JSON without
// resourceVersion, and the resourceVersion is the key's mod_revision (etcd3 hands revisions over as decimal strings).
import type { IKeyValue, IResponseHeader } from 'etcd3';
import type { Revision, StoredObject } from '../interface.ts';
import { StorageError } from '../errors.ts';
import { isStoredObject, withRevision } from '../objects.ts';

/** An object read from etcd, with its key and the revision of its last write. */
export interface StoredState {
  key: string;
  /** resourceVersion already set to `revision`. A fresh object the caller owns. */
  object: StoredObject;
  revision: Revision;
}

/** Parses a stored value (a fresh object each time). */
export function decodeValue(value: Buffer | string, key: string): StoredObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString());
  } catch (error) {
    throw corrupt(`the value of ${key} is not JSON`, error);
  }
  if (!isStoredObject(parsed)) throw corrupt(`the value of ${key} is not an object with apiVersion, kind and metadata.name`);
  return parsed;
}

export function decodeKeyValue(kv: IKeyValue): StoredState {
  const key = kv.key.toString();
  const revision = parseEtcdRevision(kv.mod_revision);
  return { key, object: withRevision(decodeValue(kv.value, key), revision), revision };
}

export function headerRevision(header: IResponseHeader): Revision {
  return parseEtcdRevision(header.revision);
}

/** etcd's int64 revisions as numbers; beyond 2^53 they could not be resourceVersions (parseRevision refuses them too). */
export function parseEtcdRevision(value: string): Revision {
  const revision = Number(value);
  if (!Number.isSafeInteger(revision) || revision < 0) throw corrupt(`etcd sent the revision ${JSON.stringify(value)}`);
  return revision;
}

function corrupt(message: string, cause?: unknown): StorageError {
  return new StorageError('Internal', `etcd store data is damaged: ${message}`, cause === undefined ? {} : { cause });
}
