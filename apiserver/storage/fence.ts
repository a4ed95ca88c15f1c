// Write fencing (the "fencing token" of leases, as in Kubernetes' etcd-backed leader election discussions and
// Chubby's sequencers): a controller write carries the leader's election key and its create revision, and the etcd
// store adds "that key still exists with that create revision" to the write's transaction. A deposed leader whose
// process does not know yet that it lost (frozen by SIGSTOP past its lease, a long pause) has its late write refused
// by etcd itself, instead of landing after the new leader acted. Carried in an AsyncLocalStorage context, so that the
// layers between the controllers' client and the etcd store (the resource registry, the watch cache, encryption) need
// no new parameter; the embedded store has one process and ignores it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { StorageError } from './errors.ts';

export interface WriteFence {
  /** The full etcd key of the leader's campaign key. */
  key: string;
  /** Its create revision when this process was elected. */
  createRevision: string;
}

const fences = new AsyncLocalStorage<WriteFence>();

/** Runs `write` with `fence` applied to every store write it makes (none when undefined). */
export function runFenced<T>(fence: WriteFence | undefined, write: () => Promise<T>): Promise<T> {
  return fence === undefined ? write() : fences.run(fence, write);
}

export function currentFence(): WriteFence | undefined {
  return fences.getStore();
}

/** The write's fence no longer holds: another replica may lead. A 409 Conflict on the API, saying why. */
export function fencedOut(key: string): StorageError {
  return new StorageError('Fenced', `the write to ${key} is refused: this replica no longer leads (its election key is gone or was replaced; fenced write)`, { key });
}
