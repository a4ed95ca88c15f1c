// Leader election over etcd, as etcd's Go client does it (client/v3/concurrency/election.go) and etcd3 1.1.2's
// Election copies: each candidate puts a key under the election prefix, attached to its own lease; the candidate whose
// key was created first leads; the others each wait for the deletion of the key created just before theirs.
//
// Written on etcd3's lease and KV API rather than its Campaign class, because Campaign keeps its lease private and
// etcd3's lease-loss detection is late: a keepalive stream that fails is retried quietly, and `lost` is emitted only
// when etcd says the lease is gone or 2 × TTL passed without a keepalive (lease.js), while etcd expires the lease,
// and another candidate leads, after 1 × TTL. Two leaders at once followed (microsoft/etcd3#158; #176 was the
// waiting logic, fixed in 1.1.2). Guards here, each ending leadership at once (the signal aborts before `stop` runs):
//   - `lost` from the lease;
//   - no successful keepalive for `renewDeadlineMs` (default ⅔ TTL, the Kubernetes renewDeadline idea): we stop
//     before etcd can have expired the lease;
//   - a watch on our own key reporting its deletion (lease revoked or expired server-side).
// Writes are fenced softly: LeaderFencedClient (fenced-client.ts) refuses controller writes once this process knows
// it does not lead. A transaction-level fence (comparing our key's create revision in every write) would need the
// store to take extra compares; see the report.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Etcd3, Namespace, Watcher as EtcdWatcher } from 'etcd3';
import { pino, type Logger } from 'pino';
import { createClient, resolveOptions } from '../../apiserver/storage/etcd/options.ts';
import { systemClock, type Clock, type Timer } from './clock.ts';
import type { LeaderElector, StartLeading, StopLeading } from './leader-election.ts';
import type { WriteFence } from '../../apiserver/storage/fence.ts';

export interface EtcdLeaderElectorOptions {
  /** An etcd3 client (not closed by the elector), or `endpoints` for one the elector creates and closes. */
  client?: Etcd3;
  endpoints?: string[];
  /** The election; every replica of one Vigil uses the same. Default "vigil-controllers". */
  name?: string;
  /** Default: host name, pid and a random suffix. */
  identity?: string;
  /** The lease's time to live, in whole seconds (≥ 1): how long a crashed leader blocks the others. Default 15. */
  ttlSeconds?: number;
  /** Stop leading when no keepalive succeeded for this long. Default ⅔ of the TTL; must be below the TTL. */
  renewDeadlineMs?: number;
  /** Wait before campaigning again after a failure or a lost term. Default 1 s. */
  retryMs?: number;
  /** How long close() waits for the lease revocation that lets another replica take over at once. Default 2 s. */
  resignTimeoutMs?: number;
  clock?: Clock;
  logger?: Logger;
}

const ELECTION_PREFIX = 'vigil/election/';

export class EtcdLeaderElector implements LeaderElector {
  readonly identity: string;
  readonly #client: Etcd3;
  readonly #ownsClient: boolean;
  readonly #namespace: Namespace;
  readonly leaseTtlSeconds: number;
  readonly #renewDeadlineMs: number;
  readonly #retryMs: number;
  readonly #resignTimeoutMs: number;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #closing = new AbortController();
  #leadership: AbortController | undefined;
  #fence: WriteFence | undefined;
  readonly #electionPrefix: string;
  #loop: Promise<void> | undefined;
  #closed: Promise<void> | undefined;

