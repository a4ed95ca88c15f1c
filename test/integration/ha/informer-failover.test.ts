// A @kubernetes/client-node informer on a surviving replica across a leader change (docs/ha.md): three replicas on
// a 3-member etcd, an informer (makeInformer: list, then watch from its resourceVersion) on a follower, writes that
// go on through that follower while the leader is killed (kill -9) and another replica takes over. Every written
// object must arrive at the informer once, in the order written, with no error: the follower's watch is fed by etcd,
// not by the leader, so a leader change is no gap in it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeConfig, KubernetesObjectApi, makeInformer, type KubernetesObject } from '@kubernetes/client-node';
import { startEtcdCluster, type EtcdCluster } from '../../testbed/etcd.ts';
import { leadershipOf, startVigilReplicas, waitForOneLeader, type Replica, type ReplicaSet } from '../../testbed/replicas.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { GROUP_PATH, updatePolicy } from '../apiserver/fixtures/api.ts';

const LABEL = 'vigil.dev/test=informer-failover';
/** Writes before the kill, and at least as many after the new leader is known. */
const WRITES_AROUND = 15;

async function createPolicy(replica: Replica, name: string): Promise<void> {
  const response = await fetch(`${replica.url}${GROUP_PATH}/updatepolicies`, {
    method: 'POST',
    headers: { ...replica.headers(), 'content-type': 'application/json' },
    body: JSON.stringify(updatePolicy(name, { policy: 'manual' }, { labels: { 'vigil.dev/test': 'informer-failover' } })),
    signal: AbortSignal.timeout(deadlines.request),
  });
  if (response.status !== 201) throw new Error(`creating ${name} through ${replica.name}: ${response.status} ${await response.text()}`);
}

async function until(what: string, check: () => boolean, state: () => string, failed: () => boolean, timeoutMs = deadlines.condition): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (failed()) throw new Error(`${what}: the informer failed (${state()})`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms (${state()})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a client-node informer on a surviving replica across a leader change', () => {
  let etcd: EtcdCluster;
  let set: ReplicaSet;
  before(async () => {
    etcd = await startEtcdCluster(3);
    set = await startVigilReplicas({ etcd, leaseTtlSeconds: 2 });
  });
  after(async () => {
    await set?.stop();
    await etcd?.cleanup();
  });

  test('kill -9 of the leader while writes go on through a follower: the informer there gets every object once, in order, without an error', async (t) => {
    const leader = await waitForOneLeader(set.replicas);
    const survivors = set.replicas.filter((replica) => replica !== leader);
    const [follower] = survivors;
    assert.ok(follower !== undefined);
    const config = new KubeConfig();
    config.loadFromFile(follower.kubeconfig);
    const api = KubernetesObjectApi.makeApiClient(config);
    const added: string[] = [];
    const errors: unknown[] = [];
    const informer = makeInformer<KubernetesObject>(config, `${GROUP_PATH}/updatepolicies`, () => api.list<KubernetesObject>('vigil.dev/v1alpha1', 'UpdatePolicy', undefined, undefined, undefined, undefined, undefined, LABEL), LABEL);
    informer.on('add', (object) => added.push(object.metadata?.name ?? '?'));
    informer.on('error', (error) => errors.push(error));
    const state = (): string => `added ${added.length}: ${added.join(' ')}; errors: ${errors.map(String).join('; ') || 'none'}`;
    await informer.start();
    try {
      const written: string[] = [];
      const write = async (): Promise<void> => {
        const name = `informed-${String(written.length + 1).padStart(3, '0')}`;
        await createPolicy(follower, name);
        written.push(name);
      };
      for (let index = 0; index < WRITES_AROUND; index++) await write();
      const deadIdentity = (await leadershipOf(leader)).replica;
      const killedAt = Date.now();
      // The kill and the election run while the writes go on.
      let next: Replica | undefined;
      const election = leader.kill().then(async () => {
        next = await waitForOneLeader(survivors);
      });
      let electionError: unknown;
      election.catch((error: unknown) => (electionError = error));
      const writtenAtKill = written.length;
      while (next === undefined && electionError === undefined && Date.now() - killedAt < deadlines.condition) await write();
      await election;
      assert.ok(next !== undefined);
      const writtenDuring = written.length - writtenAtKill;
      for (let index = 0; index < WRITES_AROUND; index++) await write();
      t.diagnostic(`${next.name} leads ${Date.now() - killedAt} ms after kill -9 of ${leader.name}; ${writtenDuring} writes between the kill and the new leader, ${written.length} in all, informer on ${follower.name}`);
      assert.notEqual((await leadershipOf(next)).replica, deadIdentity);
      assert.ok(writtenDuring > 0, 'some writes went through between the kill and the new leader');

      await until(`the informer on ${follower.name} has all ${written.length} objects`, () => added.length >= written.length, state, () => errors.length > 0);
      // A duplicate would arrive right behind the last object: let one more write pass before comparing.
      await write();
      await until('the marker write', () => added.includes(written[written.length - 1] ?? ''), state, () => errors.length > 0);
      assert.deepEqual(added, written, 'each object once, in the order written');
      assert.equal(informer.list().length, written.length);
      assert.deepEqual(errors, []);
    } finally {
      await informer.stop();
    }
  });
});
