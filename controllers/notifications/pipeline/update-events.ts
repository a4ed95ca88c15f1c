// Events derived from the resources, never from the code path that did the work: an update made through kubectl,
// git, REST or Home Assistant ends in the same UpdateRecord and Container status, so it notifies the same way.
// Each event carries a key that is stable across controller restarts (the UpdateRecord's name, the operation's
// startedAt): the outbox names its deliveries after it, so deriving the same event twice cannot send it twice.
import type { Container, SwarmService, UpdateRecord } from '../../../schemas/generated/types.ts';
import type { NotificationEventType, NotificationPayload, NotifiedContainer } from '../channels/sender.ts';
import { serviceSubject, subjectFields } from './notify-subject.ts';

export interface DerivedEvent {
  /** Stable across restarts: the outbox's dedupe key. */
  key: string;
  payload: NotificationPayload;
}

function recordEventType(record: UpdateRecord): NotificationEventType | undefined {
  const { type, outcome } = record.spec;
  // A failed update that was rolled back is still a failed update (its record says `rollback`).
  const failed = outcome === 'failed' || outcome === 'rollback' || outcome === 'timeout' || outcome === 'partial';
  if (type === 'update' || type === 'service_update') {
    if (outcome === 'success') return 'update_succeeded';
    return failed ? 'update_failed' : undefined;
  }
  if (type === 'rollback' || type === 'service_rollback') {
    if (outcome === 'success') return 'rollback_succeeded';
    return failed ? 'rollback_failed' : undefined;
  }
  return undefined;
}

/** update_succeeded / update_failed / rollback_*: one per finished UpdateRecord (records are immutable). */
export function eventFromRecord(record: UpdateRecord): DerivedEvent | undefined {
  const type = recordEventType(record);
  const name = record.metadata.name;
  if (type === undefined || name === undefined) return undefined;
  const spec = record.spec;
  const container: NotifiedContainer = {
    name: spec.containerName ?? spec.service ?? spec.container ?? name,
    host: spec.hostName ?? record.metadata.namespace ?? '',
    // A Swarm service's rollout (controllers/swarm/service-record.ts) says so, as its update_available did.
    ...(spec.type === 'service_update' || spec.type === 'service_rollback' ? { kind: 'service' as const } : {}),
    image: spec.newImage ?? spec.oldImage ?? '',
    ...(spec.oldImage === undefined ? {} : { currentVersion: tagOf(spec.oldImage) }),
    ...(spec.newImage === undefined ? {} : { targetVersion: tagOf(spec.newImage), targetTag: tagOf(spec.newImage), targetImage: spec.newImage }),
    ...(spec.oldDigest === undefined ? {} : { currentDigest: spec.oldDigest }),
    ...(spec.newDigest === undefined ? {} : { targetDigest: spec.newDigest }),
    ...(spec.error === undefined ? {} : { error: spec.error }),
  };
  return {
    key: `record/${record.metadata.namespace ?? ''}/${name}`,
    payload: { type, timestamp: spec.finishedAt, containers: [container] },
  };
}

/** update_started: once per operation, keyed by the operation's startedAt (a resumed operation keeps it). */
export function startedEvent(container: Container): DerivedEvent | undefined {
  const operation = container.status?.operation;
  if (operation === undefined || operation.type !== 'update') return undefined;
  const target = container.status?.registryCheck?.target;
  const image = container.status?.image ?? '';
  const notified: NotifiedContainer = {
    name: container.status?.name ?? container.metadata.name ?? '',
    host: container.metadata.namespace ?? '',
    image,
    ...(image === '' ? {} : { currentVersion: tagOf(image) }),
    ...(target?.tag === undefined ? {} : { targetVersion: target.version ?? target.tag, targetTag: target.tag }),
    ...(target?.image === undefined ? {} : { targetImage: target.image }),
  };
  return {
    key: `started/${container.metadata.namespace ?? ''}/${container.metadata.name ?? ''}/${operation.startedAt}`,
    payload: { type: 'update_started', timestamp: operation.startedAt, containers: [notified] },
  };
}

/**
 * update_started of a Swarm service: once per rollout Vigil follows (status.operation of kind update, keyed by its
 * startedAt, which the service reconciler persists before it sends the update and keeps until the record is written).
 * It is first seen in phase `sending`, before the target is resolved (no toImage, digest ''): the target is then the
 * request the operation is for (spec.update.image, which an auto-update binds to the digest the check found), else the
 * check's target (a request for the service's own moving tag).
 */
export function serviceStartedEvent(service: SwarmService): DerivedEvent | undefined {
  const operation = service.status?.operation;
  if (operation === undefined || operation.kind !== 'update') return undefined;
  const subject = serviceSubject(service);
  const from = operation.fromImage ?? subject.image;
  const request = service.spec?.update;
  const requested = request !== undefined && request.requestedAt === operation.requestedAt ? request.image : undefined;
  const checked = subject.check?.target;
  const to = operation.toImage ?? requested ?? checked?.image;
  const digest = operation.digest !== '' ? operation.digest : ((to === undefined ? undefined : digestIn(to)) ?? (to === checked?.image ? checked?.digest : undefined));
  // The version the check found for the digest this rollout goes to, when it is that one (a moving tag: the same tag).
  const version = checked !== undefined && digest !== undefined && checked.digest === digest ? checked.version : undefined;
  const notified: NotifiedContainer = {
    name: subject.name,
    host: subject.host,
    ...subjectFields(subject),
    image: from.split('@')[0] ?? from,
    ...(from === '' ? {} : { currentVersion: tagOf(from) }),
    ...(to === undefined ? {} : { targetVersion: version ?? tagOf(to), targetTag: tagOf(to), targetImage: to }),
    ...(digest === undefined ? {} : { targetDigest: digest }),
  };
  return {
    key: `started/${subject.id}/${operation.startedAt}`,
    payload: { type: 'update_started', timestamp: operation.startedAt, containers: [notified] },
  };
}

/** The digest a reference is pinned to (`repo:tag@sha256:…`), if any. */
function digestIn(image: string): string | undefined {
  const at = image.indexOf('@');
  return at === -1 ? undefined : image.slice(at + 1);
}

/** `image` with its tag replaced by `tag` (a registry port's colon is not a tag's). */
export function withTag(image: string, tag: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return `${colon === -1 ? withoutDigest : withoutDigest.slice(0, colon)}:${tag}`;
}

/** The tag of an image reference (after the last colon that follows the last slash), or `latest`. */
export function tagOf(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? 'latest' : withoutDigest.slice(colon + 1);
}
