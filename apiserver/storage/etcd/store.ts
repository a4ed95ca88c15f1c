// The etcd backend of the Store contract (interface.ts), laid out as kube-apiserver's etcd3 store: keys as given by
// the caller, values are object JSON without resourceVersion, resourceVersion is the key's mod_revision, and every
// write is an optimistic transaction on it. One etcd3 client per store.
import type { Etcd3 } from 'etcd3';
import type {
  DeleteOptions,
  GuaranteedUpdateOptions,
  ListOptions,
  ListResult,
  Revision,
  Store,
  StoreStaleness,
  StoredObject,
  TryUpdate,
  WatchOptions,
  Watcher,
} from '../interface.ts';
import { isStorageError, StorageError } from '../errors.ts';
import { headerRevision } from './codec.ts';
import { isCompacted, isFutureRevision, tooLarge } from './grpc-errors.ts';
import { listObjects } from './list.ts';
import { createClient, resolveOptions, type EtcdStoreOptions, type ResolvedOptions } from './options.ts';
import { Requests } from './requests.ts';
import { EtcdWatch } from './watch.ts';
import { QuorumMonitor } from './quorum.ts';
import { createObject, deleteObject, readKey, updateObject } from './writes.ts';

export type { EtcdStoreOptions } from './options.ts';

// Any key serves to read the current revision from a response header; this one is never written by Vigil.
const REVISION_PROBE_KEY = '/vigil/revision-probe';

export class EtcdStore implements Store {
  readonly #options: ResolvedOptions;
  readonly #client: Etcd3;
  readonly #requests: Requests;
  readonly #watches = new Set<EtcdWatch>();
  readonly #quorum: QuorumMonitor;
  #closed = false;

  constructor(options: EtcdStoreOptions) {
    this.#options = resolveOptions(options);
    this.#client = createClient(options, this.#options);
    this.#requests = new Requests(this.#options.dialTimeoutMs);
    this.#quorum = new QuorumMonitor({ client: this.#client, members: this.#options.endpoints.length });
    this.#quorum.start();
  }

  async get(key: string): Promise<StoredObject> {
    const state = await readKey(this.#writeContext(), key, this.#quorum.state.stale);
    if (state === undefined) throw StorageError.notFound(key);
    return state.object;
  }

  list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    return listObjects({ client: this.#client, requests: this.#requests, serializable: this.#quorum.state.stale }, prefix, options);
  }

  create(key: string, object: StoredObject): Promise<StoredObject> {
    return this.#write(() => createObject(this.#writeContext(), key, object));
  }

  guaranteedUpdate(key: string, tryUpdate: TryUpdate, options?: GuaranteedUpdateOptions): Promise<StoredObject> {
    return this.#write(() => updateObject(this.#writeContext(), key, tryUpdate, options));
  }

  delete(key: string, options?: DeleteOptions): Promise<StoredObject> {
    return this.#write(() => deleteObject(this.#writeContext(), key, options));
  }

  /** Stale while etcd has no quorum (quorum.ts): reads are then member-local and may lag. */
  staleness(): StoreStaleness {
    const state = this.#quorum.state;
    if (!state.stale) return { stale: false };
    return { stale: true, ...(state.reason === undefined ? {} : { reason: state.reason }), ...(state.since === undefined ? {} : { since: state.since }) };
  }

  /** A write that fails while etcd has no quorum says so (Unreachable: 503), whatever etcd answered (often a timeout). */
  async #write<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      // etcd without a leader answers in several ways: "request timed out", UNAVAILABLE, "2 UNKNOWN: context deadline exceeded".
      const transport = isStorageError(error, 'Timeout') || isStorageError(error, 'Unreachable') || isStorageError(error, 'Internal');
      if (transport && this.#quorum.state.stale) {
        throw new StorageError('Unreachable', 'etcd has no quorum (too few of its members answer): writes are refused until a majority is back; reads are served from the watch cache and may be stale (see /readyz)', { cause: error });
      }
      throw error;
    }
  }

  watch(prefix: string, options: WatchOptions): Watcher {
    const context = {
      client: this.#client,
      requests: this.#requests,
      list: (listPrefix: string, listOptions: ListOptions) => this.list(listPrefix, listOptions),
      reconnectTimeoutMs: this.#options.watchReconnectTimeoutMs,
      capacity: this.#options.watchCapacity,
    };
    const watch = new EtcdWatch(context, prefix, options, () => this.#watches.delete(watch));
    if (this.#closed) {
      watch.stream.fail(new StorageError('Internal', 'the etcd store is closed'));
      return watch.stream;
    }
    this.#watches.add(watch);
    watch.start();
    return watch.stream;
  }

  async currentRevision(): Promise<Revision> {
    const response = await this.#requests.run('read', () => this.#client.get(REVISION_PROBE_KEY).exec());
    return headerRevision(response.header);
  }

  async compact(revision: Revision): Promise<void> {
    if (!Number.isSafeInteger(revision) || revision <= 0) throw new StorageError('InvalidObject', `invalid compaction revision: ${revision}`);
    await this.#requests.run('write', async () => {
      try {
        // Compaction is etcd's KV.Compact (etcd3 has no builder for it; `kv` is its typed KV client). Physical: the
        // call returns once the history is really gone, so a read at an older revision fails right after.
        await this.#client.kv.compact({ revision, physical: true });
      } catch (error) {
        if (isCompacted(error)) return; // compacted at or past `revision` already: nothing to forget
        if (isFutureRevision(error)) throw tooLarge(revision);
        throw error;
      }
    }, { revision });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Ending the watches first cancels their etcd3 watchers; a watcher still attached when the client closes makes
    // etcd3 retry its stream forever (each attempt failing with ClientClosedError).
    for (const watch of [...this.#watches]) watch.stream.end('closed');
    this.#quorum.close();
    this.#requests.close();
    this.#client.close();
  }

  #writeContext(): { client: Etcd3; requests: Requests } {
    return { client: this.#client, requests: this.#requests };
  }
}
