// The resource registry: the one implementation of reads and writes of resources over the store, used by the HTTP
// handlers and, through the ResourceClient interface, by controllers (k8s.io/apiserver registry/generic/registry).
import { findKindByName, type ResourceKind } from '../../schemas/index.ts';
import { validateResource, validateUpdate, type ResourceObject, type UnknownFieldPolicy } from '../../schemas/validation.ts';
import type { ObjectFilter, Revision, Store, StoredObject, Watcher } from '../storage/interface.ts';
import { isStorageError, StorageError } from '../storage/errors.ts';
import { cloneObject, parseRevision } from '../storage/objects.ts';
import type { CreateOptions, DeleteOptions, ListQuery, ModifyOptions, Mutation, ObjectList, ResourceClient, WatchQuery, WriteOptions } from './client.ts';
import { ApiError, errors, fromStorageError } from './errors.ts';
import { collectionPrefix, objectKey } from './keys.ts';
import { checkIdentity, prepareCreate, prepareStatusUpdate, prepareUpdate, readyToGo, requireObjectBody, timestamp } from './object-rules.ts';
import { selectorFilter } from './selectors.ts';

export interface ResourceRegistryOptions {
  store: Store;
  /** The clock for creation and deletion timestamps. */
  now?: () => Date;
}

/** Thrown inside a store transaction to start over (a finalizer appeared between our read and our delete). */
class StartOver extends Error {}

export class ResourceRegistry implements ResourceClient {
  readonly #store: Store;
  readonly #now: () => Date;

  constructor(options: ResourceRegistryOptions) {
    this.#store = options.store;
    this.#now = options.now ?? (() => new Date());
  }

  get store(): Store {
    return this.#store;
  }

  kind(name: string): ResourceKind {
    const kind = findKindByName(name);
    if (kind === undefined) throw new ApiError(404, 'NotFound', `the server doesn't have a resource type "${name}"`);
    return kind;
  }

