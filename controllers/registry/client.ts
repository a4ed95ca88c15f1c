// The registry client every check uses (Docker Registry HTTP API v2): tag lists (paginated, one per repository
// however many callers ask at once, reused for the registry's TTL), manifest digests by HEAD, and manifests by GET
// only where a HEAD cannot answer (an index's platform entries; a registry whose HEAD has no digest), cached by
// digest because content-addressed manifests never change. One RegistrySession per registry server holds its auth,
// budget, concurrency and request counts.
import { systemClock, type RegistryClock } from './clock.ts';
import { SecretMasker } from './credentials.ts';
import { RegistryError } from '../../domain/registry/errors.ts';
import { describeBody, isManifestMediaType, MANIFEST_ACCEPT, parseManifest, sha256Digest, type Manifest } from './manifest.ts';
import type { RateLimitState, RequestPurpose } from './rate-limit.ts';
import { canonicalRegistry } from '../../domain/registry/reference.ts';
import { RegistrySession, type RegistryConfig, type RegistryStats } from './session.ts';
import type { HttpAnswer } from './transport.ts';
import type { RegistryHostMap } from '../../domain/registry/host-map.ts';

export interface RegistryClientOptions {
  /** A registry's settings (from its Registry resource, or a Docker config.json); absent = anonymous with defaults. */
  config?: (server: string) => RegistryConfig | undefined;
  clock?: RegistryClock;
  /** One whole exchange; default 30 s. */
  timeoutMs?: number;
  /** Retries after a 429; default 3. */
  maxRetries?: number;
  /** A longer Retry-After fails the request as rate_limited instead of waiting; default 60 s. */
  maxRetryDelayMs?: number;
  /** How long a request may wait for the quota to rise above the reserve; default 0 (fail as rate_limited). */
  waitForQuotaMs?: number;
  /** Tags asked for per page (`n`); default 1000. */
  tagPageSize?: number;
  /** Pages at most per tag list; default 100. */
  maxTagPages?: number;
  /** Manifests kept by digest; default 1000. */
  manifestCacheEntries?: number;
  /** Tag lists kept; default 5000. */
  tagCacheEntries?: number;
  /** Largest accepted body; default 16 MiB. */
  maxBodyBytes?: number;
  userAgent?: string;
  /** Test-only: registry names reached at loopback addresses instead (domain/registry/host-map.ts). */
  hostMap?: RegistryHostMap;
}

export interface RepositoryRef {
  /** Canonical registry server (see canonicalRegistry). */
  registry: string;
  repository: string;
}

export interface ManifestRef extends RepositoryRef {
  /** A tag or a digest. */
  reference: string;
}

export interface RequestOptions {
  /** Which reserve applies; default scheduled. */
  purpose?: RequestPurpose;
  signal?: AbortSignal;
}

export interface TagListOptions extends RequestOptions {
  /** Reuse a cached list at most this old; default the registry's tagListTTL. 0 = always fetch. */
  maxAgeMs?: number;
}

export interface DigestAnswer {
  digest: string;
  /** The manifest's media type when the registry said (an index media type means a multi-arch tag). */
  mediaType?: string;
}

export interface ManifestAnswer {
  digest: string;
  manifest: Manifest;
}

/** The registry-facing operations a check needs; RegistryClient implements it, unit tests use a fake. */
export interface RegistryReader {
  listTags(repository: RepositoryRef, options?: TagListOptions): Promise<readonly string[]>;
  headManifest(manifest: ManifestRef, options?: RequestOptions): Promise<DigestAnswer>;
  getManifest(manifest: ManifestRef, options?: RequestOptions): Promise<ManifestAnswer>;
}

const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;

interface CachedTags {
  tags: readonly string[];
  fetchedAt: number;
}

export class RegistryClient implements RegistryReader {
  readonly masker = new SecretMasker();
  readonly #options: RegistryClientOptions;
  readonly #clock: RegistryClock;
  readonly #sessions = new Map<string, RegistrySession>();
  readonly #tags = new Map<string, CachedTags>();
  readonly #tagFetches = new Map<string, Promise<readonly string[]>>();
  readonly #heads = new Map<string, Promise<DigestAnswer>>();
  readonly #manifests = new Map<string, Manifest>();

