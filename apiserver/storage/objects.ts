// Small pure helpers every backend shares: how a revision becomes a resourceVersion, what counts as "no change",
// how a page continues.
import { isDeepStrictEqual } from 'node:util';
import type { Revision, StoredObject } from './interface.ts';
import { StorageError } from './errors.ts';

/** A copy of `object` whose metadata.resourceVersion is `revision` (objects are persisted without one). */
export function withRevision(object: StoredObject, revision: Revision): StoredObject {
  return { ...object, metadata: { ...object.metadata, resourceVersion: String(revision) } };
}

/** The object as persisted: resourceVersion is derived from the revision, never stored. */
export function withoutRevision(object: StoredObject): StoredObject {
  if (object.metadata.resourceVersion === undefined) return object;
  const { resourceVersion: _dropped, ...metadata } = object.metadata;
  return { ...object, metadata };
}

/** Whether two states are the same object content, resourceVersion aside. Key order does not matter. */
export function sameContent(a: StoredObject, b: StoredObject): boolean {
  return isDeepStrictEqual(withoutRevision(a), withoutRevision(b));
}

/** Parses a resourceVersion string; undefined for empty, a StorageError for anything not a non-negative integer. */
export function parseRevision(resourceVersion: string | undefined): Revision | undefined {
  if (resourceVersion === undefined || resourceVersion === '') return undefined;
  if (!/^\d{1,15}$/.test(resourceVersion)) {
    throw new StorageError('InvalidObject', `invalid resource version: ${JSON.stringify(resourceVersion)}`);
  }
  return Number(resourceVersion);
}

/** Recursively freezes an object so that a consumer of a shared (cached) copy cannot change it by accident. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A deep, mutable copy of an object from JSON (the store only holds JSON values). */
export function cloneObject(object: StoredObject): StoredObject {
  // A JSON round trip rather than structuredClone: for JSON values the copies are the same, and for a stored Container
  // it takes about two thirds of the time (22 against 30 µs on Node 24); every modify() copies the current state.
  return JSON.parse(JSON.stringify(object)) as StoredObject;
}

interface ContinueToken {
  /** The revision every page of the list is read at. */
  rev: Revision;
  /** The next page starts at the first key greater than or equal to this one. */
  start: string;
}

// The token format of k8s.io/apiserver/pkg/storage/continue.go: base64 of {"v","rv","start"}.
export function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: token.rev, start: token.start })).toString('base64url');
}

export function decodeContinue(encoded: string, prefix: string): ContinueToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw new StorageError('InvalidObject', 'continue key is not valid: not base64-encoded JSON');
  }
  if (
    typeof parsed !== 'object' || parsed === null ||
    !('v' in parsed) || parsed.v !== 'meta.k8s.io/v1' ||
    !('rv' in parsed) || typeof parsed.rv !== 'number' || !Number.isSafeInteger(parsed.rv) || parsed.rv <= 0 ||
    !('start' in parsed) || typeof parsed.start !== 'string'
  ) {
    throw new StorageError('InvalidObject', 'continue key is not valid: unexpected fields');
  }
  // The start key must stay inside the listed prefix, or a crafted token could read other kinds.
  const start = prefix + parsed.start;
  if (parsed.start.includes('..') || !start.startsWith(prefix)) {
    throw new StorageError('InvalidObject', 'continue key is not valid: it leaves the listed prefix');
  }
  return { rev: parsed.rv, start };
}

/** The token for the page after `lastKey` (stored relative to the prefix, as Kubernetes does). */
export function continueAfter(lastKey: string, prefix: string, rev: Revision): string {
  return encodeContinue({ rev, start: lastKey.slice(prefix.length) + '\u0000' });
}

/** Whether a value has the shape every stored object must have (what the rest of Vigil relies on). */
export function isStoredObject(value: unknown): value is StoredObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (!('apiVersion' in value) || typeof value.apiVersion !== 'string') return false;
  if (!('kind' in value) || typeof value.kind !== 'string') return false;
  if (!('metadata' in value)) return false;
  const metadata = value.metadata;
  return typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) &&
    'name' in metadata && typeof metadata.name === 'string';
}