  #key(kind: ResourceKind, namespace: string | undefined, name: string): string {
    if (kind.namespaced && (namespace === undefined || namespace === '')) throw errors.badRequest(`${kind.kind} is namespaced: a namespace is required`);
    if (name === '') throw errors.badRequest('a resource name is required');
    return objectKey(kind, kind.namespaced ? namespace : undefined, name);
  }

  #validate(kind: ResourceKind, object: Record<string, unknown>, policy: UnknownFieldPolicy, previous?: ResourceObject): ResourceObject {
    const result = validateResource(object, { unknownFields: policy });
    const name = typeof (object.metadata as Record<string, unknown> | undefined)?.name === 'string' ? String((object.metadata as Record<string, unknown>).name) : '';
    if (!result.ok) throw errors.invalid(kind, name, result.causes);
    if (previous !== undefined) {
      const causes = validateUpdate(kind, previous, result.object);
      if (causes.length > 0) throw errors.invalid(kind, name, causes);
    }
    return result.object;
  }

  async get(kindName: string, namespace: string | undefined, name: string): Promise<ResourceObject> {
    const kind = this.kind(kindName);
    try {
      return (await this.#store.get(this.#key(kind, namespace, name))) as ResourceObject;
    } catch (error) {
      throw fromStorageError(error, kind, name);
    }
  }

  async list(kindName: string, query: ListQuery = {}): Promise<ObjectList> {
    const kind = this.kind(kindName);
    const filter = selectorFilter(query.labelSelector, query.fieldSelector);
    const revision = parseResourceVersion(query.resourceVersion);
    if (query.continue !== undefined && query.continue !== '' && revision !== undefined && revision !== 0) {
      throw errors.badRequest('specifying resource version is not allowed when using continue');
    }
    if (query.resourceVersionMatch !== undefined && query.resourceVersion === undefined) {
      throw errors.badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
    }
    try {
      const result = await this.#store.list(collectionPrefix(kind, query.namespace), {
        ...(filter === undefined ? {} : { filter }),
        ...(query.limit === undefined || query.limit <= 0 ? {} : { limit: query.limit }),
        ...(query.continue === undefined || query.continue === '' ? {} : { continue: query.continue }),
        ...(revision === undefined ? {} : { revision, match: query.resourceVersionMatch ?? 'NotOlderThan' }),
      });
      return {
        apiVersion: kind.apiVersion,
        kind: kind.listKind,
        metadata: {
          resourceVersion: String(result.revision),
          ...(result.continue === undefined ? {} : { continue: result.continue }),
          ...(result.remainingItemCount === undefined ? {} : { remainingItemCount: result.remainingItemCount }),
        },
        items: result.items as ResourceObject[],
      };
    } catch (error) {
      if (isStorageError(error, 'Expired') && query.continue !== undefined) {
        throw errors.expired('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      throw fromStorageError(error, kind, '');
    }
  }

  async create(body: unknown, options: CreateOptions = {}): Promise<ResourceObject> {
    const object = requireObjectBody(body);
    const kind = this.kind(typeof object.kind === 'string' ? object.kind : '');
    checkIdentity(kind, object);
    const namespace = typeof object.metadata.namespace === 'string' ? object.metadata.namespace : undefined;
    const prepared = prepareCreate(kind, object, { namespace, now: this.#now(), includeStatus: options.includeStatus === true });
    const validated = this.#validate(kind, prepared, options.fieldValidation ?? 'Strict');
    if (options.dryRun === true) return validated;
    try {
      return (await this.#store.create(this.#key(kind, validated.metadata.namespace, validated.metadata.name), validated)) as ResourceObject;
    } catch (error) {
      throw fromStorageError(error, kind, validated.metadata.name);
    }
  }

  async update(body: unknown, options: WriteOptions = {}): Promise<ResourceObject> {
    const object = requireObjectBody(body);
    const kind = this.kind(typeof object.kind === 'string' ? object.kind : '');
    checkIdentity(kind, object);
    return await this.#write(kind, object, options, (current) => prepareUpdate(kind, current, object));
  }

  async updateStatus(body: unknown, options: WriteOptions = {}): Promise<ResourceObject> {
    const object = requireObjectBody(body);
    const kind = this.kind(typeof object.kind === 'string' ? object.kind : '');
    checkIdentity(kind, object);
    if (!kind.hasStatus) throw new ApiError(404, 'NotFound', `${kind.plural} has no status subresource`);
    return await this.#write(kind, object, options, (current) => prepareStatusUpdate(current, object));
  }

  async modify(kindName: string, namespace: string | undefined, name: string, mutation: Mutation, options: ModifyOptions = {}): Promise<ResourceObject> {
    const kind = this.kind(kindName);
    const body = { apiVersion: kind.apiVersion, kind: kind.kind, metadata: { name, ...(namespace === undefined ? {} : { namespace }) } };
    return await this.#write(kind, body, options, async (current) => {
      const desired = requireObjectBody(await mutation(cloneObject(current) as ResourceObject));
      checkIdentity(kind, desired, { namespace, name });
      return options.subresource === 'status' ? prepareStatusUpdate(current, desired) : prepareUpdate(kind, current, desired);
    }, { ignoreBodyResourceVersion: true });
  }

  /** One guaranteed update with the shared rules; deletes the object when its last finalizer went. */
  async #write(
    kind: ResourceKind,
    body: { metadata: Record<string, unknown> },
    options: WriteOptions,
    next: (current: ResourceObject) => Record<string, unknown> | Promise<Record<string, unknown>>,
    flags: { ignoreBodyResourceVersion?: boolean } = {},
  ): Promise<ResourceObject> {
    const name = typeof body.metadata.name === 'string' ? body.metadata.name : '';
    const namespace = typeof body.metadata.namespace === 'string' ? body.metadata.namespace : undefined;
    const key = this.#key(kind, namespace, name);
    const resourceVersion = flags.ignoreBodyResourceVersion === true ? undefined : body.metadata.resourceVersion;
    const preconditions = typeof resourceVersion === 'string' && resourceVersion !== '' ? { resourceVersion } : undefined;
    const policy = options.fieldValidation ?? 'Strict';
    try {
      if (options.dryRun === true) {
        const current = (await this.#store.get(key)) as ResourceObject;
        if (preconditions !== undefined && current.metadata.resourceVersion !== preconditions.resourceVersion) throw StorageError.conflict(key);
        return this.#validate(kind, await next(cloneObject(current) as ResourceObject), policy, current);
      }
      const written = (await this.#store.guaranteedUpdate(
        key,
        async (current) => this.#validate(kind, await next(current as ResourceObject), policy, current as ResourceObject),
        preconditions === undefined ? {} : { preconditions },
      )) as ResourceObject;
      if (!readyToGo(written)) return written;
      return (await this.#store.delete(key, {
        preconditions: { uid: written.metadata.uid ?? '' },
        validateDeletion: (current) => {
          if (!readyToGo(current)) throw new StartOver('finalizers were added again');
        },
      }).catch((error: unknown) => {
        // Someone else deleted it or added a finalizer meanwhile: either way what we wrote stands.
        if (error instanceof StartOver || isStorageError(error, 'NotFound')) return written;
        throw error;
      })) as ResourceObject;
    } catch (error) {
      throw fromStorageError(error, kind, name);
    }
  }

  async delete(kindName: string, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<ResourceObject> {
    const kind = this.kind(kindName);
    const key = this.#key(kind, namespace, name);
    const preconditions = options.preconditions;
    const finalizerFor = options.propagationPolicy === 'Orphan' ? 'orphan' : options.propagationPolicy === 'Foreground' ? 'foregroundDeletion' : undefined;
    try {
      for (;;) {
        const current = (await this.#store.get(key)) as ResourceObject;
        if (preconditions?.uid !== undefined && preconditions.uid !== current.metadata.uid) {
          throw new StorageError('InvalidPrecondition', 'uid mismatch', { key });
        }
        if (preconditions?.resourceVersion !== undefined && preconditions.resourceVersion !== current.metadata.resourceVersion) {
          throw StorageError.conflict(key);
        }
        const finalizers = current.metadata.finalizers ?? [];
        if (finalizers.length > 0 || finalizerFor !== undefined) {
          const marked = structuredClone(current);
          marked.metadata.deletionTimestamp ??= timestamp(this.#now());
          marked.metadata.deletionGracePeriodSeconds ??= 0;
          if (finalizerFor !== undefined && !finalizers.includes(finalizerFor) && current.metadata.deletionTimestamp === undefined) {
            marked.metadata.finalizers = [...finalizers, finalizerFor];
          }
          if (options.dryRun === true) return marked;
          return (await this.#store.guaranteedUpdate(
            key,
            (latest) => {
              const next = cloneObject(latest);
              next.metadata.deletionTimestamp ??= marked.metadata.deletionTimestamp;
              next.metadata.deletionGracePeriodSeconds ??= 0;
              next.metadata.finalizers = [...new Set([...(latest.metadata.finalizers ?? []), ...(marked.metadata.finalizers ?? [])])];
              return next;
            },
            { preconditions: { uid: current.metadata.uid ?? '' } },
          )) as ResourceObject;
        }
        if (options.dryRun === true) return current;
        try {
          return (await this.#store.delete(key, {
            preconditions: { uid: current.metadata.uid ?? '', ...(preconditions?.resourceVersion === undefined ? {} : { resourceVersion: preconditions.resourceVersion }) },
            validateDeletion: (latest) => {
              if ((latest.metadata.finalizers ?? []).length > 0) throw new StartOver('a finalizer was added');
            },
          })) as ResourceObject;
        } catch (error) {
          if (error instanceof StartOver) continue;
          throw error;
        }
      }
    } catch (error) {
      throw fromStorageError(error, kind, name);
    }
  }

  watch(kindName: string, query: WatchQuery = {}): Watcher {
    const kind = this.kind(kindName);
    const filter: ObjectFilter | undefined = selectorFilter(query.labelSelector, query.fieldSelector);
    const revision = parseResourceVersion(query.resourceVersion) ?? 0;
    return this.#store.watch(collectionPrefix(kind, query.namespace), {
      revision,
      ...(filter === undefined ? {} : { filter }),
      ...(query.allowBookmarks === undefined ? {} : { allowBookmarks: query.allowBookmarks }),
      ...(query.sendInitialEvents === undefined ? {} : { sendInitialEvents: query.sendInitialEvents }),
      ...(query.signal === undefined ? {} : { signal: query.signal }),
    });
  }
}

function parseResourceVersion(resourceVersion: string | undefined): Revision | undefined {
  try {
    return parseRevision(resourceVersion);
  } catch {
    throw errors.badRequest(`invalid resource version: ${JSON.stringify(resourceVersion)}`);
  }
}

/** The object as a StoredObject, for code that talks to the store directly. */
export function asStored(object: ResourceObject): StoredObject {
  return object as StoredObject;
}
