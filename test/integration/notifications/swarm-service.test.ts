// Swarm services notify like containers, end to end: `vigil serve` over a real single-node swarm and the local
// registry, a webhook receiver on 127.0.0.1. A newer tag pushed for a manual service → one update_available naming
// the service (kind service, its host and cluster) and the target tag and version, not repeated by the next scan;
// the service set to auto → the scan updates it, and update_started (from its status.operation) and update_succeeded
// (from its UpdateRecord) each arrive once, in that order.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SwarmService } from '../../../schemas/generated/types.ts';
import { deadlines } from '../../testbed/deadlines.ts';
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from '../../testbed/http-receiver.ts';
import { startRegistry, type TestRegistry } from '../../testbed/registry.ts';
import { pushTestImage, startTestSwarm, SWARM_WAIT_MS, type TestSwarm } from '../../testbed/swarm.ts';
import { startVigil, type VigilChild } from '../../testbed/vigil.ts';
import { api, apiOk, createRecord, createWebhookChannel, eventually, GROUP } from './fixtures.ts';

interface EventContainer {
  name: string;
  host: string;
  kind?: string;
  cluster?: string;
  currentVersion?: string;
  targetVersion?: string;
  targetTag?: string;
  targetImage?: string;
  targetDigest?: string;
}

interface EventBody {
  type: string;
  containers: EventContainer[];
}

const SERVICE = 'notified';

let swarm: TestSwarm;
let registry: TestRegistry;
let receiver: HttpReceiver;
let vigil: VigilChild;

const bodyOf = (request: ReceivedRequest): EventBody => JSON.parse(request.body) as EventBody;
const ofService = (request: ReceivedRequest, type: string): boolean => {
  const body = bodyOf(request);
  return body.type === type && body.containers[0]?.kind === 'service' && body.containers[0].name === SERVICE;
};
const count = (type: string): number => receiver.requests.filter((request) => ofService(request, type)).length;

async function service(): Promise<SwarmService | undefined> {
  const answer = await api<SwarmService>(vigil, 'GET', `${GROUP}/swarmservices/${SERVICE}`);
  return answer.status === 200 ? answer.json : undefined;
}

function withLog(error: unknown): Error {
  const file = join(vigil.dataDir, 'vigil.log');
  const log = existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-20).join('\n') : '';
  return new Error(`${String(error)}\nvigil.log ends with:\n${log}`);
}

/**
 * POST /api/scan and wait until Settings says this very request was handled (lastScan has second precision: two
 * quick scans can finish within one second; the request's requestedAt is always later than the last handled one).
 */
async function scan(): Promise<void> {
  type ScanState = { spec?: { scan?: { requestedAt?: string } }; status?: { scanning?: boolean; handledRequests?: { scan?: string } } };
  const path = `${GROUP}/settings/default`;
  await apiOk(vigil, 'POST', '/api/scan');
  const requestedAt = Date.parse((await apiOk<ScanState>(vigil, 'GET', path)).spec?.scan?.requestedAt ?? '');
  assert.ok(!Number.isNaN(requestedAt), 'POST /api/scan wrote spec.scan');
  await eventually('the scan is done', async () => {
    const state = (await apiOk<ScanState>(vigil, 'GET', path)).status;
    const handled = Date.parse(state?.handledRequests?.scan ?? '');
    return handled >= requestedAt && state?.scanning === false ? true : undefined;
  }, deadlines.containerCondition).catch((error: unknown) => { throw withLog(error); });
}

/**
 * A later event through the same one-worker event controller and the same channel's ordered outbox: once it has
 * arrived, a repeat of anything derived before it would have arrived first.
 */
async function flush(name: string): Promise<void> {
  await createRecord(vigil, name);
  await receiver.waitFor(1, (request) => request.headers['x-vigil-delivery'] === `hook/record/local/${name}`);
}

