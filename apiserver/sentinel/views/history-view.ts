// History rows (UpdateRecords) and snapshots as Docker Sentinel answers them: `timestamp` = finishedAt, `duration` in
// nanoseconds (the record keeps seconds), `host_id` = the namespace, `host_name` = the Host's display name then.
import type { Snapshot, UpdateRecord } from '../../../schemas/generated/types.ts';
import type { HostNames } from './hosts.ts';

export interface HistoryEntryView {
  /** Vigil addition: the UpdateRecord's name, the exact paging cursor (`before_id`) when several share a second. */
  id: string;
  timestamp: string;
  container_name: string;
  type: string;
  old_image: string;
  old_digest: string;
  new_image: string;
  new_digest: string;
  outcome: string;
  /** Nanoseconds, as Go's time.Duration. */
  duration: number;
  /** Omitted when the record has none, as Sentinel does. */
  error?: string;
  host_id: string;
  host_name: string;
  /** Vigil additions: who asked (REST user, webhook, a controller) and why. */
  requested_by?: string;
  reason?: string;
}

export interface SnapshotView {
  container_name: string;
  timestamp: string;
  image_ref: string;
  /** Vigil additions: the Snapshot resource and the image ID a rollback returns to. */
  name: string;
  image_id: string;
}

const NANOSECONDS_PER_SECOND = 1e9;

/** When the record happened: when it finished (always set), as an instant for sorting. */
export function recordTime(record: UpdateRecord): number {
  return Date.parse(record.spec.finishedAt ?? '') || 0;
}

/** The store revision that created the record (records are immutable): the order they were written in. */
function writeOrder(record: UpdateRecord): number {
  return Number(record.metadata.resourceVersion ?? 0) || 0;
}

/**
 * Newest first. Records carry whole seconds (finishedAt), so several often share one: those are ordered by when they
 * were written (newest first), then by name, so that the order and pages are stable.
 */
export function compareRecordsNewestFirst(a: UpdateRecord, b: UpdateRecord): number {
  const byTime = recordTime(b) - recordTime(a);
  if (byTime !== 0) return byTime;
  const byWrite = writeOrder(b) - writeOrder(a);
  if (byWrite !== 0) return byWrite;
  const nameA = a.metadata.name ?? '';
  const nameB = b.metadata.name ?? '';
  return nameA < nameB ? 1 : nameA > nameB ? -1 : 0;
}

/**
 * Sentinel writes every Swarm service record with type "service", and a requested rollback's outcome as
 * rollback_success or rollback_failed; Vigil's records say service_update or service_rollback with the plain outcome.
 */
function sentinelTypeAndOutcome(spec: UpdateRecord['spec']): { type: string; outcome: string } {
  if (spec.type === 'service_update') return { type: 'service', outcome: spec.outcome };
  if (spec.type === 'service_rollback') return { type: 'service', outcome: spec.outcome === 'success' || spec.outcome === 'failed' ? `rollback_${spec.outcome}` : spec.outcome };
  return { type: spec.type, outcome: spec.outcome };
}

export function historyEntry(record: UpdateRecord, hostName: HostNames): HistoryEntryView {
  const spec = record.spec;
  const hostID = record.metadata.namespace ?? '';
  const { type, outcome } = sentinelTypeAndOutcome(spec);
  return {
    id: record.metadata.name ?? '',
    timestamp: spec.finishedAt ?? '',
    container_name: spec.containerName ?? '',
    type,
    old_image: spec.oldImage ?? '',
    old_digest: spec.oldDigest ?? '',
    new_image: spec.newImage ?? '',
    new_digest: spec.newDigest ?? '',
    outcome,
    duration: Math.round((spec.duration ?? 0) * NANOSECONDS_PER_SECOND),
    ...(spec.error === undefined || spec.error === '' ? {} : { error: spec.error }),
    host_id: hostID,
    host_name: spec.hostName ?? hostName(hostID),
    ...(spec.requestedBy === undefined ? {} : { requested_by: spec.requestedBy }),
    ...(spec.reason === undefined ? {} : { reason: spec.reason }),
  };
}

export function snapshotView(snapshot: Snapshot): SnapshotView {
  return {
    container_name: snapshot.spec.containerName,
    timestamp: snapshot.spec.takenAt,
    image_ref: snapshot.spec.image ?? '',
    name: snapshot.metadata.name ?? '',
    image_id: snapshot.spec.imageID,
  };
}

export function compareSnapshotsNewestFirst(a: Snapshot, b: Snapshot): number {
  return (Date.parse(b.spec.takenAt) || 0) - (Date.parse(a.spec.takenAt) || 0);
}
