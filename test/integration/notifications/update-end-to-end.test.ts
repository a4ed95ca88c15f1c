// End to end on a real engine and registry: a container under the auto policy with a minor version scope, a new
// minor (1.1.0) and a new major (2.0.0) pushed to the registry, a scan by `vigil serve` finds both and the update
// controller replaces the container with 1.1.0. The webhook receiver and a subscriber on a real mosquitto broker (the
// MQTT channel) each get update_started and then update_succeeded, derived from the resources (Container operation,
// UpdateRecord); the webhook also gets version_available naming 2.0.0, which the scope will not take, once. A rollback
// asked for through REST then reaches both as rollback_succeeded.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { deadlines } from '../../testbed/deadlines.ts';
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from '../../testbed/http-receiver.ts';
import { startMosquitto, type MosquittoBroker } from '../../testbed/mosquitto.ts';
import { startVigil, type VigilChild } from '../../testbed/vigil.ts';
import { NEW_IMAGE, OLD_IMAGE, startUpdateTestbed, type UpdateTestbed } from '../update/update-testbed.ts';
import { apiOk, createRecord, createWebhookChannel, eventually, GROUP } from './fixtures.ts';

interface EventBody {
  type: string;
  containers: Array<{ name: string; host: string; currentVersion?: string; targetVersion?: string }>;
}

const TOPIC = 'vigil/e2e/events';