describe('a Swarm service notifies like a container', { timeout: 1_200_000 }, () => {
  before(async () => {
    receiver = await startHttpReceiver();
    swarm = await startTestSwarm('swarm-notify');
    registry = await startRegistry({ name: 'swarm-notify-registry' });
    vigil = await startVigil({ args: ['--docker-host', swarm.engine.host] });
    await createWebhookChannel(vigil, 'hook', `${receiver.base}/events`, ['update_available', 'update_started', 'update_succeeded', 'update_failed']);
  });
  after(async () => {
    await vigil?.stop();
    await swarm?.cleanup();
    await registry?.cleanup();
    await receiver?.close();
  });

  it('a newer tag: one update_available naming the service and target; an auto update: update_started and update_succeeded once each', async () => {
    const v1 = await pushTestImage(swarm.engine, registry, 'team/notified', '1.0.0', 'notified-1.0.0');
    await swarm.createService(SERVICE, `${registry.server}/team/notified:1.0.0@${v1}`, ['--replicas', '1']);
    const discovered = await eventually('the service discovered, running, manual', async () => {
      const found = await service();
      return found?.status?.runningTasks === 1 && found.status.effective?.policy?.value === 'manual' ? found : undefined;
    }, SWARM_WAIT_MS).catch((error: unknown) => { throw withLog(error); });
    const v2 = await pushTestImage(swarm.engine, registry, 'team/notified', '1.0.1', 'notified-1.0.1');

    await scan();
    const [available] = await receiver.waitFor(1, (request) => ofService(request, 'update_available'), deadlines.containerCondition).catch((error: unknown) => { throw withLog(error); });
    assert.ok(available);
    assert.match(String(available.headers['x-vigil-delivery']), /^hook\/available\/service:notified\//);
    const target = bodyOf(available).containers[0];
    assert.equal(target?.host, discovered.status?.host);
    assert.equal(target?.cluster, discovered.status?.clusterID);
    assert.equal(target?.currentVersion, '1.0.0');
    assert.equal(target?.targetTag, '1.0.1');
    assert.equal(target?.targetVersion, '1.0.1');
    assert.equal(target?.targetDigest, v2);

    // The next scan finds the same target: nothing more.
    await scan();
    await flush('after-rescan');
    assert.equal(count('update_available'), 1, 'one update_available for one target');

    // Auto, with a quick rollout as a user would set it: the next scan updates the service.
    await apiOk(vigil, 'PATCH', `${GROUP}/swarmservices/${SERVICE}`, { spec: { policy: 'auto', rollout: { monitorSeconds: 1, order: 'start-first', parallelism: 1 } } });
    await eventually('the policy is auto', async () => ((await service())?.status?.effective?.policy?.value === 'auto' ? true : undefined));
    await scan();
    const updated = await eventually('the service updated', async () => {
      const found = await service();
      return found?.status?.lastUpdate?.outcome === 'success' && found.status.operation === undefined && found.status.digest === v2 ? found : undefined;
    }, SWARM_WAIT_MS).catch((error: unknown) => { throw withLog(error); });
    const succeeded = await receiver.waitFor(1, (request) => ofService(request, 'update_succeeded'), deadlines.containerCondition);
    await flush('after-update');
    const updates = receiver.requests.filter((request) => ofService(request, 'update_started') || ofService(request, 'update_succeeded')).map(bodyOf);
    assert.deepEqual(updates.map((body) => body.type), ['update_started', 'update_succeeded'], 'each once, started first');
    assert.equal(updates[0]?.containers[0]?.targetDigest, v2);
    assert.equal(updates[0]?.containers[0]?.targetTag, '1.0.1');
    const [done] = succeeded;
    assert.ok(done);
    assert.match(String(done.headers['x-vigil-delivery']), /^hook\/record\/local\/notified-/);
    assert.equal(bodyOf(done).containers[0]?.targetTag, '1.0.1');
    assert.ok(updated.status?.notify?.updateStartedNotified !== undefined, 'the rollout\'s update_started is marked on the service');
    assert.equal(count('update_available'), 1, 'the updated service offers nothing new');
    assert.equal(count('update_failed'), 0);
  });
});
