// Several `vigil serve` replicas on one etcd cluster (docs/ha.md), as users run them: one encryption key for all
// (VIGIL_ENCRYPTION_KEY), one store, each replica with its own data directory and port. The first replica is set up
// over the API; the others start on the set-up store and write their own kubeconfig. A short leader lease keeps
// failover tests quick; every wait is derived from it and from deadlines.ts.
import { SecretBox } from '../../apiserver/auth/secret-box.ts';
import type { EtcdCluster } from './etcd.ts';
import { deadlines } from './deadlines.ts';
import { startVigil, type VigilChild } from './vigil.ts';

export interface Replica extends VigilChild {
  /** r0, r1, ... */
  readonly name: string;
}

export interface ReplicaSet {
  readonly replicas: Replica[];
  /** The encryption key every replica shares (base64). */
  readonly encryptionKey: string;
  readonly leaseTtlSeconds: number;
  /** The `vigil serve` flags every replica gets (the etcd store, the lease). */
  readonly args: readonly string[];
  /** Starts one more replica on the same store and key (also used to restart a killed one's data directory). */
  add(name: string): Promise<Replica>;
  /** Resumes stopped replicas (SIGCONT) and stops every replica. */
  stop(): Promise<void>;
}

export interface StartReplicasOptions {
  etcd: EtcdCluster;
  count?: number;
  /** The leader lease TTL (--leader-lease-ttl). Default 2 s: a failover test waits a few TTLs, not 15 s each. */
  leaseTtlSeconds?: number;
  /** More flags for every replica. */
  args?: readonly string[];
  /** More environment variables for every replica. */
  env?: Record<string, string>;
  /** More environment variables for one replica (by name: r0, r1, ...), e.g. VIGIL_FAILPOINTS for the first leader only. */
  envFor?: (name: string) => Record<string, string>;
}

/** What `GET /api/about` says about leadership (Vigil's additions to Sentinel's about). */
export interface LeadershipFacts {
  replica: string;
  leading: boolean;
  leader: string | null;
  lease_ttl_seconds: number | null;
}

export async function startVigilReplicas(options: StartReplicasOptions): Promise<ReplicaSet> {
  const encryptionKey = SecretBox.generateKeyText();
  const leaseTtlSeconds = options.leaseTtlSeconds ?? 2;
  const args = ['--store', `etcd://${options.etcd.endpoints.map((endpoint) => endpoint.replace(/^http:\/\//, '')).join(',')}`, '--leader-lease-ttl', String(leaseTtlSeconds), '--tls', 'off', ...(options.args ?? [])];
  // Metrics always on: the tests read vigil_leader from /metrics.
  const env = { VIGIL_ENCRYPTION_KEY: encryptionKey, VIGIL_METRICS: 'true', ...options.env };
  const replicas: Replica[] = [];
  const start = async (name: string, setup: 'api' | 'joined'): Promise<Replica> => {
    const child = await startVigil({ args, env: { ...env, ...options.envFor?.(name) }, setup });
    const replica: Replica = Object.assign(child, { name });
    replicas.push(replica);
    return replica;
  };
  try {
    // The first one alone: it writes the key check and is set up before the others start.
    await start('r0', 'api');
    for (let index = 1; index < (options.count ?? 3); index++) await start(`r${index}`, 'joined');
  } catch (error) {
    await stopAll(replicas);
    throw error;
  }
  return {
    replicas,
    encryptionKey,
    leaseTtlSeconds,
    args,
    add: (name) => start(name, 'joined'),
    stop: () => stopAll(replicas),
  };
}

async function stopAll(replicas: readonly Replica[]): Promise<void> {
  await Promise.all(replicas.map(async (replica) => {
    replica.signal('SIGCONT');
    await replica.stop();
  }));
}

/** The replica's own view of leadership (GET /api/about). */
export async function leadershipOf(replica: Replica): Promise<LeadershipFacts> {
  const response = await fetch(`${replica.url}/api/about`, { headers: replica.headers(), signal: AbortSignal.timeout(deadlines.request) });
  if (!response.ok) throw new Error(`GET /api/about on ${replica.name}: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as Partial<LeadershipFacts>;
  if (typeof body.replica !== 'string' || typeof body.leading !== 'boolean') throw new Error(`GET /api/about on ${replica.name} says nothing of leadership`);
  return { replica: body.replica, leading: body.leading, leader: body.leader ?? null, lease_ttl_seconds: body.lease_ttl_seconds ?? null };
}

/** A gauge or counter sample from the replica's /metrics (0 when the sample is absent). */
export async function metricOf(replica: Replica, sample: string): Promise<number> {
  const response = await fetch(`${replica.url}/metrics`, { headers: replica.headers(), signal: AbortSignal.timeout(deadlines.request) });
  if (!response.ok) throw new Error(`GET /metrics on ${replica.name}: ${response.status}`);
  const text = await response.text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

/**
 * Polls until exactly one of `replicas` leads by its own account and every one of them names it as the leader;
 * returns it. A replica that does not answer (killed, stopped) fails the round and is asked again.
 */
export async function waitForOneLeader(replicas: readonly Replica[], timeoutMs = deadlines.condition): Promise<Replica> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const facts = await Promise.all(replicas.map((replica) => leadershipOf(replica)));
      const leading = replicas.filter((_replica, index) => facts[index]?.leading === true);
      const [leader] = leading;
      const leaderFacts = facts[replicas.findIndex((replica) => replica === leader)];
      if (leading.length === 1 && leader !== undefined && leaderFacts !== undefined && facts.every((fact) => fact.leader === leaderFacts.replica)) return leader;
      last = JSON.stringify(facts);
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no single leader among ${replicas.map((replica) => replica.name).join(', ')} within ${timeoutMs} ms: ${last}`);
}
