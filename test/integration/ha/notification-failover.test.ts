// Notification delivery across a failover (docs/ha.md): two replicas on etcd, a webhook NotificationChannel to the
// test bed's HTTP receiver. The receiver holds its answer to one delivery, so that the leader is killed (kill -9)
// while that delivery is in flight and three more wait behind it in the outbox (which is in the store). The new
// leader must deliver all four: none lost, and no delivery id acknowledged twice (the one in flight was never
// acknowledged: its connection died with the leader), in the order of the events.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEtcdCluster, type EtcdCluster } from '../../testbed/etcd.ts';
import { startVigilReplicas, waitForOneLeader, type ReplicaSet } from '../../testbed/replicas.ts';
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from '../../testbed/http-receiver.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { channelStatus, createRecord, createWebhookChannel, eventually } from '../notifications/fixtures.ts';

const delivery = (request: ReceivedRequest): string => String(request.headers['x-vigil-delivery'] ?? '');
const idOf = (record: string): string => `hook/record/local/${record}`;

describe('notification delivery across a failover', () => {
  let etcd: EtcdCluster;
  let set: ReplicaSet;
  let receiver: HttpReceiver;
  before(async () => {
    receiver = await startHttpReceiver();
    etcd = await startEtcdCluster(1);
    set = await startVigilReplicas({ etcd, count: 2, leaseTtlSeconds: 2 });
  });
  after(async () => {
    await set?.stop();
    await etcd?.cleanup();
    await receiver?.close();
  });

  test('kill -9 of the leader mid-delivery: the new leader delivers the one in flight and those behind it, each acknowledged once', async (t) => {
    const leader = await waitForOneLeader(set.replicas);
    const [survivor] = set.replicas.filter((replica) => replica !== leader);
    assert.ok(survivor !== undefined);
    // Everything through the survivor: it is the API the user keeps reaching.
    await createWebhookChannel(survivor, 'hook', `${receiver.base}/hook`, ['update_succeeded']);
    await createRecord(survivor, 'before-1');
    await eventually('before-1 acknowledged', async () => (receiver.requests.some((request) => delivery(request) === idOf('before-1') && request.acknowledged === 200) ? true : undefined));

    let release = (): void => {};
    receiver.respondWith({ status: 200, hold: new Promise<void>((resolve) => (release = resolve)) });
    try {
      await createRecord(survivor, 'held-1');
      const [held] = await receiver.waitFor(1, (request) => delivery(request) === idOf('held-1'));
      assert.ok(held !== undefined);
      const behind = ['behind-1', 'behind-2', 'behind-3'];
      for (const name of behind) await createRecord(survivor, name);
      await eventually('four deliveries in the outbox', async () => ((await channelStatus(survivor, 'hook')).pending === 4 ? true : undefined));

      const killedAt = Date.now();
      await leader.kill();
      // The receiver sees the leader's connection go, with the answer still held: the leader never had it.
      await eventually('the held request abandoned', async () => (held.abandoned === true ? true : undefined));
      release();
      const next = await waitForOneLeader([survivor]);
      const expected = ['held-1', ...behind].map(idOf);
      const acknowledged = (): string[] => receiver.requests.filter((request) => request.acknowledged !== undefined && request.acknowledged < 300).map(delivery);
      // The new leader's first try may wait out a retry delay (at most the capped backoff, 30 s).
      await eventually('all four acknowledged', async () => (expected.every((id) => acknowledged().includes(id)) ? true : undefined), deadlines.condition + 30_000);
      t.diagnostic(`${next.name} delivered the four ${Date.now() - killedAt} ms after kill -9 of ${leader.name}`);

      // One more, delivered after them: a duplicate of any of them would have been sent before it.
      await createRecord(survivor, 'marker');
      await eventually('the marker acknowledged', async () => (acknowledged().includes(idOf('marker')) ? true : undefined), deadlines.condition + 30_000);
      assert.deepEqual(acknowledged(), [idOf('before-1'), ...expected, idOf('marker')], 'each delivery acknowledged once, in order');
      assert.equal(receiver.requests.filter((request) => delivery(request) === idOf('held-1') && request.abandoned === true).length, 1, 'the one in flight at the kill was sent again');
      await eventually('the outbox is empty', async () => ((await channelStatus(survivor, 'hook')).pending === 0 ? true : undefined));
    } finally {
      release();
    }
  });
});
