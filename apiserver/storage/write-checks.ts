// What every write of both backends checks: the object's shape, and, against the state it read, on every attempt (the
// state may change between attempts), the caller's preconditions.
import type { Preconditions, Revision, StoredObject } from './interface.ts';
import { StorageError } from './errors.ts';
import { isStoredObject, withoutRevision } from './objects.ts';

export function requireNoRevision(key: string, object: StoredObject): void {
  const resourceVersion = object.metadata.resourceVersion;
  if (resourceVersion !== undefined && resourceVersion !== '') {
    throw new StorageError('InvalidObject', `resourceVersion should not be set on objects to be created: ${key}`, { key });
  }
}

/** Kubernetes' Preconditions.Check: a uid mismatch is InvalidPrecondition, a stale resourceVersion is Conflict. */
export function checkPreconditions(key: string, preconditions: Preconditions | undefined, current: StoredObject, revision: Revision): void {
  if (preconditions === undefined) return;
  const { uid, resourceVersion } = preconditions;
  if (uid !== undefined && uid !== '' && uid !== current.metadata.uid) {
    throw new StorageError(
      'InvalidPrecondition',
      `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.metadata.uid ?? ''}`,
      { key },
    );
  }
  if (resourceVersion !== undefined && resourceVersion !== '' && resourceVersion !== String(revision)) {
    throw StorageError.conflict(key);
  }
}

/** The JSON to store for `object` (without resourceVersion). InvalidObject for what could not be read back. */
export function encodeObject(key: string, object: unknown): string {
  if (!isStoredObject(object)) {
    throw new StorageError('InvalidObject', `cannot store ${key}: not an object with apiVersion, kind and metadata.name`, { key });
  }
  try {
    return JSON.stringify(withoutRevision(object));
  } catch (error) {
    throw new StorageError('InvalidObject', `cannot store ${key}: not serializable as JSON (${String(error)})`, { key, cause: error });
  }
}
