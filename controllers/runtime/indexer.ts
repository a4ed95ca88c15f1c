// The informer's local cache (client-go tools/cache thread_safe_store.go + index.go): objects by key, plus indexes
// that map an index value to the keys whose objects produce it ("containers by host", "by image"). Objects are
// frozen when they enter: everything handed out is shared, and must never be modified (sample-controller: "never
// modify objects from the cache"; copy before changing).
import type { ResourceObject } from '../../apiserver/resources/client.ts';
import { parseLabelSelector } from '../../apiserver/resources/selectors.ts';
import { deepFreeze } from '../../apiserver/storage/objects.ts';
import { keyOf } from './keys.ts';

/** The values an object is indexed under (none: not in this index). */
export type IndexFunc<T> = (object: T) => readonly string[];

export interface ListOptions {
  /** Only this namespace. */
  namespace?: string;
  /** A Kubernetes label selector on metadata.labels, e.g. "app=web,tier in (a,b)". */
  labelSelector?: string;
}

/** Read access to an informer's cache. Every object returned is frozen. */
export interface Lister<T extends ResourceObject = ResourceObject> {
  /** The object with this key ("NAMESPACE/NAME" or "NAME"). */
  get(key: string): T | undefined;
  /** Objects, sorted by key; all of them without options. */
  list(options?: ListOptions): T[];
  /** Objects whose index `indexName` yields `value`, sorted by key. Throws when no such index is registered. */
  byIndex(indexName: string, value: string): T[];
  /** Every key, sorted. */
  keys(): string[];
  readonly size: number;
}

/** The built-in index: an object's namespace ('' for cluster-scoped kinds). */
export const NAMESPACE_INDEX = 'namespace';

export class Indexer<T extends ResourceObject = ResourceObject> implements Lister<T> {
  readonly #objects = new Map<string, T>();
  readonly #indexers = new Map<string, IndexFunc<T>>();
  /** index name → value → keys */
  readonly #indexes = new Map<string, Map<string, Set<string>>>();

  constructor() {
    this.addIndexers({ [NAMESPACE_INDEX]: (object) => [object.metadata.namespace ?? ''] });
  }

  /** Adds indexes (built at once over what is cached). A name already taken fails: two meanings for one name is a bug. */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    for (const [name, indexFunc] of Object.entries(indexers)) {
      if (this.#indexers.has(name)) throw new Error(`index ${JSON.stringify(name)} already exists`);
      this.#indexers.set(name, indexFunc);
      const index = new Map<string, Set<string>>();
      this.#indexes.set(name, index);
      for (const [key, object] of this.#objects) addToIndex(index, indexFunc(object), key);
    }
  }

  hasIndex(name: string): boolean {
    return this.#indexers.has(name);
  }

  get(key: string): T | undefined {
    return this.#objects.get(key);
  }

  list(options: ListOptions = {}): T[] {
    const matches = parseLabelSelector(options.labelSelector);
    const candidates = options.namespace === undefined ? this.#sorted([...this.#objects.keys()]) : this.#indexKeys(NAMESPACE_INDEX, options.namespace);
    const result: T[] = [];
    for (const key of candidates) {
      const object = this.#objects.get(key);
      if (object !== undefined && (matches === undefined || matches(object.metadata.labels ?? {}))) result.push(object);
    }
    return result;
  }

  byIndex(indexName: string, value: string): T[] {
    if (!this.#indexers.has(indexName)) throw new Error(`no index named ${JSON.stringify(indexName)}`);
    return this.#indexKeys(indexName, value).flatMap((key) => {
      const object = this.#objects.get(key);
      return object === undefined ? [] : [object];
    });
  }

  keys(): string[] {
    return this.#sorted([...this.#objects.keys()]);
  }

  get size(): number {
    return this.#objects.size;
  }

  /** Stores `object` (frozen) under its key; returns the previous state. */
  upsert(object: T): T | undefined {
    const frozen = deepFreeze(object);
    const key = keyOf(frozen);
    const previous = this.#objects.get(key);
    if (previous !== undefined) this.#unindex(key, previous);
    this.#objects.set(key, frozen);
    for (const [name, indexFunc] of this.#indexers) addToIndex(this.#indexes.get(name) as Map<string, Set<string>>, indexFunc(frozen), key);
    return previous;
  }

  /** Removes `key`; returns what was stored. */
  delete(key: string): T | undefined {
    const previous = this.#objects.get(key);
    if (previous === undefined) return undefined;
    this.#unindex(key, previous);
    this.#objects.delete(key);
    return previous;
  }

  #unindex(key: string, object: T): void {
    for (const [name, indexFunc] of this.#indexers) {
      const index = this.#indexes.get(name) as Map<string, Set<string>>;
      for (const value of indexFunc(object)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }

  #indexKeys(indexName: string, value: string): string[] {
    return this.#sorted([...(this.#indexes.get(indexName)?.get(value) ?? [])]);
  }

  #sorted(keys: string[]): string[] {
    return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

function addToIndex(index: Map<string, Set<string>>, values: readonly string[], key: string): void {
  for (const value of values) {
    let keys = index.get(value);
    if (keys === undefined) {
      keys = new Set();
      index.set(value, keys);
    }
    keys.add(key);
  }
}
