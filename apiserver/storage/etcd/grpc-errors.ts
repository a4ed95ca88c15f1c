// What an etcd3 / gRPC failure means for the store: which StorageError it becomes, and whether a request may be sent
// again. etcd3 turns gRPC status codes into error classes (castGrpcError in etcd3/lib/errors.js) and keeps the
// server's message, which is the only place etcd says *why* (compacted, future revision, no leader).
import {
  ClientClosedError,
  GRPCDeadlineExceededError,
  GRPCOutOfRangeError,
  GRPCUnavailableError,
} from 'etcd3';
import type { Revision } from '../interface.ts';
import { StorageError, isStorageError } from '../errors.ts';

export type RequestKind = 'read' | 'write';

// gRPC's messages for a call that never left the client, and etcd's for one refused before it was proposed: sending
// such a request again cannot apply it twice.
const NOT_SENT = ['No connection established', 'Channel closed before call started', 'etcdserver: no leader'];

/**
 * Whether a failed request may be sent again. Reads always may when etcd was unavailable. A write may only when it
 * surely never reached etcd: after a dropped connection it may have been applied, and guaranteedUpdate would then
 * conflict with its own write and apply tryUpdate twice.
 */
export function mayRetry(error: unknown, kind: RequestKind): boolean {
  if (!(error instanceof GRPCUnavailableError)) return false;
  return kind === 'read' || NOT_SENT.some((message) => error.message.includes(message));
}

/** etcd's answer to a read at a revision that compaction removed. */
export function isCompacted(error: unknown): boolean {
  return error instanceof GRPCOutOfRangeError && error.message.includes('required revision has been compacted');
}

/** etcd's answer to a read at a revision it has not reached yet. */
export function isFutureRevision(error: unknown): boolean {
  return error instanceof GRPCOutOfRangeError && error.message.includes('required revision is a future revision');
}

export function expired(revision: Revision, what = 'resource version'): StorageError {
  // etcd does not say which revision history starts at (the compacted error carries no number), so no oldestRevision.
  return new StorageError('Expired', `too old ${what}: ${revision} (etcd has compacted it)`);
}

export function tooLarge(revision: Revision, current?: Revision): StorageError {
  // Kubernetes answers this as a Timeout (ResourceVersionTooLarge): the client may retry once the store caught up.
  const suffix = current === undefined ? '' : `, current: ${current}`;
  return new StorageError('Timeout', `Too large resource version: ${revision}${suffix}`);
}

/** The StorageError for a failure of an etcd request about `key` (or at `revision`). */
export function toStorageError(error: unknown, context: { key?: string; revision?: Revision; what?: string } = {}): StorageError {
  if (isStorageError(error)) return error;
  const { key, revision, what } = context;
  const details = { cause: error, ...(key === undefined ? {} : { key }) };
  const message = error instanceof Error ? error.message : String(error);
  if (revision !== undefined && isCompacted(error)) return expired(revision, what);
  if (revision !== undefined && isFutureRevision(error)) return tooLarge(revision);
  // etcd gave up waiting for its own cluster (typically a proposal lost with a dead leader): it may have been applied.
  if (message.includes('etcdserver: request timed out') || message.includes('context deadline exceeded')) return new StorageError('Timeout', `etcd timed out: ${message}`, details);
  if (error instanceof GRPCUnavailableError) return new StorageError('Unreachable', `etcd is unreachable: ${message}`, details);
  // The member's connection closed under the call (a member stopped): like "Connection dropped", its outcome is unknown.
  if (message.includes('Call ended without gRPC status')) return new StorageError('Unreachable', `etcd is unreachable: ${message}`, details);
  if (error instanceof GRPCDeadlineExceededError) {
    return new StorageError('Timeout', `etcd did not answer in time: ${message}`, details);
  }
  if (error instanceof ClientClosedError) return new StorageError('Internal', 'the etcd store is closed', details);
  return new StorageError('Internal', `etcd request failed: ${message}`, details);
}
