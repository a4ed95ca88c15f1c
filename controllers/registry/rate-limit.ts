// A registry's request budget, read from its answers: Docker Hub's `RateLimit-Limit: 100;w=21600` and
// `RateLimit-Remaining: 76;w=21600`, the IETF draft's `RateLimit-Reset`, GitHub-style `X-RateLimit-Limit/-Remaining/
// -Reset`, and `Retry-After` on a 429. The gate keeps a reserve (10 for scheduled scans, 2 for manual checks by
// default) so that a person can still check a container when a scan has used the budget up.

export type RequestPurpose = 'scheduled' | 'manual';

export interface RateLimitState {
  limit?: number;
  remaining?: number;
  windowSeconds?: number;
  /** When the window resets (epoch ms), if the registry said or the window implies it. */
  reset?: number;
  /** When these figures were read (epoch ms). */
  observedAt: number;
}

export type RateLimitHealth = 'ok' | 'low' | 'exhausted' | 'unknown';

export type HeaderValues = Record<string, string | string[] | undefined>;

function header(headers: HeaderValues, name: string): string | undefined {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** `100;w=21600` → {value 100, window 21600}; also accepts a bare number. */
function parseQuota(value: string | undefined): { value: number; window?: number } | undefined {
  if (value === undefined) return undefined;
  const [head, ...params] = value.split(';').map((part) => part.trim());
  if (head === undefined || !/^\d+$/.test(head)) return undefined;
  const window = params.map((param) => /^w=(\d+)$/.exec(param)?.[1]).find((found) => found !== undefined);
  return { value: Number(head), ...(window === undefined ? {} : { window: Number(window) }) };
}

/** A reset header: delta seconds, or epoch seconds when it is obviously a timestamp (GitHub). */
function parseReset(value: string | undefined, now: number): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  const seconds = Number(value.trim());
  return seconds > 1_000_000_000 ? seconds * 1000 : now + seconds * 1000;
}

/** The quota figures of one answer, or undefined when it carries none. */
export function parseRateLimitHeaders(headers: HeaderValues, now: number): RateLimitState | undefined {
  const limit = parseQuota(header(headers, 'ratelimit-limit') ?? header(headers, 'x-ratelimit-limit'));
  const remaining = parseQuota(header(headers, 'ratelimit-remaining') ?? header(headers, 'x-ratelimit-remaining'));
  const reset = parseReset(header(headers, 'ratelimit-reset') ?? header(headers, 'x-ratelimit-reset'), now);
  if (limit === undefined && remaining === undefined) return undefined;
  const windowSeconds = limit?.window ?? remaining?.window;
  return {
    observedAt: now,
    ...(limit === undefined ? {} : { limit: limit.value }),
    ...(remaining === undefined ? {} : { remaining: remaining.value }),
    ...(windowSeconds === undefined ? {} : { windowSeconds }),
    ...(reset === undefined ? {} : { reset }),
  };
}

/** `Retry-After` as an instant (epoch ms): seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return now + Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(now, date);
}

/** exhausted at 0 remaining, low under 20 % of the limit, ok otherwise, unknown without figures. */
export function rateLimitHealth(state: RateLimitState | undefined): RateLimitHealth {
  if (state?.remaining === undefined) return 'unknown';
  if (state.remaining <= 0) return 'exhausted';
  if (state.limit !== undefined && state.limit > 0 && state.remaining < state.limit * 0.2) return 'low';
  return 'ok';
}

export interface RateLimitReserve {
  scheduled: number;
  manual: number;
}

export const DEFAULT_RESERVE: RateLimitReserve = { scheduled: 10, manual: 2 };
/** Figures without a reset or a window are trusted this long. */
const UNDATED_FIGURES_MS = 15 * 60_000;

/** The budget of one registry: what its last answer said, minus what we have asked since. */
export class RateLimitGate {
  readonly reserve: RateLimitReserve;
  #state: RateLimitState | undefined;
  /** Requests started since the figures were read: each may have used one. */
  #startedSince = 0;
  #blockedUntil = 0;

  constructor(reserve: RateLimitReserve = DEFAULT_RESERVE) {
    this.reserve = reserve;
  }

  /** The figures as last read, with remaining lowered by the requests made since. */
  snapshot(now: number): RateLimitState | undefined {
    const state = this.#current(now);
    if (state === undefined) return undefined;
    return state.remaining === undefined ? { ...state } : { ...state, remaining: Math.max(0, state.remaining - this.#startedSince) };
  }

  observe(headers: HeaderValues, now: number): void {
    const figures = parseRateLimitHeaders(headers, now);
    if (figures === undefined) return;
    if (figures.reset === undefined && figures.windowSeconds !== undefined && this.#state?.reset !== undefined && this.#state.reset > now) {
      figures.reset = this.#state.reset;
    }
    this.#state = figures;
    this.#startedSince = 0;
  }

  /** After a 429: nothing more until `until` (epoch ms), and the budget is spent. */
  blockUntil(until: number, now: number): void {
    this.#blockedUntil = Math.max(this.#blockedUntil, until);
    this.#state = { ...(this.#state ?? {}), observedAt: now, remaining: 0, reset: this.#blockedUntil };
    this.#startedSince = 0;
  }

  /**
   * Whether a request for `purpose` may go now; if not, until when to wait (undefined = unknown). Requests are
   * counted when they start, so that concurrent ones do not all spend the same last unit of budget.
   */
  admit(purpose: RequestPurpose, now: number): { admitted: true } | { admitted: false; retryAt: number | undefined } {
    if (now < this.#blockedUntil) return { admitted: false, retryAt: this.#blockedUntil };
    const state = this.snapshot(now);
    if (state?.remaining !== undefined && state.remaining <= this.reserve[purpose]) {
      return { admitted: false, retryAt: this.#expiry(state) };
    }
    this.#startedSince += 1;
    return { admitted: true };
  }

  #current(now: number): RateLimitState | undefined {
    const state = this.#state;
    if (state === undefined) return undefined;
    if (now >= this.#expiry(state)) {
      this.#state = undefined;
      this.#startedSince = 0;
      return undefined;
    }
    return state;
  }

  #expiry(state: RateLimitState): number {
    if (state.reset !== undefined) return state.reset;
    if (state.windowSeconds !== undefined) return state.observedAt + state.windowSeconds * 1000;
    return state.observedAt + UNDATED_FIGURES_MS;
  }
}
