// Is the image a tag would pull the one a container already runs? Digests alone mislead with multi-architecture
// images: the local RepoDigest is the index digest when the image was pulled through an index, but the platform
// manifest digest when it was pushed from this engine; an index rebuilt for a new platform has a new digest while
// our platform's image is unchanged. So: the remote digest, then the index entry for the engine's platform, then the
// config digest (= the image ID) of the platform manifest. GETs are only made where a HEAD cannot answer, and
// manifests are fetched by digest, which the client caches forever (content-addressed).
import type { RegistryReader, RequestOptions } from './client.ts';
import { RegistryError } from '../../domain/registry/errors.ts';
import { isIndexMediaType, normalizePlatform, selectPlatformManifest, type Platform } from './manifest.ts';
import { parseVersionTag, compareVersions, type VersionTag } from './versions.ts';

export interface LocalImage {
  registry: string;
  repository: string;
  /** The RepoDigests of the local image that belong to this repository. */
  digests: readonly string[];
  /** The image ID (config digest), if known. */
  imageID?: string;
  platform: Platform;
}

export interface RemoteManifest {
  digest: string;
  mediaType?: string;
}

/** True when pulling `remote` on the engine's platform would give the image that already runs. */
export async function runsRemoteImage(registry: RegistryReader, local: LocalImage, remote: RemoteManifest, options: RequestOptions): Promise<boolean> {
  if (local.digests.includes(remote.digest)) return true;
  let platformDigest = remote.digest;
  if (isIndexMediaType(remote.mediaType)) {
    const { manifest } = await registry.getManifest({ registry: local.registry, repository: local.repository, reference: remote.digest }, options);
    if (manifest.kind === 'index') {
      const entry = selectPlatformManifest(manifest.manifests, local.platform);
      if (entry === undefined) {
        const wanted = normalizePlatform(local.platform);
        throw new RegistryError({
          code: 'not_found',
          registry: local.registry,
          message: `${local.repository}@${remote.digest} offers no image for ${wanted.os}/${wanted.architecture}${wanted.variant === undefined ? '' : `/${wanted.variant}`}`,
        });
      }
      if (local.digests.includes(entry.digest)) return true;
      platformDigest = entry.digest;
    }
  }
  if (local.imageID === undefined) return false;
  const { manifest } = await registry.getManifest({ registry: local.registry, repository: local.repository, reference: platformDigest }, options);
  return manifest.kind === 'image' && manifest.configDigest === local.imageID;
}

export interface VersionNames {
  /** The version tag whose digest the local image has. */
  current?: string;
  /** The version tag whose digest equals the remote digest. */
  target?: string;
}

/**
 * The version tags behind a mutable tag (`latest`, `stable`): HEADs of the newest release tags, at most `maxProbes`,
 * until one matches the remote digest (and, if asked, one matches a local digest).
 */
export async function nameVersions(
  registry: RegistryReader,
  local: LocalImage,
  remoteDigest: string | undefined,
  tags: readonly string[],
  options: RequestOptions & { maxProbes: number; findCurrent: boolean },
): Promise<VersionNames> {
  const names: VersionNames = {};
  const candidates = releaseTagsNewestFirst(tags).slice(0, options.maxProbes);
  for (const candidate of candidates) {
    const wantTarget = remoteDigest !== undefined && names.target === undefined;
    const wantCurrent = options.findCurrent && names.current === undefined;
    if (!wantTarget && !wantCurrent) break;
    const { digest } = await registry.headManifest({ registry: local.registry, repository: local.repository, reference: candidate.tag }, options);
    if (wantTarget && digest === remoteDigest) names.target = candidate.tag;
    if (wantCurrent && local.digests.includes(digest)) names.current = candidate.tag;
  }
  return names;
}

/** Plain release tags (no pre-release, no variant), semver before calendar, newest first, most specific first. */
function releaseTagsNewestFirst(tags: readonly string[]): VersionTag[] {
  const releases = tags.map(parseVersionTag).filter((version): version is VersionTag => version !== undefined && version.pre === undefined && version.variant === undefined);
  return releases.sort((a, b) => {
    if (a.calendar !== b.calendar) return a.calendar ? 1 : -1;
    return compareVersions(b, a) || b.numbers.length - a.numbers.length;
  });
}
