// Registry checks of Swarm services as `vigil serve` runs them (Docker host controllers, the registry checks' scan,
// the Swarm controllers) on a real single-node swarm with the local registry: a new version pushed is found by the
// scan (in the default scope: a patch version) and, for a service labelled sentinel.policy=auto, applied to every task; a moving tag pushed again is queued
// for a manual service (GET /api/queue) and applied on approve, to the digest that was queued even if the tag moved
// again meanwhile.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry as MetricsRegistry } from 'prom-client';
import type { SwarmService, UpdateRecord } from '../../../schemas/generated/types.ts';
import type { ResourceObject } from '../../../apiserver/resources/client.ts';
import { Manager } from '../../../controllers/runtime/index.ts';
import { registerDockerControllers } from '../../../controllers/docker-hosts.ts';
import { registerRegistryCheckControllers } from '../../../controllers/registry-check/register.ts';
import { AUTO_UPDATE_REQUESTER } from '../../../controllers/registry-check/service-check-decisions.ts';
import { registerSwarmControllers } from '../../../controllers/swarm/register.ts';
import { digestOf } from '../../../controllers/swarm/service-spec.ts';
import { startApi, type TestApi } from '../apiserver/fixtures/api.ts';
import { assertShape } from '../sentinel/fixtures.ts';
import { startRegistry, type TestRegistry } from '../../testbed/registry.ts';
import { pushTestImage, startTestSwarm, waitUntil, type TestSwarm } from '../../testbed/swarm.ts';

let swarm: TestSwarm;
let registry: TestRegistry;
let api: TestApi;
let manager: Manager;

/** The resource without managedFields and tasks (so that a timeout message shows the spec and the check). */
async function service(name: string): Promise<SwarmService | undefined> {
  const list = (await api.resources.list('SwarmService')).items as unknown as SwarmService[];
  const found = list.find((item) => item.metadata.name === name);
  if (found === undefined) return undefined;
  const { managedFields: _managed, ...metadata } = found.metadata;
  return { ...found, metadata, ...(found.status === undefined ? {} : { status: { ...found.status, effective: { policy: found.status.effective?.policy ?? { value: 'manual', source: 'default' } } } }) };
}

function waitService(name: string, what: string, ok: (resource: SwarmService) => boolean): Promise<SwarmService | undefined> {
  return waitUntil(`${name}: ${what}`, () => service(name), (resource) => resource !== undefined && ok(resource));
}

function runningDigests(resource: SwarmService): string[] {
  return (resource.status?.tasks ?? []).filter((task) => task.desiredState === 'running' && task.state === 'running').map((task) => digestOf(task.image ?? '') ?? '').sort();
}

/** A full scan now (what POST /api/scan writes). */
async function requestScan(): Promise<void> {
  const requestedAt = new Date().toISOString();
  await api.resources.modify('Settings', undefined, 'default', (current) => ({ ...current, spec: { ...(current.spec as object), scan: { requestedAt } } }) as ResourceObject);
}

/** Quick rollouts on a shared machine, as a user would set them with kubectl edit. */
async function quickRollout(name: string): Promise<void> {
  await api.resources.modify('SwarmService', undefined, name, (current) => ({ ...current, spec: { ...(current.spec as object), rollout: { monitorSeconds: 1, order: 'start-first', parallelism: 1 } } }) as ResourceObject);
}

