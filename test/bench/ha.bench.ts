// Several replicas on etcd (docs/ha.md): how long a failover takes, from kill -9 of the leader to the new leader's
// first reconcile, for lease TTLs of 15 s (the default), 5 s and 2 s (5 kills each, the killed replica started again
// each time); write throughput and latency through one replica against three; and how quickly a write through one
// replica reaches watches on the two others. 3 etcd members and 3 `vigil serve` replicas on this machine's loopback.
import http from 'node:http';
import { startEtcdCluster } from '../testbed/etcd.ts';
import { startVigilReplicas, type Replica, type ReplicaSet } from '../testbed/replicas.ts';
import { ms, percentile, perSecond, pool, table } from './stats.ts';

const POLICIES = '/apis/vigil.dev/v1alpha1/updatepolicies';
const KILLS = 5;
const WRITES = 1500;
const IN_FLIGHT = 16;
const DELIVERIES = 200;

async function metrics(replica: Replica): Promise<string> {
  const response = await fetch(`${replica.url}/metrics`, { headers: replica.headers(), signal: AbortSignal.timeout(5_000) });
  return await response.text();
}

function reconciles(text: string): number {
  return text.split('\n').filter((line) => line.startsWith('vigil_controller_reconcile_total{')).reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

function leads(text: string): boolean {
  return text.split('\n').some((line) => line === 'vigil_leader 1');
}

async function leaderOf(replicas: readonly Replica[]): Promise<Replica> {
  for (;;) {
    for (const replica of replicas) if (leads(await metrics(replica).catch(() => ''))) return replica;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Kills the leader and times until a survivor leads and its reconcile count moved; starts a replacement. */
async function failover(set: ReplicaSet, serial: number): Promise<number> {
  const live = set.replicas.filter((replica) => replica.pid !== undefined && !killed.has(replica));
  const leader = await leaderOf(live);
  const survivors = live.filter((replica) => replica !== leader);
  const before = new Map(await Promise.all(survivors.map(async (replica) => [replica, reconciles(await metrics(replica))] as const)));
  const started = performance.now();
  await leader.kill();
  killed.add(leader);
  let elapsed: number | undefined;
  while (elapsed === undefined) {
    for (const replica of survivors) {
      const text = await metrics(replica).catch(() => '');
      if (leads(text) && reconciles(text) > (before.get(replica) ?? 0)) elapsed = performance.now() - started;
    }
    if (elapsed === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await set.add(`k${serial}`);
  return elapsed;
}

const killed = new Set<Replica>();

async function create(replica: Replica, name: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${replica.url}${POLICIES}`, {
    method: 'POST',
    headers: { ...replica.headers(), 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'vigil.dev/v1alpha1', kind: 'UpdatePolicy', metadata: { name, labels: { bench: 'ha' } }, spec: { policy: 'manual' } }),
  });
  await response.body?.cancel();
  if (response.status !== 201) throw new Error(`create ${name}: ${response.status}`);
  return performance.now() - started;
}

async function writes(replicas: readonly Replica[], label: string): Promise<{ rate: string; p50: string; p99: string }> {
  const samples: number[] = [];
  const started = performance.now();
  await pool(WRITES, IN_FLIGHT, async (index) => {
    const replica = replicas[index % replicas.length];
    if (replica === undefined) throw new Error('no replica');
    samples.push(await create(replica, `${label}-${index}`));
  });
  return { rate: perSecond(WRITES, performance.now() - started), p50: ms(percentile(samples, 50)), p99: ms(percentile(samples, 99)) };
}

/** Time from before a PATCH through `writer` to its MODIFIED line on a watch at each of `watchers`. */
async function deliveries(writer: Replica, watchers: readonly Replica[]): Promise<number[]> {
  await create(writer, 'delivery');
  const samples: number[] = [];
  const pending = new Map<string, { started: number; left: number }>();
  const requests = await Promise.all(watchers.map((replica) => new Promise<http.ClientRequest>((resolve) => {
    const request = http.get(`${replica.url}${POLICIES}?watch=1&fieldSelector=metadata.name%3Ddelivery`, { headers: replica.headers() }, (response) => {
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let newline = buffer.indexOf('\n');
        while (newline >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          const event = JSON.parse(line) as { type: string; object: { metadata: { annotations?: Record<string, string> } } };
          const mark = event.object.metadata.annotations?.mark;
          const entry = mark === undefined ? undefined : pending.get(mark);
          if (event.type === 'MODIFIED' && entry !== undefined) {
            samples.push(performance.now() - entry.started);
            entry.left -= 1;
          }
          newline = buffer.indexOf('\n');
        }
      });
      resolve(request);
    });
  })));
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (let index = 0; index < DELIVERIES; index++) {
    const mark = String(index);
    pending.set(mark, { started: performance.now(), left: watchers.length });
    const response = await fetch(`${writer.url}${POLICIES}/delivery`, {
      method: 'PATCH',
      headers: { ...writer.headers(), 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { annotations: { mark } } }),
    });
    await response.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const deadline = Date.now() + 10_000;
  while ([...pending.values()].some((entry) => entry.left > 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  for (const request of requests) request.destroy();
  return samples;
}

async function failovers(ttl: number): Promise<number[]> {
  // A fresh cluster per round: each replica set is set up, and writes its key check, on an empty store.
  const etcd = await startEtcdCluster(3);
  const set = await startVigilReplicas({ etcd, leaseTtlSeconds: ttl });
  try {
    const times: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) times.push(await failover(set, kill));
    return times;
  } finally {
    await set.stop();
    killed.clear();
    await etcd.cleanup();
  }
}

export async function haBenchmark(): Promise<string> {
  const failoverRows = [];
  for (const ttl of [15, 5, 2]) {
    const times = await failovers(ttl);
    failoverRows.push({ measure: `failover, lease TTL ${ttl} s (kill -9 → new leader's first reconcile), median / max of ${KILLS}`, values: [`${(percentile(times, 50) / 1000).toFixed(2)} s / ${(Math.max(...times) / 1000).toFixed(2)} s`], ...(ttl === 15 ? { target: '≤ 15 s' } : {}) });
  }
  const etcd = await startEtcdCluster(3);
  try {
    {
    }
    const set = await startVigilReplicas({ etcd, leaseTtlSeconds: 15 });
    try {
      const [a, b, c] = set.replicas;
      if (a === undefined || b === undefined || c === undefined) throw new Error('three replicas expected');
      const one = await writes([a], 'one');
      const three = await writes([a, b, c], 'three');
      const delivered = await deliveries(a, [b, c]);
      return [
        `## Several replicas on etcd (issue 16)\n`,
        `3 etcd 3.4 members and 3 \`vigil serve\` replicas (authentication on, API token) on one 2-core machine, loopback. Failover: ${KILLS} kills per TTL, the killed replica started again each time. Writes: ${WRITES} UpdatePolicy creates, ${IN_FLIGHT} in flight, round robin over the replicas. Delivery: ${DELIVERIES} merge patches through one replica 20 ms apart, each timed to its MODIFIED line on a watch at each of the two others (${delivered.length} deliveries).\n`,
        table(['3 replicas'], failoverRows),
        '',
        table(['through 1 replica', 'through 3 replicas'], [
          { measure: `create, ${IN_FLIGHT} in flight`, values: [one.rate, three.rate] },
          { measure: 'create latency p50', values: [one.p50, three.p50] },
          { measure: 'create latency p99', values: [one.p99, three.p99] },
        ]),
        '',
        table(['across replicas'], [
          { measure: 'write-to-delivery on another replica, p50', values: [ms(percentile(delivered, 50))] },
          { measure: 'write-to-delivery on another replica, p99', values: [ms(percentile(delivered, 99))], target: '≤ 1 s' },
        ]),
      ].join('\n');
    } finally {
      await set.stop();
    }
  } finally {
    await etcd.cleanup();
  }
}
