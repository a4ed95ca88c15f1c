// The embedded store: the Store contract on one SQLite file, with etcd's MVCC semantics (one global revision, every
// write a new row of history, compaction) so that it behaves exactly as the etcd backend does. One connection in one
// process; node:sqlite is synchronous, so each write's re-check and commit happen in one turn of the event loop and
// nothing can slip in between them.
import type { DatabaseSync } from 'node:sqlite';
import type {
  DeleteOptions, GuaranteedUpdateOptions, ListOptions, ListResult, Revision, Store, StoredObject, TryUpdate, WatchOptions,
  Watcher,
} from '../interface.ts';
import { StorageError } from '../errors.ts';
import { sameContent, withRevision } from '../objects.ts';
import { buildChange } from './changes.ts';
import { compactInChunks, HistoryCheckpoints } from './compaction.ts';
import { openDatabase } from './database.ts';
import { readList } from './list.ts';
import { resolveOptions, type EmbeddedStoreOptions, type ResolvedOptions } from './options.ts';
import { Queries, type CurrentRow } from './queries.ts';
import { decodeObject } from './rows.ts';
import { WatchHub } from './watch-hub.ts';
import { startWatch, type WatchContext } from './watches.ts';
import { checkPreconditions, encodeObject, requireNoRevision } from '../write-checks.ts';

export type { EmbeddedStoreOptions } from './options.ts';
export { embeddedStorePath } from './options.ts';

/** Opens (creating if needed) the store's file; fails at once if another process has it open. */
export function openEmbeddedStore(options: EmbeddedStoreOptions): EmbeddedStore {
  return new EmbeddedStore(options);
}

export class EmbeddedStore implements Store {
  readonly #options: ResolvedOptions;
  readonly #db: DatabaseSync;
  readonly #queries: Queries;
  readonly #hub = new WatchHub();
  readonly #checkpoints = new HistoryCheckpoints();
  #revision: Revision;
  #compacted: Revision;
  /** Compactions run one after another; this is the last one queued. */
  #compaction: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #watchContext: WatchContext;