describe('registry checks of Swarm services on a real swarm', { timeout: 1_200_000 }, () => {
  before(async () => {
    swarm = await startTestSwarm('swarm-checks');
    registry = await startRegistry({ name: 'swarm-checks-registry' });
    api = await startApi();
    await api.resources.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: {} });
    manager = new Manager({ client: api.resources, metricsRegistry: new MetricsRegistry() });
    const docker = registerDockerControllers({ manager, defaultDockerHost: swarm.engine.host, backoff: { initialMs: 200, maxMs: 2000 } });
    const checks = registerRegistryCheckControllers({ manager, registryClient: { timeoutMs: 10_000 } });
    registerSwarmControllers({
      manager,
      sessions: docker.sessions,
      registry: checks.access.client,
      credentials: (server) => checks.access.credentials(server),
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

  it('finds a new version of an auto service in the scan and updates every task to it', async () => {
    const v1 = await pushTestImage(swarm.engine, registry, 'team/auto', '1.0.0', 'auto-1.0.0');
    await swarm.createService('auto', `${registry.server}/team/auto:1.0.0@${v1}`, ['--replicas', '2', '--update-order', 'start-first', '--label', 'sentinel.policy=auto']);
    await waitService('auto', 'two tasks run and the policy is auto', (resource) => runningDigests(resource).length === 2 && resource.status?.effective?.policy?.value === 'auto');
    await quickRollout('auto');
    const v2 = await pushTestImage(swarm.engine, registry, 'team/auto', '1.0.1', 'auto-1.0.1');

    await requestScan();
    const found = await waitService('auto', 'the scan requested the update', (resource) => resource.spec?.update?.requestedBy === AUTO_UPDATE_REQUESTER);
    // The version and digest the check found (the check itself may already be of the new digest: re-checked at once).
    assert.equal(found?.spec?.update?.image, `${registry.server}/team/auto:1.0.1@${v2}`);
    const updated = await waitService('auto', 'updated', (resource) => resource.status?.lastUpdate?.outcome === 'success' && resource.status.operation === undefined);
    assert.equal(updated?.status?.digest, v2);
    await waitService('auto', 'every task runs 1.0.1', (resource) => runningDigests(resource).join() === [v2, v2].join());
    const records = ((await api.resources.list('UpdateRecord')).items as unknown as UpdateRecord[]).filter((record) => record.spec.service === 'auto');
    assert.deepEqual(records.map((record) => `${record.spec.type}:${record.spec.outcome}:${record.spec.newDigest ?? ''}:${record.spec.reason ?? ''}:${record.spec.requestedBy ?? ''}`), [`service_update:success:${v2}:Auto:${AUTO_UPDATE_REQUESTER}`]);

    // The next scan finds it up to date and requests nothing more.
    const handled = updated?.status?.handledRequests?.update;
    await requestScan();
    const settled = await waitService('auto', 'checked up to date', (resource) => resource.status?.registryCheck?.localDigest === v2 && resource.status.registryCheck.updateAvailable === false);
    assert.equal(settled?.spec?.update?.requestedAt, handled, 'no new update request');
  });

  it('queues a moved latest tag of a manual service, and approving it updates the service to the queued digest', async () => {
    const first = await pushTestImage(swarm.engine, registry, 'team/manual', 'latest', 'manual-1');
    await swarm.createService('manual', `${registry.server}/team/manual:latest@${first}`, ['--replicas', '1']);
    await waitService('manual', 'runs, manual', (resource) => runningDigests(resource).length === 1 && resource.status?.effective?.policy?.value === 'manual');
    await quickRollout('manual');
    const second = await pushTestImage(swarm.engine, registry, 'team/manual', 'latest', 'manual-2');
    assert.notEqual(second, first);

    await requestScan();
    const queued = await waitService('manual', 'queued', (resource) => resource.status?.pendingUpdate?.remoteDigest === second);
    assert.equal(queued?.spec?.update, undefined, 'a manual service is not updated by the scan');
    const queue = (await api.request('GET', '/api/queue')).json<Array<Record<string, unknown>>>();
    const row = queue.find((entry) => entry.key === 'service:manual');
    assertShape(row, { container_name: 'string', current_image: 'string', remote_digest: 'string', type: 'string' }, 'queue row');
    assert.equal(row?.remote_digest, second);
    const listed = (await api.request('GET', '/api/services')).json<Array<Record<string, unknown>>>().find((entry) => entry.Name === 'manual');
    assert.equal(listed?.HasUpdate, true);

    // The tag moves once more after the check: approving still gives the service what was queued and approved.
    const third = await pushTestImage(swarm.engine, registry, 'team/manual', 'latest', 'manual-3');
    assert.notEqual(third, second);
    const approve = await api.request('POST', '/api/approve/service:manual');
    assert.equal(approve.status, 200, approve.text);
    await waitService('manual', 'updated', (resource) => resource.status?.lastUpdate?.outcome === 'success' && resource.status.digest === second);
    await waitService('manual', 'the task runs the new digest', (resource) => runningDigests(resource).join() === second);
    // Checked again at once on the digest it runs now: the queue offers the tag's newest digest, not the approved one.
    await waitUntil('the queue offers the third digest', async () => (await api.request('GET', '/api/queue')).json<Array<Record<string, unknown>>>().find((entry) => entry.key === 'service:manual'), (entry) => entry?.remote_digest === third);
  });
});
