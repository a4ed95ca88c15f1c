// One controller: a work queue of keys fed by informer events (and by anything else that calls enqueue), and N
// workers that take a key, reconcile it, and decide from the outcome what happens next (controller-runtime
// pkg/internal/controller/controller.go, sample-controller's processNextWorkItem). A worker never dies: a throw, a
// rejected promise or a pass that overruns its time limit becomes an error outcome, and the worker takes the next key.
import { pino, type Logger } from 'pino';
import type { ResourceObject } from '../../apiserver/resources/client.ts';
import { deadline, systemClock, type Clock, type Timer } from './clock.ts';
import type { Informer } from './informer.ts';
import { keyOf } from './keys.ts';
import type { ControllerMetrics } from './metrics.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { isTerminalError, type ReconcileContext, type ReconcileOutcome, type ReconcileResult, type Reconciler } from './reconciler.ts';
import { WorkQueue } from './workqueue.ts';

export interface ControllerOptions {
  /** Names the controller in logs and metrics, e.g. "host". */
  name: string;
  reconciler: Reconciler;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: silent. */
  logger?: Logger;
  /** Default: none recorded. */
  metrics?: ControllerMetrics;
  /** How many keys are reconciled at once (never the same key twice). Default 1. */
  workers?: number;
  /** The time limit of one pass: its signal aborts then. Default 60 s. */
  reconcileTimeoutMs?: number;
  /**
   * How long a worker waits, after a pass's signal aborted, for a pass that ignores it before taking other keys. The
   * abandoned pass's key stays held (no second pass of it starts) until it settles. Default 5 s.
   */
  abandonAfterMs?: number;
  /** The queue's rate limiter, made anew each time the controller starts. Default: client-go's controller default. */
  rateLimiter?: (clock: Clock) => RateLimiter<string>;
  /**
   * Whether the object a key names still exists. When a pass fails and this says no, the key is done (the object is
   * gone; its deletion is the last word). Default: the cache of the first informer passed to watch() with no mapping.
   */
  exists?: (key: string) => boolean;
  /** Enqueue every key of every watched informer this often (a safety net for missed changes). Default: never. */
  resyncIntervalMs?: number;
}

export interface StopOptions {
  /** How long queued and in-flight passes may finish before in-flight ones are aborted. Default 0: abort at once. */
  graceMs?: number;
}

/** Maps an object to the keys of this controller it concerns (its owner, the containers of a host, ...). */
export type KeyMapper<T extends ResourceObject> = (object: T) => string | readonly string[] | undefined;

export interface WatchOptions<T extends ResourceObject> {
  /**
   * Which updates enqueue (adds and deletes always do, and start() enqueues every object). Default: every update.
   * `generationChanged` keeps a controller from waking itself up with its own status writes.
   */
  updateFilter?: (oldObject: T, newObject: T) => boolean;
}

/**
 * An update filter that passes only spec changes (a new metadata.generation), not status or metadata writes
 * (controller-runtime's predicate.GenerationChangedPredicate).
 */
export function generationChanged(oldObject: ResourceObject, newObject: ResourceObject): boolean {
  return oldObject.metadata.generation !== newObject.metadata.generation;
}

interface Source {
  keys(): string[];
}

interface Run {
  queue: WorkQueue<string>;
  /** Aborts in-flight passes: the grace period ended, or leadership was lost. */
  abort: AbortController;
  workers: Promise<void>[];
  resyncTimer: Timer | undefined;
}

