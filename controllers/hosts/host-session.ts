// The live connection to one Docker engine: connect, follow its event stream, relist everything on connect and on a
// slow timer, and reconnect with exponential backoff when the engine goes away (an engine restart, a network cut).
// State changes arrive through events, not polling; the relist only catches what a stream might have missed. The
// session knows nothing of resources: it tells its listener what changed, and controllers do the rest.
import type { Logger } from 'pino';
import { deadline, type Clock } from '../runtime/index.ts';
import { eventCursor, type ContainerEvent, type DockerClient, type EngineInfo } from '../../domain/docker/client.ts';
import type { DockerEndpoint } from '../docker/endpoint.ts';
import { ContainerIndex, type ContainerCounts } from './container-index.ts';

export interface SessionListener {
  /** The connection or the engine's facts changed (the Host status should be rewritten). */
  stateChanged(hostName: string): void;
  /** These Docker containers may have changed (an event). */
  containersChanged(hostName: string, dockerNames: readonly string[], event: ContainerEvent): void;
  /** A full relist finished: `dockerNames` is everything the engine has (resources for anything else are stale). */
  resynced(hostName: string, dockerNames: readonly string[]): void;
}

export interface HostSessionOptions {
  hostName: string;
  endpoint: DockerEndpoint;
  /** Makes a client for the endpoint (createDockerClient, or a fake engine's client). */
  connect: (endpoint: DockerEndpoint) => DockerClient;
  listener: SessionListener;
  clock: Clock;
  logger: Logger;
  /** Full relist this often while connected. */
  resyncIntervalMs: number;
  /** Reconnection: the first wait, doubled per failed attempt up to maxMs; reset by a successful connection. */
  backoff: { initialMs: number; maxMs: number };
  /** Time limit of the connect and list calls. */
  callTimeoutMs: number;
}

export type SessionPhase = 'Connecting' | 'Connected' | 'Disconnected' | 'Stopped';

export interface SessionSnapshot {
  phase: SessionPhase;
  endpoint: string;
  /** The last engine facts seen (kept while disconnected). */
  engine: EngineInfo | undefined;
  lastError: string | undefined;
  lastConnected: number | undefined;
  lastResync: number | undefined;
  /** Undefined until the first relist of the current connection. */
  counts: ContainerCounts | undefined;
  /** When the next connection attempt is due, while Disconnected. */
  retryAt: number | undefined;
}