  constructor(options: RegistryClientOptions = {}) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Every tag of a repository, following pagination; one fetch per repository at a time, reused for the TTL. */
  async listTags(ref: RepositoryRef, options: TagListOptions = {}): Promise<readonly string[]> {
    const session = this.session(ref.registry);
    const key = `${session.server}/${ref.repository}`;
    const maxAge = options.maxAgeMs ?? session.tagListTTLMs;
    const cached = this.#tags.get(key);
    if (cached !== undefined && this.#clock.now() - cached.fetchedAt < maxAge) return cached.tags;
    let fetching = this.#tagFetches.get(key);
    if (fetching === undefined) {
      fetching = this.#fetchTags(session, ref.repository, options).finally(() => this.#tagFetches.delete(key));
      this.#tagFetches.set(key, fetching);
    }
    const tags = await fetching;
    this.#remember(this.#tags, key, { tags, fetchedAt: this.#clock.now() }, this.#options.tagCacheEntries ?? 5000);
    return tags;
  }

  /** The digest a tag (or digest) resolves to, by HEAD; a GET only when the registry's HEAD carries no digest. */
  async headManifest(ref: ManifestRef, options: RequestOptions = {}): Promise<DigestAnswer> {
    const session = this.session(ref.registry);
    const key = `${session.server}/${ref.repository}@${ref.reference}`;
    let heading = this.#heads.get(key);
    if (heading === undefined) {
      heading = this.#head(session, ref, options).finally(() => this.#heads.delete(key));
      this.#heads.set(key, heading);
    }
    return await heading;
  }

  /** A manifest by GET (cached by digest: a manifest asked for by digest is fetched once). */
  async getManifest(ref: ManifestRef, options: RequestOptions = {}): Promise<ManifestAnswer> {
    const session = this.session(ref.registry);
    const known = this.#manifests.get(ref.reference);
    if (known !== undefined) return { digest: ref.reference, manifest: known };
    const path = `/v2/${ref.repository}/manifests/${ref.reference}`;
    const answer = await session.request({ kind: 'manifestGet', method: 'GET', path, repository: ref.repository, accept: MANIFEST_ACCEPT, purpose: options.purpose ?? 'scheduled', ...signalOf(options) });
    const what = `GET ${path}`;
    const contentType = mediaTypeOf(answer);
    if (contentType !== undefined && !isManifestMediaType(contentType) && contentType !== 'application/json') {
      throw this.#error(session, `${what}: answered ${describeContent(contentType, answer.body)} instead of a manifest`);
    }
    const digest = sha256Digest(answer.bytes ?? Buffer.alloc(0));
    const declared = headerValue(answer.headers['docker-content-digest']);
    if (declared !== undefined && declared.startsWith('sha256:') && declared !== digest) {
      throw this.#error(session, `${what}: the body does not match its Docker-Content-Digest (truncated or altered)`);
    }
    if (ref.reference.includes(':') && ref.reference !== digest) {
      throw this.#error(session, `${what}: the body does not match the digest asked for`);
    }
    let manifest: Manifest;
    try {
      manifest = parseManifest(answer.body ?? '', contentType);
    } catch (error) {
      throw this.#error(session, `${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.#remember(this.#manifests, digest, manifest, this.#options.manifestCacheEntries ?? 1000);
    return { digest, manifest };
  }

  /** Exact counts of the requests sent to a registry so far. */
  stats(server: string): RegistryStats {
    return this.session(server).stats();
  }

  /** The registry's budget as last read (remaining lowered by requests since), if it ever sent figures. */
  rateLimit(server: string): RateLimitState | undefined {
    return this.session(server).gate.snapshot(this.#clock.now());
  }

  /** Registries used so far. */
  registries(): string[] {
    return [...this.#sessions.keys()];
  }

  /** Forgets a registry's session (after its Registry resource changed): the next request reads its config again. */
  async reconfigure(server: string): Promise<void> {
    const canonical = canonicalRegistry(server);
    const session = this.#sessions.get(canonical);
    this.#sessions.delete(canonical);
    await session?.close();
  }

  async close(): Promise<void> {
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(sessions.map((session) => session.close()));
  }

  session(server: string): RegistrySession {
    const canonical = canonicalRegistry(server);
    let session = this.#sessions.get(canonical);
    if (session === undefined) {
      const config = this.#options.config?.(canonical) ?? { server: canonical };
      const address = this.#options.hostMap?.get(canonical);
      session = new RegistrySession({
        ...(address === undefined ? {} : { address }),
        config: { ...config, server: canonical },
        clock: this.#clock,
        masker: this.masker,
        timeoutMs: this.#options.timeoutMs ?? 30_000,
        maxRetries: this.#options.maxRetries ?? 3,
        maxRetryDelayMs: this.#options.maxRetryDelayMs ?? 60_000,
        waitForQuotaMs: this.#options.waitForQuotaMs ?? 0,
        userAgent: this.#options.userAgent ?? 'vigil',
        maxBodyBytes: this.#options.maxBodyBytes ?? 16 * 1024 * 1024,
      });
      this.#sessions.set(canonical, session);
    }
    return session;
  }

  async #fetchTags(session: RegistrySession, repository: string, options: RequestOptions): Promise<readonly string[]> {
    const pageSize = this.#options.tagPageSize ?? 1000;
    const maxPages = this.#options.maxTagPages ?? 100;
    const tags: string[] = [];
    let path: string | undefined = `/v2/${repository}/tags/list?n=${pageSize}`;
    for (let page = 0; path !== undefined; page += 1) {
      if (page === maxPages) throw this.#error(session, `GET /v2/${repository}/tags/list: more than ${maxPages} pages of tags`);
      const answer = await session.request({ kind: 'tags', method: 'GET', path, repository, purpose: options.purpose ?? 'scheduled', ...signalOf(options) });
      const pageTags = this.#tagPage(session, `GET ${path}`, answer);
      tags.push(...pageTags);
      path = nextPage(answer, path, repository, pageTags, pageSize);
    }
    // A registry that pages inconsistently must not make a tag appear twice.
    return [...new Set(tags)];
  }

  #tagPage(session: RegistrySession, what: string, answer: HttpAnswer): string[] {
    const contentType = mediaTypeOf(answer);
    if (contentType !== undefined && !contentType.includes('json')) {
      throw this.#error(session, `${what}: answered ${describeContent(contentType, answer.body)} instead of JSON`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body ?? '');
    } catch {
      throw this.#error(session, `${what}: the tag list is not JSON (${describeBody(answer.body ?? '')})`);
    }
    if (typeof parsed !== 'object' || parsed === null || !('tags' in parsed)) throw this.#error(session, `${what}: the answer has no "tags"`);
    if (parsed.tags === null) return [];
    if (!Array.isArray(parsed.tags) || !parsed.tags.every((tag) => typeof tag === 'string')) {
      throw this.#error(session, `${what}: "tags" is not a list of strings`);
    }
    return parsed.tags as string[];
  }

  async #head(session: RegistrySession, ref: ManifestRef, options: RequestOptions): Promise<DigestAnswer> {
    const path = `/v2/${ref.repository}/manifests/${ref.reference}`;
    const answer = await session.request({ kind: 'manifestHead', method: 'HEAD', path, repository: ref.repository, accept: MANIFEST_ACCEPT, purpose: options.purpose ?? 'scheduled', ...signalOf(options) });
    const contentType = mediaTypeOf(answer);
    if (contentType !== undefined && !isManifestMediaType(contentType) && contentType !== 'application/json') {
      throw this.#error(session, `HEAD ${path}: answered ${contentType} instead of a manifest`);
    }
    const digest = headerValue(answer.headers['docker-content-digest']);
    if (digest === undefined) {
      // Some registries leave the digest out of HEAD answers; the manifest's own bytes tell it.
      const fetched = await this.getManifest(ref, options);
      return { digest: fetched.digest, mediaType: fetched.manifest.mediaType };
    }
    if (!DIGEST.test(digest)) throw this.#error(session, `HEAD ${path}: Docker-Content-Digest ${JSON.stringify(digest.slice(0, 80))} is not a digest`);
    return { digest, ...(contentType === undefined ? {} : { mediaType: contentType }) };
  }

  #remember<V>(cache: Map<string, V>, key: string, value: V, limit: number): void {
    cache.delete(key);
    cache.set(key, value);
    while (cache.size > limit) {
      const oldest = cache.keys().next();
      if (oldest.done === true) break;
      cache.delete(oldest.value);
    }
  }

