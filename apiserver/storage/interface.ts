// The storage contract every backend (embedded SQLite, etcd) and the watch cache implement.
// Modelled on k8s.io/apiserver/pkg/storage/interfaces.go: the store knows keys, revisions and
// JSON objects; it knows nothing of kinds, defaulting or validation (the API layer does that).

/** One global, monotonically increasing revision; every object's resourceVersion is the revision of its last write. */
export type Revision = number;

/**
 * The metadata the store (and its cache) reads. The full ObjectMeta, with its rules, is the schemas' business
 * (schemas/common.schema.json and the generated types); the store only needs these fields, and stays kind-agnostic.
 */
export interface ObjectMeta {
  name: string;
  namespace?: string | undefined;
  uid?: string | undefined;
  resourceVersion?: string | undefined;
  generation?: number | undefined;
  creationTimestamp?: string | undefined;
  deletionTimestamp?: string | undefined;
  deletionGracePeriodSeconds?: number | undefined;
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
  finalizers?: string[] | undefined;
}

/** Any object the store holds: Kubernetes-shaped, with the rest of its fields opaque to the store. */
export interface StoredObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

/** Decides whether a listed or watched object is wanted (label and field selectors compile to one). */
export type ObjectFilter = (object: StoredObject) => boolean;

export interface ListOptions {
  filter?: ObjectFilter;
  /** At most this many items; a `continue` token is returned when more remain. */
  limit?: number;
  /** The token from the previous page; the page is read at that page's revision. */
  continue?: string;
  /**
   * Which state to read. `undefined`: the newest (a consistent read from the backend).
   * A number with `match: 'Exact'`: the state at exactly that revision (Expired if compacted).
   * A number with `match: 'NotOlderThan'` (or 0): any state at least that new; the cache answers from memory.
   */
  revision?: Revision;
  match?: 'Exact' | 'NotOlderThan';
}

export interface ListResult {
  items: StoredObject[];
  /** The store key of each item, in the same order (the watch cache needs keys; API clients do not). */
  keys: string[];
  /** The revision the whole list (every page of it) was read at; a watch from here misses nothing. */
  revision: Revision;
  continue?: string;
  remainingItemCount?: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchEvent {
  type: WatchEventType;
  /** The store key of the object ('' for BOOKMARK). */
  key: string;
  /** For DELETED: the last state, with resourceVersion set to the deletion's revision. For BOOKMARK: only metadata.resourceVersion. */
  object: StoredObject;
  /** The state before this change (MODIFIED and DELETED), when the backend knows it. */
  prevObject?: StoredObject;
  revision: Revision;
  /** Set on the BOOKMARK that ends the initial events of a watch started with `sendInitialEvents`. */
  initialEventsEnd?: boolean;
}

export interface WatchOptions {
  /**
   * Events after this revision. 0 means "now, starting with the current state": one synthetic ADDED per existing
   * object, then every change. A revision older than the kept history fails with StorageError code Expired.
   */
  revision: Revision;
  filter?: ObjectFilter;
  /** Ask for periodic BOOKMARK events carrying the current revision (served by the watch cache). */
  allowBookmarks?: boolean;
  /** With revision 0: after the initial ADDED events, send a BOOKMARK with `initialEventsEnd`. */
  sendInitialEvents?: boolean;
  /** Stop the watch when this signal aborts. */
  signal?: AbortSignal;
  /**
   * The watcher keeps every object's previous state itself (the watch cache does): MODIFIED events may then come
   * without prevObject, which spares the backend decoding the old value of every write. Ignored with a filter, which
   * needs the previous state to tell whether the object left it; DELETED events always carry it.
   */
  withoutPrevObject?: boolean;
}

/**
 * A running watch. Iterate `events` to receive changes in revision order. The iteration ends when the watch is
 * stopped (by `stop()`, the signal, or a consumer too slow for the cache's buffer: see `endReason`), and throws a
 * StorageError (Expired, Unreachable) when the watch cannot continue; the consumer resumes from the last revision it saw.
 */
export interface Watcher {
  readonly events: AsyncIterable<WatchEvent>;
  stop(): void;
  /** Why the event stream ended without an error; undefined while it runs. */
  readonly endReason: 'stopped' | 'too-slow' | 'closed' | undefined;
}

export interface GuaranteedUpdateOptions {
  preconditions?: Preconditions;
}

/**
 * Computes the new state from the current one. Receives a private deep copy it may modify and return. Throwing aborts
 * the update with that error. Returning an object deeply equal to the current one (resourceVersion aside) writes nothing.
 */
export type TryUpdate = (current: StoredObject) => StoredObject | Promise<StoredObject>;

export interface DeleteOptions {
  preconditions?: Preconditions;
  /** Called with the current state just before the delete; throwing aborts it. Retried on conflict like an update. */
  validateDeletion?: (current: StoredObject) => void | Promise<void>;
}

export interface Store {
  /** The object at `key`; StorageError NotFound when there is none. */
  get(key: string): Promise<StoredObject>;
  /** Every object whose key starts with `prefix` (which should end with '/'), sorted by key. */
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  /** Stores a new object; KeyExists when the key is taken. `metadata.resourceVersion` must be empty. */
  create(key: string, object: StoredObject): Promise<StoredObject>;
  /**
   * Reads, applies `tryUpdate`, and writes if the object did not change meanwhile; on a concurrent change it reads
   * again and retries. NotFound when the key is missing; Conflict / InvalidPrecondition when preconditions fail.
   */
  guaranteedUpdate(key: string, tryUpdate: TryUpdate, options?: GuaranteedUpdateOptions): Promise<StoredObject>;
  /** Deletes and returns the last state, with resourceVersion set to the deletion's revision. */
  delete(key: string, options?: DeleteOptions): Promise<StoredObject>;
  /** Changes to keys under `prefix`. */
  watch(prefix: string, options: WatchOptions): Watcher;
  /** The newest revision the store has committed. */
  currentRevision(): Promise<Revision>;
  /** Forgets history up to `revision`: lists at, continues from and watches from older revisions fail as Expired. */
  compact(revision: Revision): Promise<void>;
  /**
   * Whether reads may be stale because the backend cannot serve consistent ones (etcd without quorum). Absent: never
   * (the embedded store).
   */
  staleness?(): StoreStaleness;
  close(): Promise<void>;
}

export interface StoreStaleness {
  stale: boolean;
  /** Why, when stale. */
  reason?: string;
  /** Since when (ms since the epoch), when stale. */
  since?: number;
}
