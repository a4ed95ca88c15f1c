// A bounded window of recent watch events, so that a watcher resuming from a recent revision is served from memory.
// Once an event falls out of the window, resuming from before it is answered with Expired, as the Kubernetes watch
// cache does (k8s.io/apiserver/pkg/storage/cacher/watch_cache.go).
import type { Revision, WatchEvent } from '../interface.ts';

export class EventHistory {
  readonly #capacity: number;
  readonly #ring: Array<WatchEvent | undefined>;
  #start = 0;
  #size = 0;
  /** Every event with a revision greater than this is in the window. */
  #completeAfter: Revision;

  constructor(capacity: number, completeAfter: Revision) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`history capacity must be a positive integer, got ${capacity}`);
    this.#capacity = capacity;
    this.#ring = new Array<WatchEvent | undefined>(capacity);
    this.#completeAfter = completeAfter;
  }

  /** The oldest revision a watch may start from without missing events. */
  get completeAfter(): Revision {
    return this.#completeAfter;
  }

  get size(): number {
    return this.#size;
  }

  append(event: WatchEvent): void {
    if (this.#size === this.#capacity) {
      const evicted = this.#ring[this.#start];
      if (evicted !== undefined) this.#completeAfter = evicted.revision;
      this.#ring[this.#start] = event;
      this.#start = (this.#start + 1) % this.#capacity;
    } else {
      this.#ring[(this.#start + this.#size) % this.#capacity] = event;
      this.#size += 1;
    }
  }

  /** Forgets events at or before `revision` (after a compaction of the backend). */
  forgetThrough(revision: Revision): void {
    while (this.#size > 0) {
      const oldest = this.#ring[this.#start];
      if (oldest === undefined || oldest.revision > revision) break;
      this.#ring[this.#start] = undefined;
      this.#start = (this.#start + 1) % this.#capacity;
      this.#size -= 1;
    }
    if (revision > this.#completeAfter) this.#completeAfter = revision;
  }

  /** Drops everything; history is complete only after `revision` (after a relist). */
  reset(revision: Revision): void {
    this.#ring.fill(undefined);
    this.#start = 0;
    this.#size = 0;
    this.#completeAfter = revision;
  }

  /** Events with a revision greater than `revision`, oldest first. */
  *after(revision: Revision): Generator<WatchEvent> {
    // Binary search for the first event newer than `revision`: the window is sorted by revision.
    let low = 0;
    let high = this.#size;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const event = this.#ring[(this.#start + middle) % this.#capacity];
      if (event !== undefined && event.revision <= revision) low = middle + 1;
      else high = middle;
    }
    for (let index = low; index < this.#size; index += 1) {
      const event = this.#ring[(this.#start + index) % this.#capacity];
      if (event !== undefined) yield event;
    }
  }
}
