// Leader election on a real etcd: two candidates, exactly one leads; when the leader is cut off from etcd, it stops
// leading before its lease can expire, and the other leads within the lease TTL; a revoked lease or a resignation hands over
// at once.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Etcd3 } from 'etcd3';
import { createClient, resolveOptions } from '../../../../apiserver/storage/etcd/options.ts';
import { EtcdLeaderElector } from '../../../../controllers/runtime/etcd-leader-election.ts';
import { startEtcd } from '../../../testbed/etcd.ts';
import { eventually } from './fixtures.ts';

const etcd = await startEtcd();
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await etcd.cleanup();
});

// Short enough for a quick test, long enough that a busy machine's timer delays stay well inside the margins.
const TTL_SECONDS = 3;

function client(endpoint = etcd.endpoint): Etcd3 {
  const endpoints = [endpoint];
  const created = createClient({ endpoints }, resolveOptions({ endpoints, requestTimeoutMs: 2_000 }));
  cleanups.push(() => created.close());
  return created;
}

/**
 * A loopback TCP proxy in front of etcd, so that a test can cut one client off as a network failure or a frozen
 * process would (closing an etcd3 client does not: gRPC lets calls already open, such as the keepalive stream, go on).
 */
async function proxy(): Promise<{ endpoint: string; cut(): void }> {
  const target = new URL(etcd.endpoint);
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect(Number(target.port), target.hostname);
    sockets.add(inbound).add(outbound);
    const drop = (): void => {
      inbound.destroy();
      outbound.destroy();
      sockets.delete(inbound);
      sockets.delete(outbound);
    };
    for (const socket of [inbound, outbound]) socket.on('error', drop).on('close', drop);
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  const cut = (): void => {
    server.close();
    for (const socket of sockets) socket.destroy();
  };
  cleanups.push(cut);
  return { endpoint: `http://127.0.0.1:${address.port}`, cut };
}

interface Candidate {
  name: string;
  elector: EtcdLeaderElector;
  client: Etcd3;
}

/** Who led when: each start and stop, on one timeline, and how many candidates led at once at most. */
class Timeline {
  readonly events: { who: string; what: 'start' | 'stop'; at: number }[] = [];
  readonly #leading = new Set<string>();
  mostAtOnce = 0;

