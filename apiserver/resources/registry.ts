// The resource registry: the one implementation of reads and writes of resources over the store, used by the HTTP
// handlers and, through the ResourceClient interface, by controllers (k8s.io/apiserver registry/generic/registry).
import { findKindByName, type ResourceKind } from '../../schemas/index.ts';
import { validateResource, validateUpdate, type ResourceObject, type UnknownFieldPolicy } from '../../schemas/validation.ts';
import type { ObjectFilter, Revision, Store, StoredObject, Watcher } from '../storage/interface.ts';
import { isStorageError, StorageError } from '../storage/errors.ts';
import { cloneObject, parseRevision } from '../storage/objects.ts';
import type { ApplyOptions, CreateOptions, DeleteOptions, ListQuery, ModifyOptions, Mutation, ObjectList, PatchOptions, PatchType, ResourceClient, WatchQuery, WriteOptions } from './client.ts';
import { ApiError, errors, fromStorageError, isApiError } from './errors.ts';
import { decodeManagedFields, mergeApplied } from './apply/managed-fields.ts';
import { managedPart, withManagedPart, type Subresource } from './apply/managed-part.ts';
import { kindShape } from './apply/schema-shape.ts';
import { trackOwnership, type Ownership } from './field-ownership.ts';
import { validateListOptions } from './list-options.ts';
import { applyJsonPatch } from './patch/json-patch.ts';
import { applyMergePatch } from './patch/merge-patch.ts';
import { foldStringData, maskSecret, restoreMasked } from './secrets.ts';
import { collectionPrefix, objectKey } from './keys.ts';
import { checkIdentity, prepareCreate, prepareStatusUpdate, prepareUpdate, readyToGo, requireObjectBody, timestamp } from './object-rules.ts';
import { selectorFilter } from './selectors.ts';
import { deleteFinalized, deleteObject } from './deletion.ts';

