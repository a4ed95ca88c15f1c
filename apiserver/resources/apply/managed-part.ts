// Which part of an object field managers own. The server's own metadata (name, uid, resourceVersion...) belongs to
// nobody, as kube-apiserver strips it before tracking (fieldmanager stripmeta.go); with the status subresource, writes
// to the main resource own everything but status and writes to /status own only status (the kind's reset fields).
import type { ResourceKind } from '../../../schemas/index.ts';

const SERVER_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

export type Subresource = 'status' | undefined;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The part of `object` field managers own for a write to the main resource or to /status. */
export function managedPart(kind: ResourceKind, object: Record<string, unknown> | undefined, subresource: Subresource): Record<string, unknown> {
  if (object === undefined) return {};
  if (subresource === 'status') return object.status === undefined ? {} : { status: object.status };
  const { apiVersion: _apiVersion, kind: _kind, metadata, status, ...rest } = object;
  const owned: Record<string, unknown> = { ...rest };
  if (isRecord(metadata)) {
    const userMetadata = Object.fromEntries(Object.entries(metadata).filter(([name]) => !SERVER_METADATA.has(name)));
    if (Object.keys(userMetadata).length > 0) owned.metadata = userMetadata;
  }
  if (!kind.hasStatus && status !== undefined) owned.status = status;
  return owned;
}

/** `current` with its managed part replaced by `part` (the inverse of managedPart). */
export function withManagedPart(
  kind: ResourceKind,
  current: { metadata: object; [field: string]: unknown },
  part: Record<string, unknown>,
  subresource: Subresource,
): Record<string, unknown> & { metadata: Record<string, unknown> } {
  if (subresource === 'status') {
    const { status: _old, ...rest } = current;
    return { ...rest, metadata: { ...current.metadata }, ...(part.status === undefined ? {} : { status: part.status }) };
  }
  const serverMetadata = Object.fromEntries(Object.entries(current.metadata as Record<string, unknown>).filter(([name]) => SERVER_METADATA.has(name)));
  const { metadata: partMetadata, ...partRest } = part;
  return {
    apiVersion: kind.apiVersion,
    kind: kind.kind,
    ...partRest,
    metadata: { ...(isRecord(partMetadata) ? partMetadata : {}), ...serverMetadata },
    ...(kind.hasStatus && current.status !== undefined ? { status: current.status } : {}),
  };
}