  #error(session: RegistrySession, message: string): RegistryError {
    return new RegistryError({ code: 'bad_response', registry: session.server, message: this.masker.mask(message) });
  }
}

function signalOf(options: RequestOptions): { signal?: AbortSignal } {
  return options.signal === undefined ? {} : { signal: options.signal };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function mediaTypeOf(answer: HttpAnswer): string | undefined {
  const value = headerValue(answer.headers['content-type']);
  return value === undefined ? undefined : (value.split(';')[0] ?? '').trim().toLowerCase();
}

function describeContent(contentType: string, body: string | undefined): string {
  return contentType === 'text/html' ? 'an HTML page' : `content type ${contentType}${body === undefined ? '' : ` (${describeBody(body)})`}`;
}

/**
 * The next page of a tag list: the `Link: <…>; rel="next"` header when there is one; otherwise, when the page was
 * full, the same list continued after its last tag (`last`), as registries without Link headers expect.
 */
function nextPage(answer: HttpAnswer, path: string, repository: string, pageTags: readonly string[], pageSize: number): string | undefined {
  const link = headerValue(answer.headers.link);
  if (link !== undefined) {
    const match = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(link);
    if (match?.[1] !== undefined) {
      const next = new URL(match[1], `http://registry${path}`);
      return next.pathname.startsWith('/v2/') ? `${next.pathname}${next.search}` : undefined;
    }
    return undefined;
  }
  const last = pageTags.at(-1);
  // Exactly a full page: there may be more. A registry that ignores `n` (distribution 2.x) answers everything at once.
  if (pageTags.length !== pageSize || last === undefined) return undefined;
  const next = `/v2/${repository}/tags/list?n=${pageSize}&last=${encodeURIComponent(last)}`;
  return next === path ? undefined : next;
}
