// The Host `local` exists without a manifest: on becoming leader, Vigil creates it when missing, with an empty spec
// (no dockerHost: the server's own --docker-host, whatever it is at the time). An existing one, edited or not, is left
// as it is; deleting it while Vigil runs lasts until the next start.
import { isApiError } from '../../apiserver/resources/errors.ts';
import { LOCAL_HOST_NAME } from '../../schemas/index.ts';
import type { Host } from '../../schemas/generated/types.ts';
import type { ResourceClient } from '../../apiserver/resources/client.ts';
import type { Clock, Runnable } from '../runtime/index.ts';
import { HOST_FIELD_MANAGER } from './host-controller.ts';

export interface LocalHostOptions {
  client: ResourceClient;
  clock: Clock;
  /** Wait between failed attempts (the store is not reachable yet). Default 1 s. */
  retryMs?: number;
}

export function localHost(): Host {
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'Host', metadata: { name: LOCAL_HOST_NAME }, spec: {} };
}

export class LocalHostBootstrap implements Runnable {
  readonly name = 'local-host';
  readonly #options: LocalHostOptions;
  #stop: AbortController | undefined;
  #running: Promise<void> | undefined;

  constructor(options: LocalHostOptions) {
    this.#options = options;
  }

  start(leadership: AbortSignal): void {
    const stop = new AbortController();
    this.#stop = stop;
    this.#running = this.#ensure(AbortSignal.any([leadership, stop.signal]));
  }

  async stop(): Promise<void> {
    this.#stop?.abort();
    await this.#running;
  }

  async #ensure(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.#options.client.create(localHost(), { fieldManager: HOST_FIELD_MANAGER });
        return;
      } catch (error) {
        if (isApiError(error, 'AlreadyExists')) return;
        await this.#options.clock.sleep(this.#options.retryMs ?? 1000, signal).catch(() => undefined);
      }
    }
  }
}
