// Swarm services in the approval queue: a SwarmService's status.pendingUpdate, as Sentinel queues a service (Type
// "service"). An entry stands while the check was of the digest the service runs (an update since makes it stale),
// the effective policy is manual, no rollout of Vigil's runs, the digest was not rejected and the version not
// ignored. The key is `service:NAME`: no Docker container name has a ":" and a queue key of a container on another
// Host has "::", so the key space of containers is untouched.
import type { Settings, SwarmService } from '../../../schemas/generated/types.ts';
import type { HostNames } from './hosts.ts';
import { releaseNotesUrl, type QueueEntryView } from './queue-view.ts';
import { checkStands } from './service-view.ts';

export const SERVICE_KEY_PREFIX = 'service:';

export interface StandingServiceUpdate {
  service: SwarmService;
  pending: NonNullable<NonNullable<SwarmService['status']>['pendingUpdate']>;
  newerVersions: string[];
  targetVersion: string | undefined;
}

export interface ServiceQueueEntryView extends QueueEntryView {
  /** Sentinel's PendingUpdate.Type for a service. */
  type: 'service';
}

/** The service name of a queue key, or undefined when the key names a container. */
export function serviceOfQueueKey(key: string): string | undefined {
  return key.startsWith(SERVICE_KEY_PREFIX) ? key.slice(SERVICE_KEY_PREFIX.length) : undefined;
}

export function standingServiceUpdate(service: SwarmService): StandingServiceUpdate | undefined {
  const status = service.status;
  const pending = status?.pendingUpdate;
  if (pending === undefined || service.metadata.deletionTimestamp !== undefined || !checkStands(service)) return undefined;
  if ((status?.effective?.policy?.value ?? 'manual') !== 'manual' || status?.operation !== undefined) return undefined;
  const rejected = service.spec?.rejectedUpdate;
  if (rejected !== undefined && pending.remoteDigest === rejected.digest) return undefined;
  const ignored = new Set(service.spec?.ignoredVersions ?? []);
  const versions = pending.newerVersions ?? [];
  const targetVersion = pending.resolvedTargetVersion ?? versions[0];
  if (targetVersion !== undefined && ignored.has(targetVersion)) return undefined;
  return { service, pending, newerVersions: versions.filter((version) => !ignored.has(version)), targetVersion };
}

export function standingServiceUpdates(services: readonly SwarmService[]): StandingServiceUpdate[] {
  return services.map(standingServiceUpdate).filter((entry): entry is StandingServiceUpdate => entry !== undefined);
}

export function serviceQueueEntryView(standing: StandingServiceUpdate, settings: Settings | undefined, hostName: HostNames): ServiceQueueEntryView {
  const { service, pending } = standing;
  const name = service.metadata.name ?? '';
  const hostID = service.status?.host ?? '';
  const releaseNotes = pending.releaseNotesUrl ?? releaseNotesUrl(pending.currentImage, standing.newerVersions[0] ?? standing.targetVersion, settings);
  return {
    key: `${SERVICE_KEY_PREFIX}${name}`,
    type: 'service',
    container_id: service.status?.serviceID ?? '',
    container_name: name,
    current_image: pending.currentImage,
    current_digest: pending.currentDigest ?? '',
    remote_digest: pending.remoteDigest ?? '',
    detected_at: pending.detectedAt,
    newer_versions: standing.newerVersions,
    resolved_current_version: pending.resolvedCurrentVersion ?? '',
    resolved_target_version: standing.targetVersion ?? '',
    host_id: hostID,
    host_name: hostID === '' ? '' : hostName(hostID),
    ...(releaseNotes === undefined ? {} : { release_notes_url: releaseNotes }),
  };
}
