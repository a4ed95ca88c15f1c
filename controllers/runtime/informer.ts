// An informer (client-go tools/cache reflector + shared informer; @kubernetes/client-node src/cache.ts): lists a
// kind, then watches from the list's resourceVersion, keeping a local indexed cache current and telling handlers
// what changed. Handlers only enqueue keys (STYLE.md: no work inside watch callbacks). A watch that ends is resumed
// from the last revision seen; a watch (or list) that is too old (410 Expired) starts over with a fresh list, and
// objects missing from it are reported deleted, as client-node's cache does.
import type { Logger } from 'pino';
import type { ResourceClient, ResourceObject } from '../../apiserver/resources/client.ts';
import { isApiError } from '../../apiserver/resources/errors.ts';
import { isStorageError } from '../../apiserver/storage/errors.ts';
import type { WatchEvent } from '../../apiserver/storage/interface.ts';
import { systemClock, type Clock } from './clock.ts';
import { Indexer, type IndexFunc, type Lister } from './indexer.ts';
import { keyOf } from './keys.ts';

export interface ResourceEventHandler<T extends ResourceObject = ResourceObject> {
  onAdd?(object: T): void;
  /** Called only when the resourceVersion changed. */
  onUpdate?(oldObject: T, newObject: T): void;
  /** `object` is the last state known (after a relist, the cached one). */
  onDelete?(object: T): void;
}

export interface InformerOptions {
  client: ResourceClient;
  /** The kind's name, e.g. "Container". */
  kind: string;
  /** Only this namespace; every namespace when absent. */
  namespace?: string;
  /** Only objects matching this label selector. */
  labelSelector?: string;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: silent. */
  logger?: Logger;
  /** Page size of lists. Default 500. */
  pageSize?: number;
  /** First wait after a failed list or watch; doubled per failure, reset by any event. Default 100 ms. */
  retryInitialMs?: number;
  /** Longest wait between attempts. Default 30 s (client-node's MAX_RECONNECT_DELAY_MS). */
  retryMaxMs?: number;
}

export class Informer<T extends ResourceObject = ResourceObject> {
  readonly kind: string;
  readonly #options: InformerOptions;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #indexer = new Indexer<T>();
  readonly #handlers = new Set<ResourceEventHandler<T>>();
  #revision: string | undefined;
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  #stopController: AbortController | undefined;
  #running: Promise<void> | undefined;

  constructor(options: InformerOptions) {
    this.kind = options.kind;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger?.child({ informer: options.kind });
  }

  /** The cache. Objects in it are frozen and shared: copy before changing. */
  get lister(): Lister<T> {
    return this.#indexer;
  }

