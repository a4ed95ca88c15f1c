// Settings status.leader: the replica that leads and its lease, written by the leader when its term starts (through
// the manager's fenced client, so a deposed leader cannot overwrite its successor's entry). Anyone can see who leads
// with `kubectl get settings default -o yaml`; GET /api/about says it too, from the replica asked.
import type { Logger } from 'pino';
import { isApiError } from '../../apiserver/resources/errors.ts';
import { writeStatus, type Clock, type Manager, type Runnable, type StopOptions } from '../runtime/index.ts';

export interface LeaderStatusOptions {
  manager: Manager;
  logger: Logger;
  /** Between attempts while the write fails (etcd busy). Default 1 s. */
  retryMs?: number;
}

export class LeaderStatus implements Runnable {
  readonly name = 'leader-status';
  readonly #manager: Manager;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #retryMs: number;
  #running: Promise<void> = Promise.resolve();

  constructor(options: LeaderStatusOptions) {
    this.#manager = options.manager;
    this.#logger = options.logger.child({ component: 'leader-status' });
    this.#clock = options.manager.clock;
    this.#retryMs = options.retryMs ?? 1_000;
  }

  start(leadership: AbortSignal): void {
    const since = new Date(this.#clock.now()).toISOString();
    this.#running = this.#publish(leadership, since);
  }

  async stop(_options: StopOptions): Promise<void> {
    await this.#running;
  }

  async #publish(leadership: AbortSignal, since: string): Promise<void> {
    const ttl = this.#manager.leaseTtlSeconds;
    const electionKey = this.#manager.electionKey();
    const leader = { identity: this.#manager.identity, since, ...(ttl === undefined ? {} : { leaseTtlSeconds: ttl }), ...(electionKey === undefined ? {} : { electionKey }) };
    while (!leadership.aborted) {
      try {
        await writeStatus(this.#manager.client, 'Settings', undefined, 'default', (current) => ({ ...(current.status as Record<string, unknown> | undefined), leader }), { fieldManager: 'vigil-leader-election' });
        return;
      } catch (error) {
        if (isApiError(error, 'NotFound')) return; // no Settings singleton (tests that run controllers alone)
        if (leadership.aborted) return;
        this.#logger.warn({ err: error }, 'could not record the leader in Settings status; retrying');
      }
      await this.#clock.sleep(this.#retryMs, leadership).catch(() => undefined);
    }
  }
}
