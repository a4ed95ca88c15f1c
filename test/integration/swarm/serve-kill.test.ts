// `vigil serve` killed with SIGKILL in the middle of a Swarm rollout it started, then started again on the same data
// directory: the restarted process finds the operation it persisted before the ServiceUpdate, follows the same
// rollout (Swarm goes on by itself meanwhile) and records it exactly once with the right outcome: success for a good
// image, rollback for one whose health check fails under failureAction rollback. Real single-node swarm, real
// registry, real `vigil serve` child processes (test/testbed/vigil.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SwarmService, UpdateRecord } from '../../../schemas/generated/types.ts';
import { digestOf } from '../../../controllers/swarm/service-spec.ts';
import { makeTempDir, removeTempDir } from '../../testbed/daemon.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { startRegistry, type TestRegistry } from '../../testbed/registry.ts';
import { pushTestImage, startTestSwarm, SWARM_WAIT_MS, type TestSwarm } from '../../testbed/swarm.ts';
import { startVigil, type VigilChild } from '../../testbed/vigil.ts';

const GROUP = '/apis/vigil.dev/v1alpha1';

let swarm: TestSwarm;
let registry: TestRegistry;

async function api<T>(server: VigilChild, method: string, path: string, body?: unknown): Promise<T | undefined> {
  const response = await fetch(`${server.url}${GROUP}${path}`, {
    method,
    headers: { ...server.headers(), ...(body === undefined ? {} : { 'content-type': 'application/merge-patch+json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(deadlines.request),
  });
  if (response.status === 404 && method === 'GET') return undefined;
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

function logOf(dataDir: string): string {
  const file = join(dataDir, 'vigil.log');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** Polls `probe` until it gives a value; fails naming `what` with the end of vigil.log. */
async function eventually<T>(what: string, dataDir: string, probe: () => Promise<T | undefined>, timeoutMs = SWARM_WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}; vigil.log ends with:\n${logOf(dataDir).split('\n').slice(-20).join('\n')}`);
    await sleep(250);
  }
}

async function runningDigests(name: string): Promise<string[]> {
  const inspect = await swarm.api.inspectService(name, { signal: AbortSignal.timeout(deadlines.request) });
  const tasks = await swarm.api.listTasks(inspect.id, { signal: AbortSignal.timeout(deadlines.request) });
  return tasks.filter((task) => task.desiredState === 'running' && task.state === 'running').map((task) => digestOf(task.image) ?? task.image).sort();
}

interface Case {
  name: string;
  health: 'ok' | 'fail';
  outcome: 'success' | 'rollback';
  /** Long enough per task that the kill falls inside the rollout. */
  monitorSeconds: number;
}

const CASES: Case[] = [
  { name: 'killed-good', health: 'ok', outcome: 'success', monitorSeconds: 8 },
  { name: 'killed-bad', health: 'fail', outcome: 'rollback', monitorSeconds: 15 },
];

describe('vigil serve killed with SIGKILL mid-rollout of a Swarm service, started again', { timeout: 1_800_000 }, () => {
  before(async () => {
    swarm = await startTestSwarm('swarm-kill');
    registry = await startRegistry({ name: 'swarm-kill-registry' });
  });
  after(async () => {
    await swarm?.cleanup();
    await registry?.cleanup();
  });

  for (const item of CASES) {
    it(`follows the same rollout after the restart and records it once as ${item.outcome}`, async () => {
      const dataDir = makeTempDir('swarm-kill');
      const servers: VigilChild[] = [];
      try {
        const v1 = await pushTestImage(swarm.engine, registry, `team/${item.name}`, '1.0', `${item.name}-1.0`);
        const v2 = await pushTestImage(swarm.engine, registry, `team/${item.name}`, '2.0', `${item.name}-2.0`, item.health);
        await swarm.createService(item.name, `${registry.server}/team/${item.name}:1.0@${v1}`, ['--replicas', '2']);
        const args = ['--docker-host', swarm.engine.host];
        const first = await startVigil({ dataDir, args });
        servers.push(first);
        await eventually(`${item.name} discovered with 2 running tasks`, dataDir, async () => {
          const found = await api<SwarmService>(first, 'GET', `/swarmservices/${item.name}`);
          return found?.status?.runningTasks === 2 ? found : undefined;
        });
        const requestedAt = new Date().toISOString();
        await api(first, 'PATCH', `/swarmservices/${item.name}`, {
          spec: {
            rollout: { parallelism: 1, monitorSeconds: item.monitorSeconds, delaySeconds: 2, order: 'start-first', failureAction: 'rollback' },
            update: { requestedAt, image: `${registry.server}/team/${item.name}:2.0` },
          },
        });
        const following = await eventually('the rollout is followed and Swarm is updating', dataDir, async () => {
          const found = await api<SwarmService>(first, 'GET', `/swarmservices/${item.name}`);
          if (found?.status?.operation?.phase !== 'following') return undefined;
          const inspect = await swarm.api.inspectService(item.name, { signal: AbortSignal.timeout(deadlines.request) });
          return inspect.updateStatus?.state === 'updating' ? found : undefined;
        });
        await first.kill();
        // Killed mid-rollout: Swarm is still at it.
        const meanwhile = await swarm.api.inspectService(item.name, { signal: AbortSignal.timeout(deadlines.request) });
        assert.ok(meanwhile.updateStatus?.state === 'updating' || meanwhile.updateStatus?.state === 'rollback_started', `killed during the rollout (${meanwhile.updateStatus?.state ?? 'none'})`);

        const restarted = await startVigil({ dataDir, args });
        servers.push(restarted);
        const resumed = await api<SwarmService>(restarted, 'GET', `/swarmservices/${item.name}`);
        assert.equal(resumed?.status?.operation?.startedAt, following.status?.operation?.startedAt, 'the same operation, taken over from the store');
        const done = await eventually(`the rollout of ${item.name} recorded`, dataDir, async () => {
          const found = await api<SwarmService>(restarted, 'GET', `/swarmservices/${item.name}`);
          return found?.status?.operation === undefined && found?.status?.lastUpdate !== undefined ? found : undefined;
        });
        assert.equal(done.status?.lastUpdate?.outcome, item.outcome, done.status?.lastUpdate?.message);
        assert.equal(done.status?.handledRequests?.update, requestedAt);
        const expected = item.outcome === 'success' ? v2 : v1;
        await eventually(`every task runs ${item.outcome === 'success' ? 'the new' : 'the old'} digest`, dataDir, async () => ((await runningDigests(item.name)).join() === [expected, expected].join() ? true : undefined));

        const records = ((await api<{ items: UpdateRecord[] }>(restarted, 'GET', '/namespaces/local/updaterecords'))?.items ?? []).filter((record) => record.spec.service === item.name);
        assert.equal(records.length, 1, `one record: ${JSON.stringify(records.map((record) => record.metadata.name))}`);
        assert.equal(records[0]?.spec.type, 'service_update');
        assert.equal(records[0]?.spec.outcome, item.outcome);
        assert.equal(records[0]?.spec.newDigest, v2);
        assert.equal(records[0]?.spec.oldDigest, v1);
      } finally {
        for (const server of servers.reverse()) await server.stop().catch(() => undefined);
        removeTempDir(dataDir);
      }
    });
  }
});
