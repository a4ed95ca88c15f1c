// The in-process resource client: how controllers, the REST facade and the CLI's server side read and write
// resources, with exactly the rules the HTTP API applies (validation, defaulting of metadata, generation, the status
// subresource, finalizers). The HTTP handlers are a thin layer over the same implementation (registry.ts).
import type { UnknownFieldPolicy, ResourceObject } from '../../schemas/validation.ts';
import type { Watcher } from '../storage/interface.ts';

export type { ResourceObject } from '../../schemas/validation.ts';

export interface ListQuery {
  /** Only this namespace (namespaced kinds); all namespaces when absent. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  /** Kubernetes semantics: absent = newest (consistent); "0" = any recent state (watch cache); "N" = not older than N. */
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface ObjectList {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: ResourceObject[];
}

export interface WriteOptions {
  /** Who makes the change (recorded in managedFields). Default "vigil". */
  fieldManager?: string;
  /** Validate and compute the result, persist nothing. */
  dryRun?: boolean;
  /** What to do with unknown fields; default 'Strict' in process (a controller's typo is a bug), 'Warn' over HTTP. */
  fieldValidation?: UnknownFieldPolicy;
  /** Receives each warning of a successful write (unknown fields pruned under 'Warn'), once. */
  onWarning?: (message: string) => void;
  /**
   * The body comes from a client that is shown masked Secrets (the HTTP API): a masked value sent back means "keep
   * the stored value", and a JSON patch applies to the masked view that client saw. See secrets.ts.
   */
  maskedSecrets?: boolean;
  /**
   * Called with the stored object (undefined when the write creates it) and the validated result, before anything
   * is written (on dry runs too, and again on each retry after a conflict); throws an ApiError to refuse the write.
   * kube-apiserver's validating admission: the HTTP API checks field-level permissions here, because what a patch
   * or an apply changes is known only once it is applied to the stored object.
   */
  admit?: WriteAdmission;
}

/** See WriteOptions.admit. */
export type WriteAdmission = (current: ResourceObject | undefined, desired: ResourceObject) => void;

export type PatchType = 'json' | 'merge';

export interface PatchOptions extends WriteOptions {
  /** 'status': patch the /status subresource (only status changes). */
  subresource?: 'status';
}

export interface ApplyOptions extends WriteOptions {
  /** Required: who applies. The same manager applying again owns exactly its new configuration. */
  fieldManager: string;
  /** Take over fields other managers own instead of failing with a Conflict. */
  force?: boolean;
  subresource?: 'status';
  /** Called when the apply created the object (the HTTP API answers 201 then). */
  onCreated?: () => void;
}

export interface CreateOptions extends WriteOptions {
  /**
   * Keep `status` from the body. Over HTTP, as in Kubernetes, status on create is dropped (status is written through
   * /status); a controller that discovers an object and already knows its status may create both in one write.
   */
  includeStatus?: boolean;
}

export interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  /** Background (default): dependents are deleted by the garbage collector afterwards. */
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  dryRun?: boolean;
}

export interface WatchQuery extends ListQuery {
  allowBookmarks?: boolean;
  sendInitialEvents?: boolean;
  signal?: AbortSignal;
}

/** Returns the desired state computed from the current one (a private copy), or the same to change nothing. */
export type Mutation = (current: ResourceObject) => ResourceObject | Promise<ResourceObject>;

export interface ModifyOptions extends WriteOptions {
  /** 'status': only the status of the result is written (the /status subresource). */
  subresource?: 'status';
}

export interface ResourceClient {
  /** NotFound (ApiError) when absent. */
  get(kind: string, namespace: string | undefined, name: string): Promise<ResourceObject>;
  list(kind: string, query?: ListQuery): Promise<ObjectList>;
  create(object: unknown, options?: CreateOptions): Promise<ResourceObject>;
  /** PUT: replaces spec and metadata; a resourceVersion in the body is a precondition (Conflict when stale). */
  update(object: unknown, options?: WriteOptions): Promise<ResourceObject>;
  /** PUT on /status: replaces only the status. */
  updateStatus(object: unknown, options?: WriteOptions): Promise<ResourceObject>;
  /**
   * Reads the newest state, applies `mutation`, writes the result; retries on conflict. Writing what is already there
   * is free (no new resourceVersion, no event): controllers call this every pass without waking themselves up.
   */
  modify(kind: string, namespace: string | undefined, name: string, mutation: Mutation, options?: ModifyOptions): Promise<ResourceObject>;
  /**
   * A JSON patch (RFC 6902) or JSON merge patch (RFC 7386) of an existing object; a metadata.resourceVersion the
   * patch sets is a precondition (Conflict when stale).
   */
  patch(kind: string, namespace: string | undefined, name: string, type: PatchType, patch: unknown, options?: PatchOptions): Promise<ResourceObject>;
  /**
   * Server-side apply of a configuration (apiVersion, kind, metadata.name[, namespace] and the fields the manager
   * wants to own): creates the object when missing; fields the manager applied before and no longer applies are
   * removed; a Conflict (ApiError, causes of reason FieldManagerConflict) when another manager owns a field it would
   * change, unless `force`.
   */
  apply(configuration: unknown, options: ApplyOptions): Promise<ResourceObject>;
  /** Deletes every object the query selects; the list of what was deleted (or marked, while finalizers remain). */
  deleteCollection(kind: string, query?: ListQuery, options?: DeleteOptions): Promise<ObjectList>;
  /** The deleted object, or, while finalizers remain, the object with deletionTimestamp set. */
  delete(kind: string, namespace: string | undefined, name: string, options?: DeleteOptions): Promise<ResourceObject>;
  /** Changes to a kind; events carry full objects (BOOKMARKs only a resourceVersion). */
  watch(kind: string, query?: WatchQuery): Watcher;
}
