// etcd compaction, run by the leader only (kube-apiserver compacts every 5 minutes from every replica, guarded by a
// compare-and-swap on a shared key; with an elected leader one compactor is enough). Each pass compacts to the revision
// the previous pass saw, so watchers keep one interval of history to resume from, and a new leader starts by only
// recording the revision: its first compaction comes one interval later.
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { Revision, Store } from '../../apiserver/storage/interface.ts';
import type { Clock, Runnable, StopOptions, Timer } from '../runtime/index.ts';

export interface EtcdCompactionOptions {
  store: Pick<Store, 'currentRevision' | 'compact'>;
  intervalMs: number;
  clock: Clock;
  logger: Logger;
  metricsRegistry: Registry;
}

const METRIC = 'vigil_etcd_compactions_total';

export class EtcdCompaction implements Runnable {
  readonly name = 'etcd-compaction';
  readonly #options: EtcdCompactionOptions;
  readonly #logger: Logger;
  readonly #compactions: Counter<'result'>;
  #timer: Timer | undefined;
  #previous: Revision | undefined;
  #pass: Promise<void> = Promise.resolve();

  constructor(options: EtcdCompactionOptions) {
    if (!Number.isSafeInteger(options.intervalMs) || options.intervalMs <= 0) throw new TypeError(`etcd compaction: intervalMs must be a positive whole number, not ${options.intervalMs}`);
    this.#options = options;
    this.#logger = options.logger.child({ component: 'etcd-compaction' });
    const existing = options.metricsRegistry.getSingleMetric(METRIC);
    this.#compactions = existing instanceof Counter ? (existing as Counter<'result'>) : new Counter({
      name: METRIC,
      help: 'etcd compactions this replica ran (only the leader compacts), by result (success, error).',
      labelNames: ['result'],
      registers: [options.metricsRegistry],
    });
    this.#compactions.inc({ result: 'success' }, 0);
    this.#compactions.inc({ result: 'error' }, 0);
  }

  start(leadership: AbortSignal): void {
    this.#previous = undefined;
    const tick = (): void => {
      if (leadership.aborted) return;
      this.#pass = this.#compactOnce(leadership).finally(() => {
        if (!leadership.aborted && this.#timer !== undefined) this.#timer = this.#options.clock.setTimeout(tick, this.#options.intervalMs);
      });
    };
    this.#timer = this.#options.clock.setTimeout(tick, 0);
  }

  async stop(_options: StopOptions): Promise<void> {
    this.#timer?.cancel();
    this.#timer = undefined;
    await this.#pass;
  }

  async #compactOnce(leadership: AbortSignal): Promise<void> {
    try {
      const current = await this.#options.store.currentRevision();
      const target = this.#previous;
      this.#previous = current;
      if (target === undefined || leadership.aborted) return;
      await this.#options.store.compact(target);
      this.#compactions.inc({ result: 'success' });
      this.#logger.debug({ revision: target }, 'compacted etcd');
    } catch (error) {
      this.#compactions.inc({ result: 'error' });
      this.#logger.warn({ err: error }, 'etcd compaction failed; trying again next interval');
    }
  }
}
