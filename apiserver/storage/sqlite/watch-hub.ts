// The live half of every watch: the write path hands each committed change to the hub, which pushes it to the
// watchers of that key. The change is built only when some watcher wants it, so writes nobody watches cost nothing.
import type { ObjectFilter, Revision, WatchEvent } from '../interface.ts';
import type { WatchStream } from '../watch-stream.ts';
import { eventFor, type Change } from './changes.ts';

export interface Subscription {
  prefix: string;
  /** Changes at or before this revision were delivered by the replay (or precede the requested start). */
  after: Revision;
  /** False while the replay is catching up from history: it reads the changes committed meanwhile itself. */
  live: boolean;
  filter: ObjectFilter | undefined;
  /** False for a watcher without a filter that keeps previous states itself (WatchOptions.withoutPrevObject). */
  needsPrevObject: boolean;
  stream: WatchStream;
}

export class WatchHub {
  readonly #subscriptions = new Set<Subscription>();

  add(subscription: Subscription): void {
    this.#subscriptions.add(subscription);
  }

  remove(subscription: Subscription): void {
    this.#subscriptions.delete(subscription);
  }

  /**
   * Delivers the change at `revision` to `key`; `build` runs only if a watcher wants the key, at most once with the
   * previous state and once without (`withPrev` false may still return it; a change with it serves every watcher).
   */
  publish(key: string, revision: Revision, build: (withPrev: boolean) => Change): void {
    let full: Change | undefined;
    let lean: Change | undefined;
    for (const subscription of this.#subscriptions) {
      if (!subscription.live || revision <= subscription.after || !key.startsWith(subscription.prefix)) continue;
      let change: Change;
      try {
        if (subscription.needsPrevObject) change = full ??= build(true);
        else change = full ?? (lean ??= build(false));
      } catch (error) {
        // The write is committed whatever happens here; a watcher that cannot be told about it must not go on as
        // if nothing happened, so it ends with the error and resumes from its last revision.
        subscription.stream.fail(error);
        continue;
      }
      deliver(subscription, change);
    }
  }

  /** Ends every watch with endReason 'closed'. */
  closeAll(): void {
    for (const subscription of [...this.#subscriptions]) subscription.stream.end('closed');
    this.#subscriptions.clear();
  }
}

/** Pushes one change through the watcher's filter; a filter that throws ends that watch with its error, not the write. */
export function deliver(subscription: Subscription, change: Change): void {
  let event: WatchEvent | undefined;
  try {
    event = eventFor(change, subscription.filter);
  } catch (error) {
    subscription.stream.fail(error);
    return;
  }
  if (event !== undefined) subscription.stream.push(event);
}
