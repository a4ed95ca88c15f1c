// Manifest media types and the two manifest shapes a check needs: an index (Docker manifest list or OCI index) with
// its platform entries, and an image manifest with its config digest (which is the image ID Docker shows).
import { createHash } from 'node:crypto';

export const MEDIA_TYPES = {
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
} as const;

/** What we ask for on every manifest request: an index first, so that a multi-arch tag answers with its index. */
export const MANIFEST_ACCEPT = [MEDIA_TYPES.dockerManifestList, MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifest, MEDIA_TYPES.ociManifest].join(', ');

export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MEDIA_TYPES.dockerManifestList || mediaType === MEDIA_TYPES.ociIndex;
}

export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && (Object.values(MEDIA_TYPES) as string[]).includes(mediaType);
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface IndexEntry {
  digest: string;
  mediaType?: string;
  platform?: Platform;
}

export type Manifest =
  | { kind: 'index'; mediaType: string; manifests: IndexEntry[] }
  | { kind: 'image'; mediaType: string; configDigest: string };

export function sha256Digest(body: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/** Reads a manifest body; throws an Error saying what is wrong with it. */
export function parseManifest(body: string, contentType: string | undefined): Manifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error(`manifest is not JSON (${describeBody(body)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('manifest is not a JSON object');
  const declared = 'mediaType' in parsed && typeof parsed.mediaType === 'string' ? parsed.mediaType : undefined;
  const mediaType = declared ?? contentType ?? '';
  if ('manifests' in parsed && Array.isArray(parsed.manifests)) {
    const manifests: IndexEntry[] = [];
    for (const entry of parsed.manifests as unknown[]) {
      if (typeof entry !== 'object' || entry === null || !('digest' in entry) || typeof entry.digest !== 'string') {
        throw new Error('index entry without a digest');
      }
      manifests.push({
        digest: entry.digest,
        ...('mediaType' in entry && typeof entry.mediaType === 'string' ? { mediaType: entry.mediaType } : {}),
        ...('platform' in entry ? platformOf(entry.platform) : {}),
      });
    }
    return { kind: 'index', mediaType: mediaType === '' ? MEDIA_TYPES.ociIndex : mediaType, manifests };
  }
  if ('config' in parsed && typeof parsed.config === 'object' && parsed.config !== null && 'digest' in parsed.config && typeof parsed.config.digest === 'string') {
    return { kind: 'image', mediaType: mediaType === '' ? MEDIA_TYPES.ociManifest : mediaType, configDigest: parsed.config.digest };
  }
  throw new Error(`unsupported manifest (media type ${JSON.stringify(mediaType)}): neither an index nor an image manifest`);
}

function platformOf(value: unknown): { platform?: Platform } {
  if (typeof value !== 'object' || value === null) return {};
  const os = 'os' in value && typeof value.os === 'string' ? value.os : undefined;
  const architecture = 'architecture' in value && typeof value.architecture === 'string' ? value.architecture : undefined;
  if (os === undefined || architecture === undefined) return {};
  const variant = 'variant' in value && typeof value.variant === 'string' && value.variant !== '' ? value.variant : undefined;
  return { platform: { os, architecture, ...(variant === undefined ? {} : { variant }) } };
}

/** A short, safe description of an unusable body for an error message. */
export function describeBody(body: string): string {
  const trimmed = body.trim();
  if (trimmed === '') return 'empty body';
  if (/^<(!doctype|html|\?xml)/i.test(trimmed)) return 'an HTML page';
  const snippet = trimmed.slice(0, 60).replace(/\s+/g, ' ');
  return `starts with ${JSON.stringify(snippet)}${trimmed.length > 60 ? '…' : ''}`;
}

const ARCHITECTURE_ALIASES: Record<string, string> = { x86_64: 'amd64', aarch64: 'arm64', armhf: 'arm', armel: 'arm', i386: '386', i686: '386' };

/**
 * A platform in OCI terms from what Docker reports (`docker info` says `x86_64`, `aarch64`; an image says `amd64`,
 * `arm64`, variant `v8`). arm64's variant v8 is its default and is dropped, as containerd's matcher does.
 */
export function normalizePlatform(platform: Platform): Platform {
  const architecture = ARCHITECTURE_ALIASES[platform.architecture.toLowerCase()] ?? platform.architecture.toLowerCase();
  let variant = platform.variant?.toLowerCase();
  if (platform.architecture === 'armv7l') variant ??= 'v7';
  if (platform.architecture === 'armv6l') variant ??= 'v6';
  const normalizedArchitecture = platform.architecture.startsWith('armv') ? 'arm' : architecture;
  if (normalizedArchitecture === 'arm64' && variant === 'v8') variant = undefined;
  return { os: platform.os.toLowerCase(), architecture: normalizedArchitecture, ...(variant === undefined || variant === '' ? {} : { variant }) };
}

/**
 * The index entry Docker would pull on `platform`: same os and architecture, and the same variant when both name
 * one (an entry without a variant fits any); arm's default variant is v7 when the engine names none.
 */
export function selectPlatformManifest(entries: readonly IndexEntry[], platform: Platform): IndexEntry | undefined {
  const wanted = normalizePlatform(platform);
  const candidates = entries.filter((entry) => {
    if (entry.platform === undefined) return false;
    const offered = normalizePlatform(entry.platform);
    return offered.os === wanted.os && offered.architecture === wanted.architecture;
  });
  const wantedVariant = wanted.variant ?? (wanted.architecture === 'arm' ? 'v7' : undefined);
  return (
    candidates.find((entry) => entry.platform !== undefined && normalizePlatform(entry.platform).variant === wantedVariant) ??
    candidates.find((entry) => entry.platform !== undefined && normalizePlatform(entry.platform).variant === undefined) ??
    (wantedVariant === undefined ? candidates[0] : undefined)
  );
}