export interface ResourceRegistryOptions {
  store: Store;
  /** The clock for creation and deletion timestamps. */
  now?: () => Date;
}

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

  #validate(kind: ResourceKind, object: Record<string, unknown>, policy: UnknownFieldPolicy, previous: ResourceObject | undefined, warnings: string[]): ResourceObject {
    // Every write hands in an object it built for this write (prepareCreate/Update/StatusUpdate and withManagedPart
    // make fresh top-level and metadata objects; only those are modified afterwards, by trackOwnership): no deep copy.
    const result = validateResource(object, { unknownFields: policy, copy: false });
    const name = typeof (object.metadata as Record<string, unknown> | undefined)?.name === 'string' ? String((object.metadata as Record<string, unknown>).name) : '';
    const unknown = result.causes.filter((cause) => cause.reason === 'FieldValueUnknown');
    // Unknown fields under Strict are a decoding error (400), reported before any schema violation, as Kubernetes does.
    if (unknown.length > 0) throw errors.strictDecoding(unknown.map((cause) => cause.message));
    if (!result.ok) throw errors.invalid(kind, name, result.causes);
    warnings.push(...result.warnings);
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
    validateListOptions({
      watch: false,
      resourceVersion: query.resourceVersion,
      resourceVersionMatch: query.resourceVersionMatch,
      continue: query.continue,
      sendInitialEvents: undefined,
      allowWatchBookmarks: false,
    });
    const revision = parseResourceVersion(query.resourceVersion);
    if (query.continue !== undefined && query.continue !== '' && revision !== undefined && revision !== 0) {
      throw errors.badRequest('specifying resource version is not allowed when using continue');
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
    const warnings: string[] = [];
    const result = this.#finish(kind, undefined, prepared, options, warnings, this.#ownership(kind, options, undefined));
    const created = options.dryRun === true ? result : await this.#storeCreate(kind, result);
    for (const warning of warnings) options.onWarning?.(warning);
    return created;
  }

  async #storeCreate(kind: ResourceKind, object: ResourceObject): Promise<ResourceObject> {
    try {
      return (await this.#store.create(this.#key(kind, object.metadata.namespace, object.metadata.name), object)) as ResourceObject;
    } catch (error) {
      throw fromStorageError(error, kind, object.metadata.name);
    }
  }

  async update(body: unknown, options: WriteOptions = {}): Promise<ResourceObject> {
    const object = requireObjectBody(body);
    const kind = this.kind(typeof object.kind === 'string' ? object.kind : '');
    checkIdentity(kind, object);
    return await this.#write(kind, object.metadata, options, {
      ownership: this.#ownership(kind, options, undefined),
      prepare: (current) => prepareUpdate(kind, current, object),
    });
  }

  async updateStatus(body: unknown, options: WriteOptions = {}): Promise<ResourceObject> {
    const object = requireObjectBody(body);
    const kind = this.kind(typeof object.kind === 'string' ? object.kind : '');
    checkIdentity(kind, object);
    if (!kind.hasStatus) throw new ApiError(404, 'NotFound', `${kind.plural} has no status subresource`);
    return await this.#write(kind, object.metadata, options, {
      ownership: this.#ownership(kind, options, 'status'),
      prepare: (current) => prepareStatusUpdate(current, object),
    });
  }

  async modify(kindName: string, namespace: string | undefined, name: string, mutation: Mutation, options: ModifyOptions = {}): Promise<ResourceObject> {
    const kind = this.kind(kindName);
    if (options.subresource === 'status' && !kind.hasStatus) throw new ApiError(404, 'NotFound', `${kind.plural} has no status subresource`);
    return await this.#write(kind, { name, namespace }, options, {
      ownership: this.#ownership(kind, options, options.subresource),
      ignoreBodyResourceVersion: true,
      prepare: async (current) => {
        const desired = requireObjectBody(await mutation(cloneObject(current) as ResourceObject));
        checkIdentity(kind, desired, { namespace, name });
        return options.subresource === 'status' ? prepareStatusUpdate(current, desired) : prepareUpdate(kind, current, desired);
      },
    });
  }

  async patch(kindName: string, namespace: string | undefined, name: string, type: PatchType, patch: unknown, options: PatchOptions = {}): Promise<ResourceObject> {
    const kind = this.kind(kindName);
    if (options.subresource === 'status' && !kind.hasStatus) throw new ApiError(404, 'NotFound', `${kind.plural} has no status subresource`);
    return await this.#write(kind, { name, namespace }, options, {
      ownership: this.#ownership(kind, options, options.subresource),
      ignoreBodyResourceVersion: true,
      prepare: (current) => {
        // The patch applies to what the client sees: masked Secret values stay masked and are restored afterwards.
        const view = options.maskedSecrets === true ? maskSecret(current) : current;
        const patched = requireObjectBody(type === 'json' ? applyJsonPatch(view, patch) : applyMergePatch(view, patch));
        const resourceVersion = patched.metadata.resourceVersion;
        if (resourceVersion !== undefined && resourceVersion !== current.metadata.resourceVersion) throw errors.conflict(kind, name);
        checkIdentity(kind, patched, { namespace, name });
        return options.subresource === 'status' ? prepareStatusUpdate(current, patched) : prepareUpdate(kind, current, patched);
      },
    });
  }

  async apply(body: unknown, options: ApplyOptions): Promise<ResourceObject> {
    const configuration = requireObjectBody(body);
    if (typeof configuration.apiVersion !== 'string' || typeof configuration.kind !== 'string') {
      throw errors.badRequest('apiVersion and kind must be set in an applied configuration');
    }
    const kind = this.kind(configuration.kind);
    checkIdentity(kind, configuration);
    if (options.fieldManager === undefined || options.fieldManager === '') {
      throw errors.invalidOptions('PatchOptions', [{ field: 'fieldManager', reason: 'FieldValueRequired', message: 'Required value: is required for apply patch' }]);
    }
    if (configuration.metadata.managedFields !== undefined) throw errors.badRequest('metadata.managedFields must be nil');
    const name = typeof configuration.metadata.name === 'string' ? configuration.metadata.name : '';
    const namespace = typeof configuration.metadata.namespace === 'string' ? configuration.metadata.namespace : undefined;
    const subresource = options.subresource;
    if (subresource === 'status' && !kind.hasStatus) throw new ApiError(404, 'NotFound', `${kind.plural} has no status subresource`);
    const ownership = { ...this.#ownership(kind, options, subresource), apply: { configuration, force: options.force === true } };
    const shape = kindShape(kind);
    const config = managedPart(kind, configuration, subresource);
    for (;;) {
      try {
        return await this.#write(kind, configuration.metadata, options, {
          ownership,
          prepare: (current) => {
            const merged = mergeApplied({
              managers: decodeManagedFields(current.metadata.managedFields),
              live: managedPart(kind, current, subresource),
              config,
              shape,
              manager: options.fieldManager,
              subresource,
            }) as Record<string, unknown>;
            const desired = withManagedPart(kind, current, merged, subresource);
            return subresource === 'status' ? prepareStatusUpdate(current, desired) : prepareUpdate(kind, current, desired);
          },
        });
      } catch (error) {
        if (!isApiError(error, 'NotFound') || subresource === 'status') throw error;
      }
      // Apply creates what does not exist yet.
      const desired = withManagedPart(kind, { metadata: { name, ...(namespace === undefined ? {} : { namespace }) } }, config, undefined);
      const prepared = prepareCreate(kind, desired, { namespace, now: this.#now(), includeStatus: false });
      const warnings: string[] = [];
      const result = this.#finish(kind, undefined, prepared, options, warnings, ownership);
      let created = result;
      if (options.dryRun !== true) {
        try {
          created = await this.#storeCreate(kind, result);
        } catch (error) {
          if (isApiError(error, 'AlreadyExists')) continue; // created meanwhile: apply to it
          throw error;
        }
      }
      for (const warning of warnings) options.onWarning?.(warning);
      options.onCreated?.();
      return created;
    }
  }

  #ownership(kind: ResourceKind, options: WriteOptions, subresource: Subresource): Ownership {
    return {
      writer: { manager: options.fieldManager ?? 'vigil', subresource, apiVersion: kind.apiVersion, time: timestamp(this.#now()) },
      subresource,
    };
  }

  /** The rules every write ends with: masked values restored, validation, stringData folded, admission, field ownership. */
  #finish(kind: ResourceKind, current: ResourceObject | undefined, prepared: Record<string, unknown>, options: WriteOptions, warnings: string[], ownership: Ownership): ResourceObject {
    const desired = options.maskedSecrets === true ? restoreMasked(current, prepared) : prepared;
    warnings.length = 0;
    const validated = foldStringData(this.#validate(kind, desired, options.fieldValidation ?? 'Strict', current, warnings));
    options.admit?.(current, validated);
    return trackOwnership(kind, current, validated, ownership);
  }

  /** One guaranteed update with the shared rules; deletes the object when its last finalizer went. */
  async #write(
    kind: ResourceKind,
    target: Record<string, unknown>,
    options: WriteOptions,
    plan: {
      ownership: Ownership;
      prepare: (current: ResourceObject) => Record<string, unknown> | Promise<Record<string, unknown>>;
      ignoreBodyResourceVersion?: boolean;
    },
  ): Promise<ResourceObject> {
    const name = typeof target.name === 'string' ? target.name : '';
    const namespace = typeof target.namespace === 'string' ? target.namespace : undefined;
    const key = this.#key(kind, namespace, name);
    const resourceVersion = plan.ignoreBodyResourceVersion === true ? undefined : target.resourceVersion;
    const preconditions = typeof resourceVersion === 'string' && resourceVersion !== '' ? { resourceVersion } : undefined;
    const warnings: string[] = [];
    const next = async (current: ResourceObject): Promise<ResourceObject> =>
      this.#finish(kind, current, await plan.prepare(current), options, warnings, plan.ownership);
    try {
      let written: ResourceObject;
      if (options.dryRun === true) {
        const current = (await this.#store.get(key)) as ResourceObject;
        if (preconditions !== undefined && current.metadata.resourceVersion !== preconditions.resourceVersion) throw StorageError.conflict(key);
        written = await next(cloneObject(current) as ResourceObject);
        written.metadata.resourceVersion = current.metadata.resourceVersion;
      } else {
        written = (await this.#store.guaranteedUpdate(
          key,
          async (current) => await next(current as ResourceObject),
          preconditions === undefined ? {} : { preconditions },
        )) as ResourceObject;
        if (readyToGo(written)) written = await deleteFinalized(this.#store, key, written);
      }
      for (const warning of warnings) options.onWarning?.(warning);
      return written;
    } catch (error) {
      throw fromStorageError(error, kind, name);
    }
  }

  async deleteCollection(kindName: string, query: ListQuery = {}, options: DeleteOptions = {}): Promise<ObjectList> {
    const kind = this.kind(kindName);
    const selected = await this.list(kindName, { ...(query.namespace === undefined ? {} : { namespace: query.namespace }), ...(query.labelSelector === undefined ? {} : { labelSelector: query.labelSelector }), ...(query.fieldSelector === undefined ? {} : { fieldSelector: query.fieldSelector }) });
    const deleted: ResourceObject[] = [];
    for (const item of selected.items) {
      try {
        deleted.push(await this.delete(kindName, item.metadata.namespace, item.metadata.name, { ...options, preconditions: { uid: item.metadata.uid ?? '' } }));
      } catch (error) {
        // Gone or replaced meanwhile: not ours to delete any more.
        if (isApiError(error, 'NotFound') || isApiError(error, 'Conflict')) continue;
        throw error;
      }
    }
    return { apiVersion: kind.apiVersion, kind: kind.listKind, metadata: { resourceVersion: selected.metadata.resourceVersion }, items: deleted };
  }

  async delete(kindName: string, namespace: string | undefined, name: string, options: DeleteOptions = {}): Promise<ResourceObject> {
    const kind = this.kind(kindName);
    try {
      return await deleteObject(this.#store, this.#key(kind, namespace, name), options, this.#now());
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
