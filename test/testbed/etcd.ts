// Real etcd servers for the tests (Debian's etcd 3.4, TESTBED.md): one node, or a cluster of members on distinct
// loopback ports, each in a private temp folder. A member keeps its data folder and ports across kill() and
// restart(), so a test can crash etcd and bring the same server back.
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Daemon, freePort, makeTempDir, removeTempDir } from './daemon.ts';
import { deadlines } from './deadlines.ts';

export interface EtcdMember {
  readonly name: string;
  /** The client URL, e.g. http://127.0.0.1:41234. */
  readonly endpoint: string;
  readonly dataDir: string;
  readonly logFile: string;
  /** SIGTERM, waiting for a clean exit. */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts the member again (stopping it first if it runs) with the same data folder and ports. */
  restart(): Promise<void>;
}

export interface EtcdServer extends EtcdMember {
  /** Kills the server and removes its folder. */
  cleanup(): Promise<void>;
}

export interface EtcdCluster {
  readonly endpoints: string[];
  readonly members: EtcdMember[];
  /**
   * Resolves once the members that answer agree on a leader that is one of them: after killing the leader, a write
   * sent before a new one is elected waits for etcd's own request timeout (about 7 s) and then fails.
   */
  waitForLeader(timeoutMs?: number): Promise<void>;
  /** The member that leads the etcd cluster now (after waitForLeader). */
  leader(timeoutMs?: number): Promise<EtcdMember>;
  /** Kills every member and removes the cluster's folder. */
  cleanup(): Promise<void>;
}

interface MemberPlan {
  name: string;
  clientPort: number;
  peerPort: number;
}

/** A single-node etcd on free loopback ports, ready to answer. */
export async function startEtcd(): Promise<EtcdServer> {
  const dir = makeTempDir('etcd');
  try {
    const plan = await planMembers(1);
    const [member] = await startMembers(dir, plan);
    if (member === undefined) throw new Error('no etcd member started');
    return {
      ...memberView(member),
      cleanup: async () => {
        await member.kill(); // the data is thrown away: no need for a clean shutdown
        removeTempDir(dir);
      },
    };
  } catch (error) {
    removeTempDir(dir);
    throw error;
  }
}

/** A cluster of `size` members (3 by default) on distinct loopback ports, for tests that stop a member. */
export async function startEtcdCluster(size = 3): Promise<EtcdCluster> {
  const dir = makeTempDir('etcd-cluster');
  let members: MemberProcess[] = [];
  try {
    members = await startMembers(dir, await planMembers(size));
  } catch (error) {
    removeTempDir(dir);
    throw error;
  }
  return {
    endpoints: members.map((member) => member.endpoint),
    members: members.map(memberView),
    waitForLeader: (timeoutMs = deadlines.daemonReady) => waitForLeader(members, timeoutMs),
    leader: async (timeoutMs = deadlines.daemonReady) => {
      await waitForLeader(members, timeoutMs);
      const statuses = await Promise.all(members.map((member) => memberStatus(member.endpoint).catch(() => undefined)));
      const leaderId = statuses.find((status) => status !== undefined)?.leader;
      const index = statuses.findIndex((status) => status !== undefined && status.memberId === leaderId);
      const member = members[index];
      if (member === undefined) throw new Error('the etcd leader is not one of the members');
      return memberView(member);
    },
    cleanup: async () => {
      // SIGKILL: on SIGTERM a leader first tries to hand leadership to members that are stopping too (seconds).
      await Promise.all(members.map((member) => member.kill()));
      removeTempDir(dir);
    },
  };
}

class MemberProcess implements EtcdMember {
  readonly name: string;
  readonly endpoint: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly #daemon: Daemon;

