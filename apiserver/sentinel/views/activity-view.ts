// The activity log (GET /api/logs) is read from the UpdateRecords of every type, not from a store of its own: each
// update, rollback, check, lifecycle action and scan summary is one entry, with who asked. Sentinel's LogEntry shape:
// {timestamp, type, message, container, user, kind}.
import type { UpdateRecord } from '../../../schemas/generated/types.ts';

export interface ActivityEntryView {
  /** Vigil addition: the UpdateRecord's name (the `before_id` paging cursor). */
  id: string;
  timestamp: string;
  type: string;
  message: string;
  container?: string;
  user?: string;
  /** "service" for Swarm services; omitted for containers. */
  kind?: string;
  /** Vigil additions. */
  outcome: string;
  host_id: string;
}

function images(record: UpdateRecord): string {
  const { oldImage, newImage } = record.spec;
  if (oldImage !== undefined && newImage !== undefined && oldImage !== newImage) return ` ${oldImage} → ${newImage}`;
  const image = newImage ?? oldImage;
  return image === undefined ? '' : ` ${image}`;
}

function summary(record: UpdateRecord): string {
  const counts = record.spec.summary ?? {};
  const parts = [`${counts.checked ?? 0} checked`, `${counts.updatesAvailable ?? 0} updates available`];
  if ((counts.updated ?? 0) > 0) parts.push(`${counts.updated ?? 0} updated`);
  if ((counts.failed ?? 0) > 0) parts.push(`${counts.failed ?? 0} failed`);
  if ((counts.rateLimited ?? 0) > 0) parts.push(`${counts.rateLimited ?? 0} rate limited`);
  return `Scan complete: ${parts.join(', ')}`;
}

/** One human sentence per record: what happened, to what, and how it ended. */
export function activityMessage(record: UpdateRecord): string {
  const spec = record.spec;
  const name = spec.containerName ?? '';
  const error = spec.error === undefined || spec.error === '' ? '' : `: ${spec.error}`;
  switch (spec.type) {
    case 'scan_summary':
      return summary(record);
    case 'lifecycle': {
      const action = spec.steps?.[0]?.name ?? 'lifecycle action';
      return `${action} ${name}: ${spec.outcome}${error}`;
    }
    case 'check':
      return `Registry check of ${name}: ${spec.outcome}${error}`;
    case 'notification': {
      const notification = spec.notification;
      const channel = notification === undefined ? 'a channel' : `${notification.channel} (${notification.channelType})`;
      if (notification?.dropped !== undefined) return `Notifications to ${channel} dropped${error}`;
      const what = notification?.eventType === undefined ? 'Notification' : `Notification ${notification.eventType}`;
      return `${what}${name === '' ? '' : ` for ${name}`} to ${channel} failed${error}`;
    }
    case 'rollback':
    case 'service_rollback':
      return `Rollback of ${name}${images(record)}: ${spec.outcome}${error}`;
    default:
      return `Update of ${name}${images(record)}: ${spec.outcome}${error}`;
  }
}

export function activityEntry(record: UpdateRecord): ActivityEntryView {
  const spec = record.spec;
  return {
    id: record.metadata.name ?? '',
    timestamp: spec.finishedAt ?? '',
    type: spec.type === 'lifecycle' ? (spec.steps?.[0]?.name ?? spec.type) : spec.type,
    message: activityMessage(record),
    ...(spec.containerName === undefined ? {} : { container: spec.containerName }),
    ...(spec.requestedBy === undefined ? {} : { user: spec.requestedBy }),
    ...(spec.type.startsWith('service_') ? { kind: 'service' } : {}),
    outcome: spec.outcome,
    host_id: record.metadata.namespace ?? '',
  };
}
