// Probes and remembers GHCR alternatives of Docker Hub images (domain/registry/ghcr.ts): one manifest HEAD on each
// registry (the index digest for a multi-arch tag, as the registry check compares), within the registries' request
// reserves (the client's rate-limit gate). Only definitive answers are cached, for 24 h by default: found, or not
// there (404, or ghcr.io refusing an anonymous token for a repository it does not have). A transient failure (5xx,
// network, timeout, rate limit) or an unusable answer is not remembered, so the next request asks again.
import { isRegistryError } from '../../domain/registry/errors.ts';
import { GHCR, ghcrCacheKey, type GhcrAlternative, type GhcrCandidate } from '../../domain/registry/ghcr.ts';
import { DOCKER_HUB } from '../../domain/registry/reference.ts';
import type { RegistryReader, RequestOptions } from './client.ts';
import type { RegistryClock } from './clock.ts';

export const GHCR_CACHE_TTL_MS = 24 * 60 * 60_000;

/** What a probe answers: the alternative, or a transient error (not cached). */
export type GhcrProbe = { alternative: GhcrAlternative } | { error: string };

interface Cached {
  alternative: GhcrAlternative;
  at: number;
}

/** A cache of alternatives keyed by registry, repository and tag, entries kept for `ttlMs`. */
export class GhcrCache {
  readonly #ttlMs: number;
  readonly #entries = new Map<string, Cached>();

  constructor(ttlMs = GHCR_CACHE_TTL_MS) {
    this.#ttlMs = ttlMs;
  }

  get(candidate: GhcrCandidate, now: number): GhcrAlternative | undefined {
    const key = ghcrCacheKey(candidate);
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (now - entry.at >= this.#ttlMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.alternative;
  }

  set(candidate: GhcrCandidate, alternative: GhcrAlternative, now: number): void {
    this.#entries.set(ghcrCacheKey(candidate), { alternative, at: now });
  }

  /** Every entry still fresh, including those not available (Sentinel's UI filters). */
  list(now: number): GhcrAlternative[] {
    return [...this.#entries.values()].filter((entry) => now - entry.at < this.#ttlMs).map((entry) => entry.alternative);
  }
}

/** Errors that say the manifest is not there, as opposed to "could not tell now". */
function definitelyAbsent(error: unknown): boolean {
  return isRegistryError(error) && (error.code === 'not_found' || error.code === 'unauthorized');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface GhcrAlternativesOptions {
  registry: RegistryReader;
  clock: RegistryClock;
  cache?: GhcrCache;
}

export class GhcrAlternatives {
  readonly #registry: RegistryReader;
  readonly #clock: RegistryClock;
  readonly #cache: GhcrCache;
  readonly #probes = new Map<string, Promise<GhcrProbe>>();

  constructor(options: GhcrAlternativesOptions) {
    this.#registry = options.registry;
    this.#clock = options.clock;
    this.#cache = options.cache ?? new GhcrCache();
  }

  cached(candidate: GhcrCandidate): GhcrAlternative | undefined {
    return this.#cache.get(candidate, this.#clock.now());
  }

  list(): GhcrAlternative[] {
    return this.#cache.list(this.#clock.now());
  }

  /** The cached alternative, or a probe now (one at a time per key: concurrent callers share it). */
  async check(candidate: GhcrCandidate, options: RequestOptions = {}): Promise<GhcrProbe> {
    const known = this.cached(candidate);
    if (known !== undefined) return { alternative: known };
    const key = ghcrCacheKey(candidate);
    let probing = this.#probes.get(key);
    if (probing === undefined) {
      probing = this.#probe(candidate, options).finally(() => this.#probes.delete(key));
      this.#probes.set(key, probing);
    }
    return await probing;
  }

  async #probe(candidate: GhcrCandidate, options: RequestOptions): Promise<GhcrProbe> {
    const { hubRepository: repository, tag } = candidate;
    const ghcrImage = `${GHCR}/${repository}`;
    let hubDigest: string | undefined;
    try {
      hubDigest = (await this.#registry.headManifest({ registry: DOCKER_HUB, repository, reference: tag }, options)).digest;
    } catch (error) {
      // Without the Docker Hub digest there is nothing to compare with: a definite absence still lets GHCR be asked.
      if (!definitelyAbsent(error)) return { error: messageOf(error) };
    }
    let ghcrDigest: string | undefined;
    try {
      ghcrDigest = (await this.#registry.headManifest({ registry: GHCR, repository, reference: tag }, options)).digest;
    } catch (error) {
      if (!definitelyAbsent(error)) return { error: messageOf(error) };
    }
    const alternative: GhcrAlternative = {
      hubRepository: repository,
      tag,
      ghcrImage,
      available: ghcrDigest !== undefined,
      digestMatch: hubDigest !== undefined && ghcrDigest === hubDigest,
      ...(hubDigest === undefined ? {} : { hubDigest }),
      ...(ghcrDigest === undefined ? {} : { ghcrDigest }),
      checkedAt: new Date(this.#clock.now()).toISOString(),
    };
    this.#cache.set(candidate, alternative, this.#clock.now());
    return { alternative };
  }
}
