// Deletion as kube-apiserver does it (registry/generic/registry store.go Delete): an object with finalizers (or
// deleted with propagationPolicy Orphan or Foreground, which add the garbage collector's finalizer) is only marked
// with deletionTimestamp; it goes when its last finalizer is removed. Errors are the store's; the registry maps them.
import type { ResourceObject } from '../../schemas/validation.ts';
import { isStorageError, StorageError } from '../storage/errors.ts';
import type { Store } from '../storage/interface.ts';
import { cloneObject } from '../storage/objects.ts';
import type { DeleteOptions } from './client.ts';
import { readyToGo, timestamp } from './object-rules.ts';

/** Thrown inside a store transaction to start over (a finalizer appeared between our read and our delete). */
class StartOver extends Error {}

export async function deleteObject(store: Store, key: string, options: DeleteOptions, now: Date): Promise<ResourceObject> {
  const preconditions = options.preconditions;
  const finalizerFor = options.propagationPolicy === 'Orphan' ? 'orphan' : options.propagationPolicy === 'Foreground' ? 'foregroundDeletion' : undefined;
  for (;;) {
    const current = (await store.get(key)) as ResourceObject;
    if (preconditions?.uid !== undefined && preconditions.uid !== current.metadata.uid) {
      throw new StorageError('InvalidPrecondition', 'uid mismatch', { key });
    }
    if (preconditions?.resourceVersion !== undefined && preconditions.resourceVersion !== current.metadata.resourceVersion) {
      throw StorageError.conflict(key);
    }
    const finalizers = current.metadata.finalizers ?? [];
    if (finalizers.length > 0 || finalizerFor !== undefined) {
      const marked = structuredClone(current);
      marked.metadata.deletionTimestamp ??= timestamp(now);
      marked.metadata.deletionGracePeriodSeconds ??= 0;
      if (finalizerFor !== undefined && !finalizers.includes(finalizerFor) && current.metadata.deletionTimestamp === undefined) {
        marked.metadata.finalizers = [...finalizers, finalizerFor];
      }
      if (options.dryRun === true) return marked;
      return (await store.guaranteedUpdate(
        key,
        (latest) => {
          const next = cloneObject(latest);
          next.metadata.deletionTimestamp ??= marked.metadata.deletionTimestamp;
          next.metadata.deletionGracePeriodSeconds ??= 0;
          next.metadata.finalizers = [...new Set([...(latest.metadata.finalizers ?? []), ...(marked.metadata.finalizers ?? [])])];
          return next;
        },
        { preconditions: { uid: current.metadata.uid ?? '' } },
      )) as ResourceObject;
    }
    if (options.dryRun === true) return current;
    try {
      return (await store.delete(key, {
        preconditions: { uid: current.metadata.uid ?? '', ...(preconditions?.resourceVersion === undefined ? {} : { resourceVersion: preconditions.resourceVersion }) },
        validateDeletion: (latest) => {
          if ((latest.metadata.finalizers ?? []).length > 0) throw new StartOver('a finalizer was added');
        },
      })) as ResourceObject;
    } catch (error) {
      if (error instanceof StartOver) continue;
      throw error;
    }
  }
}

/** Deletes an object whose last finalizer was just removed (by the write that returned `written`). */
export async function deleteFinalized(store: Store, key: string, written: ResourceObject): Promise<ResourceObject> {
  try {
    return (await store.delete(key, {
      preconditions: { uid: written.metadata.uid ?? '' },
      validateDeletion: (current) => {
        if (!readyToGo(current)) throw new StartOver('finalizers were added again');
      },
    })) as ResourceObject;
  } catch (error) {
    // Someone else deleted it or added a finalizer meanwhile: either way what we wrote stands.
    if (error instanceof StartOver || isStorageError(error, 'NotFound')) return written;
    throw error;
  }
}
