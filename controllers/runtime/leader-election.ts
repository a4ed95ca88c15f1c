// Who runs the controllers. Several Vigil replicas may share one etcd store, but only one of them may act on the
// Docker hosts at a time: controllers run only while their process leads (controller-runtime's leader election).
// With the embedded store there is one process, and it simply leads.

import type { WriteFence } from '../../apiserver/storage/fence.ts';

/**
 * Called when this process becomes leader. `leadership` aborts the moment leadership is lost, before `stop` runs; on
 * close() (resigning), `stop` runs first, while this process still leads, and `leadership` aborts after it.
 */
export type StartLeading = (leadership: AbortSignal) => void | Promise<void>;
/** Called when this process stops leading (lost or resigned); awaited before it campaigns again. */
export type StopLeading = () => void | Promise<void>;

export interface LeaderElector {
  /** Who this process is in the election (host name, pid and a random suffix by default). */
  readonly identity: string;
  isLeader(): boolean;
  /** Who leads now, as the election records it (an identity), or undefined while nobody does or it cannot be read. */
  currentLeader(): Promise<string | undefined>;
  /**
   * While leading with a store that can check it (etcd): the fence every controller write carries, so that the store
   * refuses it once this process's election key is gone, even before this process notices (fence.ts). Else undefined.
   */
  writeFence?(): WriteFence | undefined;
  /** The lease's time to live in seconds (how long a crashed leader blocks the others), or undefined without a lease. */
  readonly leaseTtlSeconds: number | undefined;
  /**
   * Starts campaigning: `start` runs each time leadership is gained, `stop` each time it ends. Call once; the
   * callbacks never overlap (stop has finished before start runs again).
   */
  runWhenLeader(start: StartLeading, stop: StopLeading): void;
  /** Stops campaigning and resigns; when leading, `stop` has finished when this resolves. */
  close(): Promise<void>;
}

/** The one process of an embedded-store Vigil: it leads from runWhenLeader until close. */
export class SingleProcessLeader implements LeaderElector {
  readonly identity: string;
  readonly leaseTtlSeconds = undefined;
  #leadership: AbortController | undefined;
  #stop: StopLeading | undefined;
  #started: Promise<void> | undefined;

  constructor(identity = 'single-process') {
    this.identity = identity;
  }

  isLeader(): boolean {
    return this.#leadership !== undefined && !this.#leadership.signal.aborted;
  }

  async currentLeader(): Promise<string | undefined> {
    return this.isLeader() ? this.identity : undefined;
  }

  runWhenLeader(start: StartLeading, stop: StopLeading): void {
    if (this.#started !== undefined) throw new Error('runWhenLeader was already called');
    this.#leadership = new AbortController();
    this.#stop = stop;
    this.#started = Promise.resolve(start(this.#leadership.signal));
  }

  async close(): Promise<void> {
    const leadership = this.#leadership;
    if (leadership === undefined || leadership.signal.aborted) return;
    await this.#started?.catch(() => undefined);
    // Resigning is not losing: stop runs while this process still leads, so that in-flight work may finish.
    try {
      await this.#stop?.();
    } finally {
      leadership.abort(new DOMException('resigned', 'AbortError'));
    }
  }
}
