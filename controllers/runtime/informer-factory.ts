// Shared informers (client-go informers.SharedInformerFactory): every controller that watches the same kind (with
// the same namespace and selector) gets the same Informer, so one watch and one cache serve them all.
import type { Logger } from 'pino';
import type { ResourceClient, ResourceObject } from '../../apiserver/resources/client.ts';
import { systemClock, type Clock } from './clock.ts';
import { Informer } from './informer.ts';

export interface InformerFactoryOptions {
  client: ResourceClient;
  /** Default: the system clock. */
  clock?: Clock;
  logger?: Logger;
}

export interface InformerFor {
  namespace?: string;
  labelSelector?: string;
}

export class SharedInformerFactory {
  readonly #options: InformerFactoryOptions;
  readonly #informers = new Map<string, Informer>();
  #started = false;

  constructor(options: InformerFactoryOptions) {
    this.#options = options;
  }

  /**
   * The informer for `kind` (in `namespace`, matching `labelSelector`), created on first request. Informers requested
   * after `start()` start at once.
   */
  informerFor<T extends ResourceObject = ResourceObject>(kind: string, options: InformerFor = {}): Informer<T> {
    const id = JSON.stringify([kind, options.namespace ?? '', options.labelSelector ?? '']);
    let informer = this.#informers.get(id);
    if (informer === undefined) {
      informer = new Informer({
        client: this.#options.client,
        kind,
        ...options,
        clock: this.#options.clock ?? systemClock,
        ...(this.#options.logger === undefined ? {} : { logger: this.#options.logger }),
      });
      this.#informers.set(id, informer);
      if (this.#started) informer.start();
    }
    // One informer per kind is shared by every caller; its objects are ResourceObjects of that kind.
    return informer as unknown as Informer<T>;
  }

  get informers(): readonly Informer[] {
    return [...this.#informers.values()];
  }

  /** Starts every informer (and those requested later). */
  start(): void {
    this.#started = true;
    for (const informer of this.#informers.values()) informer.start();
  }

  /** Resolves once every informer has synced; rejects when `signal` aborts first. */
  async waitForCacheSync(signal?: AbortSignal): Promise<void> {
    await Promise.all([...this.#informers.values()].map((informer) => informer.waitForSync(signal)));
  }

  hasSynced(): boolean {
    return [...this.#informers.values()].every((informer) => informer.hasSynced());
  }

  async stop(): Promise<void> {
    this.#started = false;
    await Promise.all([...this.#informers.values()].map((informer) => informer.stop()));
  }
}