  constructor(options: EtcdLeaderElectorOptions) {
    if (options.client === undefined && (options.endpoints === undefined || options.endpoints.length === 0)) {
      throw new TypeError('etcd leader election: give a client or endpoints');
    }
    this.leaseTtlSeconds = options.ttlSeconds ?? 15;
    if (!Number.isSafeInteger(this.leaseTtlSeconds) || this.leaseTtlSeconds < 1) throw new TypeError(`etcd leader election: ttlSeconds must be a whole number ≥ 1, not ${this.leaseTtlSeconds}`);
    this.#renewDeadlineMs = options.renewDeadlineMs ?? Math.floor((this.leaseTtlSeconds * 1000 * 2) / 3);
    if (this.#renewDeadlineMs <= 0 || this.#renewDeadlineMs >= this.leaseTtlSeconds * 1000) {
      throw new TypeError(`etcd leader election: renewDeadlineMs must be between 0 and the TTL (${this.leaseTtlSeconds * 1000} ms), not ${this.#renewDeadlineMs}`);
    }
    this.#ownsClient = options.client === undefined;
    const endpoints = options.endpoints ?? [];
    this.#client = options.client ?? createClient({ endpoints }, resolveOptions({ endpoints }));
    this.#electionPrefix = `${ELECTION_PREFIX}${options.name ?? 'vigil-controllers'}/`;
    this.#namespace = this.#client.namespace(this.#electionPrefix);
    this.identity = options.identity ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.#retryMs = options.retryMs ?? 1_000;
    this.#resignTimeoutMs = options.resignTimeoutMs ?? 2_000;
    this.#clock = options.clock ?? systemClock;
    this.#logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'leader-election', identity: this.identity });
  }

  isLeader(): boolean {
    return this.#leadership !== undefined && !this.#leadership.signal.aborted;
  }

  writeFence(): WriteFence | undefined {
    return this.isLeader() ? this.#fence : undefined;
  }

  /** The value (identity) of the oldest candidate key: the one whose turn it is. */
  async currentLeader(): Promise<string | undefined> {
    // Member-local: a view for people (GET /api/about), which must answer while etcd has no quorum too.
    const result = await this.#namespace.getAll().sort('Create', 'Ascend').limit(1).serializable(true).exec();
    return result.kvs[0]?.value.toString();
  }

  runWhenLeader(start: StartLeading, stop: StopLeading): void {
    if (this.#loop !== undefined) throw new Error('runWhenLeader was already called');
    this.#loop = this.#campaignLoop(start, stop);
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort(new DOMException('resigned', 'AbortError'));
      await this.#loop;
      if (this.#ownsClient) this.#client.close();
    })();
    return this.#closed;
  }

