// A watch on an etcd prefix that delivers every event after a revision exactly once, across disconnections.
//
// etcd3's Watcher reconnects by itself, but resumes from the last response's *header* revision + 1 (updateRevision in
// etcd3/lib/watch.js), not from the last event it delivered. A create response carries the store's current revision
// before any catch-up event arrives, and etcd sends a long catch-up in batches of 1000 revisions whose header is the
// current revision too: a disconnection at such a moment makes etcd3 skip events. So this class keeps the next
// revision it owes its consumer and, on any disconnection or error, drops the etcd3 watcher and creates a new one
// starting there.
import type { Etcd3, IWatchResponse, Watcher as EtcdWatcher } from 'etcd3';
import type { ListOptions, ListResult, Revision, WatchEvent, WatchOptions } from '../interface.ts';
import { StorageError } from '../errors.ts';
import { WatchStream } from '../watch-stream.ts';
import { headerRevision, parseEtcdRevision } from './codec.ts';
import { toWatchEvent } from './events.ts';
import { expired, isCompacted, isFutureRevision, toStorageError } from './grpc-errors.ts';
import type { Requests } from './requests.ts';

export interface WatchContext {
  client: Etcd3;
  requests: Requests;
  list(prefix: string, options: ListOptions): Promise<ListResult>;
  reconnectTimeoutMs: number;
  capacity: number;
}

const FIRST_RECONNECT_DELAY_MS = 50;
const MAX_RECONNECT_DELAY_MS = 1_000;

export class EtcdWatch {
  readonly stream: WatchStream;
  readonly #context: WatchContext;
  readonly #prefix: string;
  readonly #options: WatchOptions;
  /** The first revision not yet delivered: where a new etcd watcher starts. */
  #next: Revision = 0;
  #watcher: EtcdWatcher | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #unreachableTimer: NodeJS.Timeout | undefined;
  #reconnectDelayMs = FIRST_RECONNECT_DELAY_MS;

  constructor(context: WatchContext, prefix: string, options: WatchOptions, onEnd: () => void) {
    this.#context = context;
    this.#prefix = prefix;
    this.#options = options;
    this.stream = new WatchStream({
      capacity: context.capacity,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onEnd: () => {
        this.#teardown();
        onEnd();
      },
    });
  }

  start(): void {
    this.#begin().catch((error: unknown) => this.stream.fail(toStorageError(error)));
  }

