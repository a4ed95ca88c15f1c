// The watch cache: an in-memory mirror of every object under one prefix, kept current by a single watch on the
// backend, in front of either backend (k8s.io/apiserver/pkg/storage/cacher). Thousands of watchers are served from
// memory and never each hit the backend; writes and consistent reads go to the backend.
import type {
  DeleteOptions,
  GuaranteedUpdateOptions,
  ListOptions,
  ListResult,
  ObjectFilter,
  Revision,
  Store,
  StoreStaleness,
  StoredObject,
  TryUpdate,
  WatchEvent,
  WatchOptions,
  Watcher,
} from '../interface.ts';
import { StorageError, isStorageError } from '../errors.ts';
import { continueAfter, deepFreeze, withRevision } from '../objects.ts';
import { WatchStream } from '../watch-stream.ts';
import { EventHistory } from './event-history.ts';
import { SortedKeys } from './sorted-keys.ts';

export interface CachedStoreOptions {
  backend: Store;
  /** What the cache mirrors. Default '/registry/'. */
  prefix?: string;
  /** How many recent events are kept for watchers that resume. Default 10,000. */
  historyCapacity?: number;
  /** How many undelivered events a watcher may fall behind before it is cut off. Default 1,000. */
  watcherCapacity?: number;
  /** How often watchers that allow bookmarks get one. Default 10 s. */
  bookmarkIntervalMs?: number;
  /** How long a list "not older than" a revision waits for the cache before asking the backend. Default 3 s. */
  freshnessTimeoutMs?: number;
  /** Receives problems the cache recovers from on its own (a lost backend watch, a relist). */
  onWarning?: (message: string, error?: unknown) => void;
}

interface CacheWatcher {
  key: string;
  prefix: string;
  filter: ObjectFilter | undefined;
  stream: WatchStream;
  bookmarks: boolean;
}

interface FreshnessWaiter {
  revision: Revision;
  resolve: (fresh: boolean) => void;
  timer: NodeJS.Timeout;
}

const RELIST_PAGE_SIZE = 500;

export class CachedStore implements Store {
  readonly #backend: Store;
  readonly #prefix: string;
  readonly #watcherCapacity: number;
  readonly #bookmarkIntervalMs: number;
  readonly #freshnessTimeoutMs: number;
  readonly #onWarning: (message: string, error?: unknown) => void;
  readonly #objects = new Map<string, StoredObject>();
  readonly #keys = new SortedKeys();
  readonly #history: EventHistory;
  /** Watchers by the prefix they watch, so an event is offered only to watchers of the key's ancestors. */
  readonly #watchers = new Map<string, Set<CacheWatcher>>();
  #waiters: FreshnessWaiter[] = [];
  #revision: Revision = 0;
  #backendWatch: Watcher | undefined;
  #bookmarkTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #watcherSerial = 0;
  #running: Promise<void> = Promise.resolve();

  private constructor(options: CachedStoreOptions) {
    this.#backend = options.backend;
    this.#prefix = options.prefix ?? '/registry/';
    this.#watcherCapacity = options.watcherCapacity ?? 1000;
    this.#bookmarkIntervalMs = options.bookmarkIntervalMs ?? 10_000;
    this.#freshnessTimeoutMs = options.freshnessTimeoutMs ?? 3000;
    this.#onWarning = options.onWarning ?? (() => undefined);
    this.#history = new EventHistory(options.historyCapacity ?? 10_000, 0);
  }

  /** Lists the backend, starts watching it, and resolves once the cache holds a consistent state. */
  static async open(options: CachedStoreOptions): Promise<CachedStore> {
    const cache = new CachedStore(options);
    await cache.#relist();
    cache.#running = cache.#watchBackend();
    cache.#bookmarkTimer = setInterval(() => cache.#sendBookmarks(), cache.#bookmarkIntervalMs);
    cache.#bookmarkTimer.unref();
    return cache;
  }

