// The registry check of one container: from what Docker says about it (image reference, image ID, RepoDigests,
// platform) and its effective settings to the `status.registryCheck` and `status.pendingUpdate` it should have.
// Requests, fewest first: a version tag costs its repository's tag list (shared and cached) plus one HEAD of the
// target, or of the current tag when nothing newer is in scope (a floating tag such as `1.2` moves by digest); a
// mutable tag costs one HEAD, plus GETs by digest (cached forever) only when digests cannot tell, plus a bounded
// number of HEADs, once per new digest, to name the version behind it. A failed check keeps what an earlier check
// found.
import type { PendingUpdate, RegistryCheck } from '../../schemas/generated/types.ts';
import type { RegistryReader, RequestOptions } from './client.ts';
import { isRegistryError } from '../../domain/registry/errors.ts';
import { nameVersions, runsRemoteImage, type LocalImage } from './image-identity.ts';
import type { Platform } from './manifest.ts';
import type { RequestPurpose } from './rate-limit.ts';
import { parseImageReference, repoDigestsFor, withTag, type ImageReference } from '../../domain/registry/reference.ts';
import { findNewerVersions, type VersionScope } from './versions.ts';

export const IMAGE_VERSION_LABEL = 'org.opencontainers.image.version';

export interface ContainerCheckInput {
  /** The image reference the container was created with (status.image, Docker's Config.Image). */
  image: string;
  /** The image ID it runs (status.imageID). */
  imageID?: string;
  /** The local image's RepoDigests (status.repoDigests). */
  repoDigests: readonly string[];
  /** The engine's platform (Host status os/arch), in Docker's or OCI's spelling. */
  platform: Platform;
  /** Docker labels of the container (image labels included), for org.opencontainers.image.version. */
  labels?: Readonly<Record<string, string>>;
  /** Effective versionScope: a label scope, or the global strict/default mode. */
  scope: VersionScope;
  includeTags?: string;
  excludeTags?: string;
  ignoredVersions?: readonly string[];
  /** Effective policy; manual (or a self container) puts an available update into pendingUpdate. */
  policy: 'auto' | 'manual' | 'pinned';
  self?: boolean;
  /** spec.rejectedUpdate: hides pendingUpdate while the remote digest equals its digest. */
  rejectedUpdate?: { digest: string };
  previous?: { registryCheck?: RegistryCheck; pendingUpdate?: PendingUpdate };
  /** Epoch ms of the check. */
  now: number;
  purpose?: RequestPurpose;
  signal?: AbortSignal;
  /** HEADs at most to name the version behind a mutable tag; default 3. */
  maxVersionProbes?: number;
}

export type CheckOutcome = 'update_available' | 'up_to_date' | 'local' | 'check_failed' | 'rate_limited';

export interface ContainerCheckResult {
  outcome: CheckOutcome;
  registryCheck: RegistryCheck;
  /** The queue entry, or undefined to remove it. */
  pendingUpdate: PendingUpdate | undefined;
  error?: Error;
}

interface Found {
  newerVersions: string[];
  beyondScopeCount?: number;
  newestBeyondScope?: string;
  resolvedCurrentVersion?: string;
  localDigest?: string;
  remoteDigest?: string;
  target?: { tag: string; version?: string; digest: string };
}

export async function checkContainer(input: ContainerCheckInput, registry: RegistryReader): Promise<ContainerCheckResult> {
  const checkedAt = new Date(input.now).toISOString();
  let reference: ImageReference;
  try {
    reference = parseImageReference(input.image);
  } catch (error) {
    return failed(input, undefined, error instanceof Error ? error : new Error(String(error)), checkedAt);
  }
  const base: RegistryCheck = { registry: reference.registry, ...(reference.tag === undefined ? {} : { currentTag: reference.tag }) };
  const localDigests = repoDigestsFor(reference, input.repoDigests);
  // Pinned by digest, or never pulled from (nor pushed to) a registry: there is nothing to compare with.
  if (reference.tag === undefined || input.repoDigests.length === 0) {
    return { outcome: 'local', registryCheck: { ...base, newerVersions: [], updateAvailable: false, lastChecked: checkedAt, ...localDigestField(localDigests, input) }, pendingUpdate: undefined };
  }
  const local: LocalImage = { registry: reference.registry, repository: reference.repository, digests: localDigests, platform: input.platform, ...(input.imageID === undefined ? {} : { imageID: input.imageID }) };
  const options: RequestOptions = { purpose: input.purpose ?? 'scheduled', ...(input.signal === undefined ? {} : { signal: input.signal }) };
  let found: Found;
  try {
    found = await findUpdate(input, registry, reference, reference.tag, local, options);
  } catch (error) {
    return failed(input, base, error instanceof Error ? error : new Error(String(error)), checkedAt);
  }
  return succeeded(input, base, reference, found, checkedAt);
}

