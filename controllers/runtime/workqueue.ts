// The work queue of every controller, with client-go's semantics (util/workqueue/queue.go, delaying_queue.go,
// rate_limiting_queue.go) in one class: a key waits at most once however often it is added (bursts coalesce), and a
// key being processed is never handed to a second worker; added meanwhile, it is queued again when `done` is called.
// Delayed and rate-limited adds run on the injected clock.
import { systemClock, type Clock, type Timer } from './clock.ts';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.ts';

export interface WorkQueueMetrics {
  /** Called with the number of keys waiting (not processing) whenever it changes. */
  setDepth(depth: number): void;
  /** Called once per `addRateLimited`. */
  incRetries(): void;
}

export interface WorkQueueOptions<K> {
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: defaultControllerRateLimiter (5 ms → 1,000 s per key, 10 qps / burst 100 overall) on `clock`. */
  rateLimiter?: RateLimiter<K>;
  metrics?: WorkQueueMetrics;
}

interface DelayedAdd {
  dueAt: number;
  timer: Timer;
}

export class WorkQueue<K = string> {
  readonly #clock: Clock;
  readonly #rateLimiter: RateLimiter<K>;
  readonly #metrics: WorkQueueMetrics | undefined;
  /** Keys waiting for a worker, in order. A key is here at most once. */
  #queue: K[] = [];
  #head = 0;
  /** Keys that need processing: waiting in #queue, or added again while processing. */
  readonly #dirty = new Set<K>();
  /** Keys a worker holds (between `get` and `done`). */
  readonly #processing = new Set<K>();
  readonly #delayed = new Map<K, DelayedAdd>();
  #getters: ((key: K | undefined) => void)[] = [];
  #drainWaiters: (() => void)[] = [];
  #shuttingDown = false;

  constructor(options: WorkQueueOptions<K> = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter<K>(this.#clock);
    this.#metrics = options.metrics;
  }

  /** Marks `key` as needing processing. Does nothing after shutDown. */
  add(key: K): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return; // queued again by done()
    this.#enqueue(key);
  }

  /** Adds `key` after `delayMs`; while one add of a key waits, only the earliest is kept. */
  addAfter(key: K, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const dueAt = this.#clock.now() + delayMs;
    const waiting = this.#delayed.get(key);
    if (waiting !== undefined) {
      if (waiting.dueAt <= dueAt) return;
      waiting.timer.cancel();
    }
    const timer = this.#clock.setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.#delayed.set(key, { dueAt, timer });
  }

  /** Adds `key` after the delay the rate limiter gives it (its backoff grows with each call until `forget`). */
  addRateLimited(key: K): void {
    if (this.#shuttingDown) return;
    this.#metrics?.incRetries();
    this.addAfter(key, this.#rateLimiter.when(key));
  }

  /** Ends `key`'s backoff: call it when the key was processed successfully (or will never be retried). */
  forget(key: K): void {
    this.#rateLimiter.forget(key);
  }

  /** How many rate-limited retries `key` has had since it was last forgotten. */
  numRequeues(key: K): number {
    return this.#rateLimiter.numRequeues(key);
  }

  /**
   * The next key to process, waiting for one if need be. The caller owns it until `done(key)`. Resolves undefined once
   * the queue is shut down and no key waits: after shutDown, keys already waiting are still handed out (drain).
   */
  get(): Promise<K | undefined> {
    if (this.#head < this.#queue.length) return Promise.resolve(this.#take());
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Releases `key` after processing; if it was added meanwhile, it is queued again. */
  done(key: K): void {
    if (!this.#processing.delete(key)) return;
    // Added before shutDown while it was processing: still owed a pass, as in client-go (drain).
    if (this.#dirty.has(key)) this.#enqueue(key);
    this.#checkDrained();
  }

  /** Keys waiting for a worker. */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  /** Keys a worker holds right now. */
  get processing(): number {
    return this.#processing.size;
  }

  /** Keys waiting for a delayed or rate-limited add. */
  get delayed(): number {
    return this.#delayed.size;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /**
   * Stops taking keys: adds are ignored, delayed adds are dropped, waiting `get`s resolve undefined once the keys
   * already queued are handed out. Idempotent.
   */
  shutDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const waiting of this.#delayed.values()) waiting.timer.cancel();
    this.#delayed.clear();
    if (this.length === 0) {
      const getters = this.#getters;
      this.#getters = [];
      for (const resolve of getters) resolve(undefined);
    }
    this.#checkDrained();
  }

  /** Resolves once the queue is shut down, empty, and every key handed out is done. */
  drained(): Promise<void> {
    if (this.#isDrained()) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  /** shutDown, then wait until every queued and processing key is done (ShutDownWithDrain). */
  async shutDownWithDrain(): Promise<void> {
    this.shutDown();
    await this.drained();
  }

  #enqueue(key: K): void {
    const getter = this.#getters.shift();
    if (getter !== undefined) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      getter(key);
      return;
    }
    this.#queue.push(key);
    this.#metrics?.setDepth(this.length);
  }

  #take(): K {
    const key = this.#queue[this.#head++] as K;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    this.#dirty.delete(key);
    this.#processing.add(key);
    this.#metrics?.setDepth(this.length);
    if (this.#shuttingDown && this.length === 0) {
      const getters = this.#getters;
      this.#getters = [];
      for (const resolve of getters) resolve(undefined);
    }
    return key;
  }

  #isDrained(): boolean {
    return this.#shuttingDown && this.length === 0 && this.#processing.size === 0;
  }

  #checkDrained(): void {
    if (!this.#isDrained()) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