  /** The newest revision the cache has applied. */
  get revision(): Revision {
    return this.#revision;
  }

  get objectCount(): number {
    return this.#objects.size;
  }

  get watcherCount(): number {
    let count = 0;
    for (const set of this.#watchers.values()) count += set.size;
    return count;
  }

  async #relist(): Promise<void> {
    // Paged, all pages at the first page's revision: one huge response would exceed etcd's message size limit and
    // hold the backend busy for as long as it takes to build.
    const objects = new Map<string, StoredObject>();
    let token: string | undefined;
    let revision: Revision | undefined;
    do {
      const page: ListResult = await this.#backend.list(this.#prefix, {
        limit: RELIST_PAGE_SIZE,
        ...(token === undefined ? {} : { continue: token }),
      });
      page.items.forEach((item, index) => {
        const key = page.keys[index];
        if (key === undefined) throw new StorageError('Internal', 'backend list returned fewer keys than items');
        objects.set(key, deepFreeze(item));
      });
      revision ??= page.revision;
      token = page.continue;
    } while (token !== undefined);
    this.#objects.clear();
    this.#keys.clear();
    for (const [key, object] of objects) {
      this.#objects.set(key, object);
      this.#keys.add(key);
    }
    this.#revision = revision;
    this.#history.reset(revision);
    this.#resolveWaiters();
  }

  async #watchBackend(): Promise<void> {
    let delayMs = 100;
    while (!this.#closed) {
      // #apply replaces prevObject with its own copy of the previous state: the backend need not build one.
      const watch = this.#backend.watch(this.#prefix, { revision: this.#revision, withoutPrevObject: true });
      this.#backendWatch = watch;
      try {
        for await (const event of watch.events) {
          if (event.type === 'BOOKMARK') continue;
          this.#apply(event);
          delayMs = 100;
        }
        if (this.#closed) return;
        this.#onWarning(`backend watch ended (${String(watch.endReason)}); resuming from revision ${this.#revision}`);
      } catch (error) {
        if (this.#closed) return;
        if (isStorageError(error, 'Expired')) {
          // The backend compacted past us: start over from a fresh list, and cut every watcher off so that each
          // resumes (or relists) on its own, exactly as the Kubernetes cacher does on re-initialisation.
          this.#onWarning(`backend history expired at revision ${this.#revision}; relisting`, error);
          await this.#relistAfterExpiry();
          continue;
        }
        this.#onWarning(`backend watch failed at revision ${this.#revision}; retrying in ${delayMs} ms`, error);
      }
      await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
      delayMs = Math.min(delayMs * 2, 5000);
    }
  }

  async #relistAfterExpiry(): Promise<void> {
    for (const set of this.#watchers.values()) for (const watcher of set) watcher.stream.end('closed');
    this.#watchers.clear();
    for (;;) {
      try {
        await this.#relist();
        return;
      } catch (error) {
        if (this.#closed) return;
        this.#onWarning('relist failed; retrying', error);
        await new Promise((resolve) => setTimeout(resolve, 1000).unref());
      }
    }
  }

  #apply(raw: WatchEvent): void {
    const key = raw.key;
    // The cache's own previous state is the reference for "did this object match before": it is exactly what the
    // watchers were shown, whatever the backend attached.
    const previous = this.#objects.get(key);
    const event = deepFreeze(previous === undefined || raw.type === 'ADDED' ? raw : { ...raw, prevObject: previous });
    if (event.type === 'DELETED') {
      this.#objects.delete(key);
      this.#keys.delete(key);
    } else {
      this.#objects.set(key, event.object);
      this.#keys.add(key);
    }
    this.#history.append(event);
    this.#revision = event.revision;
    this.#dispatch(key, event);
    this.#resolveWaiters();
  }

  #dispatch(key: string, event: WatchEvent): void {
    // Every prefix of the key that ends at a '/' could be a watched prefix.
    for (let index = key.indexOf('/'); index !== -1; index = key.indexOf('/', index + 1)) {
      const set = this.#watchers.get(key.slice(0, index + 1));
      if (set === undefined) continue;
      for (const watcher of set) {
        const shown = filtered(event, watcher.filter);
        if (shown !== undefined) watcher.stream.push(shown);
      }
    }
  }

  #sendBookmarks(): void {
    const bookmark = bookmarkEvent(this.#revision);
    for (const set of this.#watchers.values()) {
      for (const watcher of set) if (watcher.bookmarks) watcher.stream.push(bookmark);
    }
  }

  /** Resolves true once the cache has applied `revision`, or false after the freshness timeout. */
  waitForRevision(revision: Revision, timeoutMs = this.#freshnessTimeoutMs): Promise<boolean> {
    if (this.#revision >= revision) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: FreshnessWaiter = {
        revision,
        resolve,
        timer: setTimeout(() => {
          this.#waiters = this.#waiters.filter((other) => other !== waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  #resolveWaiters(): void {
    if (this.#waiters.length === 0) return;
    const still: FreshnessWaiter[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.revision <= this.#revision) {
        clearTimeout(waiter.timer);
        waiter.resolve(true);
      } else {
        still.push(waiter);
      }
    }
    this.#waiters = still;
  }

  watch(prefix: string, options: WatchOptions): Watcher {
    this.#watcherSerial += 1;
    const registrationKey = `${prefix}#${this.#watcherSerial}`;
    const initial: WatchEvent[] = [];
    let failure: StorageError | undefined;
    if (this.#closed) {
      failure = new StorageError('Unreachable', 'the store is closed');
    } else if (options.revision === 0) {
      for (const key of this.#keys.range(prefix)) {
        const object = this.#objects.get(key);
        if (object === undefined || (options.filter !== undefined && !options.filter(object))) continue;
        initial.push({ type: 'ADDED', key, object, revision: Number(object.metadata.resourceVersion ?? this.#revision) });
      }
      if (options.sendInitialEvents === true) initial.push({ ...bookmarkEvent(this.#revision), initialEventsEnd: true });
    } else if (options.revision < this.#history.completeAfter) {
      failure = StorageError.expired(options.revision, this.#history.completeAfter);
    } else {
      for (const event of this.#history.after(options.revision)) {
        if (!event.key.startsWith(prefix)) continue;
        const shown = filtered(event, options.filter);
        if (shown !== undefined) initial.push(shown);
      }
    }

    const stream = new WatchStream({
      capacity: this.#watcherCapacity + initial.length,
      onEnd: () => this.#watchers.get(prefix)?.delete(watcher),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const watcher: CacheWatcher = {
      key: registrationKey,
      prefix,
      filter: options.filter,
      stream,
      bookmarks: options.allowBookmarks === true,
    };
    if (failure !== undefined) {
      stream.fail(failure);
      return stream;
    }
    for (const event of initial) stream.push(event);
    if (!stream.ended) {
      let set = this.#watchers.get(prefix);
      if (set === undefined) {
        set = new Set();
        this.#watchers.set(prefix, set);
      }
      set.add(watcher);
    }
    return stream;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    const fromCache =
      options.continue === undefined &&
      options.revision !== undefined &&
      (options.revision === 0 || options.match !== 'Exact');
    if (!fromCache || this.#closed) return await this.#backend.list(prefix, options);
    const wanted = options.revision ?? 0;
    if (!(await this.waitForRevision(wanted))) {
      // The backend's revision can move on keys this cache does not mirror (etcd is shared), so a cache that saw
      // nothing newer may be fresh after all; the backend answers for certain.
      return await this.#backend.list(prefix, options);
    }
    const items: StoredObject[] = [];
    const keys: string[] = [];
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : Number.POSITIVE_INFINITY;
    let lastKey: string | undefined;
    let more = false;
    for (const key of this.#keys.range(prefix)) {
      const object = this.#objects.get(key);
      if (object === undefined || (options.filter !== undefined && !options.filter(object))) continue;
      if (items.length === limit) {
        more = true;
        break;
      }
      items.push(object);
      keys.push(key);
      lastKey = key;
    }
    const result: ListResult = { items, keys, revision: this.#revision };
    if (more && lastKey !== undefined) result.continue = continueAfter(lastKey, prefix, this.#revision);
    return result;
  }

  /** The cached state of one object, or undefined; no backend round trip (may lag the newest write). */
  peek(key: string): StoredObject | undefined {
    return this.#objects.get(key);
  }

  async get(key: string): Promise<StoredObject> {
    return await this.#backend.get(key);
  }

  // Writes return only once the cache has seen them (bounded by the freshness timeout), so that whoever wrote reads
  // its own write from the cache: a watch from 0 or a cached list right after a write includes it. Kubernetes' cache
  // does not promise this; controllers and tests are much simpler with it, and it costs one watch delivery.
  async create(key: string, object: StoredObject): Promise<StoredObject> {
    return await this.#seen(key, await this.#backend.create(key, object));
  }

  async guaranteedUpdate(key: string, tryUpdate: TryUpdate, options?: GuaranteedUpdateOptions): Promise<StoredObject> {
    return await this.#seen(key, await this.#backend.guaranteedUpdate(key, tryUpdate, options));
  }

  async delete(key: string, options?: DeleteOptions): Promise<StoredObject> {
    return await this.#seen(key, await this.#backend.delete(key, options));
  }

  async #seen(key: string, object: StoredObject): Promise<StoredObject> {
    // A key the cache does not mirror (e.g. /vigil/auth/...) never shows up in it: waiting would only time out.
    if (!key.startsWith(this.#prefix)) return object;
    const revision = Number(object.metadata.resourceVersion);
    if (Number.isSafeInteger(revision) && !this.#closed) await this.waitForRevision(revision);
    return object;
  }

  /** The backend's: while etcd has no quorum, this cache is all there is, and it may lag (docs/ha.md). */
  staleness(): StoreStaleness {
    return this.#backend.staleness?.() ?? { stale: false };
  }

  async currentRevision(): Promise<Revision> {
    return await this.#backend.currentRevision();
  }

  async compact(revision: Revision): Promise<void> {
    await this.#backend.compact(revision);
    this.#history.forgetThrough(revision);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#bookmarkTimer);
    this.#backendWatch?.stop();
    for (const set of this.#watchers.values()) for (const watcher of set) watcher.stream.end('closed');
    this.#watchers.clear();
    for (const waiter of this.#waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(false);
    }
    this.#waiters = [];
    await this.#running;
    await this.#backend.close();
  }
}

/**
 * The event a filtered watcher sees, as Kubernetes' cacher shows it (cache_watcher.go convertToWatchEvent): an object
 * that starts matching is ADDED; one that stops matching is DELETED, carrying the content the watcher last matched
 * with this event's resourceVersion; one that matches neither before nor after is not shown at all.
 */
export function filtered(event: WatchEvent, filter: ObjectFilter | undefined): WatchEvent | undefined {
  if (filter === undefined || event.type === 'BOOKMARK') return event;
  const now = filter(event.object);
  if (event.type === 'ADDED') return now ? event : undefined;
  const before = event.prevObject === undefined ? now : filter(event.prevObject);
  if (event.type === 'DELETED') return before ? event : undefined;
  if (now && before) return event;
  if (now) return { ...event, type: 'ADDED' };
  if (before && event.prevObject !== undefined) {
    return { ...event, type: 'DELETED', object: withRevision(event.prevObject, event.revision) };
  }
  return undefined;
}

function bookmarkEvent(revision: Revision): WatchEvent {
  return {
    type: 'BOOKMARK',
    key: '',
    object: { apiVersion: '', kind: '', metadata: { name: '', resourceVersion: String(revision) } },
    revision,
  };
}
