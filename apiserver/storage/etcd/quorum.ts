// Whether etcd has a quorum, as this replica sees it: a linearizable read (which needs a leader and a majority) is
// probed every second. After two failed rounds in a row the store is "stale": reads are answered member-locally
// (serializable: what the member this replica reaches last applied, which may lag), /readyz says so, and writes that
// fail then are reported as the quorum loss they are (503), not as a timeout. The first successful probe ends it.
// Probing, not inferring from requests: a quiet replica must know too, and a single slow request under load is not
// a quorum loss.
import type { Etcd3 } from 'etcd3';

export interface QuorumOptions {
  client: Etcd3;
  /** How many members the client knows: a probe tries each in turn before the round counts as failed. */
  members: number;
  /** Between probe rounds. Default 1 s. */
  intervalMs?: number;
  /** One probe's deadline. Default 2 s (a linearizable read on a loaded 2-core machine can take a while). */
  probeTimeoutMs?: number;
  /** Failed rounds in a row before the store counts as stale. Default 2. */
  failedRounds?: number;
}

export interface QuorumState {
  stale: boolean;
  /** Why, when stale: the last probe's error. */
  reason: string | undefined;
  /** When the store became stale (ms since the epoch). */
  since: number | undefined;
}

// Any key serves; this one is never written by Vigil.
const PROBE_KEY = '/vigil/quorum-probe';

export class QuorumMonitor {
  readonly #client: Etcd3;
  readonly #members: number;
  readonly #intervalMs: number;
  readonly #probeTimeoutMs: number;
  readonly #failedRounds: number;
  #failures = 0;
  #state: QuorumState = { stale: false, reason: undefined, since: undefined };
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: QuorumOptions) {
    this.#client = options.client;
    this.#members = Math.max(1, options.members);
    this.#intervalMs = options.intervalMs ?? 1_000;
    this.#probeTimeoutMs = options.probeTimeoutMs ?? 2_000;
    this.#failedRounds = options.failedRounds ?? 2;
  }

  get state(): QuorumState {
    return this.#state;
  }

  start(): void {
    this.#schedule();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => void this.#round().finally(() => this.#schedule()), this.#intervalMs);
    this.#timer.unref();
  }

  async #round(): Promise<void> {
    let lastError: unknown;
    // etcd3 picks a member at random for each call: a member that is down answers at once (connection refused), so
    // trying as many times as there are members finds one that answers if any does.
    for (let attempt = 0; attempt < this.#members && !this.#closed; attempt++) {
      try {
        await this.#client.get(PROBE_KEY).options({ deadline: Date.now() + this.#probeTimeoutMs }).exec();
        this.#failures = 0;
        this.#state = { stale: false, reason: undefined, since: undefined };
        return;
      } catch (error) {
        lastError = error;
      }
    }
    if (this.#closed) return;
    this.#failures += 1;
    if (this.#failures >= this.#failedRounds && !this.#state.stale) {
      this.#state = { stale: true, reason: lastError instanceof Error ? lastError.message : String(lastError), since: Date.now() };
    }
  }
}
