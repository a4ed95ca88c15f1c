// Resolves a service's target tag to the digest every node must run (the CLI's QueryRegistry, done by Vigil's own
// registry client so that checks and updates share one cache, one budget and one set of credentials).
import { isIndexMediaType, normalizePlatform, type Platform } from '../registry/manifest.ts';
import type { RegistryReader } from '../registry/client.ts';
import { parseImageReference } from '../../domain/registry/reference.ts';
import { digestOf, withoutDigest } from './service-spec.ts';

export interface ResolvedImage {
  /** `repo:tag@sha256:…`: the name as written, the tag, and the index digest. */
  reference: string;
  digest: string;
  /** The platforms of a multi-arch index (written into Placement.Platforms); empty for a single manifest. */
  platforms: Platform[];
  /** Canonical registry server, for the X-Registry-Auth of the update. */
  registry: string;
}

export type ImageResolver = (target: string, signal: AbortSignal) => Promise<ResolvedImage>;

/**
 * `repo:tag` is resolved to the digest the tag has now; `repo:tag@sha256:…` (an approved queue entry, an auto-update
 * of what the check found) keeps that digest, so that the service runs what was approved even if the tag moved since:
 * the registry is asked for that digest only to learn its media type and platforms.
 */
export function registryImageResolver(reader: RegistryReader): ImageResolver {
  return async (target, signal) => {
    const parsed = parseImageReference(withoutDigest(target));
    const tag = parsed.tag ?? 'latest';
    const ref = { registry: parsed.registry, repository: parsed.repository, reference: digestOf(target) ?? tag };
    // manual: an update is a user's action (or an approved one), not a background scan.
    const head = await reader.headManifest(ref, { purpose: 'manual', signal });
    let platforms: Platform[] = [];
    if (isIndexMediaType(head.mediaType)) {
      const { manifest } = await reader.getManifest({ ...ref, reference: head.digest }, { purpose: 'manual', signal });
      if (manifest.kind === 'index') {
        platforms = manifest.manifests.flatMap((entry) => (entry.platform === undefined || entry.platform.os === 'unknown' ? [] : [normalizePlatform(entry.platform)]));
      }
    }
    return { reference: `${parsed.name}:${tag}@${head.digest}`, digest: head.digest, platforms, registry: parsed.registry };
  };
}