  constructor(dir: string, plan: MemberPlan, cluster: { initialCluster: string; token: string }) {
    this.name = plan.name;
    this.endpoint = `http://127.0.0.1:${plan.clientPort}`;
    this.dataDir = join(dir, plan.name);
    this.logFile = join(dir, `${plan.name}.log`);
    const peerUrl = `http://127.0.0.1:${plan.peerPort}`;
    this.#daemon = new Daemon({
      name: `etcd ${plan.name}`,
      command: 'etcd',
      args: [
        '--name', plan.name,
        '--data-dir', this.dataDir,
        '--listen-client-urls', this.endpoint,
        '--advertise-client-urls', this.endpoint,
        '--listen-peer-urls', peerUrl,
        '--initial-advertise-peer-urls', peerUrl,
        '--initial-cluster', cluster.initialCluster,
        '--initial-cluster-state', 'new',
        '--initial-cluster-token', cluster.token,
        // Half etcd's default timing (100 ms / 1 s): on loopback this is safe, and elections after a kill are quicker.
        '--heartbeat-interval', '50',
        '--election-timeout', '500',
        '--log-level', 'warn',
      ],
      logFile: this.logFile,
      ready: () => healthy(this.endpoint),
      readyTimeoutMs: deadlines.daemonReady,
    });
  }

  start(): Promise<void> {
    return this.#daemon.start();
  }

  stop(): Promise<void> {
    return this.#daemon.stop();
  }

  kill(): Promise<void> {
    return this.#daemon.kill();
  }

  async restart(): Promise<void> {
    await this.#daemon.stop();
    await this.#daemon.start();
  }
}

// A plain object over the member, so that spreading it (startEtcd) keeps working methods.
function memberView(member: MemberProcess): EtcdMember {
  return {
    name: member.name,
    endpoint: member.endpoint,
    dataDir: member.dataDir,
    logFile: member.logFile,
    stop: () => member.stop(),
    kill: () => member.kill(),
    restart: () => member.restart(),
  };
}

async function planMembers(size: number): Promise<MemberPlan[]> {
  const plans: MemberPlan[] = [];
  const taken = new Set<number>();
  // freePort() may hand out the same port twice when asked in a row; draw until every port is distinct.
  const distinctPort = async (): Promise<number> => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
  };
  for (let index = 0; index < size; index++) {
    plans.push({ name: `m${index}`, clientPort: await distinctPort(), peerPort: await distinctPort() });
  }
  return plans;
}

async function startMembers(dir: string, plans: MemberPlan[]): Promise<MemberProcess[]> {
  const initialCluster = plans.map((plan) => `${plan.name}=http://127.0.0.1:${plan.peerPort}`).join(',');
  // One token for the whole cluster (members derive the cluster ID from it), different from any other test cluster.
  const token = basename(dir);
  const members = plans.map((plan) => new MemberProcess(dir, plan, { initialCluster, token }));
  // Members of a new cluster become healthy only together (they need a quorum), so they start at once.
  const results = await Promise.allSettled(members.map((member) => member.start()));
  const failure = results.find((result) => result.status === 'rejected');
  if (failure !== undefined) {
    await Promise.all(members.map((member) => member.kill()));
    throw failure.reason;
  }
  return members;
}

async function waitForLeader(members: MemberProcess[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const statuses = await Promise.all(members.map((member) => memberStatus(member.endpoint).catch(() => undefined)));
    const answering = statuses.filter((status) => status !== undefined);
    const leaders = new Set(answering.map((status) => status.leader));
    const [leader] = leaders;
    if (leaders.size === 1 && leader !== '0' && answering.some((status) => status.memberId === leader)) return;
    await sleep(50);
  }
  throw new Error(`the etcd cluster elected no leader within ${timeoutMs} ms`);
}

interface MemberStatus {
  memberId: string;
  /** "0" while the member knows no leader. */
  leader: string;
}

// The gRPC gateway's Maintenance.Status: which member answers, and which member it follows.
async function memberStatus(endpoint: string): Promise<MemberStatus> {
  const response = await fetch(`${endpoint}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(500) });
  const body: unknown = await response.json();
  if (typeof body !== 'object' || body === null || !('header' in body) || !('leader' in body)) throw new Error('unexpected status');
  const header = body.header;
  const memberId = typeof header === 'object' && header !== null && 'member_id' in header ? String(header.member_id) : '';
  return { memberId, leader: String(body.leader) };
}

/** etcd's /health answers {"health":"true"} once the member has a leader and no alarm. */
async function healthy(endpoint: string): Promise<boolean> {
  const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(deadlines.request) });
  if (!response.ok) return false;
  const body: unknown = await response.json();
  return typeof body === 'object' && body !== null && 'health' in body && body.health === 'true';
}
