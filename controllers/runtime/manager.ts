// The manager (controller-runtime pkg/manager): owns the shared informers, the controllers and the leader election.
// start(): informers list and watch on every replica (a warm cache makes a new leader quick); once synced, the
// controllers (and other leader-only runnables) run while this process leads. stop(): controllers first, with a
// grace period for what they are doing, then the informers.
import { pino, type Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ResourceClient } from '../../apiserver/resources/client.ts';
import { deadline, systemClock, type Clock } from './clock.ts';
import { Controller, type ControllerOptions, type StopOptions } from './controller.ts';
import { LeaderFencedClient } from './fenced-client.ts';
import { SharedInformerFactory } from './informer-factory.ts';
import { SingleProcessLeader, type LeaderElector } from './leader-election.ts';
import { ControllerMetrics } from './metrics.ts';
import { registerLeaderMetric } from './leader-metric.ts';

/**
 * Something that runs only while this process leads (a controller, a Docker event stream per host, ...). Runnables
 * start in the order added and stop in reverse order, so add what others use first.
 */
export interface Runnable {
  readonly name: string;
  /** Starts in the background; `leadership` aborts when leadership is lost. */
  start(leadership: AbortSignal): void | Promise<void>;
  /** Stops; in-flight work gets `graceMs` (0 when leadership was lost) before it is aborted. */
  stop(options: StopOptions): Promise<void>;
}

export interface ManagerOptions {
  /** What controllers and informers read and write through. */
  client: ResourceClient;
  /** Where the controllers' metrics are registered (not prom-client's global registry). */
  metricsRegistry: Registry;
  /** Default: silent. */
  logger?: Logger;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: SingleProcessLeader (the embedded store's one process always leads). */
  leaderElector?: LeaderElector;
  /** On shutdown, how long queued and in-flight passes may finish before they are aborted. Default 10 s. */
  shutdownGraceMs?: number;
  /** How long start() waits for the informers' first lists. Default 60 s. */
  cacheSyncTimeoutMs?: number;
}

/** What addController needs beyond what the manager provides (clock, logger, metrics). */
export type ManagedControllerOptions = Omit<ControllerOptions, 'clock' | 'logger' | 'metrics'>;

export class Manager {
  /** What controllers read and write with: writes fail while this process does not lead (LeaderFencedClient). */
  readonly client: ResourceClient;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: ControllerMetrics;
  readonly informers: SharedInformerFactory;
  readonly #leaderElector: LeaderElector;
  readonly #shutdownGraceMs: number;
  readonly #cacheSyncTimeoutMs: number;
  readonly #runnables: Runnable[] = [];
  #leadership: AbortSignal | undefined;
  #state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';

  constructor(options: ManagerOptions) {
    this.#leaderElector = options.leaderElector ?? new SingleProcessLeader();
    this.client = new LeaderFencedClient(options.client, () => this.#leaderElector.isLeader(), () => this.#leaderElector.writeFence?.());
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'controller-manager' });
    this.metrics = ControllerMetrics.for(options.metricsRegistry);
    registerLeaderMetric(options.metricsRegistry, () => this.#leaderElector.isLeader());
    this.informers = new SharedInformerFactory({ client: options.client, clock: this.clock, logger: this.logger });
    this.#shutdownGraceMs = options.shutdownGraceMs ?? 10_000;
    this.#cacheSyncTimeoutMs = options.cacheSyncTimeoutMs ?? 60_000;
  }

  /** A controller built with the manager's clock, logger and metrics, run while this process leads. */
  addController(options: ManagedControllerOptions): Controller {
    const controller = new Controller({ ...options, clock: this.clock, logger: this.logger, metrics: this.metrics });
    this.add(controller);
    return controller;
  }

  /** Adds a leader-only runnable; started at once if this process leads already. */
  add(runnable: Runnable): void {
    if (this.#state === 'stopping' || this.#state === 'stopped') throw new Error(`cannot add ${runnable.name}: the manager is stopping`);
    this.#runnables.push(runnable);
    if (this.#leadership !== undefined && !this.#leadership.aborted) void this.#startOne(runnable, this.#leadership);
  }

  isLeader(): boolean {
    return this.#leaderElector.isLeader();
  }

  /** This replica's identity in the election. */
  get identity(): string {
    return this.#leaderElector.identity;
  }

  /** The election's lease TTL in seconds (undefined: no lease, the one process leads). */
  get leaseTtlSeconds(): number | undefined {
    return this.#leaderElector.leaseTtlSeconds;
  }

  /** The election key this process leads by (etcd), while it leads; undefined otherwise. */
  electionKey(): string | undefined {
    return this.#leaderElector.writeFence?.()?.key;
  }

  /** Who leads, as the election records it. */
  currentLeader(): Promise<string | undefined> {
    return this.#leaderElector.currentLeader();
  }

  /** Starts the informers, waits for their caches, then campaigns; controllers run while this process leads. */
  async start(): Promise<void> {
    if (this.#state !== 'new') throw new Error(`the manager cannot start: it is ${this.#state}`);
    this.#state = 'starting';
    this.informers.start();
    const limit = deadline(this.clock, this.#cacheSyncTimeoutMs);
    try {
      await this.informers.waitForCacheSync(limit.signal);
    } catch (error) {
      await this.informers.stop();
      this.#state = 'stopped';
      throw new Error(`the informers did not sync within ${this.#cacheSyncTimeoutMs} ms`, { cause: error });
    } finally {
      limit.cancel();
    }
    this.#state = 'running';
    this.#leaderElector.runWhenLeader(
      (leadership) => this.#startLeading(leadership),
      () => this.#stopLeading(),
    );
    this.logger.info({ identity: this.#leaderElector.identity, controllers: this.#runnables.map((runnable) => runnable.name) }, 'controller manager started');
  }

  /** Stops the controllers (grace period, then abort), resigns, and stops the informers. Idempotent. */
  async stop(): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped') return;
    const wasRunning = this.#state === 'running';
    this.#state = 'stopping';
    if (wasRunning) await this.#leaderElector.close();
    await this.informers.stop();
    this.#state = 'stopped';
    this.logger.info('controller manager stopped');
  }

  async #startLeading(leadership: AbortSignal): Promise<void> {
    this.#leadership = leadership;
    this.logger.info({ identity: this.#leaderElector.identity }, 'leading: starting controllers');
    // In the order added: what others depend on (e.g. Docker sessions) is added, and started, first.
    for (const runnable of [...this.#runnables]) await this.#startOne(runnable, leadership);
  }

  async #stopLeading(): Promise<void> {
    // Lost leadership: another replica may already act, so abort at once. Shutting down: let work finish.
    const graceMs = this.#state === 'stopping' ? this.#shutdownGraceMs : 0;
    this.#leadership = undefined;
    this.logger.info({ graceMs }, 'no longer leading: stopping controllers');
    // In reverse order (controllers before what they use), within one grace period for all of them.
    const graceEndsAt = this.clock.now() + graceMs;
    for (const runnable of [...this.#runnables].reverse()) {
      try {
        await runnable.stop({ graceMs: Math.max(0, graceEndsAt - this.clock.now()) });
      } catch (error) {
        this.logger.error({ err: error, runnable: runnable.name }, 'could not stop');
      }
    }
  }

  async #startOne(runnable: Runnable, leadership: AbortSignal): Promise<void> {
    try {
      await runnable.start(leadership);
    } catch (error) {
      this.logger.error({ err: error, runnable: runnable.name }, 'could not start');
    }
  }
}