export class HostSession {
  readonly hostName: string;
  readonly index = new ContainerIndex();
  readonly #options: HostSessionOptions;
  readonly #stop = new AbortController();
  #phase: SessionPhase = 'Connecting';
  #client: DockerClient | undefined;
  #synced = false;
  #engine: EngineInfo | undefined;
  #lastError: string | undefined;
  #lastConnected: number | undefined;
  #lastResync: number | undefined;
  #retryAt: number | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: HostSessionOptions) {
    this.hostName = options.hostName;
    this.#options = options;
  }

  /** The client while connected and relisted at least once; undefined otherwise. */
  get client(): DockerClient | undefined {
    return this.#synced ? this.#client : undefined;
  }

  snapshot(): SessionSnapshot {
    return {
      phase: this.#phase,
      endpoint: this.#options.endpoint.url,
      engine: this.#engine,
      lastError: this.#lastError,
      lastConnected: this.#lastConnected,
      lastResync: this.#lastResync,
      counts: this.#synced ? this.index.counts() : undefined,
      retryAt: this.#phase === 'Disconnected' ? this.#retryAt : undefined,
    };
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Closes the connection and ends the loop. */
  async stop(): Promise<void> {
    this.#stop.abort(new DOMException(`session ${this.hostName} stopped`, 'AbortError'));
    await this.#loop;
    this.#phase = 'Stopped';
  }

  async #run(): Promise<void> {
    const stop = this.#stop.signal;
    let failures = 0;
    while (!stop.aborted) {
      const connected = await this.#connectOnce(stop);
      if (stop.aborted) break;
      if (connected) failures = 0;
      const { initialMs, maxMs } = this.#options.backoff;
      const delay = Math.min(maxMs, initialMs * 2 ** failures);
      failures += 1;
      this.#retryAt = this.#options.clock.now() + delay;
      this.#setPhase('Disconnected');
      await this.#options.clock.sleep(delay, stop).catch(() => undefined);
    }
  }

  /** One connection, from connect to loss. Resolves true when it got as far as Connected. */
  async #connectOnce(stop: AbortSignal): Promise<boolean> {
    const { connect, endpoint, logger } = this.#options;
    const connection = new AbortController();
    const signal = AbortSignal.any([stop, connection.signal]);
    const client = connect(endpoint);
    let connected = false;
    let resyncTimer: { cancel(): void } | undefined;
    this.#setPhase('Connecting');
    try {
      const info = await this.#call((callSignal) => client.engineInfo({ signal: callSignal }), signal);
      this.#engine = info;
      // Follow events from the engine's "now" before listing, so that nothing falls between list and stream.
      const events = client.containerEvents({ signal, since: eventCursor(info.systemTime) })[Symbol.asyncIterator]();
      const firstEvent = events.next();
      // The first pending read must not reject unobserved if the list below fails first.
      firstEvent.catch(() => undefined);
      this.#client = client;
      await this.#resync(client, signal);
      connected = true;
      this.#lastConnected = this.#options.clock.now();
      this.#lastError = undefined;
      this.#setPhase('Connected');
      logger.info({ host: this.hostName, engine: info.engineID, version: info.engineVersion }, 'connected to the Docker engine');
      resyncTimer = this.#scheduleResync(client, signal);
      let next = await firstEvent;
      while (next.done !== true) {
        this.#onEvent(next.value);
        next = await events.next();
      }
      if (!stop.aborted) this.#lastError = 'the engine closed its event stream';
    } catch (error) {
      if (!stop.aborted) this.#lastError = error instanceof Error ? error.message : String(error);
    } finally {
      resyncTimer?.cancel();
      connection.abort();
      this.#client = undefined;
      this.#synced = false;
      client.close();
    }
    if (!stop.aborted) logger.warn({ host: this.hostName, error: this.#lastError }, 'lost the Docker engine: reconnecting');
    return connected;
  }

  async #call<T>(call: (signal: AbortSignal) => Promise<T>, signal: AbortSignal): Promise<T> {
    const limit = deadline(this.#options.clock, this.#options.callTimeoutMs);
    try {
      return await call(AbortSignal.any([signal, limit.signal]));
    } finally {
      limit.cancel();
    }
  }

  /** Relists the containers; a periodic relist also reads the engine facts again (a Swarm join, an upgrade). */
  async #resync(client: DockerClient, signal: AbortSignal, refreshEngine = false): Promise<void> {
    if (refreshEngine) this.#engine = await this.#call((callSignal) => client.engineInfo({ signal: callSignal }), signal);
    const summaries = await this.#call((callSignal) => client.listContainers({ signal: callSignal }), signal);
    const vanished = this.index.replaceAll(summaries);
    this.#lastResync = this.#options.clock.now();
    // Before the listener hears of it: the passes it triggers must find the client.
    this.#synced = true;
    const names = this.index.managed().map((container) => container.name);
    this.#options.listener.resynced(this.hostName, [...names, ...vanished]);
    this.#options.listener.stateChanged(this.hostName);
  }

  #scheduleResync(client: DockerClient, signal: AbortSignal): { cancel(): void } {
    let timer = { cancel: () => {} };
    const arm = (): void => {
      timer = this.#options.clock.setTimeout(() => {
        if (signal.aborted) return;
        this.#resync(client, signal, true).then(arm, (error: unknown) => {
          // A failed relist on a live connection: the event stream fails too if the engine is gone; else try later.
          if (signal.aborted) return;
          this.#options.logger.warn({ host: this.hostName, err: error }, 'periodic relist failed');
          arm();
        });
      }, this.#options.resyncIntervalMs);
    };
    arm();
    return { cancel: () => timer.cancel() };
  }

  #onEvent(event: ContainerEvent): void {
    const before = this.index.counts();
    const names = this.index.apply(event);
    this.#options.listener.containersChanged(this.hostName, names, event);
    const after = this.index.counts();
    if (before.total !== after.total || before.running !== after.running || before.stopped !== after.stopped) {
      this.#options.listener.stateChanged(this.hostName);
    }
  }

  #setPhase(phase: SessionPhase): void {
    this.#phase = phase;
    this.#options.listener.stateChanged(this.hostName);
  }
}