async function findUpdate(input: ContainerCheckInput, registry: RegistryReader, reference: ImageReference, tag: string, local: LocalImage, options: RequestOptions): Promise<Found> {
  const repository = { registry: reference.registry, repository: reference.repository };
  const labelVersion = input.labels?.[IMAGE_VERSION_LABEL];
  const tags = await versionTagList(registry, repository, tag, options);
  const versions = tags === undefined ? undefined : findNewerVersions({
    currentTag: tag,
    tags,
    scope: input.scope,
    ...(input.includeTags === undefined ? {} : { includeTags: input.includeTags }),
    ...(input.excludeTags === undefined ? {} : { excludeTags: input.excludeTags }),
    ...(input.ignoredVersions === undefined ? {} : { ignoredVersions: input.ignoredVersions }),
  });

  if (versions !== undefined) {
    const scope = { newerVersions: versions.newerVersions, beyondScopeCount: versions.beyondScopeCount, ...(versions.newestBeyondScope === undefined ? {} : { newestBeyondScope: versions.newestBeyondScope }), resolvedCurrentVersion: tag, ...localDigestField(local.digests, input) };
    const newest = versions.newerVersions[0];
    if (newest !== undefined) {
      // A newer version is an update whatever the current tag's digest does: one HEAD, of what would be pulled.
      const remote = await registry.headManifest({ ...repository, reference: newest }, options);
      return { ...scope, remoteDigest: remote.digest, target: { tag: newest, version: newest, digest: remote.digest } };
    }
    const remote = await registry.headManifest({ ...repository, reference: tag }, options);
    if (await runsRemoteImage(registry, local, remote, options)) return { ...scope, remoteDigest: remote.digest };
    return { ...scope, remoteDigest: remote.digest, target: { tag, version: tag, digest: remote.digest } };
  }

  // A mutable tag: only its digest can move.
  const remote = await registry.headManifest({ ...repository, reference: tag }, options);
  const upToDate = await runsRemoteImage(registry, local, remote, options);
  const previous = input.previous?.registryCheck;
  let current = labelVersion ?? (previous?.localDigest === firstOf(local.digests) ? previous?.resolvedCurrentVersion : undefined);
  let target = upToDate ? undefined : previous?.remoteDigest === remote.digest ? previous.target?.version : undefined;
  const needCurrent = current === undefined && local.digests.length > 0;
  const needTarget = !upToDate && target === undefined;
  if (needCurrent || needTarget) {
    const allTags = await registry.listTags(repository, options);
    // Up to date, the version tag with the remote digest is the current version too (the local digest may be a
    // platform manifest's while version tags resolve to the index).
    const names = await nameVersions(registry, local, needTarget || upToDate ? remote.digest : undefined, allTags, { ...options, maxProbes: input.maxVersionProbes ?? 3, findCurrent: needCurrent });
    current ??= names.current ?? (upToDate ? names.target : undefined);
    if (!upToDate) target ??= names.target;
  }
  return {
    newerVersions: target === undefined ? [] : [target],
    ...(current === undefined ? {} : { resolvedCurrentVersion: current }),
    ...localDigestField(local.digests, input),
    remoteDigest: remote.digest,
    ...(upToDate ? {} : { target: { tag, ...(target === undefined ? {} : { version: target }), digest: remote.digest } }),
  };
}

/** The tag list, needed only when the current tag is a version. */
async function versionTagList(registry: RegistryReader, repository: { registry: string; repository: string }, tag: string, options: RequestOptions): Promise<readonly string[] | undefined> {
  if (findNewerVersions({ currentTag: tag, tags: [], scope: 'major' }) === undefined) return undefined;
  return await registry.listTags(repository, options);
}

