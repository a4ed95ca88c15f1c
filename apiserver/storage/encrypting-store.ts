// Encryption at rest as a Store wrapper between the backend and the watch cache (kube-apiserver's
// EncryptionConfiguration, done the same way: the cache above holds plain objects in memory, the backend below only
// ever sees ciphertext). For keys under the configured prefixes (Secrets by default) everything but apiVersion, kind
// and metadata is sealed into one `sealed` field; metadata stays readable because the store and its cache select
// and page by it. The sealed value is bound to the object's identity, so it does not open under another name.
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
} from './interface.ts';
import { StorageError } from './errors.ts';
import { sameContent } from './objects.ts';
import { SecretBoxError, type SecretBox } from '../auth/secret-box.ts';

export interface EncryptingStoreOptions {
  backend: Store;
  box: SecretBox;
  /** Keys under these prefixes are stored encrypted. Default: Secrets (`/registry/secrets/`). */
  prefixes?: readonly string[];
}

export const SECRET_PREFIXES: readonly string[] = ['/registry/secrets/'];

export class EncryptingStore implements Store {
  readonly #backend: Store;
  readonly #box: SecretBox;
  readonly #prefixes: readonly string[];

  constructor(options: EncryptingStoreOptions) {
    this.#backend = options.backend;
    this.#box = options.box;
    this.#prefixes = options.prefixes ?? SECRET_PREFIXES;
  }

  #covers(keyOrPrefix: string): boolean {
    // A prefix above an encrypted one (e.g. '/registry/' for the watch cache) may hold sealed objects too.
    return this.#prefixes.some((prefix) => keyOrPrefix.startsWith(prefix) || prefix.startsWith(keyOrPrefix));
  }

  #seal(key: string, object: StoredObject): StoredObject {
    if (!this.#covers(key)) return object;
    const { apiVersion, kind, metadata, ...content } = object;
    return { apiVersion, kind, metadata, sealed: this.#box.seal(JSON.stringify(content), identity(object)) };
  }

  #open(object: StoredObject): StoredObject {
    const sealed = object.sealed;
    if (typeof sealed !== 'string') return object;
    let content: unknown;
    try {
      content = JSON.parse(this.#box.open(sealed, identity(object)));
    } catch (error) {
      const message = error instanceof SecretBoxError ? error.message : 'the decrypted value is not JSON';
      throw new StorageError('Internal', `cannot decrypt ${identity(object)}: ${message}`, { cause: error });
    }
    const { sealed: _sealed, ...rest } = object;
    return { ...(content as Record<string, unknown>), ...rest };
  }

  /** One decryption per object even when a filter and the result both need the plain form. */
  #opener(): (object: StoredObject) => StoredObject {
    const opened = new WeakMap<StoredObject, StoredObject>();
    return (object) => {
      let plain = opened.get(object);
      if (plain === undefined) {
        plain = this.#open(object);
        opened.set(object, plain);
      }
      return plain;
    };
  }

  #filter(filter: ObjectFilter | undefined, open: (object: StoredObject) => StoredObject): ObjectFilter | undefined {
    return filter === undefined ? undefined : (object) => filter(open(object));
  }

  async get(key: string): Promise<StoredObject> {
    return this.#open(await this.#backend.get(key));
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    if (!this.#covers(prefix)) return await this.#backend.list(prefix, options);
    const open = this.#opener();
    const filter = this.#filter(options.filter, open);
    const result = await this.#backend.list(prefix, { ...options, ...(filter === undefined ? {} : { filter }) });
    return { ...result, items: result.items.map(open) };
  }

  async create(key: string, object: StoredObject): Promise<StoredObject> {
    return this.#open(await this.#backend.create(key, this.#seal(key, object)));
  }

  async guaranteedUpdate(key: string, tryUpdate: TryUpdate, options?: GuaranteedUpdateOptions): Promise<StoredObject> {
    if (!this.#covers(key)) return await this.#backend.guaranteedUpdate(key, tryUpdate, options);
    const sealedUpdate: TryUpdate = (current) => {
      const before = this.#open(current);
      const finish = (updated: StoredObject): StoredObject =>
        // Sealing uses a fresh nonce, so the same content would look changed to the backend: hand it back the stored
        // form instead, and a write that changes nothing stays free (no new revision, no event).
        sameContent(before, updated) ? current : this.#seal(key, updated);
      const pending = tryUpdate(structuredClone(before));
      // A synchronous tryUpdate stays synchronous: backends rely on it to read and write in one turn of the event loop.
      return pending instanceof Promise ? pending.then(finish) : finish(pending);
    };
    return this.#open(await this.#backend.guaranteedUpdate(key, sealedUpdate, options));
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<StoredObject> {
    const validate = options.validateDeletion;
    const wrapped: DeleteOptions =
      validate === undefined || !this.#covers(key) ? options : { ...options, validateDeletion: (current) => validate(this.#open(current)) };
    return this.#open(await this.#backend.delete(key, wrapped));
  }

  watch(prefix: string, options: WatchOptions): Watcher {
    if (!this.#covers(prefix)) return this.#backend.watch(prefix, options);
    const filter = options.filter;
    const inner = this.#backend.watch(prefix, {
      ...options,
      ...(filter === undefined ? {} : { filter: (object: StoredObject) => filter(this.#open(object)) }),
    });
    const open = (event: WatchEvent): WatchEvent => ({
      ...event,
      object: this.#open(event.object),
      ...(event.prevObject === undefined ? {} : { prevObject: this.#open(event.prevObject) }),
    });
    async function* events(): AsyncGenerator<WatchEvent> {
      for await (const event of inner.events) yield open(event);
    }
    return {
      events: events(),
      stop: () => inner.stop(),
      get endReason() {
        return inner.endReason;
      },
    };
  }

  staleness(): StoreStaleness {
    return this.#backend.staleness?.() ?? { stale: false };
  }

  async currentRevision(): Promise<Revision> {
    return await this.#backend.currentRevision();
  }

  async compact(revision: Revision): Promise<void> {
    await this.#backend.compact(revision);
  }

  async close(): Promise<void> {
    await this.#backend.close();
  }
}

/** What a sealed value is bound to: the object's kind, namespace and name. */
function identity(object: StoredObject): string {
  return `${object.apiVersion}/${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}