  async #campaignLoop(start: StartLeading, stop: StopLeading): Promise<void> {
    const closing = this.#closing.signal;
    while (!closing.aborted) {
      try {
        await this.#term(start, stop);
      } catch (error) {
        if (closing.aborted) break;
        this.#logger.warn({ err: error, retryInMs: this.#retryMs }, 'campaign failed');
      }
      await this.#clock.sleep(this.#retryMs, closing).catch(() => undefined);
    }
  }

  /** One candidacy: a lease and a key; waits for its turn, leads until a guard fires or close(); then resigns. */
  async #term(start: StartLeading, stop: StopLeading): Promise<void> {
    const closing = this.#closing.signal;
    if (closing.aborted) return;
    // Aborted when the lease is (or may be) gone: the end of this term, whatever we were doing.
    const lost = new AbortController();
    const loseLease = (reason: unknown): void => {
      if (!lost.signal.aborted) lost.abort(reason);
    };
    const lease = this.#namespace.lease(this.leaseTtlSeconds);
    let renewedAt = this.#clock.now();
    let renewGuard: Timer | undefined;
    const armRenewGuard = (): void => {
      renewGuard?.cancel();
      renewGuard = this.#clock.setTimeout(() => {
        loseLease(new Error(`no lease keepalive for ${this.#clock.now() - renewedAt} ms (renew deadline ${this.#renewDeadlineMs} ms)`));
      }, this.#renewDeadlineMs - (this.#clock.now() - renewedAt));
    };
    lease.on('lost', (error) => loseLease(error));
    lease.on('keepaliveSucceeded', () => {
      renewedAt = this.#clock.now();
      armRenewGuard();
    });
    let ownKeyWatch: EtcdWatcher | undefined;
    try {
      const leaseId = await lease.grant();
      renewedAt = this.#clock.now();
      armRenewGuard();
      const created = await this.#namespace
        .if(leaseId, 'Create', '==', 0)
        .then(this.#namespace.put(leaseId).value(this.identity).lease(leaseId))
        .else(this.#namespace.get(leaseId))
        .commit();
      const createRevision = created.succeeded ? created.header.revision : created.responses[0]?.response_range.kvs[0]?.create_revision;
      if (createRevision === undefined) throw new Error('the campaign key vanished as it was created');
      ownKeyWatch = await this.#namespace.watch().key(leaseId).startRevision(String(BigInt(createRevision) + 1n)).only('delete').create();
      ownKeyWatch.on('delete', () => loseLease(new Error('our campaign key was deleted (lease expired or revoked)')));
      ownKeyWatch.on('error', (error) => loseLease(error));
      await this.#waitForTurn(createRevision, AbortSignal.any([lost.signal, closing]));
      if (lost.signal.aborted || closing.aborted) return;
      this.#fence = { key: `${this.#electionPrefix}${leaseId}`, createRevision };
      await this.#lead(lost.signal, start, stop);
    } finally {
      this.#fence = undefined;
      renewGuard?.cancel();
      await ownKeyWatch?.cancel().catch(() => undefined);
      await this.#resign(lease);
    }
  }

  /** Leads until the lease is lost (leadership aborts, then `stop`) or close() (`stop` while leading, then abort). */
  async #lead(lost: AbortSignal, start: StartLeading, stop: StopLeading): Promise<void> {
    const closing = this.#closing.signal;
    const leadership = new AbortController();
    const onLost = (): void => leadership.abort(lost.reason);
    lost.addEventListener('abort', onLost, { once: true });
    this.#leadership = leadership;
    this.#logger.info('elected: leading');
    try {
      await start(leadership.signal);
      const ended = AbortSignal.any([lost, closing]);
      if (!ended.aborted) await new Promise<void>((resolve) => ended.addEventListener('abort', () => resolve(), { once: true }));
    } finally {
      lost.removeEventListener('abort', onLost);
      if (leadership.signal.aborted) {
        this.#logger.warn({ reason: String(leadership.signal.reason) }, 'lost leadership');
        this.#leadership = undefined;
        await stop();
      } else {
        // Resigning: in-flight work may finish (and write) while we still hold the lease; the guards still apply.
        this.#logger.info('resigning');
        try {
          await stop();
        } finally {
          leadership.abort(new DOMException('resigned', 'AbortError'));
          this.#leadership = undefined;
        }
      }
    }
  }

  /** Resolves when no candidate key created before ours remains (or `signal` aborts). */
  async #waitForTurn(createRevision: string, signal: AbortSignal): Promise<void> {
    const before = (BigInt(createRevision) - 1n).toString();
    while (!signal.aborted) {
      const result = await this.#namespace.getAll().maxCreateRevision(before).sort('Create', 'Descend').limit(1).exec();
      const predecessor = result.kvs[0];
      if (predecessor === undefined) return;
      this.#logger.debug({ waitingFor: predecessor.value.toString() }, 'waiting for the candidate ahead');
      await this.#waitForDelete(predecessor.key.toString(), result.header.revision, signal);
    }
  }

  async #waitForDelete(key: string, seenAt: string, signal: AbortSignal): Promise<void> {
    // From the revision after our read: a deletion between the read and the watch is still seen.
    const watcher = await this.#namespace.watch().key(key).startRevision(String(BigInt(seenAt) + 1n)).only('delete').create();
    const stopListening = new AbortController();
    try {
      await new Promise<void>((resolve, reject) => {
        watcher.once('delete', () => resolve());
        watcher.once('error', reject);
        if (signal.aborted) resolve();
        signal.addEventListener('abort', () => resolve(), { once: true, signal: stopListening.signal });
      });
    } finally {
      stopListening.abort();
      await watcher.cancel().catch(() => undefined);
    }
  }

  /** Revokes the lease so that the next candidate leads at once; if etcd does not answer in time, it expires. */
  async #resign(lease: ReturnType<Namespace['lease']>): Promise<void> {
    const stopWaiting = new AbortController();
    await Promise.race([
      lease.revoke().catch((error: unknown) => this.#logger.debug({ err: error }, 'lease revocation failed: it will expire')),
      this.#clock.sleep(this.#resignTimeoutMs, stopWaiting.signal).catch(() => undefined),
    ]);
    stopWaiting.abort();
  }
}
