// A Container resource (and its Host's platform) as the check of one container sees it: the image facts the inventory
// wrote, the effective settings, the user's ignored and rejected versions, and what the last check found.
import type { Container, Host } from '../../schemas/generated/types.ts';
import type { ContainerCheckInput } from '../registry/check.ts';
import type { Platform } from '../registry/manifest.ts';
import { effectivePolicyOf } from './selection.ts';

export type CheckInput = Omit<ContainerCheckInput, 'now' | 'purpose' | 'signal' | 'maxVersionProbes'>;

/**
 * The engine's platform as its Host reports it (Docker's spelling is fine); linux/amd64 until it connected once. Host
 * `status.os` is docker info's OperatingSystem ("Debian GNU/Linux 12 (bookworm)", "Windows Server 2022 …"), not
 * the OS type an image index names: only Windows engines run anything but linux images.
 */
export function platformOf(host: Host | undefined): Platform {
  const os = /windows/i.test(host?.status?.os ?? '') ? 'windows' : 'linux';
  return { os, architecture: host?.status?.arch ?? 'amd64' };
}

/** The check input of a container, or undefined when the inventory has not recorded its image yet. */
export function checkInputOf(container: Container, platform: Platform): CheckInput | undefined {
  const status = container.status;
  const image = status?.image;
  if (image === undefined || image === '') return undefined;
  const effective = status?.effective;
  const spec = container.spec;
  const previous = {
    ...(status?.registryCheck === undefined ? {} : { registryCheck: status.registryCheck }),
    ...(status?.pendingUpdate === undefined ? {} : { pendingUpdate: status.pendingUpdate }),
  };
  return {
    image,
    ...(status?.imageID === undefined ? {} : { imageID: status.imageID }),
    repoDigests: status?.repoDigests ?? [],
    platform,
    ...(status?.labels === undefined ? {} : { labels: status.labels }),
    scope: effective?.versionScope?.value ?? 'default',
    ...(effective?.includeTags === undefined ? {} : { includeTags: effective.includeTags.value }),
    ...(effective?.excludeTags === undefined ? {} : { excludeTags: effective.excludeTags.value }),
    ...(spec?.ignoredVersions === undefined ? {} : { ignoredVersions: spec.ignoredVersions }),
    policy: effectivePolicyOf(container),
    ...(status?.self === true ? { self: true } : {}),
    ...(spec?.rejectedUpdate === undefined ? {} : { rejectedUpdate: { digest: spec.rejectedUpdate.digest } }),
    previous,
  };
}

/** A stable text of an input: two equal texts give the same check result at the same instant. */
export function inputFingerprint(input: CheckInput): string {
  return JSON.stringify(input);
}
