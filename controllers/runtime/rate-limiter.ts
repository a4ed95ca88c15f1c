// How long a failed key waits before it is retried: client-go's DefaultTypedControllerRateLimiter
// (util/workqueue/default_rate_limiters.go), the slower of a per-key exponential backoff and a global token bucket.
// Written here rather than taken from a library: it is forty lines, and must run on the injected Clock.
import type { Clock } from './clock.ts';

export interface RateLimiter<K = string> {
  /** How long `key` should wait before its next attempt (and counts this attempt). */
  when(key: K): number;
  /** Resets `key`'s history: the next failure starts from the base delay again. */
  forget(key: K): void;
  /** How many times `key` has been rate-limited since it was last forgotten. */
  numRequeues(key: K): number;
}

export interface ExponentialBackoffOptions {
  /** The first delay. Default 5 ms. */
  baseDelayMs?: number;
  /** The longest delay. Default 1,000 s. */
  maxDelayMs?: number;
}

/** base · 2^failures per key, capped (ItemExponentialFailureRateLimiter). */
export class ExponentialBackoff<K = string> implements RateLimiter<K> {
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #failures = new Map<K, number>();

  constructor(options: ExponentialBackoffOptions = {}) {
    this.#baseDelayMs = options.baseDelayMs ?? 5;
    this.#maxDelayMs = options.maxDelayMs ?? 1_000_000;
  }

  when(key: K): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    // 2^failures overflows to Infinity long after the cap; Math.min keeps the result finite.
    return Math.min(this.#baseDelayMs * 2 ** failures, this.#maxDelayMs);
  }

  forget(key: K): void {
    this.#failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.#failures.get(key) ?? 0;
  }
}

export interface TokenBucketOptions {
  clock: Clock;
  /** Tokens added per second. Default 10. */
  qps?: number;
  /** The bucket's size: how many retries may go at once after a quiet period. Default 100. */
  burst?: number;
}

/**
 * A global token bucket over every key (BucketRateLimiter over golang.org/x/time/rate): each retry reserves a token;
 * once the bucket is empty, reservations queue up behind each other at `qps`.
 */
export class TokenBucket<K = string> implements RateLimiter<K> {
  readonly #clock: Clock;
  readonly #qps: number;
  readonly #burst: number;
  /** May go negative: tokens already promised to reservations that wait. */
  #tokens: number;
  #updatedAt: number;

  constructor(options: TokenBucketOptions) {
    this.#clock = options.clock;
    this.#qps = options.qps ?? 10;
    this.#burst = options.burst ?? 100;
    this.#tokens = this.#burst;
    this.#updatedAt = this.#clock.now();
  }

  when(_key: K): number {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#updatedAt) / 1000) * this.#qps);
    this.#updatedAt = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#qps) * 1000;
  }

  forget(_key: K): void {}

  numRequeues(_key: K): number {
    return 0;
  }
}

/** The longest wait any of `limiters` asks for (MaxOfRateLimiter). */
export class MaxOf<K = string> implements RateLimiter<K> {
  readonly #limiters: readonly RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    this.#limiters = limiters;
  }

  when(key: K): number {
    return Math.max(0, ...this.#limiters.map((limiter) => limiter.when(key)));
  }

  forget(key: K): void {
    for (const limiter of this.#limiters) limiter.forget(key);
  }

  numRequeues(key: K): number {
    return Math.max(0, ...this.#limiters.map((limiter) => limiter.numRequeues(key)));
  }
}

/** Per-key backoff 5 ms → 1,000 s under a global 10 qps / burst 100 bucket: client-go's controller default. */
export function defaultControllerRateLimiter<K = string>(clock: Clock): RateLimiter<K> {
  return new MaxOf<K>(new ExponentialBackoff<K>(), new TokenBucket<K>({ clock }));
}
