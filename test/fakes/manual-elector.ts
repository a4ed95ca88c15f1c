// A leader election the test decides (a fake that holds state: who leads): until grant(), this replica never leads;
// revoke() takes the lease away as a lost etcd lease would.
import type { LeaderElector, StartLeading, StopLeading } from '../../controllers/runtime/index.ts';

export class ManualElector implements LeaderElector {
  readonly identity: string;
  readonly leaseTtlSeconds = undefined;
  #start: StartLeading | undefined;
  #stop: StopLeading | undefined;
  #leadership: AbortController | undefined;

  constructor(identity = 'manual') {
    this.identity = identity;
  }

  isLeader(): boolean {
    return this.#leadership !== undefined && !this.#leadership.signal.aborted;
  }

  async currentLeader(): Promise<string | undefined> {
    return this.isLeader() ? this.identity : undefined;
  }

  runWhenLeader(start: StartLeading, stop: StopLeading): void {
    this.#start = start;
    this.#stop = stop;
  }

  async grant(): Promise<void> {
    this.#leadership = new AbortController();
    await this.#start?.(this.#leadership.signal);
  }

  async revoke(): Promise<void> {
    this.#leadership?.abort(new Error('lease lost'));
    await this.#stop?.();
  }

  async close(): Promise<void> {
    if (this.isLeader()) await this.revoke();
  }
}
