// Three `vigil serve` replicas on a 3-member etcd cluster (docs/ha.md): every replica serves the same store, exactly
// one leads (GET /api/about and the vigil_leader gauge say which), once-per-cluster tasks run on the leader only,
// sign-in lockout is counted across replicas, a replica with another encryption key refuses to start, and leadership
// moves when the leader is frozen (SIGSTOP past its lease) or killed (kill -9). Six processes for the whole file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEtcdCluster, type EtcdCluster } from '../../testbed/etcd.ts';
import { leadershipOf, metricOf, startVigilReplicas, waitForOneLeader, type Replica, type ReplicaSet } from '../../testbed/replicas.ts';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { setupTokenPath } from '../../../apiserver/auth/setup-token.ts';
import { startVigil } from '../../testbed/vigil.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { openWatch } from '../apiserver/fixtures/watch-client.ts';
import { GROUP_PATH, updatePolicy } from '../apiserver/fixtures/api.ts';

const policies = `${GROUP_PATH}/updatepolicies`;

async function poll<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = deadlines.condition): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${last === undefined ? '' : ` (last error: ${String(last)})`}`);
}

/** Settings status.leader as any replica serves it. */
async function leaderInSettings(replica: Replica): Promise<{ identity?: string; leaseTtlSeconds?: number; electionKey?: string } | undefined> {
  const response = await fetch(`${replica.url}${GROUP_PATH}/settings/default`, { headers: replica.headers(), signal: AbortSignal.timeout(deadlines.request) });
  if (!response.ok) return undefined;
  return ((await response.json()) as { status?: { leader?: { identity?: string; leaseTtlSeconds?: number; electionKey?: string } } }).status?.leader;
}

/**
 * POST /login from `source` (a loopback address of its own, 127.0.0.2 and up): each test's attempts count against
 * their own per-address limit (10 a minute per replica), which is not what these tests are about.
 */
async function signIn(replica: Replica, username: string, password: string, source: string): Promise<number> {
  const body = JSON.stringify({ username, password });
  return await new Promise((resolve, reject) => {
    const request = http.request(`${replica.url}/login`, {
      method: 'POST',
      localAddress: source,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      timeout: deadlines.request,
    }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    request.on('timeout', () => request.destroy(new Error('POST /login timed out')));
    request.end(body);
  });
}

describe('three Vigil replicas on a 3-member etcd cluster', () => {
  let etcd: EtcdCluster;
  let set: ReplicaSet;
  before(async () => {
    etcd = await startEtcdCluster(3);
    // Compaction every 2 s, so that the test can see which replicas compact.
    set = await startVigilReplicas({ etcd, leaseTtlSeconds: 2, args: ['--etcd-compaction-interval', '2'] });
  });
  after(async () => {
    await set?.stop();
    await etcd?.cleanup();
  });

  test('exactly one replica leads: /api/about on every replica names it, vigil_leader is 1 there and 0 elsewhere, and only it compacts etcd', async (t) => {
    const leader = await waitForOneLeader(set.replicas);
    const facts = await Promise.all(set.replicas.map((replica) => leadershipOf(replica)));
    assert.equal(new Set(facts.map((fact) => fact.replica)).size, 3, 'each replica has its own identity');
    for (const fact of facts) assert.equal(fact.lease_ttl_seconds, 2);
    const gauges = await Promise.all(set.replicas.map((replica) => metricOf(replica, 'vigil_leader')));
    assert.deepEqual(gauges, set.replicas.map((replica) => (replica === leader ? 1 : 0)));
    // Two compaction intervals: the leader's first pass only records the revision, the second compacts.
    await poll('a compaction on the leader', async () => ((await metricOf(leader, 'vigil_etcd_compactions_total{result="success"}')) > 0 ? true : undefined));
    for (const replica of set.replicas.filter((candidate) => candidate !== leader)) {
      assert.equal(await metricOf(replica, 'vigil_etcd_compactions_total{result="success"}'), 0, `${replica.name} follows and never compacts`);
    }
    // The lease listed in Settings status, the same through every replica.
    const identity = (await leadershipOf(leader)).replica;
    for (const replica of set.replicas) {
      const listed = await poll(`Settings status.leader through ${replica.name}`, async () => {
        const entry = await leaderInSettings(replica);
        return entry?.identity === identity ? entry : undefined;
      });
      assert.equal(listed.leaseTtlSeconds, 2);
      assert.match(listed.electionKey ?? '', /^vigil\/election\/vigil-controllers\/\w+$/);
    }
    t.diagnostic(`leader ${leader.name}`);
  });

  test('first-run setup through one replica is done for all: the others start set up, without a setup token, and refuse /setup', async () => {
    for (const replica of set.replicas.slice(1)) {
      assert.equal(existsSync(setupTokenPath(replica.dataDir)), false, `${replica.name} has no setup token file`);
      const response = await fetch(`${replica.url}/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'intruder', password: 'intruder-pass-1', setup_token: 'guess' }),
        signal: AbortSignal.timeout(deadlines.request),
      });
      assert.equal(response.status, 409);
      assert.match(await response.text(), /setup is already complete/);
      // Its own kubeconfig carries a token of the admin set up through r0.
      const me = await fetch(`${replica.url}/api/auth/me`, { headers: replica.headers(), signal: AbortSignal.timeout(deadlines.request) });
      assert.equal(me.status, 200, await me.text());
    }
  });

  test('a write through one replica is seen on watches at the two others', async () => {
    const [a, b, c] = set.replicas;
    assert.ok(a !== undefined && b !== undefined && c !== undefined);
    const watches = await Promise.all([b, c].map((replica) => openWatch(`${replica.url}${policies}?watch=1&fieldSelector=metadata.name%3Dacross-replicas`, replica.headers())));
    try {
      for (const watch of watches) assert.equal(watch.status, 200);
      const created = await fetch(`${a.url}${policies}`, {
        method: 'POST',
        headers: { ...a.headers(), 'content-type': 'application/json' },
        body: JSON.stringify(updatePolicy('across-replicas', { policy: 'auto' })),
        signal: AbortSignal.timeout(deadlines.request),
      });
      assert.equal(created.status, 201, await created.text());
      for (const watch of watches) {
        const [event] = await watch.waitForEvents(1);
        assert.equal(event?.type, 'ADDED');
        assert.equal(event?.object.metadata.name, 'across-replicas');
        assert.deepEqual(event?.object.spec, { policy: 'auto' });
      }
    } finally {
      for (const watch of watches) watch.close();
    }
  });

  test('failed sign-ins are counted across replicas: ten spread over three lock the account on every replica', async () => {
    const [a, b, c] = set.replicas;
    assert.ok(a !== undefined && b !== undefined && c !== undefined);
    const user = await a.createUser('viewer', 'lockout-victim');
    for (let attempt = 0; attempt < 10; attempt++) {
      const replica: Replica | undefined = [a, b, c][attempt % 3];
      assert.ok(replica !== undefined);
      assert.equal(await signIn(replica, user.username, 'wrong-password', '127.0.0.2'), 401, `attempt ${attempt + 1} on ${replica.name}`);
    }
    for (const replica of [a, b, c]) assert.equal(await signIn(replica, user.username, user.password, '127.0.0.2'), 429, `${replica.name} refuses even the right password while the account is locked`);
  });

  test('a username that does not exist locks the same way across replicas, so the answers never tell it apart', async () => {
    const [a, b, c] = set.replicas;
    assert.ok(a !== undefined && b !== undefined && c !== undefined);
    for (let attempt = 0; attempt < 10; attempt++) {
      const replica: Replica | undefined = [c, b, a][attempt % 3];
      assert.ok(replica !== undefined);
      assert.equal(await signIn(replica, 'nobody-here', 'wrong-password', '127.0.0.3'), 401, `attempt ${attempt + 1} on ${replica.name}`);
    }
    for (const replica of [a, b, c]) assert.equal(await signIn(replica, 'nobody-here', 'any-password', '127.0.0.3'), 429, `${replica.name} answers as for a locked account`);
  });

  test('a replica started with another encryption key refuses to start and says why', async () => {
    await assert.rejects(
      startVigil({ args: set.args, env: { VIGIL_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') }, setup: 'joined' }),
      (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, /exited with code 2/);
        assert.match(error.message, /this replica's encryption key \(id [0-9a-f]{8}\) is not the key the other replicas of this store use \(id [0-9a-f]{8}\)/);
        return true;
      },
    );
  });

  test('a leader frozen past its lease (SIGSTOP) is replaced; resumed (SIGCONT), it is a follower and the one leader stays', async (t) => {
    const leader = await waitForOneLeader(set.replicas);
    const others = set.replicas.filter((replica) => replica !== leader);
    const frozenAt = Date.now();
    leader.signal('SIGSTOP');
    try {
      const next = await waitForOneLeader(others);
      t.diagnostic(`${next.name} leads ${Date.now() - frozenAt} ms after ${leader.name} was frozen (lease ${set.leaseTtlSeconds} s)`);
    } finally {
      leader.signal('SIGCONT');
    }
    const after = await waitForOneLeader(set.replicas);
    assert.notEqual(after, leader, 'the resumed replica does not take leadership back');
    assert.equal(await metricOf(leader, 'vigil_leader'), 0);
    assert.equal((await leadershipOf(leader)).leading, false);
    // It stopped its controllers on its own, on noticing the lost lease (fenced-writes.test.ts proves that a write it
    // still had in flight is refused by etcd).
    await poll(`${leader.name} logged its lost leadership`, async () => (readFileSync(join(leader.dataDir, 'vigil.log'), 'utf8').includes('lost leadership') ? true : undefined));
  });

  test('kill -9 of the leader: another replica leads, and the dead one is no longer named', async (t) => {
    const leader = await waitForOneLeader(set.replicas);
    const deadIdentity = (await leadershipOf(leader)).replica;
    const killedAt = Date.now();
    await leader.kill();
    const survivors = set.replicas.filter((replica) => replica !== leader);
    const next = await waitForOneLeader(survivors);
    t.diagnostic(`${next.name} leads ${Date.now() - killedAt} ms after kill -9 of ${leader.name} (lease ${set.leaseTtlSeconds} s)`);
    const facts = await Promise.all(survivors.map((replica) => leadershipOf(replica)));
    for (const fact of facts) assert.notEqual(fact.leader, deadIdentity);
    const nextIdentity = (await leadershipOf(next)).replica;
    await poll('Settings status.leader names the new leader', async () => ((await leaderInSettings(next))?.identity === nextIdentity ? true : undefined));
    assert.equal((await Promise.all(survivors.map((replica) => metricOf(replica, 'vigil_leader')))).reduce((sum, value) => sum + value, 0), 1);
  });
});
