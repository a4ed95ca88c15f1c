// The digest event: EVERY container with a pending update, its current and target versions and since when it has
// waited, from the Container resources alone (so it is the same whatever made the update pending). Sentinel names only
// the first container on text channels and keeps removed containers forever; here a container is listed while its
// registry check says an update is available (or it has an approval-queue entry), it is present, not pinned and not
// muted. `digest_only` containers are listed: the digest is the only place they are notified. Swarm services are
// listed by the same rules (their check standing for the digest they are pinned to, notify-subject.ts).
import type { Container, DigestEntry, SwarmService } from '../../../schemas/generated/types.ts';
import type { NotifiedContainer } from '../channels/sender.ts';
import type { DerivedEvent } from './update-events.ts';
import { tagOf } from './update-events.ts';
import { serviceSubject, subjectFields } from './notify-subject.ts';

const MINUTE_MS = 60_000;

/** The container as the digest names it, or undefined when it has nothing pending for the digest. */
export function digestContainer(container: Container): NotifiedContainer | undefined {
  const status = container.status;
  if (status?.state === 'gone' || container.metadata.deletionTimestamp !== undefined) return undefined;
  if ((status?.effective?.policy?.value ?? container.spec?.policy) === 'pinned') return undefined;
  if ((status?.effective?.notifyMode?.value ?? 'default') === 'muted') return undefined;
  const check = status?.registryCheck;
  const target = check?.updateAvailable === true ? check.target : undefined;
  const pending = status?.pendingUpdate;
  if (target === undefined && pending === undefined) return undefined;
  const image = status?.image ?? pending?.currentImage ?? '';
  const targetVersion = target?.version ?? target?.tag ?? pending?.resolvedTargetVersion ?? pending?.newerVersions?.[0]
    ?? (pending?.targetImage === undefined ? undefined : tagOf(pending.targetImage));
  const currentVersion = check?.resolvedCurrentVersion ?? pending?.resolvedCurrentVersion ?? (image === '' ? undefined : tagOf(image));
  const currentDigest = check?.localDigest ?? pending?.currentDigest;
  const targetDigest = target?.digest ?? check?.remoteDigest ?? pending?.remoteDigest;
  const waitingSince = check?.firstSeen ?? pending?.detectedAt;
  return {
    name: status?.name ?? container.spec?.containerName ?? container.metadata.name ?? '',
    host: container.metadata.namespace ?? '',
    image,
    ...(currentVersion === undefined ? {} : { currentVersion }),
    ...(targetVersion === undefined ? {} : { targetVersion }),
    ...(currentDigest === undefined ? {} : { currentDigest }),
    ...(targetDigest === undefined ? {} : { targetDigest }),
    ...(waitingSince === undefined ? {} : { waitingSince }),
  };
}

/** The service as the digest names it (kind service), or undefined when it has nothing pending for the digest. */
export function digestService(service: SwarmService): NotifiedContainer | undefined {
  if (service.metadata.deletionTimestamp !== undefined) return undefined;
  const status = service.status;
  if ((status?.effective?.policy?.value ?? service.spec?.policy) === 'pinned') return undefined;
  const subject = serviceSubject(service);
  if (subject.mode === 'muted') return undefined;
  const check = subject.check;
  const target = check?.updateAvailable === true ? check.target : undefined;
  // A queue entry stands only for the digest it was found against (the approval view's rule).
  const pending = status?.pendingUpdate !== undefined && check !== undefined ? status.pendingUpdate : undefined;
  if (target === undefined && pending === undefined) return undefined;
  const image = subject.image;
  const targetVersion = target?.version ?? target?.tag ?? pending?.resolvedTargetVersion ?? pending?.newerVersions?.[0];
  const currentVersion = check?.resolvedCurrentVersion ?? (image === '' ? undefined : tagOf(image));
  const targetDigest = target?.digest ?? check?.remoteDigest ?? pending?.remoteDigest;
  const waitingSince = check?.firstSeen ?? pending?.detectedAt;
  return {
    name: subject.name,
    host: subject.host,
    ...subjectFields(subject),
    image,
    ...(currentVersion === undefined ? {} : { currentVersion }),
    ...(targetVersion === undefined ? {} : { targetVersion }),
    ...(check?.localDigest === undefined ? {} : { currentDigest: check.localDigest }),
    ...(targetDigest === undefined ? {} : { targetDigest }),
    ...(waitingSince === undefined ? {} : { waitingSince }),
  };
}

export interface Digest {
  /** The `digest` event, keyed by the time it is for, so deriving the same digest twice sends it once. */
  event: DerivedEvent;
  /** For Settings status.lastDigestContainers (the REST banner). */
  listed: DigestEntry[];
}

/** The digest at `at` of these containers and services, sorted by host then name; undefined when nothing is pending. */
export function buildDigest(containers: readonly Container[], at: Date, services: readonly SwarmService[] = []): Digest | undefined {
  const listed = [...containers.map(digestContainer), ...services.map(digestService)].filter((entry): entry is NotifiedContainer => entry !== undefined)
    .sort((a, b) => a.host.localeCompare(b.host) || a.name.localeCompare(b.name));
  if (listed.length === 0) return undefined;
  const timestamp = at.toISOString();
  return {
    event: { key: `digest/${timestamp}`, payload: { type: 'digest', timestamp, containers: listed } },
    listed: listed.map((entry) => ({
      host: entry.host,
      name: entry.name,
      ...(entry.currentVersion === undefined ? {} : { currentVersion: entry.currentVersion }),
      ...(entry.targetVersion === undefined ? {} : { targetVersion: entry.targetVersion }),
      ...(entry.waitingSince === undefined ? {} : { waitingSince: entry.waitingSince }),
    })),
  };
}

/** How long an update has waited, to the minute and in at most two units: "3d 4h", "5h 12m", "7m", "0m". */
export function formatWaited(since: string, now: string): string | undefined {
  const waited = Date.parse(now) - Date.parse(since);
  if (Number.isNaN(waited)) return undefined;
  const minutes = Math.max(0, Math.floor(waited / MINUTE_MS));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`;
  if (hours > 0) return rest > 0 ? `${hours}h ${rest}m` : `${hours}h`;
  return `${rest}m`;
}
