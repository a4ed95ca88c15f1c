// Sends one request to etcd, retrying it while etcd cannot be reached, for at most the dial timeout. Every attempt
// carries its own deadline (set by the client's defaultCallOptions), so nothing here can wait forever.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Revision } from '../interface.ts';
import { StorageError } from '../errors.ts';
import { mayRetry, toStorageError, type RequestKind } from './grpc-errors.ts';

const FIRST_RETRY_DELAY_MS = 25;
const MAX_RETRY_DELAY_MS = 500;

export interface RequestContext {
  key?: string;
  /** The revision the request reads at, for Expired / too-large errors. */
  revision?: Revision;
  /** What that revision came from, for the Expired message: 'resource version' (default) or 'continue token'. */
  what?: string;
}

export class Requests {
  readonly #dialTimeoutMs: number;
  #closed = false;

  constructor(dialTimeoutMs: number) {
    this.#dialTimeoutMs = dialTimeoutMs;
  }

  close(): void {
    this.#closed = true;
  }

  /** Runs `call`; a failure becomes a StorageError (see grpc-errors.ts for which). */
  async run<T>(kind: RequestKind, call: () => Promise<T>, context: RequestContext = {}): Promise<T> {
    const started = Date.now();
    let delay = FIRST_RETRY_DELAY_MS;
    for (;;) {
      if (this.#closed) throw new StorageError('Internal', 'the etcd store is closed');
      try {
        return await call();
      } catch (error) {
        if (!mayRetry(error, kind) || Date.now() - started + delay > this.#dialTimeoutMs) {
          throw toStorageError(error, context);
        }
      }
      await sleep(delay);
      delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    }
  }
}