describe('a real update notifies the webhook and the MQTT broker', () => {
  let bed: UpdateTestbed;
  let vigil: VigilChild;
  let receiver: HttpReceiver;
  let broker: MosquittoBroker;
  let subscriber: MqttClient;
  const published: EventBody[] = [];

  before(async () => {
    receiver = await startHttpReceiver();
    broker = await startMosquitto();
    subscriber = await mqtt.connectAsync(broker.url, { clientId: `e2e-sub-${process.pid}` });
    subscriber.on('message', (_topic, payload) => published.push(JSON.parse(payload.toString('utf8')) as EventBody));
    await subscriber.subscribeAsync(TOPIC, { qos: 1 });
    bed = await startUpdateTestbed('notify-e2e');
    const oldReference = await bed.publish('1.0.0', OLD_IMAGE);
    const newReference = await bed.publish('1.1.0', NEW_IMAGE);
    // A new major: beyond the container's minor scope, so no update, but a version_available.
    const majorReference = await bed.publish('2.0.0', NEW_IMAGE);
    // As before a real update: the engine has 1.1.0 only in the registry.
    await bed.engine.docker(['rmi', newReference, majorReference, 'vigil-test/app:1.1.0', 'vigil-test/app:2.0.0']);
    await bed.engine.docker(['run', '-d', '--name', 'web', '--label', 'sentinel.policy=auto', '--label', 'sentinel.semver=minor', '--label', 'sentinel.grace-period=1s', oldReference]);
    vigil = await startVigil({ args: ['--docker-host', bed.engine.host] });
    await createWebhookChannel(vigil, 'hook', `${receiver.base}/events`, ['version_available', 'update_started', 'update_succeeded', 'update_failed', 'rollback_succeeded', 'rollback_failed']);
    await apiOk(vigil, 'POST', `${GROUP}/notificationchannels`, {
      apiVersion: 'vigil.dev/v1alpha1',
      kind: 'NotificationChannel',
      metadata: { name: 'broker' },
      spec: { type: 'mqtt', events: ['update_started', 'update_succeeded', 'update_failed', 'rollback_succeeded', 'rollback_failed'], settings: { mqtt: { broker: broker.url, topic: TOPIC, qos: 1 } } },
    });
  });

  after(async () => {
    await vigil?.stop();
    await subscriber?.endAsync();
    await broker?.stop();
    await bed?.cleanup();
    await receiver?.close();
  });

  const bodyOf = (request: ReceivedRequest): EventBody => JSON.parse(request.body) as EventBody;
  const updateEvent = (type: string): boolean => type === 'update_started' || type === 'update_succeeded' || type === 'update_failed';

  test('update_started and update_succeeded reach the webhook and the MQTT subscriber, in that order; version_available names the major; a rollback notifies both', async () => {
    await eventually('web discovered with the auto policy', async () => {
      const container = await apiOk<{ status?: { id?: string; effective?: { policy?: { value?: string } } } }>(vigil, 'GET', `${GROUP}/namespaces/local/containers/web`).catch(() => undefined);
      return container?.status?.id !== undefined && container.status.effective?.policy?.value === 'auto' ? true : undefined;
    }, deadlines.containerCondition);
    await apiOk(vigil, 'POST', '/api/scan');
    const records = await eventually('the UpdateRecord of the update', async () => {
      const list = await apiOk<{ items: Array<{ spec: { type: string; outcome: string; containerName?: string } }> }>(vigil, 'GET', `${GROUP}/namespaces/local/updaterecords`);
      const updates = list.items.filter((item) => item.spec.type === 'update' && item.spec.containerName === 'web');
      return updates.length > 0 ? updates : undefined;
    }, deadlines.containerCondition).catch(async (error: unknown) => {
      const container = await apiOk<{ status?: unknown }>(vigil, 'GET', `${GROUP}/namespaces/local/containers/web`);
      const log = readFileSync(join(vigil.dataDir, 'vigil.log'), 'utf8').slice(-4000);
      throw new Error(`${String(error)}\ncontainer: ${JSON.stringify(container.status)}\nlog: ${log}`);
    });
    assert.equal(records[0]?.spec.outcome, 'success', JSON.stringify(records));

    const updates = await receiver.waitFor(2, (request) => updateEvent(bodyOf(request).type), deadlines.containerCondition);
    const types = updates.map((request) => bodyOf(request).type);
    assert.deepEqual(types.slice(0, 2), ['update_started', 'update_succeeded'], JSON.stringify(types));
    const [started, succeeded] = updates.map(bodyOf);
    assert.equal(started?.containers[0]?.name, 'web');
    assert.equal(started?.containers[0]?.targetVersion, '1.1.0');
    assert.deepEqual(succeeded?.containers.map((container) => [container.name, container.host, container.currentVersion, container.targetVersion]), [['web', 'local', '1.0.0', '1.1.0']]);
    assert.match(String(updates[1]?.headers['x-vigil-delivery']), /^hook\/record\/local\//);

    const mqttUpdates = await eventually('both update events on the broker', async () => {
      const seen = published.filter((event) => updateEvent(event.type));
      return seen.length >= 2 ? seen : undefined;
    });
    assert.deepEqual(mqttUpdates.slice(0, 2).map((event) => event.type), ['update_started', 'update_succeeded']);
    assert.deepEqual(mqttUpdates[1]?.containers.map((container) => [container.name, container.currentVersion, container.targetVersion]), [['web', '1.0.0', '1.1.0']]);

    const [version] = await receiver.waitFor(1, (request) => bodyOf(request).type === 'version_available', deadlines.containerCondition);
    assert.ok(version);
    const body = bodyOf(version);
    assert.equal(body.containers[0]?.name, 'web');
    assert.equal(body.containers[0]?.targetVersion, '2.0.0');
    assert.match(String(version.headers['x-vigil-delivery']), /^hook\/version\/local\/web\/2\.0\.0\//);
    // A second scan finds the same major beyond the scope again: it is not sent twice.
    // The scan leaves an unchanged result's lastChecked as it was: the Settings' lastScan says the scan is done.
    type ScanState = { status?: { lastScan?: string; scanning?: boolean } };
    const settingsPath = `${GROUP}/settings/default`;
    const before = (await apiOk<ScanState>(vigil, 'GET', settingsPath)).status?.lastScan;
    await apiOk(vigil, 'POST', '/api/scan');
    await eventually('the second scan is done', async () => {
      const state = (await apiOk<ScanState>(vigil, 'GET', settingsPath)).status;
      return state?.lastScan !== undefined && state.lastScan !== before && state.scanning === false ? true : undefined;
    }, deadlines.containerCondition);
    const rescanned = await apiOk<{ status?: { image?: string; registryCheck?: { newestBeyondScope?: string } } }>(vigil, 'GET', `${GROUP}/namespaces/local/containers/web`);
    assert.match(rescanned.status?.image ?? '', /:1\.1\.0$/);
    assert.equal(rescanned.status?.registryCheck?.newestBeyondScope, '2.0.0');
    // A later event through the same one-worker event controller and the same channel's ordered outbox: once it has
    // arrived, a second version_available from the rescan would have arrived before it.
    await createRecord(vigil, 'after-rescan');
    await receiver.waitFor(1, (request) => request.headers['x-vigil-delivery'] === 'hook/record/local/after-rescan');
    assert.equal(receiver.requests.filter((request) => bodyOf(request).type === 'version_available').length, 1, 'one version_available for 2.0.0');

    // A rollback asked for through REST: rollback_succeeded, derived from its UpdateRecord, at both receivers.
    await apiOk(vigil, 'POST', '/api/containers/web/rollback');
    const [rolledBack] = await receiver.waitFor(1, (request) => bodyOf(request).type === 'rollback_succeeded', deadlines.containerCondition);
    assert.ok(rolledBack);
    assert.deepEqual(bodyOf(rolledBack).containers.map((container) => [container.name, container.host]), [['web', 'local']], rolledBack.body);
    await eventually('rollback_succeeded on the broker', async () => (published.some((event) => event.type === 'rollback_succeeded') ? true : undefined), deadlines.containerCondition);
  });
});