  constructor(options: EmbeddedStoreOptions) {
    this.#options = resolveOptions(options);
    this.#db = openDatabase(this.#options.path, this.#options.durability);
    try {
      this.#queries = new Queries(this.#db);
      this.#compacted = this.#queries.compactedRevision();
      // Not stored separately (that would be one more page written per commit): compaction removes rows only at or
      // below the compacted revision, which it records, so the newest revision is the larger of the two.
      this.#revision = Math.max(this.#queries.maxRevision(), this.#compacted);
    } catch (error) {
      this.#db.close();
      throw error;
    }
    this.#watchContext = {
      queries: this.#queries,
      hub: this.#hub,
      revision: () => this.#revision,
      compacted: () => this.#compacted,
      closed: () => this.#closed,
      capacity: this.#options.watchCapacity,
    };
    this.#checkpoints.record(this.#options.now(), this.#revision);
    if (this.#options.compactionIntervalMs > 0) {
      this.#timer = setInterval(() => this.#autoCompact(), this.#options.compactionIntervalMs);
      this.#timer.unref();
    }
  }

  get path(): string {
    return this.#options.path;
  }

  async get(key: string): Promise<StoredObject> {
    const current = this.#read(key);
    return withRevision(decodeObject(current.value, key), current.rev);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.#assertOpen();
    return readList(this.#queries, { current: this.#revision, compacted: this.#compacted }, prefix, options);
  }

  async create(key: string, object: StoredObject): Promise<StoredObject> {
    this.#assertOpen();
    const value = encodeObject(key, object);
    requireNoRevision(key, object);
    if (this.#queries.currentRev(key) !== 0) throw StorageError.keyExists(key);
    const rev = this.#commit(key, value, undefined);
    return withRevision(decodeObject(value, key), rev);
  }

  async guaranteedUpdate(key: string, tryUpdate: TryUpdate, options: GuaranteedUpdateOptions = {}): Promise<StoredObject> {
    for (let attempt = 1; ; attempt++) {
      const current = this.#read(key);
      const object = withRevision(decodeObject(current.value, key), current.rev);
      checkPreconditions(key, options.preconditions, object, current.rev);
      const pending = tryUpdate(object);
      const updated = pending instanceof Promise ? await pending : pending;
      const value = encodeObject(key, updated);
      // A synchronous tryUpdate kept read and write in one turn of the event loop, where no other write can run.
      if (pending instanceof Promise && this.#changedSince(key, current, attempt)) continue;
      // Equal JSON is the cheap test; deep equality also catches the same content with keys in another order. The
      // same content in another key order has JSON of the same length, so a write whose JSON has another length (most
      // real changes) skips parsing the stored value again for the deep comparison.
      if (value === current.value || (value.length === current.value.length && sameContent(decodeObject(current.value, key), updated))) {
        return withRevision(decodeObject(current.value, key), current.rev);
      }
      const rev = this.#commit(key, value, current);
      return withRevision(decodeObject(value, key), rev);
    }
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<StoredObject> {
    for (let attempt = 1; ; attempt++) {
      const current = this.#read(key);
      const object = withRevision(decodeObject(current.value, key), current.rev);
      checkPreconditions(key, options.preconditions, object, current.rev);
      const pending = options.validateDeletion?.(object);
      if (pending instanceof Promise) {
        await pending;
        if (this.#changedSince(key, current, attempt)) continue;
      }
      const rev = this.#commit(key, null, current);
      return withRevision(decodeObject(current.value, key), rev);
    }
  }

  watch(prefix: string, options: WatchOptions): Watcher {
    return startWatch(this.#watchContext, prefix, options);
  }

  async currentRevision(): Promise<Revision> {
    this.#assertOpen();
    return this.#revision;
  }

  async compact(revision: Revision): Promise<void> {
    this.#assertOpen();
    if (!Number.isSafeInteger(revision) || revision < 0) throw new StorageError('InvalidObject', `invalid revision: ${revision}`);
    if (revision > this.#revision) {
      throw new StorageError('InvalidObject', `cannot compact to revision ${revision}: the newest is ${this.#revision}`);
    }
    const run = this.#compaction.then(() => this.#compactTo(revision));
    this.#compaction = run.catch(() => {}); // the caller of this compaction gets its error; the next one still runs
    return run;
  }

  /**
   * One round of automatic compaction, as the timer runs it: notes the current revision, then forgets the history
   * that has left the window. Returns the compacted revision.
   */
  async compactHistory(): Promise<Revision> {
    this.#assertOpen();
    const now = this.#options.now();
    this.#checkpoints.record(now, this.#revision);
    const target = this.#checkpoints.revisionAt(now - this.#options.historyWindowMs);
    if (target !== undefined && target > this.#compacted) await this.compact(target);
    return this.#compacted;
  }

  /** The oldest revision lists and watches can still start from. */
  get compactedRevision(): Revision {
    return this.#compacted;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#hub.closeAll();
    await this.#compaction; // stops after its current chunk
    this.#db.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new StorageError('Unreachable', `the embedded store ${this.#options.path} is closed`);
  }

  #read(key: string): CurrentRow {
    this.#assertOpen();
    const current = this.#queries.current(key);
    if (current === undefined) throw StorageError.notFound(key);
    return current;
  }

  /** Whether the key moved on while an async callback ran (then the write retries), or Conflict when out of attempts. */
  #changedSince(key: string, read: CurrentRow, attempt: number): boolean {
    this.#assertOpen();
    if (this.#queries.currentRev(key) === read.rev) return false;
    if (attempt >= this.#options.maxUpdateAttempts) {
      throw StorageError.conflict(key, `the object kept changing during ${attempt} attempts to write it`);
    }
    return true;
  }

  /** Writes one change under the next revision (value null: a deletion) and tells the watchers. */
  #commit(key: string, value: string | null, previous: CurrentRow | undefined): Revision {
    const rev = this.#revision + 1;
    const prevRev = previous?.rev ?? null;
    try {
      this.#queries.transaction(() => {
        this.#queries.insertRevision({ rev, key, createRev: previous?.createRev ?? rev, prevRev, value });
        if (value === null) this.#queries.deleteCurrent(key);
        else this.#queries.setCurrent(key, rev);
      });
    } catch (error) {
      throw new StorageError('Internal', `cannot write ${key} to the embedded store: ${String(error)}`, { key, cause: error });
    }
    this.#revision = rev;
    this.#hub.publish(key, rev, (withPrev) => buildChange({ key, rev, value, prevRev, prev: previous?.value, withPrev }));
    return rev;
  }

  async #compactTo(revision: Revision): Promise<void> {
    if (revision <= this.#compacted || this.#closed) return;
    await compactInChunks({
      from: this.#compacted,
      to: revision,
      step: (from, to) => {
        this.#queries.transaction(() => this.#queries.compactRange(from, to));
        this.#compacted = to;
      },
      stopped: () => this.#closed,
    });
    if (!this.#closed) this.#options.onCompacted(this.#compacted);
  }

  #autoCompact(): void {
    if (this.#closed) return;
    this.compactHistory().catch((error: unknown) => this.#options.onCompactionError(error));
  }
}
