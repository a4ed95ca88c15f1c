// The Swarm controllers as `vigil serve` runs them (Docker host controllers, discovery, the SwarmService reconciler on
// the controller manager) on a real single-node swarm with a local registry, driven through the REST facade: the
// routes' shapes, an update to the new digest on every task, a no-op update that sends nothing, scale to 0 and back
// to the remembered count, a rollback to Vigil's stored spec after a scale overwrote PreviousSpec, global mode refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry as MetricsRegistry } from 'prom-client';
import type { Host, SwarmService, UpdateRecord } from '../../../schemas/generated/types.ts';
import type { ResourceObject } from '../../../apiserver/resources/client.ts';
import { Manager } from '../../../controllers/runtime/index.ts';
import { registerDockerControllers } from '../../../controllers/docker-hosts.ts';
import { RegistryClient } from '../../../controllers/registry/client.ts';
import { registerSwarmControllers } from '../../../controllers/swarm/register.ts';
import { digestOf } from '../../../controllers/swarm/service-spec.ts';
import { startApi, type TestApi } from '../apiserver/fixtures/api.ts';
import { assertError, assertShape } from '../sentinel/fixtures.ts';
import { startRegistry, type TestRegistry } from '../../testbed/registry.ts';
import { pushTestImage, startTestSwarm, waitUntil, type TestSwarm } from '../../testbed/swarm.ts';

let swarm: TestSwarm;
let registry: TestRegistry;
let api: TestApi;
let manager: Manager;

async function service(name: string): Promise<SwarmService | undefined> {
  const list = (await api.resources.list('SwarmService')).items as unknown as SwarmService[];
  return list.find((item) => item.metadata.name === name);
}

function waitService(name: string, what: string, ok: (resource: SwarmService) => boolean): Promise<SwarmService | undefined> {
  return waitUntil(`${name}: ${what}`, () => service(name), (resource) => resource !== undefined && ok(resource));
}

function runningDigests(resource: SwarmService): string[] {
  return (resource.status?.tasks ?? []).filter((task) => task.desiredState === 'running' && task.state === 'running').map((task) => digestOf(task.image ?? '') ?? '').sort();
}

async function serviceRecords(name: string): Promise<UpdateRecord[]> {
  const list = (await api.resources.list('UpdateRecord')).items as unknown as UpdateRecord[];
  return list.filter((record) => record.spec.service === name);
}

