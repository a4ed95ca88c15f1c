// One etcd watch event (a put or a delete, with the previous key-value) as the store's WatchEvent, seen through the
// watch's filter the way kube-apiserver's etcd3 watcher does it (transform in watcher.go): an update that makes an
// object match is ADDED for this watch, one that makes it stop matching is DELETED.
import type { IEvent, IKeyValue } from 'etcd3';
import type { ObjectFilter, StoredObject, WatchEvent } from '../interface.ts';
import { StorageError } from '../errors.ts';
import { cloneObject, withRevision } from '../objects.ts';
import { decodeKeyValue, parseEtcdRevision } from './codec.ts';

export function toWatchEvent(event: IEvent, filter: ObjectFilter | undefined): WatchEvent | undefined {
  const key = event.kv.key.toString();
  const revision = parseEtcdRevision(event.kv.mod_revision);
  // etcd3 types prev_kv as always present; etcd leaves it out for a create (and when compaction removed it).
  const prevKv: IKeyValue | null | undefined = event.prev_kv;
  const previous = prevKv === null || prevKv === undefined ? undefined : decodeKeyValue(prevKv).object;
  if (event.type === 'Delete') {
    if (previous === undefined) {
      throw new StorageError('Internal', `etcd sent the deletion of ${key} at revision ${revision} without its previous value`, { key });
    }
    if (!passes(filter, previous)) return undefined;
    return deleted(key, previous, revision);
  }
  const current = decodeKeyValue(event.kv).object;
  const currentPasses = passes(filter, current);
  const created = event.kv.create_revision === event.kv.mod_revision;
  if (created || previous === undefined) {
    return currentPasses ? { type: created ? 'ADDED' : 'MODIFIED', key, object: current, revision } : undefined;
  }
  const previousPasses = passes(filter, previous);
  if (currentPasses && previousPasses) return { type: 'MODIFIED', key, object: current, prevObject: previous, revision };
  if (currentPasses) return { type: 'ADDED', key, object: current, revision };
  // The object left this watch's selection: it is gone for this watcher, as of this revision.
  if (previousPasses) return deleted(key, previous, revision);
  return undefined;
}

// The last state with the deletion's revision; a copy, so that the consumer owns object and prevObject separately.
function deleted(key: string, previous: StoredObject, revision: number): WatchEvent {
  return { type: 'DELETED', key, object: withRevision(cloneObject(previous), revision), prevObject: previous, revision };
}

function passes(filter: ObjectFilter | undefined, object: StoredObject): boolean {
  return filter === undefined || filter(object);
}
