// The ownerReferences garbage collector (apiserver/garbage-collector/) as a leader-only runnable: with several
// replicas on one etcd, one collector deletes dependents, not three racing to. Each term starts a fresh collector,
// whose first watch from revision 0 rescans everything (so a new leader finishes what the old one left undone).
import type { Logger } from 'pino';
import { GarbageCollector } from '../../apiserver/garbage-collector/collector.ts';
import type { ResourceRegistry } from '../../apiserver/resources/registry.ts';
import type { Store } from '../../apiserver/storage/interface.ts';
import type { Runnable, StopOptions } from '../runtime/index.ts';

export interface GarbageCollectionRunnableOptions {
  resources: ResourceRegistry;
  store: Store;
  logger: Logger;
}

export class GarbageCollectionRunnable implements Runnable {
  readonly name = 'garbage-collector';
  readonly #options: GarbageCollectionRunnableOptions;
  #collector: GarbageCollector | undefined;

  constructor(options: GarbageCollectionRunnableOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#collector !== undefined) return;
    const log = this.#options.logger.child({ component: 'garbage-collector' });
    this.#collector = new GarbageCollector({ resources: this.#options.resources, store: this.#options.store, log });
    this.#collector.start();
  }

  async stop(_options: StopOptions): Promise<void> {
    const collector = this.#collector;
    this.#collector = undefined;
    await collector?.stop();
  }
}