  /** Adds indexes to the cache (e.g. "byHost": container → [hostRef]); works before and after start. */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    this.#indexer.addIndexers(indexers);
  }

  hasIndex(name: string): boolean {
    return this.#indexer.hasIndex(name);
  }

  /**
   * Registers a handler; returns its removal. A handler added after objects are cached is first told about each of
   * them with onAdd, so that it misses nothing (client-go's AddEventHandler).
   */
  addEventHandler(handler: ResourceEventHandler<T>): () => void {
    this.#handlers.add(handler);
    for (const object of this.#indexer.list()) this.#call(handler, 'onAdd', () => handler.onAdd?.(object));
    return () => this.#handlers.delete(handler);
  }

  /** The resourceVersion the cache reflects (undefined before the first list). */
  get lastSyncResourceVersion(): string | undefined {
    return this.#revision;
  }

  /** True once the first list is in the cache. */
  hasSynced(): boolean {
    return this.#synced;
  }

  /** Resolves once synced; rejects with the signal's reason if it aborts first. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.#synced) return Promise.resolve();
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  get running(): boolean {
    return this.#running !== undefined;
  }

  /** Starts listing and watching in the background; idempotent. */
  start(): void {
    if (this.#running !== undefined) return;
    const stop = new AbortController();
    this.#stopController = stop;
    this.#running = this.#run(stop.signal);
  }

  /** Stops watching; the cache keeps its content. Resolves once the watch is closed. */
  async stop(): Promise<void> {
    this.#stopController?.abort();
    await this.#running;
    this.#running = undefined;
    this.#stopController = undefined;
  }

  async #run(signal: AbortSignal): Promise<void> {
    const initialMs = this.#options.retryInitialMs ?? 100;
    const maxMs = this.#options.retryMaxMs ?? 30_000;
    let retryMs = initialMs;
    // A restarted informer resumes from what its cache reflects (and relists only if that is too old).
    let mustList = this.#revision === undefined;
    while (!signal.aborted) {
      try {
        if (mustList) {
          await this.#list();
          mustList = false;
          retryMs = initialMs;
        }
        const sawEvents = await this.#watch(signal);
        if (sawEvents) retryMs = initialMs;
      } catch (error) {
        if (signal.aborted) break;
        if (isExpired(error)) {
          // The history we would resume from is gone: start over, with no wait (the store is answering).
          this.#logger?.info({ err: error }, 'watch too old: listing again');
          mustList = true;
          continue;
        }
        this.#logger?.warn({ err: error, retryInMs: retryMs }, 'list or watch failed');
        await this.#clock.sleep(retryMs, signal).catch(() => undefined);
        retryMs = Math.min(retryMs * 2, maxMs);
      }
    }
  }

  async #list(): Promise<void> {
    const items: T[] = [];
    let revision: string | undefined;
    let continueToken: string | undefined;
    do {
      const page = await this.#options.client.list(this.kind, {
        ...(this.#options.namespace === undefined ? {} : { namespace: this.#options.namespace }),
        ...(this.#options.labelSelector === undefined ? {} : { labelSelector: this.#options.labelSelector }),
        limit: this.#options.pageSize ?? 500,
        ...(continueToken === undefined ? {} : { continue: continueToken }),
      });
      revision ??= page.metadata.resourceVersion;
      items.push(...(page.items as T[]));
      continueToken = page.metadata.continue === undefined || page.metadata.continue === '' ? undefined : page.metadata.continue;
    } while (continueToken !== undefined);
    this.#replace(items);
    this.#revision = revision;
    this.#markSynced();
  }

  /** Applies a full list: what is new is added, what changed is updated, what is missing is deleted. */
  #replace(items: T[]): void {
    const listed = new Set<string>();
    for (const item of items) {
      listed.add(keyOf(item));
      this.#apply(item);
    }
    for (const key of this.#indexer.keys()) {
      if (listed.has(key)) continue;
      const gone = this.#indexer.delete(key);
      if (gone !== undefined) this.#notify('onDelete', (handler) => handler.onDelete?.(gone));
    }
  }

  /** Watches until the stream ends; true when at least one event arrived. Throws what the stream throws. */
  async #watch(signal: AbortSignal): Promise<boolean> {
    const watcher = this.#options.client.watch(this.kind, {
      ...(this.#options.namespace === undefined ? {} : { namespace: this.#options.namespace }),
      ...(this.#options.labelSelector === undefined ? {} : { labelSelector: this.#options.labelSelector }),
      ...(this.#revision === undefined ? {} : { resourceVersion: this.#revision }),
      allowBookmarks: true,
      signal,
    });
    let sawEvents = false;
    // The watch cache may still replay changes the list already showed (it can lag the backend the list read):
    // anything not newer than the list is old news, and applying it would step the cache back in time.
    const from = Number(this.#revision ?? '0');
    try {
      for await (const event of watcher.events) {
        sawEvents = true;
        if (event.type !== 'BOOKMARK' && event.revision <= from) continue;
        this.#handle(event);
      }
    } finally {
      watcher.stop();
    }
    if (!signal.aborted && watcher.endReason !== 'stopped') {
      this.#logger?.debug({ endReason: watcher.endReason, resourceVersion: this.#revision }, 'watch ended: watching again');
    }
    if (watcher.endReason === 'closed' && !signal.aborted) throw new Error('the store closed the watch');
    return sawEvents;
  }

  #handle(event: WatchEvent): void {
    const object = event.object as T;
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.#apply(object);
        break;
      case 'DELETED': {
        const gone = this.#indexer.delete(keyOf(object));
        if (gone !== undefined) this.#notify('onDelete', (handler) => handler.onDelete?.(object));
        break;
      }
      case 'BOOKMARK':
        break;
    }
    this.#revision = event.revision > 0 ? String(event.revision) : (object.metadata.resourceVersion ?? this.#revision);
  }

  #apply(object: T): void {
    const key = keyOf(object);
    const previous = this.#indexer.get(key);
    if (previous !== undefined && previous.metadata.resourceVersion === object.metadata.resourceVersion) return;
    this.#indexer.upsert(object);
    const stored = this.#indexer.get(key) as T;
    if (previous === undefined) this.#notify('onAdd', (handler) => handler.onAdd?.(stored));
    else this.#notify('onUpdate', (handler) => handler.onUpdate?.(previous, stored));
  }

  #notify(what: keyof ResourceEventHandler<T>, call: (handler: ResourceEventHandler<T>) => void): void {
    for (const handler of this.#handlers) this.#call(handler, what, () => call(handler));
  }

  /** A throwing handler is a bug in it; it must not stop the informer or the other handlers. */
  #call(_handler: ResourceEventHandler<T>, what: string, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#logger?.error({ err: error, handler: what }, 'event handler threw');
    }
  }

  #markSynced(): void {
    if (this.#synced) return;
    this.#synced = true;
    const waiters = this.#syncWaiters;
    this.#syncWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** 410: the resourceVersion to resume from is older than the kept history. */
export function isExpired(error: unknown): boolean {
  return isStorageError(error, 'Expired') || (isApiError(error) && (error.code === 410 || error.reason === 'Expired' || error.reason === 'Gone'));
}
