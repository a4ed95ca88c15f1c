// Everything that belongs to one registry server: where it is (HTTPS, or plain HTTP on loopback), how to
// authenticate (anonymous, Basic, or Bearer tokens from the realm its challenge names, cached until they expire),
// its request budget (rate-limit headers, the reserve, 429 backoff), its concurrency limit, and exact counts of every
// request sent to it.
import { bulkhead, type BulkheadPolicy } from 'cockatiel';
import { parseChallenge, type AuthChallenge } from './challenge.ts';
import type { RegistryClock } from './clock.ts';
import { basicAuthorization, type Credentials, type SecretMasker } from './credentials.ts';
import { RegistryError } from '../../domain/registry/errors.ts';
import { describeBody } from './manifest.ts';
import { DEFAULT_RESERVE, parseRetryAfter, RateLimitGate, type RateLimitReserve, type RequestPurpose } from './rate-limit.ts';
import { apiHost, isLoopbackServer } from '../../domain/registry/reference.ts';
import { Transport, type HttpAnswer } from './transport.ts';

/** How to reach one registry: what a Registry resource (or a Docker config.json entry) says about it. */
export interface RegistryConfig {
  /** Canonical server name (see canonicalRegistry). */
  server: string;
  credentials?: Credentials;
  /** PEM CA bundle for a private CA. */
  ca?: string;
  /** Plain HTTP; refused unless the server is on loopback. */
  insecure?: boolean;
  /** Requests in flight at once; default 4. */
  concurrency?: number;
  rateLimitReserve?: RateLimitReserve;
  /** How long a tag list is reused; default 15 minutes. */
  tagListTTLMs?: number;
}

export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_TAG_LIST_TTL_MS = 15 * 60_000;

export type RequestKind = 'tags' | 'manifestHead' | 'manifestGet' | 'token';

export interface RegistryStats {
  /** Requests sent to the registry itself (every kind but token), including failed ones. */
  requests: number;
  byKind: Record<RequestKind, number>;
  /** Requests that ended in an error. */
  failures: number;
  lastError?: string;
  /** Epoch ms of the last request. */
  lastRequestAt?: number;
}

export interface SessionOptions {
  config: RegistryConfig;
  clock: RegistryClock;
  masker: SecretMasker;
  timeoutMs: number;
  /** Retries after a 429. */
  maxRetries: number;
  /** A longer Retry-After is not waited for: the request fails as rate_limited. */
  maxRetryDelayMs: number;
  /** Wait this long at most for the quota to come back above the reserve; 0 = fail as rate_limited at once. */
  waitForQuotaMs: number;
  userAgent: string;
  maxBodyBytes: number;
  /** host:port on loopback to reach instead of the server's own (the test-only registry host map, domain/registry/host-map.ts). */
  address?: string;
}

export interface SessionRequest {
  kind: Exclude<RequestKind, 'token'>;
  method: 'GET' | 'HEAD';
  /** Path and query below the registry root, e.g. `/v2/library/nginx/tags/list?n=1000`. */
  path: string;
  /** The repository the request is about (the token scope). */
  repository: string;
  accept?: string;
  purpose: RequestPurpose;
  signal?: AbortSignal;
}

/** Docker Hub and GHCR: their challenges are known, so the first request already carries a token (no 401 round). */
const KNOWN_CHALLENGES: Record<string, AuthChallenge> = {
  'docker.io': { scheme: 'bearer', realm: 'https://auth.docker.io/token', service: 'registry.docker.io' },
  'ghcr.io': { scheme: 'bearer', realm: 'https://ghcr.io/token', service: 'ghcr.io' },
};

const TOKEN_DEFAULT_LIFETIME_S = 60;
const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 30_000;

interface CachedToken {
  token: string;
  expiresAt: number;
}

export class RegistrySession {
  readonly server: string;
  readonly config: RegistryConfig;
  readonly gate: RateLimitGate;
  readonly #options: SessionOptions;
  /** host:port the requests go to: the server's API host, or its mapped loopback address. */
  readonly #address: string;
  readonly #transport: Transport;
  readonly #bulkhead: BulkheadPolicy;
  #scheme: 'https' | 'http';
  #challenge: AuthChallenge | undefined;
  readonly #tokens = new Map<string, CachedToken>();
  readonly #tokenFetches = new Map<string, Promise<CachedToken>>();
  readonly #stats: RegistryStats = { requests: 0, byKind: { tags: 0, manifestHead: 0, manifestGet: 0, token: 0 }, failures: 0 };