function succeeded(input: ContainerCheckInput, base: RegistryCheck, reference: ImageReference, found: Found, checkedAt: string): ContainerCheckResult {
  const previous = input.previous?.registryCheck;
  const target = found.target;
  const sameTarget = target !== undefined && previous?.target?.tag === target.tag && previous.target.digest === target.digest;
  const targetImage = target === undefined ? undefined : withTag(reference, target.tag);
  const registryCheck: RegistryCheck = {
    ...base,
    ...(found.resolvedCurrentVersion === undefined ? {} : { resolvedCurrentVersion: found.resolvedCurrentVersion }),
    newerVersions: found.newerVersions,
    ...(found.beyondScopeCount === undefined ? {} : { beyondScopeCount: found.beyondScopeCount }),
    ...(found.newestBeyondScope === undefined ? {} : { newestBeyondScope: found.newestBeyondScope }),
    ...(target === undefined || targetImage === undefined ? {} : { target: { tag: target.tag, ...(target.version === undefined ? {} : { version: target.version }), digest: target.digest, image: targetImage } }),
    ...(found.localDigest === undefined ? {} : { localDigest: found.localDigest }),
    ...(found.remoteDigest === undefined ? {} : { remoteDigest: found.remoteDigest }),
    updateAvailable: target !== undefined,
    ...(target === undefined ? {} : { firstSeen: sameTarget && previous?.firstSeen !== undefined ? previous.firstSeen : checkedAt, lastSeen: checkedAt }),
    lastChecked: checkedAt,
  };
  return { outcome: target === undefined ? 'up_to_date' : 'update_available', registryCheck, pendingUpdate: queueEntry(input, registryCheck) };
}

/** The approval-queue entry: only for manual (or self) containers, hidden while the rejected digest is offered. */
function queueEntry(input: ContainerCheckInput, check: RegistryCheck): PendingUpdate | undefined {
  const target = check.target;
  if (target === undefined || check.remoteDigest === undefined) return undefined;
  if (input.policy !== 'manual' && input.self !== true) return undefined;
  if (input.rejectedUpdate?.digest === check.remoteDigest) return undefined;
  const previous = input.previous?.pendingUpdate;
  const detectedAt = previous?.remoteDigest === check.remoteDigest && previous.targetImage === target.image ? previous.detectedAt : (check.firstSeen ?? check.lastChecked ?? '');
  return {
    currentImage: input.image,
    ...(check.localDigest === undefined ? {} : { currentDigest: check.localDigest }),
    remoteDigest: check.remoteDigest,
    targetImage: target.image,
    detectedAt,
    newerVersions: check.newerVersions ?? [],
    ...(check.resolvedCurrentVersion === undefined ? {} : { resolvedCurrentVersion: check.resolvedCurrentVersion }),
    ...(target.version === undefined ? {} : { resolvedTargetVersion: target.version }),
  };
}

/**
 * A failed check records its error and keeps everything an earlier check found about the same local image, the queue
 * entry included. Once the container runs another image (updated, rolled back), the local digest is the new one and a
 * queue entry made for the old image goes: it would offer an update from an image no longer there.
 */
function failed(input: ContainerCheckInput, base: RegistryCheck | undefined, error: Error, checkedAt: string): ContainerCheckResult {
  const rateLimited = isRegistryError(error) && error.code === 'rate_limited';
  const previous = input.previous?.registryCheck;
  const local = currentLocalDigest(input);
  const sameImage = local === undefined || previous?.localDigest === undefined || previous.localDigest === local;
  const registryCheck: RegistryCheck = { ...(previous ?? {}), ...(base ?? {}), ...(local === undefined ? {} : { localDigest: local }), lastChecked: checkedAt, lastError: error.message, rateLimited };
  if (!rateLimited) delete registryCheck.rateLimited;
  if (!sameImage) {
    delete registryCheck.remoteDigest;
    registryCheck.updateAvailable = false;
    registryCheck.newerVersions = [];
  }
  return { outcome: rateLimited ? 'rate_limited' : 'check_failed', registryCheck, pendingUpdate: sameImage ? input.previous?.pendingUpdate : undefined, error };
}

/** The local digest a check of the container's current image records (undefined for an unreadable reference). */
function currentLocalDigest(input: ContainerCheckInput): string | undefined {
  try {
    return localDigestField(repoDigestsFor(parseImageReference(input.image), input.repoDigests), input).localDigest;
  } catch {
    return undefined;
  }
}

function firstOf(values: readonly string[]): string | undefined {
  return values[0];
}

function localDigestField(digests: readonly string[], input: Pick<ContainerCheckInput, 'imageID'>): { localDigest?: string } {
  const digest = digests[0] ?? input.imageID;
  return digest === undefined ? {} : { localDigest: digest };
}