  async #begin(): Promise<void> {
    const { revision, filter, sendInitialEvents } = this.#options;
    if (!Number.isSafeInteger(revision) || revision < 0) throw new StorageError('InvalidObject', `invalid watch revision: ${revision}`);
    if (revision > 0) {
      this.#next = revision + 1;
    } else {
      // "Now, with the current state": the state at one revision X as synthetic ADDED events, then events after X.
      const list = await this.#context.list(this.#prefix, filter === undefined ? {} : { filter });
      for (const [index, object] of list.items.entries()) {
        const key = list.keys[index] ?? '';
        if (!this.stream.push({ type: 'ADDED', key, object, revision: Number(object.metadata.resourceVersion) })) return;
      }
      if (sendInitialEvents === true && !this.stream.push(initialEventsEnd(list.revision))) return;
      this.#next = list.revision + 1;
    }
    this.#connect();
  }

  #connect(): void {
    this.#reconnectTimer = undefined;
    if (this.stream.ended) return;
    this.#armUnreachableTimer();
    // watcher(), not create(): the listeners are attached before etcd3 can emit anything, and create()'s promise
    // never settles while etcd is down (etcd3 keeps reconnecting); the unreachable timer bounds that wait instead.
    const watcher = this.#context.client.watch().prefix(this.#prefix).startRevision(String(this.#next)).withPreviousKV().watcher();
    this.#watcher = watcher;
    // Every listener checks that its watcher is still the current one: a dropped watcher may still emit.
    watcher.on('connected', () => {
      if (this.#watcher === watcher) this.#connected();
    });
    watcher.on('data', (response) => {
      if (this.#watcher === watcher) this.#receive(response);
    });
    watcher.on('disconnected', () => {
      if (this.#watcher === watcher) this.#reconnectLater();
    });
    // Also keeps an 'error' of a dropped watcher from being thrown by its EventEmitter.
    watcher.on('error', (error) => {
      if (this.#watcher === watcher) void this.#cancelled(error);
    });
  }

  #connected(): void {
    clearTimeout(this.#unreachableTimer);
    this.#unreachableTimer = undefined;
    this.#reconnectDelayMs = FIRST_RECONNECT_DELAY_MS;
  }

  #receive(response: IWatchResponse): void {
    try {
      if (response.events.length === 0) {
        // A progress notification: etcd promises that every later event on this stream is above the header's
        // revision. Moving on keeps a quiet watch resumable after history it had no events in was compacted.
        this.#next = Math.max(this.#next, headerRevision(response.header) + 1);
        return;
      }
      // etcd never splits one revision across responses, so a response is delivered whole before #next moves.
      const next = this.#next;
      let last = next - 1;
      for (const event of response.events) {
        const revision = parseEtcdRevision(event.kv.mod_revision);
        if (revision < next) continue; // delivered already, by an earlier etcd watcher
        last = Math.max(last, revision);
        const converted: WatchEvent | undefined = toWatchEvent(event, this.#options.filter);
        if (converted !== undefined && !this.stream.push(converted)) return;
      }
      this.#next = last + 1;
    } catch (error) {
      this.stream.fail(toStorageError(error));
    }
  }

  #reconnectLater(): void {
    this.#retire();
    this.#armUnreachableTimer();
    if (this.#reconnectTimer !== undefined || this.stream.ended) return;
    this.#reconnectTimer = setTimeout(() => this.#connect(), this.#reconnectDelayMs);
    this.#reconnectDelayMs = Math.min(this.#reconnectDelayMs * 2, MAX_RECONNECT_DELAY_MS);
  }

  /** etcd cancelled the watcher: usually because its start revision was compacted (etcd3 drops the details). */
  async #cancelled(error: Error): Promise<void> {
    // Dropped without cancel(): etcd3 already forgot this watcher, and etcd answers a second cancel with a response
    // for an unknown watch id, on which etcd3 throws an uncaught "Failed to find watcher" (a process crash).
    this.#watcher = undefined;
    const from = this.#next;
    try {
      const compacted = await this.#isCompacted(from);
      this.stream.fail(compacted ? expired(from - 1) : new StorageError('Internal', `etcd cancelled the watch on ${this.#prefix}: ${error.message}`, { cause: error }));
    } catch (probeError) {
      this.stream.fail(toStorageError(probeError));
    }
  }

  // etcd3 reports the cancellation as "Watcher canceled: " without etcd's compact_revision, so ask etcd directly:
  // a watch from R fails for compaction exactly when a read at R does.
  async #isCompacted(revision: Revision): Promise<boolean> {
    const { client, requests } = this.#context;
    return await requests.run('read', async () => {
      try {
        await client.getAll().prefix(this.#prefix).revision(revision).limit(1).keys();
        return false;
      } catch (error) {
        if (isCompacted(error)) return true;
        if (isFutureRevision(error)) return false;
        throw error;
      }
    });
  }

  #armUnreachableTimer(): void {
    if (this.#unreachableTimer !== undefined) return;
    const { reconnectTimeoutMs } = this.#context;
    this.#unreachableTimer = setTimeout(() => {
      this.#unreachableTimer = undefined;
      this.stream.fail(new StorageError('Unreachable', `etcd is unreachable: the watch on ${this.#prefix} could not (re)connect within ${reconnectTimeoutMs} ms`));
    }, reconnectTimeoutMs);
  }

  /** Lets the current etcd watcher go; etcd3 would otherwise keep re-attaching it. */
  #retire(): void {
    const watcher = this.#watcher;
    this.#watcher = undefined;
    watcher?.cancel().catch(() => undefined);
  }

  #teardown(): void {
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#unreachableTimer);
    this.#reconnectTimer = undefined;
    this.#unreachableTimer = undefined;
    this.#retire();
  }
}

function initialEventsEnd(revision: Revision): WatchEvent {
  return {
    type: 'BOOKMARK',
    key: '',
    object: { apiVersion: '', kind: '', metadata: { name: '', resourceVersion: String(revision) } },
    revision,
    initialEventsEnd: true,
  };
}