export class Controller {
  readonly name: string;
  readonly #options: ControllerOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #abandonAfterMs: number;
  readonly #sources: Source[] = [];
  #exists: ((key: string) => boolean) | undefined;
  #run: Run | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#logger = (options.logger ?? pino({ level: 'silent' })).child({ controller: options.name });
    this.#timeoutMs = options.reconcileTimeoutMs ?? 60_000;
    this.#abandonAfterMs = options.abandonAfterMs ?? 5_000;
    this.#exists = options.exists;
    options.metrics?.initController(options.name);
  }

  /**
   * Enqueues the key of every object of `informer` that is added, changed or deleted (through `map`, default the
   * object's own key; on an update, the keys of both states) and let through `options.updateFilter`. Handlers only
   * enqueue: reconcile does the work.
   */
  watch<T extends ResourceObject>(informer: Informer<T>, map?: KeyMapper<T>, options: WatchOptions<T> = {}): void {
    const keysOf = (object: T): readonly string[] => {
      const keys = map === undefined ? keyOf(object) : map(object);
      return keys === undefined ? [] : typeof keys === 'string' ? [keys] : keys;
    };
    const enqueueAll = (object: T): void => {
      for (const key of keysOf(object)) this.enqueue(key);
    };
    informer.addEventHandler({
      onAdd: enqueueAll,
      onUpdate: (oldObject, newObject) => {
        if (options.updateFilter !== undefined && !options.updateFilter(oldObject, newObject)) return;
        // Each key once: a key handed straight to an idle worker and added again would get a second pass.
        for (const key of new Set([...keysOf(oldObject), ...keysOf(newObject)])) this.enqueue(key);
      },
      onDelete: enqueueAll,
    });
    this.#sources.push({ keys: () => [...new Set(informer.lister.list().flatMap((object) => keysOf(object)))] });
    if (map === undefined && this.#exists === undefined) this.#exists = (key) => informer.lister.get(key) !== undefined;
  }

  /** Asks for a pass over `key`. Ignored while the controller is not running (start() enqueues every known key). */
  enqueue(key: string): void {
    this.#run?.queue.add(key);
  }

  /** Asks for a pass over `key` in `delayMs`. */
  enqueueAfter(key: string, delayMs: number): void {
    this.#run?.queue.addAfter(key, delayMs);
  }

  get running(): boolean {
    return this.#run !== undefined;
  }

  /** The current run's queue (undefined while stopped); for tests and diagnostics. */
  get queue(): WorkQueue<string> | undefined {
    return this.#run?.queue;
  }

  /**
   * Starts the workers with a fresh queue holding every key the watched informers know (level-based: a new leader
   * looks at everything). `leadership`, when given, aborts in-flight passes the moment it aborts.
   */
  start(leadership?: AbortSignal): void {
    if (this.#run !== undefined) throw new Error(`controller ${this.name} is already running`);
    const queue = new WorkQueue<string>({
      clock: this.#clock,
      ...(this.#options.rateLimiter === undefined ? {} : { rateLimiter: this.#options.rateLimiter(this.#clock) }),
      ...(this.#options.metrics === undefined ? {} : { metrics: this.#options.metrics.queueMetrics(this.name) }),
    });
    const abort = new AbortController();
    const signal = leadership === undefined ? abort.signal : AbortSignal.any([abort.signal, leadership]);
    const run: Run = { queue, abort, workers: [], resyncTimer: undefined };
    this.#run = run;
    this.#enqueueEverything(queue);
    const workers = Math.max(1, this.#options.workers ?? 1);
    for (let index = 0; index < workers; index++) run.workers.push(this.#worker(queue, signal));
    this.#scheduleResync(run);
    this.#logger.info({ workers, queued: queue.length }, 'controller started');
  }

  /**
   * Stops taking keys; lets queued and in-flight passes finish for `graceMs`, then aborts the in-flight ones and
   * waits for them to settle. Resolves when every worker has returned.
   */
  async stop(options: StopOptions = {}): Promise<void> {
    if (this.#stopping !== undefined) return await this.#stopping;
    const run = this.#run;
    if (run === undefined) return;
    this.#stopping = this.#stop(run, options.graceMs ?? 0).finally(() => {
      this.#run = undefined;
      this.#stopping = undefined;
    });
    await this.#stopping;
  }

  async #stop(run: Run, graceMs: number): Promise<void> {
    run.resyncTimer?.cancel();
    run.queue.shutDown();
    const workers = Promise.all(run.workers);
    if (graceMs > 0) {
      const grace = new AbortController();
      const inTime = await Promise.race([
        workers.then(() => true),
        this.#clock.sleep(graceMs, grace.signal).then(() => false, () => false),
      ]);
      grace.abort();
      if (!inTime) this.#logger.warn({ graceMs, processing: run.queue.processing }, 'grace period over: aborting in-flight passes');
    }
    run.abort.abort(new DOMException(`controller ${this.name} is stopping`, 'AbortError'));
    await workers;
    this.#logger.info('controller stopped');
  }

  #enqueueEverything(queue: WorkQueue<string>): void {
    for (const source of this.#sources) for (const key of source.keys()) queue.add(key);
  }

  #scheduleResync(run: Run): void {
    const interval = this.#options.resyncIntervalMs;
    if (interval === undefined || interval <= 0) return;
    run.resyncTimer = this.#clock.setTimeout(() => {
      if (this.#run !== run || run.queue.shuttingDown) return;
      this.#enqueueEverything(run.queue);
      this.#scheduleResync(run);
    }, interval);
  }

  async #worker(queue: WorkQueue<string>, stopSignal: AbortSignal): Promise<void> {
    for (;;) {
      // Once in-flight passes are aborted, queued keys are left for the next run (or the next leader).
      if (stopSignal.aborted) return;
      const key = await queue.get();
      if (key === undefined) return;
      if (stopSignal.aborted) {
        queue.done(key);
        return;
      }
      await this.#process(queue, key, stopSignal);
      // A pass made only of promise continuations (a fake, a cache hit) never yields to the event loop by itself: a
      // hot key would starve timers, I/O and the HTTP server. One turn of the loop per pass keeps everyone served.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** One pass over `key`, and what its outcome means for the queue. Never throws. */
  async #process(queue: WorkQueue<string>, key: string, stopSignal: AbortSignal): Promise<void> {
    const started = performance.now();
    const limit = deadline(this.#clock, this.#timeoutMs);
    const signal = AbortSignal.any([limit.signal, stopSignal]);
    const context: ReconcileContext = { key, signal, logger: this.#logger.child({ key }), clock: this.#clock };
    // A synchronous throw inside reconcile() becomes a rejection here, like an async one.
    const pass = new Promise<ReconcileResult | void>((resolve) => resolve(this.#options.reconciler.reconcile(context, key)));
    let outcome: ReconcileOutcome;
    try {
      const settled = await this.#settleOrAbandon(pass, signal);
      if (settled.abandoned) {
        context.logger.error({ abandonAfterMs: this.#abandonAfterMs }, 'reconcile ignored its abort signal: moving on; the key stays held until it settles');
        void pass.then(
          () => queue.done(key),
          () => queue.done(key),
        );
        queue.addRateLimited(key);
        outcome = 'error';
        this.#options.metrics?.recordReconcile(this.name, outcome, (performance.now() - started) / 1000);
        return;
      }
      outcome = await this.#afterPass(queue, key, context, settled.result);
    } finally {
      limit.cancel();
    }
    queue.done(key);
    this.#options.metrics?.recordReconcile(this.name, outcome, (performance.now() - started) / 1000);
  }

  async #afterPass(queue: WorkQueue<string>, key: string, context: ReconcileContext, result: PromiseSettledResult<ReconcileResult | void>): Promise<ReconcileOutcome> {
    if (result.status === 'fulfilled') {
      queue.forget(key);
      const requeueAfter = result.value?.requeueAfter;
      if (requeueAfter !== undefined && Number.isFinite(requeueAfter) && requeueAfter >= 0) {
        queue.addAfter(key, requeueAfter);
        return 'requeue';
      }
      return 'success';
    }
    const error: unknown = result.reason;
    if (isTerminalError(error)) {
      try {
        await this.#options.reconciler.onTerminalError?.(context, key, error);
      } catch (recordError) {
        context.logger.error({ err: recordError, terminal: error }, 'could not record a terminal error: retrying');
        queue.addRateLimited(key);
        return 'error';
      }
      context.logger.warn({ err: error, reason: error.reason }, 'terminal error: not retried until the object changes');
      queue.forget(key);
      return 'terminal';
    }
    if (this.#objectGone(key)) {
      context.logger.debug({ err: error }, 'pass failed, but the object is gone: done');
      queue.forget(key);
      return 'success';
    }
    context.logger.error({ err: error, retries: queue.numRequeues(key) }, 'reconcile failed: retrying with backoff');
    queue.addRateLimited(key);
    return 'error';
  }

  /** Whether the key's object is known to be gone (a throwing `exists` is a bug: it counts as "not known"). */
  #objectGone(key: string): boolean {
    try {
      return this.#exists !== undefined && !this.#exists(key);
    } catch (error) {
      this.#logger.error({ err: error, key }, 'exists() threw');
      return false;
    }
  }

  /** The pass's result; or `abandoned` when `signal` aborted and the pass still ran `abandonAfterMs` later. */
  async #settleOrAbandon(
    pass: Promise<ReconcileResult | void>,
    signal: AbortSignal,
  ): Promise<{ abandoned: false; result: PromiseSettledResult<ReconcileResult | void> } | { abandoned: true }> {
    const settled = pass.then(
      (value) => ({ abandoned: false as const, result: { status: 'fulfilled' as const, value } }),
      (reason: unknown) => ({ abandoned: false as const, result: { status: 'rejected' as const, reason } }),
    );
    const giveUp = new AbortController();
    const abandoned = new Promise<{ abandoned: true }>((resolve) => {
      const arm = (): void => {
        this.#clock.sleep(this.#abandonAfterMs, giveUp.signal).then(() => resolve({ abandoned: true }), () => undefined);
      };
      if (signal.aborted) arm();
      else signal.addEventListener('abort', arm, { once: true, signal: giveUp.signal });
    });
    try {
      return await Promise.race([settled, abandoned]);
    } finally {
      giveUp.abort();
    }
  }
}
