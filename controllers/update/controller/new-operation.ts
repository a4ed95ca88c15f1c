// The operation an idle decision starts: an update to a target, or a rollback request restoring a snapshot. Its
// options are fixed from the container's effective settings at this moment (docs/resources.md, "Precedence"), so
// that a settings change in the middle of an update does not change the update.
import type { Container, SettingsSpec, Snapshot } from '../../../schemas/generated/types.ts';
import { parseDuration } from '../../../schemas/duration.ts';
import { parseImageReference, repoDigestsFor } from '../../../domain/registry/reference.ts';
import { newUpdateOperation, type RestoreTarget, type UpdateOperation, type UpdateOptions } from '../machine/operation.ts';
import type { UpdateStart } from './desired.ts';
import type { LabelChanges } from '../recreate/labels.ts';
import type { ContainerHooks } from './hooks.ts';

const DEFAULT_GRACE_PERIOD_MS = 30_000;

function gracePeriodMs(container: Container): number {
  const text = container.status?.effective?.gracePeriod?.value;
  if (text === undefined) return DEFAULT_GRACE_PERIOD_MS;
  try {
    return parseDuration(text);
  } catch {
    return DEFAULT_GRACE_PERIOD_MS;
  }
}

function options(container: Container, settings: SettingsSpec | undefined, hooks: ContainerHooks, healthTimeoutMs: number, pullOnly: boolean): UpdateOptions {
  const effective = container.status?.effective ?? {};
  return {
    restartDependents: settings?.dependencyAware !== false,
    gracePeriodMs: gracePeriodMs(container),
    healthTimeoutMs,
    pullOnly,
    removeVolumes: effective.removeVolumes?.value === true,
    imageCleanup: effective.imageCleanup?.value ?? true,
    imageBackup: effective.imageBackup?.value === true,
    preHooks: hooks.preHooks,
    postHooks: hooks.postHooks,
  };
}

/** The digest of the image the container runs, for the record: the registry check's, else its RepoDigests'. */
function currentDigest(container: Container): string | undefined {
  const status = container.status ?? {};
  if (status.registryCheck?.localDigest !== undefined) return status.registryCheck.localDigest;
  try {
    return repoDigestsFor(parseImageReference(status.image ?? ''), status.repoDigests ?? [])[0];
  } catch {
    return undefined;
  }
}

function dockerName(container: Container): string {
  return container.status?.name ?? container.spec?.containerName ?? container.metadata.name ?? '';
}

export function updateOperation(container: Container, settings: SettingsSpec | undefined, start: UpdateStart, hooks: ContainerHooks, labels: LabelChanges | undefined, healthTimeoutMs: number, now: number): UpdateOperation {
  const operation = newUpdateOperation({
    containerName: dockerName(container),
    containerID: container.status?.id ?? '',
    targetImage: start.targetImage,
    ...(start.targetDigest === undefined ? {} : { targetDigest: start.targetDigest }),
    reason: start.reason,
    ...(start.request === undefined ? {} : { request: start.request.requestedAt }),
    options: { ...options(container, settings, hooks, healthTimeoutMs, start.pullOnly), ...(labels === undefined ? {} : { labels }) },
    now,
  });
  const oldDigest = currentDigest(container);
  const image = container.status?.image;
  operation.details = {
    ...operation.details,
    ...(image === undefined ? {} : { oldImage: image }),
    ...(oldDigest === undefined ? {} : { oldDigest }),
    ...(start.checkedDigest === undefined ? {} : { checkedDigest: start.checkedDigest }),
    ...(start.request?.requestedBy === undefined ? {} : { requestedBy: start.request.requestedBy }),
  };
  return operation;
}

/** What restoring `snapshot` means: its image ID, its tag, and a digest to pull the image by if it is gone. */
export function restoreTarget(snapshot: Snapshot): RestoreTarget {
  const spec = snapshot.spec;
  const digests = spec.repoDigests ?? [];
  let pullReference = digests[0];
  if (spec.image !== undefined) {
    try {
      const own = repoDigestsFor(parseImageReference(spec.image), digests)[0];
      // repoDigestsFor answers the digest; the pull wants NAME@DIGEST of the same repository.
      if (own !== undefined) pullReference = digests.find((entry) => entry.endsWith(`@${own}`)) ?? pullReference;
    } catch {
      // An image ID as Config.Image: any repository the image came from will do.
    }
  }
  return {
    snapshot: snapshot.metadata.name ?? '',
    imageID: spec.imageID,
    ...(spec.image === undefined ? {} : { image: spec.image }),
    ...(pullReference === undefined ? {} : { pullReference }),
  };
}

export function rollbackOperation(container: Container, settings: SettingsSpec | undefined, snapshot: Snapshot, request: { requestedAt: string; requestedBy?: string }, healthTimeoutMs: number, now: number): UpdateOperation {
  const restore = restoreTarget(snapshot);
  const operation = newUpdateOperation({
    containerName: dockerName(container),
    containerID: container.status?.id ?? '',
    targetImage: restore.image ?? restore.imageID,
    reason: 'Rollback',
    request: request.requestedAt,
    // A rollback runs no hooks and keeps no backup: it puts back what ran before.
    options: { ...options(container, settings, { preHooks: [], postHooks: [] }, healthTimeoutMs, false), imageBackup: false },
    restore,
    now,
  });
  const oldDigest = currentDigest(container);
  const image = container.status?.image;
  operation.details = {
    ...operation.details,
    ...(image === undefined ? {} : { oldImage: image }),
    ...(oldDigest === undefined ? {} : { oldDigest }),
    ...(request.requestedBy === undefined ? {} : { requestedBy: request.requestedBy }),
  };
  return operation;
}
