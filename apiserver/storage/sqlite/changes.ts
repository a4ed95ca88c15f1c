// A committed change as watchers see it. Built once per change from the stored JSON (so it never aliases an object a
// caller holds) and frozen, because every watcher of the key receives the same objects. A live change and the same
// change replayed from history are built by the same function, so a watch resumed from any revision sees identical
// events.
import type { Revision, StoredObject, WatchEvent } from '../interface.ts';
import { StorageError } from '../errors.ts';
import { deepFreeze, withRevision } from '../objects.ts';
import type { ChangeRow } from './queries.ts';
import { decodeObject } from './rows.ts';

export interface Change {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  key: string;
  revision: Revision;
  /** ADDED, MODIFIED: the new state. DELETED: the last state, with resourceVersion = the deletion's revision. */
  object: StoredObject;
  /** MODIFIED, DELETED: the state before, with its own resourceVersion. */
  prevObject: StoredObject | undefined;
}

export interface ChangeSource {
  key: string;
  rev: Revision;
  /** The written JSON; null for a deletion. */
  value: string | null;
  prevRev: Revision | null;
  /** The state at prevRev: its JSON, or the frozen object already built for it; undefined when unknown. */
  prev: string | StoredObject | undefined;
  /**
   * False: a MODIFIED change leaves prevObject out unless it is already built (for watchers that keep previous states
   * themselves, WatchOptions.withoutPrevObject): decoding the old JSON was a third of building a change. Default true.
   */
  withPrev?: boolean;
}

export function buildChange(source: ChangeSource): Change {
  const { key, rev, value, prevRev, prev } = source;
  let prevObject: StoredObject | undefined;
  const skipPrev = source.withPrev === false && value !== null && typeof prev === 'string';
  if (prevRev !== null && prev !== undefined && !skipPrev) {
    prevObject = typeof prev === 'string' ? deepFreeze(withRevision(decodeObject(prev, key), prevRev)) : prev;
  }
  if (value !== null) {
    const object = deepFreeze(withRevision(decodeObject(value, key), rev));
    return { type: prevRev === null ? 'ADDED' : 'MODIFIED', key, revision: rev, object, prevObject };
  }
  if (prevObject === undefined) {
    // Compaction keeps, for every change it keeps, the row before it, so this means damaged data.
    throw new StorageError('Internal', `embedded store data is damaged: the state before the deletion of ${key} at ${rev} is missing`);
  }
  return { type: 'DELETED', key, revision: rev, object: deepFreeze(withRevision(prevObject, rev)), prevObject };
}

/**
 * The changes of a replay. A key's previous state is usually the object of its change before, already in the replay:
 * that object is reused as the prevObject, so each state is parsed (and held in memory) once, not twice.
 */
export function replayChanges(rows: Iterable<ChangeRow>, valueAt: (rev: Revision) => string | undefined): Change[] {
  const latest = new Map<string, Change>();
  const changes: Change[] = [];
  for (const row of rows) {
    const before = latest.get(row.key);
    let prev: string | StoredObject | undefined;
    if (row.prevRev !== null) {
      prev = before !== undefined && before.revision === row.prevRev && before.type !== 'DELETED' ? before.object : valueAt(row.prevRev);
    }
    const change = buildChange({ ...row, prev });
    changes.push(change);
    latest.set(row.key, change);
  }
  return changes;
}

/** One synthetic ADDED of a watch from revision 0: the object as it is at `snapshot`, the revision the watch continues from. */
export function snapshotChange(key: string, rev: Revision, value: string, snapshot: Revision): Change {
  return { type: 'ADDED', key, revision: snapshot, object: deepFreeze(withRevision(decodeObject(value, key), rev)), prevObject: undefined };
}

/**
 * The event a watcher with `filter` receives for a change, as the Kubernetes etcd3 watcher decides it: an object that
 * starts matching is ADDED, one that stops matching is DELETED (its last matching state, at the change's revision).
 */
export function eventFor(change: Change, filter: ((object: StoredObject) => boolean) | undefined): WatchEvent | undefined {
  const { type, key, object, prevObject, revision } = change;
  if (filter === undefined) {
    return prevObject === undefined ? { type, key, object, revision } : { type, key, object, prevObject, revision };
  }
  if (type !== 'MODIFIED') return filter(object) ? eventFor(change, undefined) : undefined;
  const matches = filter(object);
  const matched = prevObject === undefined ? matches : filter(prevObject);
  if (matches && matched) return eventFor(change, undefined);
  if (matches) return { type: 'ADDED', key, object, revision };
  if (matched && prevObject !== undefined) {
    return { type: 'DELETED', key, object: deepFreeze(withRevision(prevObject, revision)), prevObject, revision };
  }
  return undefined;
}
