// What every write of both backends checks against the state it read, on every attempt (the state may change between
// attempts).
import type { Preconditions, Revision, StoredObject } from './interface.ts';
import { StorageError } from './errors.ts';

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