  start(who: string): void {
    this.#leading.add(who);
    this.mostAtOnce = Math.max(this.mostAtOnce, this.#leading.size);
    this.events.push({ who, what: 'start', at: performance.now() });
  }

  stop(who: string): void {
    this.#leading.delete(who);
    this.events.push({ who, what: 'stop', at: performance.now() });
  }

  last(who: string, what: 'start' | 'stop'): number | undefined {
    return this.events.findLast((event) => event.who === who && event.what === what)?.at;
  }
}

function candidates(election: string, timeline: Timeline, endpoints: string[] = [etcd.endpoint, etcd.endpoint]): Candidate[] {
  return ['a', 'b'].map((name, index) => {
    const etcdClient = client(endpoints[index]);
    const elector = new EtcdLeaderElector({ client: etcdClient, name: election, identity: name, ttlSeconds: TTL_SECONDS, retryMs: 200 });
    cleanups.push(() => elector.close());
    elector.runWhenLeader(
      () => timeline.start(name),
      () => timeline.stop(name),
    );
    return { name, elector, client: etcdClient };
  });
}

async function leaderOf(all: Candidate[]): Promise<{ leader: Candidate; follower: Candidate }> {
  await eventually('one candidate leads', () => all.some((candidate) => candidate.elector.isLeader()), 10_000);
  const leader = all.find((candidate) => candidate.elector.isLeader());
  const follower = all.find((candidate) => !candidate.elector.isLeader());
  assert.ok(leader !== undefined && follower !== undefined, 'exactly one of two leads');
  return { leader, follower };
}

describe('EtcdLeaderElector', () => {
  test('of two candidates exactly one leads, and keeps leading while its lease is renewed', async () => {
    const timeline = new Timeline();
    const all = candidates('steady', timeline);
    const { leader } = await leaderOf(all);
    // Several TTLs: keepalives must hold the lease, and the other must keep waiting.
    const until = performance.now() + TTL_SECONDS * 1000 * 2;
    while (performance.now() < until) {
      assert.deepEqual(all.filter((candidate) => candidate.elector.isLeader()).map((candidate) => candidate.name), [leader.name]);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(timeline.mostAtOnce, 1);
    assert.equal(timeline.events.length, 1);
  });

  test('when the leader is cut off from etcd, it stops leading before its lease expires, and the other leads within the TTL', async (t) => {
    const timeline = new Timeline();
    const links = [await proxy(), await proxy()];
    const all = candidates('cut-off', timeline, links.map((link) => link.endpoint));
    const { leader, follower } = await leaderOf(all);
    const killedAt = performance.now();
    links[all.indexOf(leader)]?.cut();
    await eventually('the other candidate leads', () => follower.elector.isLeader(), 10_000);
    const stoppedAt = timeline.last(leader.name, 'stop');
    const tookOverAt = timeline.last(follower.name, 'start');
    assert.ok(stoppedAt !== undefined && tookOverAt !== undefined);
    t.diagnostic(`cut-off leader stopped after ${Math.round(stoppedAt - killedAt)} ms; the other led after ${Math.round(tookOverAt - killedAt)} ms (TTL ${TTL_SECONDS} s)`);
    assert.ok(stoppedAt - killedAt < TTL_SECONDS * 1000, `the dead leader stopped ${Math.round(stoppedAt - killedAt)} ms after its client died`);
    assert.ok(stoppedAt <= tookOverAt, 'it stopped before the other started');
    // The lease expires TTL after its last renewal (up to TTL/3 before the cut); etcd sweeps expired leases every
    // 500 ms, then the watch reports the deletion. Measured: about 2.4 s for a 2 s TTL; the margin is for a busy machine.
    assert.ok(tookOverAt - killedAt < TTL_SECONDS * 1000 + 2_000, `took over ${Math.round(tookOverAt - killedAt)} ms after the kill`);
    assert.equal(timeline.mostAtOnce, 1);
  });

  test('when the leader\'s lease is revoked, it stops leading at once and the other takes over', async () => {
    const timeline = new Timeline();
    const all = candidates('lease-revoked', timeline);
    const { leader, follower } = await leaderOf(all);
    const admin = client();
    const keys = await admin.namespace('vigil/election/lease-revoked/').getAll().sort('Create', 'Ascend').exec();
    const leaderKey = keys.kvs[0];
    assert.equal(leaderKey?.value.toString(), leader.name);
    const revokedAt = performance.now();
    await admin.leaseClient.leaseRevoke({ ID: leaderKey.lease });
    await eventually('the other candidate leads', () => follower.elector.isLeader(), 5_000);
    await eventually('the old leader stopped', () => timeline.last(leader.name, 'stop') !== undefined, 5_000);
    const stoppedAt = timeline.last(leader.name, 'stop') ?? Number.POSITIVE_INFINITY;
    // Both learn it from a watch event, not from the TTL running out.
    assert.ok(stoppedAt - revokedAt < TTL_SECONDS * 1000, `the old leader stopped ${Math.round(stoppedAt - revokedAt)} ms after the revocation`);
    assert.ok((timeline.last(follower.name, 'start') ?? Number.POSITIVE_INFINITY) - revokedAt < TTL_SECONDS * 1000);
  });

  test('close() stops the leader\'s work first, then resigns, and the other leads at once', async () => {
    const timeline = new Timeline();
    const all = candidates('resign', timeline);
    const { leader, follower } = await leaderOf(all);
    const closedAt = performance.now();
    await leader.elector.close();
    assert.ok(timeline.last(leader.name, 'stop') !== undefined, 'stop ran before close resolved');
    await eventually('the other candidate leads', () => follower.elector.isLeader(), 5_000);
    assert.ok((timeline.last(follower.name, 'start') ?? Number.POSITIVE_INFINITY) - closedAt < TTL_SECONDS * 1000, 'within the TTL: the lease was revoked, not left to expire');
    assert.equal(timeline.mostAtOnce, 1);
  });
});
