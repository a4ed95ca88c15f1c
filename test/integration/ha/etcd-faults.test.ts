// etcd faults under two Vigil replicas on a 3-member cluster (docs/ha.md). One member stopped under a steady write load:
// etcd keeps its quorum, and every write a replica acknowledged (201) is readable afterwards through either replica.
// Two members stopped: no quorum; writes answer 503 with a Status that says so, reads keep working from the watch
// cache (and member-local reads), /readyz says stale; a member back, everything resumes. Five processes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEtcdCluster, type EtcdCluster } from '../../testbed/etcd.ts';
import { startVigilReplicas, type Replica, type ReplicaSet } from '../../testbed/replicas.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { GROUP_PATH, updatePolicy } from '../apiserver/fixtures/api.ts';

const policies = `${GROUP_PATH}/updatepolicies`;

const refusals: string[] = [];

async function create(replica: Replica, name: string): Promise<number> {
  try {
    const response = await fetch(`${replica.url}${policies}`, {
      method: 'POST',
      headers: { ...replica.headers(), 'content-type': 'application/json' },
      body: JSON.stringify(updatePolicy(name, { policy: 'manual' }, { labels: { load: 'member-loss' } })),
      signal: AbortSignal.timeout(deadlines.request),
    });
    if (response.status !== 201) refusals.push(`${response.status} ${await response.text()}`);
    else await response.body?.cancel();
    return response.status;
  } catch {
    return 0; // no answer: not acknowledged
  }
}

async function namesOn(replica: Replica): Promise<Set<string>> {
  const response = await fetch(`${replica.url}${policies}?labelSelector=load%3Dmember-loss`, { headers: replica.headers(), signal: AbortSignal.timeout(deadlines.request) });
  assert.equal(response.status, 200);
  const list = (await response.json()) as { items: { metadata: { name: string } }[] };
  return new Set(list.items.map((item) => item.metadata.name));
}

async function poll<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = deadlines.condition): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

async function readyz(replica: Replica): Promise<{ status: number; text: string }> {
  const response = await fetch(`${replica.url}/readyz`, { signal: AbortSignal.timeout(deadlines.request) });
  return { status: response.status, text: await response.text() };
}

describe('etcd faults under two replicas', () => {
  let etcd: EtcdCluster;
  let set: ReplicaSet;
  before(async () => {
    etcd = await startEtcdCluster(3);
    set = await startVigilReplicas({ etcd, count: 2 });
  });
  after(async () => {
    await set?.stop();
    await etcd?.cleanup();
  });

  test('every acknowledged write through two replicas survives the etcd leader member stopped and started again', async (t) => {
    const acknowledged: string[] = [];
    const refused: number[] = [];
    let serial = 0;
    let running = true;
    const writer = async (replica: Replica): Promise<void> => {
      while (running) {
        serial += 1;
        const name = `load-${replica.name}-${serial}`;
        const status = await create(replica, name);
        if (status === 201) acknowledged.push(name);
        else refused.push(status);
      }
    };
    const writers = set.replicas.map((replica) => writer(replica));
    const waitForMore = async (count: number): Promise<void> => {
      const target = acknowledged.length + count;
      const deadline = Date.now() + deadlines.condition;
      while (acknowledged.length < target && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(acknowledged.length >= target, `${count} more writes acknowledged (${acknowledged.length} so far, refused: ${refused.join(',')})`);
    };
    try {
      await waitForMore(20);
      // The etcd leader: the harder loss (an election, in-flight proposals), not only a follower.
      const member = await etcd.leader();
      await member.stop();
      await waitForMore(40); // the load goes on with two members
      await member.restart();
      await waitForMore(20);
    } finally {
      running = false;
      await Promise.all(writers);
    }
    t.diagnostic(`${acknowledged.length} writes acknowledged, ${refused.length} refused (${refused.join(',') || 'none'})`);
    for (const refusal of refusals) t.diagnostic(refusal);
    for (const replica of set.replicas) {
      const present = await namesOn(replica);
      const lost = acknowledged.filter((name) => !present.has(name));
      assert.deepEqual(lost, [], `acknowledged writes missing on ${replica.name}`);
    }
  });

  test('two members of three stopped: writes answer 503 saying etcd has no quorum, reads keep working and /readyz says stale; a member back, all resumes', async (t) => {
    const [a, b] = set.replicas;
    assert.ok(a !== undefined && b !== undefined);
    assert.equal(await create(a, 'before-quorum-loss'), 201);
    const leader = await etcd.leader();
    const stopped = etcd.members.filter((member) => member.name !== leader.name);
    // Both followers: the leader left alone steps down (no majority), as any lone member would.
    await Promise.all(stopped.map((member) => member.stop()));
    try {
      for (const replica of [a, b]) {
        const stale = await poll(`/readyz on ${replica.name} says stale`, async () => {
          const answer = await readyz(replica);
          return answer.status === 503 && /^stale: the store has no quorum/.test(answer.text) ? answer : undefined;
        });
        t.diagnostic(`${replica.name} /readyz: ${stale.text}`);
      }
      const write = await fetch(`${a.url}${policies}`, {
        method: 'POST',
        headers: { ...a.headers(), 'content-type': 'application/json' },
        body: JSON.stringify(updatePolicy('during-quorum-loss')),
        signal: AbortSignal.timeout(deadlines.request),
      });
      const body = await write.text();
      assert.equal(write.status, 503, body);
      const status = JSON.parse(body) as { kind: string; reason: string; code: number; message: string };
      assert.equal(status.kind, 'Status');
      assert.equal(status.reason, 'ServiceUnavailable');
      assert.equal(status.code, 503);
      assert.match(status.message, /etcd has no quorum .*writes are refused until a majority is back/);
      // Reads: an informer's list (resourceVersion=0) from the watch cache, and a single object, member-local.
      const list = await fetch(`${b.url}${policies}?resourceVersion=0`, { headers: b.headers(), signal: AbortSignal.timeout(deadlines.request) });
      assert.equal(list.status, 200);
      const names = ((await list.json()) as { items: { metadata: { name: string } }[] }).items.map((item) => item.metadata.name);
      assert.ok(names.includes('before-quorum-loss'));
      const got = await fetch(`${b.url}${policies}/before-quorum-loss`, { headers: b.headers(), signal: AbortSignal.timeout(deadlines.request) });
      assert.equal(got.status, 200);
    } finally {
      await Promise.all(stopped.map((member) => member.restart()));
    }
    for (const replica of [a, b]) await poll(`/readyz on ${replica.name} ok again`, async () => ((await readyz(replica)).status === 200 ? true : undefined));
    await poll('a write accepted again', async () => ((await create(a, 'after-quorum-loss')) === 201 ? true : undefined));
    const got = await fetch(`${b.url}${policies}/after-quorum-loss`, { headers: b.headers(), signal: AbortSignal.timeout(deadlines.request) });
    assert.equal(got.status, 200);
  });
});
