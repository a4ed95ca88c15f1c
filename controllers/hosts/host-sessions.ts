// Every Host's live session, shared by the Host controller (which opens, replaces and closes them from Host specs) and
// the inventory controller (which inspects through them and hears their events). Sessions run only while this
// process leads: the registry is a Runnable, and losing leadership closes every connection.
import { pino, type Logger } from 'pino';
import { systemClock, type Clock, type Runnable, type StopOptions } from '../runtime/index.ts';
import type { ContainerEvent, DockerClient } from '../../domain/docker/client.ts';
import { createDockerClient } from '../docker/dockerode-client.ts';
import type { DockerEndpoint } from '../docker/endpoint.ts';
import { HostSession, type SessionListener } from './host-session.ts';

export interface HostSessionsOptions {
  /** Default: createDockerClient (dockerode). Tests give fake engines. */
  connect?: (endpoint: DockerEndpoint) => DockerClient;
  /** Default: the system clock. */
  clock?: Clock;
  /** Default: silent. */
  logger?: Logger;
  /** Reconnection backoff. Defaults: 500 ms doubling to 30 s. */
  backoff?: { initialMs: number; maxMs: number };
  /** Time limit of connect and list calls. Default 30 s. */
  callTimeoutMs?: number;
}

/** What a session is opened with; a change of any of it replaces the session. */
export interface SessionConfig {
  endpoint: DockerEndpoint;
  resyncIntervalMs: number;
  /** Identifies the configuration (hash of endpoint, TLS material and interval); equal = keep the session. */
  fingerprint: string;
}

export class HostSessions implements Runnable, SessionListener {
  readonly name = 'docker-host-sessions';
  readonly #options: HostSessionsOptions;
  readonly #connect: (endpoint: DockerEndpoint) => DockerClient;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #sessions = new Map<string, { session: HostSession; fingerprint: string }>();
  readonly #listeners = new Set<Partial<SessionListener>>();
  #running = false;

  constructor(options: HostSessionsOptions = {}) {
    this.#options = options;
    this.#connect = options.connect ?? createDockerClient;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? pino({ level: 'silent' });
  }

  /** Hears every session's changes; returns the removal. */
  subscribe(listener: Partial<SessionListener>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get(hostName: string): HostSession | undefined {
    return this.#sessions.get(hostName)?.session;
  }

  hostNames(): string[] {
    return [...this.#sessions.keys()];
  }

  /** The session of `hostName` with this configuration: kept when unchanged, replaced otherwise. */
  async ensure(hostName: string, config: SessionConfig): Promise<HostSession> {
    if (!this.#running) throw new Error(`cannot open a session to Host ${hostName}: the sessions are not running (not leading)`);
    const existing = this.#sessions.get(hostName);
    if (existing !== undefined && existing.fingerprint === config.fingerprint) return existing.session;
    if (existing !== undefined) {
      this.#sessions.delete(hostName);
      await existing.session.stop();
    }
    const session = new HostSession({
      hostName,
      endpoint: config.endpoint,
      connect: this.#connect,
      listener: this,
      clock: this.#clock,
      logger: this.#logger,
      resyncIntervalMs: config.resyncIntervalMs,
      backoff: this.#options.backoff ?? { initialMs: 500, maxMs: 30_000 },
      callTimeoutMs: this.#options.callTimeoutMs ?? 30_000,
    });
    this.#sessions.set(hostName, { session, fingerprint: config.fingerprint });
    session.start();
    return session;
  }

  async remove(hostName: string): Promise<void> {
    const existing = this.#sessions.get(hostName);
    if (existing === undefined) return;
    this.#sessions.delete(hostName);
    await existing.session.stop();
    this.stateChanged(hostName);
  }

  start(): void {
    this.#running = true;
  }

  async stop(_options: StopOptions = {}): Promise<void> {
    this.#running = false;
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    await Promise.all(sessions.map(({ session }) => session.stop()));
  }

  stateChanged(hostName: string): void {
    for (const listener of this.#listeners) listener.stateChanged?.(hostName);
  }

  containersChanged(hostName: string, dockerNames: readonly string[], event: ContainerEvent): void {
    for (const listener of this.#listeners) listener.containersChanged?.(hostName, dockerNames, event);
  }

  resynced(hostName: string, dockerNames: readonly string[]): void {
    for (const listener of this.#listeners) listener.resynced?.(hostName, dockerNames);
  }
}
