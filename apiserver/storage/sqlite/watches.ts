// Starting a watch: the initial events (a snapshot for revision 0, a replay of history otherwise), then the switch to
// live events from the hub, with no change missed and none delivered twice.
import type { Revision, WatchEvent, WatchOptions, Watcher } from '../interface.ts';
import { StorageError } from '../errors.ts';
import { WatchStream } from '../watch-stream.ts';
import { replayChanges, snapshotChange, type Change } from './changes.ts';
import { prefixRange, type KeyRange } from './keys.ts';
import type { Queries } from './queries.ts';
import { deliver, type Subscription, type WatchHub } from './watch-hub.ts';

/**
 * History rows replayed per turn of the event loop. A long replay is read in chunks so that it neither stalls every
 * other request nor holds every event in memory at once: a consumer that reads keeps at most about one chunk queued.
 */
export const REPLAY_CHUNK = 250;

/** What a watch needs from the store; read at each step, since the store moves on while a replay catches up. */
export interface WatchContext {
  queries: Queries;
  hub: WatchHub;
  revision(): Revision;
  compacted(): Revision;
  closed(): boolean;
  capacity: number;
}

export function startWatch(context: WatchContext, prefix: string, options: WatchOptions): Watcher {
  const range = prefixRange(prefix);
  let snapshot: Change[] = [];
  let failure: unknown;
  try {
    snapshot = initialSnapshot(context, range, options.revision);
  } catch (error) {
    failure = error;
  }
  const stream = new WatchStream({
    // The initial events are queued before the consumer can read any, so they come on top of the usual allowance.
    capacity: context.capacity + Math.max(snapshot.length, REPLAY_CHUNK) + 1,
    onEnd: () => context.hub.remove(subscription),
    signal: options.signal,
  });
  const subscription: Subscription = {
    prefix,
    after: options.revision,
    live: false,
    filter: options.filter,
    needsPrevObject: options.filter !== undefined || options.withoutPrevObject !== true,
    stream,
  };
  if (context.closed()) {
    stream.end('closed');
    return stream;
  }
  if (failure !== undefined) {
    stream.fail(failure);
    return stream;
  }
  context.hub.add(subscription);
  if (options.revision === 0) {
    const revision = context.revision();
    for (const change of snapshot) deliver(subscription, change);
    if (options.sendInitialEvents === true) stream.push(initialEventsEnd(revision));
    goLive(subscription, revision);
  } else {
    catchUp(context, range, subscription);
  }
  return stream;
}

/** For revision 0, one ADDED per current object, all at the current revision; nothing for any other start. */
function initialSnapshot(context: WatchContext, range: KeyRange, revision: Revision): Change[] {
  if (context.closed()) return [];
  if (!Number.isSafeInteger(revision) || revision < 0) throw new StorageError('InvalidObject', `invalid revision: ${revision}`);
  if (revision !== 0) {
    // The state at the compacted revision is kept, so every change after it can be replayed.
    if (revision < context.compacted()) throw StorageError.expired(revision, context.compacted());
    return [];
  }
  const now = context.revision();
  const changes: Change[] = [];
  for (const row of context.queries.listCurrent(range)) {
    if (row.value !== null) changes.push(snapshotChange(row.key, row.rev, row.value, now));
  }
  return changes;
}

/**
 * Replays one chunk of the history after `subscription.after`, then schedules the next. Writes made between chunks
 * are committed rows, so the next chunk reads them; the chunk that reaches the newest revision switches the watch to
 * live events in the same turn, so no change falls between replay and live delivery and none comes twice.
 */
function catchUp(context: WatchContext, range: KeyRange, subscription: Subscription): void {
  const { stream } = subscription;
  if (stream.ended || context.closed()) return;
  try {
    // A compaction may have run while this replay yielded.
    if (subscription.after < context.compacted()) throw StorageError.expired(subscription.after, context.compacted());
    const rows = context.queries.history(range, subscription.after, REPLAY_CHUNK);
    for (const change of replayChanges(rows, (rev) => context.queries.valueAt(rev))) deliver(subscription, change);
    const last = rows.at(-1);
    if (last !== undefined) subscription.after = last.rev;
    if (rows.length < REPLAY_CHUNK) {
      // A start beyond the newest revision (as etcd allows) delivers only the changes after it.
      goLive(subscription, Math.max(subscription.after, context.revision()));
      return;
    }
  } catch (error) {
    stream.fail(error);
    return;
  }
  setImmediate(() => catchUp(context, range, subscription));
}

function goLive(subscription: Subscription, after: Revision): void {
  subscription.after = after;
  subscription.live = true;
}

/** The BOOKMARK that ends the initial events of a watch from revision 0 with sendInitialEvents. */
function initialEventsEnd(revision: Revision): WatchEvent {
  return {
    type: 'BOOKMARK',
    key: '',
    revision,
    initialEventsEnd: true,
    // The store knows no kinds; the API layer fills in apiVersion and kind for the bookmark it sends.
    object: { apiVersion: '', kind: '', metadata: { name: '', resourceVersion: String(revision) } },
  };
}
