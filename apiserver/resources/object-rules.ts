// The rules every write follows, whoever makes it (k8s.io/apiserver registry/rest create/update strategies and the
// CustomResource strategy): system metadata is the server's, generation moves only when something outside metadata
// and status changes, and an object being deleted goes once its last finalizer is removed.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { ResourceKind } from '../../schemas/index.ts';
import type { ResourceObject } from '../../schemas/validation.ts';
import { errors } from './errors.ts';

/** RFC 3339 with second precision, as Kubernetes writes timestamps. */
export function timestamp(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Everything that is neither metadata nor status: what `generation` counts changes of. */
export function desiredPart(object: Record<string, unknown>): Record<string, unknown> {
  const { metadata: _metadata, status: _status, apiVersion: _apiVersion, kind: _kind, ...rest } = object;
  return rest;
}

/** A body as an object with a metadata object; a clear BadRequest otherwise. */
export function requireObjectBody(body: unknown): Record<string, unknown> & { metadata: Record<string, unknown> } {
  if (!isRecord(body)) throw errors.badRequest('the request body must be a JSON object');
  const metadata = body.metadata ?? {};
  if (!isRecord(metadata)) throw errors.badRequest('metadata must be an object');
  return { ...body, metadata: { ...metadata } };
}

/** Checks that the body is of `kind` (apiVersion and kind) and names the object the request is about. */
export function checkIdentity(kind: ResourceKind, body: Record<string, unknown> & { metadata: Record<string, unknown> }, expected?: { namespace?: string | undefined; name?: string }): void {
  if (body.apiVersion !== undefined && body.apiVersion !== kind.apiVersion) {
    throw errors.badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${kind.apiVersion})`);
  }
  if (body.kind !== undefined && body.kind !== kind.kind) {
    throw errors.badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${kind.kind})`);
  }
  if (expected?.name !== undefined && body.metadata.name !== undefined && body.metadata.name !== expected.name) {
    throw errors.badRequest(`the name of the object (${String(body.metadata.name)}) does not match the name on the URL (${expected.name})`);
  }
  if (expected?.namespace !== undefined && body.metadata.namespace !== undefined && body.metadata.namespace !== expected.namespace) {
    throw errors.badRequest(`the namespace of the provided object (${String(body.metadata.namespace)}) does not match the namespace sent on the request (${expected.namespace})`);
  }
}

/** The object to store on create: server-owned metadata set, status kept only when asked. */
export function prepareCreate(
  kind: ResourceKind,
  body: Record<string, unknown> & { metadata: Record<string, unknown> },
  options: { namespace: string | undefined; now: Date; includeStatus: boolean },
): Record<string, unknown> {
  const metadata: Record<string, unknown> = { ...body.metadata };
  if (metadata.resourceVersion !== undefined && metadata.resourceVersion !== '') {
    throw errors.invalid(kind, String(metadata.name ?? ''), [
      { field: 'metadata.resourceVersion', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(metadata.resourceVersion)}: must be empty` },
    ]);
  }
  if ((metadata.name === undefined || metadata.name === '') && typeof metadata.generateName === 'string' && metadata.generateName !== '') {
    metadata.name = `${metadata.generateName}${randomUUID().replace(/-/g, '').slice(0, 5)}`;
  }
  if (kind.namespaced) {
    metadata.namespace = options.namespace ?? metadata.namespace;
  } else {
    delete metadata.namespace;
  }
  delete metadata.resourceVersion;
  delete metadata.deletionTimestamp;
  delete metadata.deletionGracePeriodSeconds;
  metadata.uid = randomUUID();
  metadata.creationTimestamp = timestamp(options.now);
  metadata.generation = 1;
  const { status, ...rest } = body;
  return {
    ...rest,
    apiVersion: kind.apiVersion,
    kind: kind.kind,
    metadata,
    ...(options.includeStatus && status !== undefined && kind.hasStatus ? { status } : {}),
    ...(!kind.hasStatus && status !== undefined ? { status } : {}),
  };
}

/**
 * The new state for an update of the main resource: metadata the server owns comes from the current state; status is
 * kept as it is (it changes only through /status); generation moves when the desired part changed.
 */
export function prepareUpdate(kind: ResourceKind, current: ResourceObject, body: Record<string, unknown> & { metadata: Record<string, unknown> }): Record<string, unknown> {
  if (body.metadata.uid !== undefined && body.metadata.uid !== current.metadata.uid) {
    throw errors.conflict(kind, current.metadata.name, `Precondition failed: UID in precondition: ${String(body.metadata.uid)}, UID in object meta: ${String(current.metadata.uid)}`);
  }
  const metadata: Record<string, unknown> = {
    ...body.metadata,
    name: current.metadata.name,
    uid: current.metadata.uid,
    creationTimestamp: current.metadata.creationTimestamp,
    generation: current.metadata.generation ?? 1,
  };
  if (current.metadata.namespace !== undefined) metadata.namespace = current.metadata.namespace;
  else delete metadata.namespace;
  if (current.metadata.deletionTimestamp !== undefined) metadata.deletionTimestamp = current.metadata.deletionTimestamp;
  else delete metadata.deletionTimestamp;
  if (current.metadata.deletionGracePeriodSeconds !== undefined) metadata.deletionGracePeriodSeconds = current.metadata.deletionGracePeriodSeconds;
  else delete metadata.deletionGracePeriodSeconds;
  delete metadata.resourceVersion;
  if (metadata.managedFields === undefined && current.metadata.managedFields !== undefined) metadata.managedFields = current.metadata.managedFields;

  const { status: _ignored, ...rest } = body;
  const next: Record<string, unknown> = {
    ...rest,
    apiVersion: kind.apiVersion,
    kind: kind.kind,
    metadata,
    ...(kind.hasStatus ? (current.status === undefined ? {} : { status: current.status }) : body.status === undefined ? {} : { status: body.status }),
  };
  if (!isDeepStrictEqual(desiredPart(next), desiredPart(current))) metadata.generation = (current.metadata.generation ?? 1) + 1;
  if (current.metadata.deletionTimestamp !== undefined) {
    const before = new Set(current.metadata.finalizers ?? []);
    const added = (Array.isArray(metadata.finalizers) ? metadata.finalizers : []).filter((finalizer) => !before.has(String(finalizer)));
    if (added.length > 0) {
      throw errors.invalid(kind, current.metadata.name, [
        { field: 'metadata.finalizers', reason: 'FieldValueForbidden', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}` },
      ]);
    }
  }
  return next;
}

/** The new state for a write to /status: everything but status from the current state. */
export function prepareStatusUpdate(current: ResourceObject, body: Record<string, unknown>): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current, metadata: { ...current.metadata } };
  if (body.status === undefined) delete next.status;
  else next.status = body.status;
  delete (next.metadata as Record<string, unknown>).resourceVersion;
  return next;
}

/** True when an object being deleted has no finalizers left: the update that removed the last one deletes it. */
export function readyToGo(object: { metadata: { deletionTimestamp?: string | undefined; finalizers?: string[] | undefined } }): boolean {
  return object.metadata.deletionTimestamp !== undefined && (object.metadata.finalizers ?? []).length === 0;
}