  constructor(options: SessionOptions) {
    this.#options = options;
    this.config = options.config;
    this.server = options.config.server;
    if (options.config.credentials !== undefined) options.masker.addCredentials(options.config.credentials);
    this.#scheme = options.config.insecure === true ? 'http' : 'https';
    this.#address = options.address ?? apiHost(this.server);
    // A mapped server is a local stand-in: its own challenge applies, not the real one's token service.
    this.#challenge = options.address === undefined ? KNOWN_CHALLENGES[this.server] : undefined;
    this.gate = new RateLimitGate(options.config.rateLimitReserve ?? DEFAULT_RESERVE);
    const concurrency = options.config.concurrency ?? DEFAULT_CONCURRENCY;
    this.#bulkhead = bulkhead(concurrency, Number.POSITIVE_INFINITY);
    this.#transport = new Transport({
      registry: this.server,
      connections: concurrency,
      timeoutMs: options.timeoutMs,
      masker: options.masker,
      ...(options.config.ca === undefined ? {} : { ca: options.config.ca }),
    });
  }

  get tagListTTLMs(): number {
    return this.config.tagListTTLMs ?? DEFAULT_TAG_LIST_TTL_MS;
  }

  stats(): RegistryStats {
    return { ...this.#stats, byKind: { ...this.#stats.byKind } };
  }

  async close(): Promise<void> {
    await this.#transport.close();
  }

  /** Sends one request (authenticating, within budget and concurrency); resolves with a 2xx answer or throws. */
  async request(request: SessionRequest): Promise<HttpAnswer> {
    try {
      return await this.#bulkhead.execute(() => this.#authenticated(request), request.signal);
    } catch (error) {
      this.#stats.failures += 1;
      this.#stats.lastError = error instanceof Error ? this.#options.masker.mask(error.message) : String(error);
      throw error;
    }
  }

  async #authenticated(request: SessionRequest): Promise<HttpAnswer> {
    if (this.#scheme === 'http' && !isLoopbackServer(this.#address)) {
      throw this.#error('config', 'plain HTTP (insecure) is allowed only for a loopback server');
    }
    let refreshedAuth = false;
    for (let attempt = 0; ; attempt += 1) {
      await this.#admit(request);
      const authorization = await this.#authorization(request.repository, request.signal, refreshedAuth);
      const answer = await this.#send(request, authorization);
      this.gate.observe(answer.headers, this.#options.clock.now());
      if (answer.status === 401 && !refreshedAuth) {
        const challenge = parseChallenge(answer.headers['www-authenticate']);
        if (challenge !== undefined) {
          this.#challenge = { scheme: challenge.scheme, ...(challenge.realm === undefined ? {} : { realm: challenge.realm }), ...(challenge.service === undefined ? {} : { service: challenge.service }) };
          if (challenge.scheme === 'basic' && this.config.credentials === undefined) {
            throw this.#error('unauthorized', `${request.method} ${request.path}: HTTP 401: the registry wants Basic credentials and none are configured for it`, { status: 401 });
          }
          refreshedAuth = true;
          attempt -= 1;
          continue;
        }
      }
      if (answer.status === 429) {
        const now = this.#options.clock.now();
        const retryAt = parseRetryAfter(headerValue(answer.headers['retry-after']), now) ?? now + Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
        this.gate.blockUntil(retryAt, now);
        if (attempt < this.#options.maxRetries && retryAt - now <= this.#options.maxRetryDelayMs) {
          await this.#options.clock.sleep(retryAt - now, request.signal);
          continue;
        }
        throw this.#error('rate_limited', `${request.method} ${request.path}: HTTP 429 Too Many Requests${attempt > 0 ? ` after ${attempt} retries` : ''}; retry after ${new Date(retryAt).toISOString()}`, { status: 429, retryAt });
      }
      if (answer.status >= 200 && answer.status < 300) return answer;
      throw this.#statusError(request, answer, authorization !== undefined);
    }
  }

  async #admit(request: SessionRequest): Promise<void> {
    for (;;) {
      const now = this.#options.clock.now();
      const admission = this.gate.admit(request.purpose, now);
      if (admission.admitted) return;
      const { retryAt } = admission;
      if (retryAt !== undefined && retryAt - now <= this.#options.waitForQuotaMs) {
        await this.#options.clock.sleep(Math.max(0, retryAt - now), request.signal);
        continue;
      }
      const reserve = this.gate.reserve[request.purpose];
      throw this.#error('rate_limited', `request budget down to the ${request.purpose} reserve of ${reserve}${retryAt === undefined ? '' : `; it resets at ${new Date(retryAt).toISOString()}`}`, retryAt === undefined ? {} : { retryAt });
    }
  }

  async #send(request: SessionRequest, authorization: string | undefined): Promise<HttpAnswer> {
    const headers: Record<string, string> = { 'user-agent': this.#options.userAgent };
    if (request.accept !== undefined) headers.accept = request.accept;
    if (authorization !== undefined) headers.authorization = authorization;
    for (;;) {
      // The scheme of this attempt: concurrent first requests all try HTTPS, and each falls back on its own.
      const scheme = this.#scheme;
      const url = new URL(`${scheme}://${this.#address}${request.path}`);
      this.#count(request.kind);
      try {
        return await this.#transport.exchange({ method: request.method, url, headers, maxBodyBytes: this.#options.maxBodyBytes, ...(request.signal === undefined ? {} : { signal: request.signal }) });
      } catch (error) {
        // As Docker does for registries on loopback: HTTPS first, plain HTTP when the server answers in plain HTTP.
        if (scheme === 'https' && isLoopbackServer(this.#address) && Transport.isPlainHttpPeer(error)) {
          this.#scheme = 'http';
          // A TLS handshake a plain HTTP server refused carried no request: it is not counted.
          this.#stats.byKind[request.kind] -= 1;
          this.#stats.requests -= 1;
          continue;
        }
        throw error;
      }
    }
  }

  #count(kind: RequestKind): void {
    this.#stats.byKind[kind] += 1;
    if (kind !== 'token') this.#stats.requests += 1;
    this.#stats.lastRequestAt = this.#options.clock.now();
  }

  async #authorization(repository: string, signal: AbortSignal | undefined, refresh: boolean): Promise<string | undefined> {
    const challenge = this.#challenge;
    const credentials = this.config.credentials;
    if (challenge === undefined) return undefined;
    if (challenge.scheme === 'basic') return credentials === undefined ? undefined : basicAuthorization(credentials);
    const scope = `repository:${repository}:pull`;
    const cached = this.#tokens.get(scope);
    if (!refresh && cached !== undefined && cached.expiresAt > this.#options.clock.now()) return `Bearer ${cached.token}`;
    let fetching = this.#tokenFetches.get(scope);
    if (fetching === undefined) {
      fetching = this.#fetchToken(challenge, scope, signal).finally(() => this.#tokenFetches.delete(scope));
      this.#tokenFetches.set(scope, fetching);
    }
    const token = await fetching;
    this.#tokens.set(scope, token);
    return `Bearer ${token.token}`;
  }

  async #fetchToken(challenge: AuthChallenge, scope: string, signal: AbortSignal | undefined): Promise<CachedToken> {
    if (challenge.realm === undefined) throw this.#error('bad_response', 'Bearer challenge without a realm');
    let realm: URL;
    try {
      realm = new URL(challenge.realm);
    } catch {
      throw this.#error('bad_response', `Bearer challenge with an invalid realm ${JSON.stringify(challenge.realm)}`);
    }
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && isLoopbackServer(realm.host))) {
      throw this.#error('config', `token realm ${realm.origin} is not HTTPS (plain HTTP is allowed only on loopback)`);
    }
    if (challenge.service !== undefined) realm.searchParams.set('service', challenge.service);
    realm.searchParams.set('scope', scope);
    const credentials = this.config.credentials;
    const headers: Record<string, string> = { 'user-agent': this.#options.userAgent };
    if (credentials !== undefined) {
      realm.searchParams.set('account', credentials.username);
      headers.authorization = basicAuthorization(credentials);
    }
    this.#count('token');
    const answer = await this.#transport.exchange({ method: 'GET', url: realm, headers, maxBodyBytes: 1024 * 1024, ...(signal === undefined ? {} : { signal }) });
    const where = `token service ${realm.origin}${realm.pathname}`;
    if (answer.status === 401 || answer.status === 403) {
      throw this.#error('unauthorized', `${where} refused ${credentials === undefined ? 'anonymous access' : `the credentials of ${credentials.username}`} (HTTP ${answer.status})`, { status: answer.status });
    }
    if (answer.status !== 200) throw this.#error(answer.status >= 500 ? 'server_error' : 'bad_response', `${where} answered HTTP ${answer.status}`, { status: answer.status });
    const body = answer.body ?? '';
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw this.#error('bad_response', `${where} answered something that is not JSON (${describeBody(body)})`);
    }
    const token = tokenFrom(parsed);
    if (token === undefined) throw this.#error('bad_response', `${where} answered JSON without a token`);
    this.#options.masker.add(token.token);
    const now = this.#options.clock.now();
    const issuedAt = token.issuedAt === undefined ? now : Math.min(now, token.issuedAt);
    const lifetimeMs = (token.expiresIn ?? TOKEN_DEFAULT_LIFETIME_S) * 1000;
    // Renew a little early, so that a token never expires between our check and the registry's.
    return { token: token.token, expiresAt: issuedAt + lifetimeMs - Math.min(30_000, lifetimeMs / 10) };
  }

  #statusError(request: SessionRequest, answer: HttpAnswer, authenticated: boolean): RegistryError {
    const what = `${request.method} ${request.path}`;
    const detail = registryErrorDetail(answer);
    const status = answer.status;
    if (status === 401 || status === 403) {
      const hint = this.config.credentials === undefined && !authenticated ? ' (no credentials configured for this registry)' : '';
      return this.#error('unauthorized', `${what}: HTTP ${status}${detail}${hint}`, { status });
    }
    if (status === 404) return this.#error('not_found', `${what}: HTTP 404${detail}`, { status });
    if (status >= 500) return this.#error('server_error', `${what}: HTTP ${status}${detail}`, { status });
    if (status >= 300 && status < 400) return this.#error('bad_response', `${what}: HTTP ${status} redirect (not followed for manifests and tag lists)`, { status });
    return this.#error('bad_response', `${what}: HTTP ${status}${detail}`, { status });
  }

  #error(code: RegistryError['code'], message: string, extra: { status?: number; retryAt?: number } = {}): RegistryError {
    return new RegistryError({ code, registry: this.server, message: this.#options.masker.mask(message), ...extra });
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function tokenFrom(parsed: unknown): { token: string; expiresIn?: number; issuedAt?: number } | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const token = 'token' in parsed && typeof parsed.token === 'string' && parsed.token !== '' ? parsed.token : 'access_token' in parsed && typeof parsed.access_token === 'string' && parsed.access_token !== '' ? parsed.access_token : undefined;
  if (token === undefined) return undefined;
  const expiresIn = 'expires_in' in parsed && typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : undefined;
  const issued = 'issued_at' in parsed && typeof parsed.issued_at === 'string' ? Date.parse(parsed.issued_at) : Number.NaN;
  return { token, ...(expiresIn === undefined ? {} : { expiresIn }), ...(Number.isNaN(issued) ? {} : { issuedAt: issued }) };
}

/** ` MANIFEST_UNKNOWN: manifest unknown` from the registry's error JSON, or a description of what came instead. */
function registryErrorDetail(answer: HttpAnswer): string {
  const body = answer.body ?? '';
  if (body.trim() === '') return '';
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'errors' in parsed && Array.isArray(parsed.errors)) {
      const first: unknown = parsed.errors[0];
      if (typeof first === 'object' && first !== null) {
        const code = 'code' in first && typeof first.code === 'string' ? first.code : '';
        const message = 'message' in first && typeof first.message === 'string' ? first.message : '';
        return ` ${code}${code !== '' && message !== '' ? ': ' : ''}${message}`;
      }
    }
  } catch {
    // Not JSON: described below.
  }
  return ` (${describeBody(body)})`;
}