describe('Swarm controllers behind the REST facade', { timeout: 1_200_000 }, () => {
  before(async () => {
    swarm = await startTestSwarm('swarm-ctl');
    registry = await startRegistry({ name: 'swarm-ctl-registry' });
    api = await startApi();
    manager = new Manager({ client: api.resources, metricsRegistry: new MetricsRegistry() });
    const docker = registerDockerControllers({ manager, defaultDockerHost: swarm.engine.host, backoff: { initialMs: 200, maxMs: 2000 } });
    registerSwarmControllers({
      manager,
      sessions: docker.sessions,
      registry: new RegistryClient(),
      credentials: () => undefined,
      timing: { followMs: 500, resyncMs: 2_000 },
    });
    await manager.start();
  });
  after(async () => {
    await manager?.stop();
    await api?.close();
    await swarm?.cleanup();
    await registry?.cleanup();
  });

  it('lists a replicated service, updates it to the new digest on every task, and sends nothing for the same digest', async () => {
    const v1 = await pushTestImage(swarm.engine, registry, 'team/web', '1.0', 'web-1.0');
    const v2 = await pushTestImage(swarm.engine, registry, 'team/web', '2.0', 'web-2.0');
    await swarm.createService('web', `${registry.server}/team/web:1.0@${v1}`, ['--replicas', '2', '--update-order', 'start-first']);
    await waitService('web', 'two tasks run', (resource) => runningDigests(resource).length === 2);

    const host = (await api.resources.get('Host', undefined, 'local')) as unknown as Host;
    assert.equal(host.status?.swarm?.role, 'manager');
    assert.equal(host.status?.swarm?.managers, 1);
    assert.equal(host.status?.swarm?.managersReachable, 1, 'the one manager reports itself reachable (GET /nodes)');
    assert.equal((await service('web'))?.status?.clusterID, host.status?.swarm?.clusterID);

    const list = await api.request('GET', '/api/services');
    assert.equal(list.status, 200, list.text);
    const rows = list.json<Record<string, unknown>[]>();
    const row = rows.find((entry) => entry.Name === 'web');
    assertShape(row, { ID: 'string', Name: 'string', Image: 'string', Tag: 'string', Policy: 'string', HasUpdate: 'boolean', Replicas: 'string', DesiredReplicas: 'number', RunningReplicas: 'number', PrevReplicas: 'number', Registry: 'string', UpdateStatus: 'string', Tasks: 'array' }, 'serviceView');
    assert.equal(row?.Image, `${registry.server}/team/web:1.0`);
    assert.equal(row?.Replicas, '2/2');
    assertError(await api.request('GET', '/api/services/nothing/detail'), 404, /^service not found$/);

    // The rollout policy of the resource (kubectl edit would do the same): quick monitor, start-first.
    await api.resources.modify('SwarmService', undefined, 'web', (current) => ({ ...current, spec: { ...(current.spec as object), rollout: { monitorSeconds: 1, order: 'start-first', parallelism: 1 } } }) as ResourceObject);
    const update = await api.request('POST', `/api/services/web/update?version=${encodeURIComponent(`${registry.server}/team/web:2.0`)}`);
    assert.equal(update.status, 200, update.text);
    assert.deepEqual(update.json(), { status: 'updating' });
    const updated = await waitService('web', 'the update succeeded', (resource) => resource.status?.lastUpdate?.outcome === 'success' && resource.status.operation === undefined);
    assert.equal(updated?.status?.digest, v2);
    await waitService('web', 'every task runs 2.0', (resource) => runningDigests(resource).join() === [v2, v2].join());
    assert.equal(updated?.status?.knownGood?.image, `${registry.server}/team/web:1.0@${v1}`);
    const records = await serviceRecords('web');
    assert.equal(records.length, 1);
    assert.equal(records[0]?.spec.type, 'service_update');
    assert.equal(records[0]?.spec.outcome, 'success');
    assert.equal(records[0]?.spec.newDigest, v2);

    const before = await swarm.api.inspectService('web', { signal: AbortSignal.timeout(30_000) });
    assert.equal((await api.request('POST', '/api/services/web/update')).status, 200);
    await waitService('web', 'the second update found nothing to do', (resource) => resource.status?.lastUpdate?.outcome === 'unchanged');
    const afterwards = await swarm.api.inspectService('web', { signal: AbortSignal.timeout(30_000) });
    assert.equal(afterwards.version, before.version, 'no ServiceUpdate sent');
    assert.deepEqual(afterwards.previousSpec, before.previousSpec);
  });

  it('scales to 0 and back to the remembered count, then rolls back to the stored spec although the scale overwrote PreviousSpec', async () => {
    assertError(await api.request('POST', '/api/services/web/scale', { body: { replicas: 101 } }), 400, /at most 100/);
    assertError(await api.request('POST', '/api/services/web/scale', { body: { replicas: -1 } }), 400, /replicas/);
    const scaled = await api.request('POST', '/api/services/web/scale', { body: { replicas: 0 } });
    assert.equal(scaled.status, 200, scaled.text);
    assert.deepEqual(scaled.json(), { status: 'scaled', previous_replicas: 2 });
    const zero = await waitService('web', 'scaled to 0', (resource) => resource.status?.replicas === 0 && resource.status.previousReplicas === 2);
    assert.equal(zero?.status?.lastUpdate?.kind, 'scale');
    const detail = await api.request('GET', '/api/services/web/detail');
    assert.equal(detail.json<Record<string, unknown>>().PrevReplicas, 2);

    // A scale request without a count restores the remembered one (kubectl: spec.scale with requestedAt only).
    await api.resources.modify('SwarmService', undefined, 'web', (current) => ({ ...current, spec: { ...(current.spec as object), scale: { requestedAt: new Date(Date.now() + 60_000).toISOString() } } }) as ResourceObject);
    await waitService('web', 'back to 2 replicas', (resource) => resource.status?.replicas === 2 && resource.status.previousReplicas === undefined && runningDigests(resource).length === 2);

    const rollback = await api.request('POST', '/api/services/web/rollback');
    assert.equal(rollback.status, 200, rollback.text);
    assert.deepEqual(rollback.json(), { status: 'rolling back' });
    const rolled = await waitService('web', 'rolled back', (resource) => resource.status?.lastUpdate?.kind === 'rollback' && resource.status.operation === undefined);
    assert.equal(rolled?.status?.lastUpdate?.outcome, 'rollback_success', rolled?.status?.lastUpdate?.message);
    const v1 = digestOf(rolled?.status?.knownGood?.image ?? '');
    await waitService('web', 'both tasks on the old digest', (resource) => runningDigests(resource).join() === [v1, v1].join());
    const records = await serviceRecords('web');
    assert.deepEqual(records.map((record) => `${record.spec.type}:${record.spec.outcome}`).sort(), ['service_rollback:success', 'service_update:success']);
  });

  it('refuses to scale a global service, saying why', async () => {
    const digest = await pushTestImage(swarm.engine, registry, 'team/agent', '1.0', 'agent-1.0');
    await swarm.createService('agent', `${registry.server}/team/agent:1.0@${digest}`, ['--mode', 'global']);
    await waitService('agent', 'read as global', (resource) => resource.status?.mode === 'global');
    assertError(await api.request('POST', '/api/services/agent/scale', { body: { replicas: 3 } }), 400, /not replicated \(global mode\)/);
  });
});
