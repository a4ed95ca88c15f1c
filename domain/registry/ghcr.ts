// GHCR alternatives (docs/registry.md "GHCR alternatives"): for an image from Docker Hub that is not an official
// (`library/…`) one, the same repository and tag on ghcr.io, and whether it is the same build (the same manifest or
// index digest). Pure: what to probe, the record of a probe, and whether a switch may be made.
import { DOCKER_HUB, parseImageReference } from './reference.ts';

export const GHCR = 'ghcr.io';

/** What one probe found (Sentinel's GhcrAlternative fields, in its JSON spelling by the REST view). */
export interface GhcrAlternative {
  /** `owner/repo` on Docker Hub. */
  hubRepository: string;
  tag: string;
  /** `ghcr.io/owner/repo`. */
  ghcrImage: string;
  /** ghcr.io answered the manifest HEAD. */
  available: boolean;
  /** Both digests known and equal: the same build. */
  digestMatch: boolean;
  hubDigest?: string;
  ghcrDigest?: string;
  /** RFC 3339. */
  checkedAt: string;
}

export interface GhcrCandidate {
  hubRepository: string;
  tag: string;
}

/** The Docker Hub repository and tag worth probing on ghcr.io, or why not (official image, other registry, no tag). */
export function ghcrCandidate(image: string): GhcrCandidate | { none: string } {
  let reference;
  try {
    reference = parseImageReference(image);
  } catch (error) {
    return { none: error instanceof Error ? error.message : String(error) };
  }
  if (reference.registry !== DOCKER_HUB) return { none: `${image} is not a Docker Hub image` };
  if (reference.repository.startsWith('library/')) return { none: `${image} is an official Docker Hub image (library/), which GHCR does not mirror` };
  if (reference.tag === undefined) return { none: `${image} names a digest, not a tag` };
  return { hubRepository: reference.repository, tag: reference.tag };
}

/** The cache key of a probe: registry, repository and tag, so that an entry never answers for another registry's image. */
export function ghcrCacheKey(candidate: GhcrCandidate): string {
  return `${DOCKER_HUB}/${candidate.hubRepository}:${candidate.tag}`;
}

/** `ghcr.io/owner/repo:tag`: the reference a switch moves the container to. */
export function ghcrReference(alternative: Pick<GhcrAlternative, 'ghcrImage' | 'tag'>): string {
  return `${alternative.ghcrImage}:${alternative.tag}`;
}

export type SwitchDecision = { allowed: true; image: string; digest?: string } | { allowed: false; reason: string };

/**
 * Whether a switch to the alternative may be made: only when ghcr.io has the tag and, unless `allowDifferentBuild`,
 * only when it is the same build. A same-build switch is bound to the digest compared, so that the update refuses
 * a tag that moved in between.
 */
export function switchDecision(alternative: GhcrAlternative | undefined, allowDifferentBuild: boolean): SwitchDecision {
  if (alternative === undefined || !alternative.available) return { allowed: false, reason: 'no GHCR alternative available' };
  const image = ghcrReference(alternative);
  if (alternative.digestMatch) return { allowed: true, image, ...(alternative.ghcrDigest === undefined ? {} : { digest: alternative.ghcrDigest }) };
  if (allowDifferentBuild) return { allowed: true, image };
  return { allowed: false, reason: `${image} is a different build (digest ${alternative.ghcrDigest ?? 'unknown'}, Docker Hub ${alternative.hubDigest ?? 'unknown'}); send {"allow_different_build": true} to switch anyway` };
}
