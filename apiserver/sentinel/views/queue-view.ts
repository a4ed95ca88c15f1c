// The approval queue as Docker Sentinel's /api/queue shows it, from Containers' `status.pendingUpdate`. An entry is
// shown only while it still stands: the container is present, its effective policy is manual (or it is Vigil's own
// container, always queued), the update was not rejected (spec.rejectedUpdate names the same remote digest) and its
// target version is not ignored. A target ignored or rejected since the last check disappears at once, not at the
// next check; approving binds to exactly what this view shows (queueEntry is shared with approve/ignore/reject).
import { matchesGlob } from 'node:path';
import type { Container, PendingUpdate, Settings } from '../../../schemas/generated/types.ts';
import { parseImageReference, type ImageReference } from '../../../domain/registry/reference.ts';
import { dockerNameOf, queueKeyOf, type StoredContainer } from '../container-key.ts';
import { effectivePolicy, isPresent, isSelf } from './container-view.ts';
import type { HostNames } from './hosts.ts';

export interface QueueEntryView {
  /** Vigil addition: the key approve/reject/ignore take (`name`, or `HOST::name` on another Host). */
  key: string;
  container_id: string;
  container_name: string;
  current_image: string;
  current_digest: string;
  remote_digest: string;
  detected_at: string;
  newer_versions: string[];
  resolved_current_version: string;
  resolved_target_version: string;
  host_id: string;
  host_name: string;
  /** Omitted when no release notes are known. */
  release_notes_url?: string;
}

export interface StandingUpdate {
  container: StoredContainer;
  pending: PendingUpdate;
  /** newerVersions without the ignored ones. */
  newerVersions: string[];
  /** The version the update goes to (what approving binds to), when it has one (a digest-only update has none). */
  targetVersion: string | undefined;
}

/** The container's queue entry if it still stands (see the file comment), else undefined. */
export function standingUpdate(container: StoredContainer): StandingUpdate | undefined {
  const pending = container.status?.pendingUpdate;
  if (pending === undefined || !isPresent(container)) return undefined;
  if (!isSelf(container) && effectivePolicy(container) !== 'manual') return undefined;
  const rejected = container.spec?.rejectedUpdate;
  if (rejected !== undefined && pending.remoteDigest !== undefined && rejected.digest === pending.remoteDigest) return undefined;
  const ignored = new Set(container.spec?.ignoredVersions ?? []);
  const versions = pending.newerVersions ?? [];
  const targetVersion = pending.resolvedTargetVersion ?? versions[0];
  if (targetVersion !== undefined && (ignored.has(targetVersion) || (versions[0] !== undefined && ignored.has(versions[0])))) return undefined;
  return { container, pending, newerVersions: versions.filter((version) => !ignored.has(version)), targetVersion };
}

function parsed(image: string): ImageReference | undefined {
  try {
    return parseImageReference(image);
  } catch {
    return undefined;
  }
}

/**
 * The release notes of `version` when a Settings release source matches the image: `imagePattern` is a glob over the
 * repository as written (`nginx`, `ghcr.io/org/app`) or in full (`docker.io/library/nginx`).
 */
export function releaseNotesUrl(image: string, version: string | undefined, settings: Settings | undefined): string | undefined {
  const sources = settings?.spec?.releaseSources ?? [];
  const reference = parsed(image);
  if (version === undefined || reference === undefined || sources.length === 0) return undefined;
  const names = [reference.name, `${reference.registry}/${reference.repository}`, reference.repository];
  const source = sources.find((candidate) => candidate.githubRepo !== undefined && names.some((name) => matchesGlob(name, candidate.imagePattern)));
  return source?.githubRepo === undefined ? undefined : `https://github.com/${source.githubRepo}/releases/tag/${encodeURIComponent(version)}`;
}

export function queueEntryView(standing: StandingUpdate, settings: Settings | undefined, hostName: HostNames): QueueEntryView {
  const { container, pending } = standing;
  const hostID = container.metadata.namespace ?? '';
  const releaseNotes = pending.releaseNotesUrl ?? releaseNotesUrl(pending.currentImage, standing.newerVersions[0] ?? standing.targetVersion, settings);
  return {
    key: queueKeyOf(container),
    container_id: container.status?.id ?? '',
    container_name: dockerNameOf(container),
    current_image: pending.currentImage,
    current_digest: pending.currentDigest ?? '',
    remote_digest: pending.remoteDigest ?? '',
    detected_at: pending.detectedAt,
    newer_versions: standing.newerVersions,
    resolved_current_version: pending.resolvedCurrentVersion ?? '',
    resolved_target_version: standing.targetVersion ?? '',
    host_id: hostID,
    host_name: hostName(hostID),
    ...(releaseNotes === undefined ? {} : { release_notes_url: releaseNotes }),
  };
}

/** Every standing queue entry, oldest detection first (Sentinel's queue order), then by key. */
export function standingUpdates(containers: readonly StoredContainer[]): StandingUpdate[] {
  return containers
    .map(standingUpdate)
    .filter((entry): entry is StandingUpdate => entry !== undefined)
    .sort((a, b) => (Date.parse(a.pending.detectedAt) || 0) - (Date.parse(b.pending.detectedAt) || 0) || (queueKeyOf(a.container) < queueKeyOf(b.container) ? -1 : 1));
}

export function isQueued(container: Container & StoredContainer): boolean {
  return standingUpdate(container) !== undefined;
}
