// Home Assistant discovery end to end: `vigil serve` with a real engine and registry, publishing to a real mosquitto.
// A subscriber plays Home Assistant: it reads the retained configs and states, publishes `online` on
// homeassistant/status and `install` on a command topic, and sees the container updated on the engine.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { deadlines } from '../../testbed/deadlines.ts';
import { startMosquitto, type MosquittoBroker } from '../../testbed/mosquitto.ts';
import { startVigil, type VigilChild } from '../../testbed/vigil.ts';
import { NEW_IMAGE, OLD_IMAGE, startUpdateTestbed, type UpdateTestbed } from '../update/update-testbed.ts';
import { apiOk, eventually, GROUP } from './fixtures.ts';

const WEB_CONFIG = 'homeassistant/update/vigil_local_web/config';
const DB_CONFIG = 'homeassistant/update/vigil_local_db/config';
const SENSOR_CONFIG = 'homeassistant/sensor/vigil_pending_updates/config';
const WEB_STATE = 'sentinel/local/web/state';
const WEB_INSTALL = 'sentinel/local/web/install';

interface Received {
  topic: string;
  payload: string;
  retain: boolean;
}

/** A client that records every message on `filters` (Home Assistant's side of the broker). */
async function listen(url: string, filters: string[]): Promise<{ client: MqttClient; received: Received[] }> {
  const client = await mqtt.connectAsync(url, { clientId: `ha-test-${process.pid}-${Math.random().toString(16).slice(2)}` });
  const received: Received[] = [];
  client.on('message', (topic, payload, packet) => received.push({ topic, payload: payload.toString('utf8'), retain: packet.retain }));
  // One subscribe per filter, in order: the broker sends a filter's retained messages before it handles the next.
  for (const filter of filters) await client.subscribeAsync(filter, { qos: 1 });
  return { client, received };
}

interface HAStatus {
  connected?: boolean;
  lastError?: string;
  entities?: number;
  announcements?: number;
  ignoredCommands?: number;
  lastCommand?: { outcome: string; container?: string; message?: string };
}

describe('Home Assistant discovery through mosquitto', () => {
  let broker: MosquittoBroker;
  let bed: UpdateTestbed;
  let vigil: VigilChild;
  let ha: { client: MqttClient; received: Received[] };
  let newImageID: string;

  const haStatus = async (): Promise<HAStatus | undefined> =>
    (await apiOk<{ status?: { homeAssistant?: HAStatus } }>(vigil, 'GET', `${GROUP}/settings/default`)).status?.homeAssistant;
  const messages = (topic: string): Received[] => ha.received.filter((message) => message.topic === topic);
  const lastJson = (topic: string): Record<string, unknown> | undefined => {
    const last = messages(topic).at(-1);
    return last === undefined || last.payload === '' ? undefined : (JSON.parse(last.payload) as Record<string, unknown>);
  };
  const vigilLog = (): string => readFileSync(join(vigil.dataDir, 'vigil.log'), 'utf8');
  const haDiscovery = async (body: Record<string, unknown>): Promise<void> => {
    await apiOk(vigil, 'POST', '/api/settings/ha-discovery', body);
  };

  before(async () => {
    broker = await startMosquitto();
    bed = await startUpdateTestbed('home-assistant');
    const oldReference = await bed.publish('1.0.0', OLD_IMAGE);
    const newReference = await bed.publish('1.1.0', NEW_IMAGE);
    newImageID = (await bed.engine.docker(['image', 'inspect', '--format', '{{.Id}}', newReference])).trim();
    // As before a real update: the engine has 1.1.0 only in the registry.
    await bed.engine.docker(['rmi', newReference, 'vigil-test/app:1.1.0']);
    const labels = ['--label', 'sentinel.policy=manual', '--label', 'sentinel.semver=minor', '--label', 'sentinel.grace-period=3s'];
    await bed.engine.docker(['run', '-d', '--name', 'web', ...labels, oldReference]);
    await bed.engine.docker(['run', '-d', '--name', 'db', ...labels, oldReference]);
    ha = await listen(broker.url, ['homeassistant/#', 'sentinel/#']);
    vigil = await startVigil({ args: ['--docker-host', bed.engine.host] });
  });

  after(async () => {
    await ha?.client.endAsync();
    await vigil?.stop();
    await bed?.cleanup();
    await broker?.stop();
  });

  test('the retained update entity config has the keys Home Assistant needs, its state the versions; a missing channel shows in Settings status', async () => {
    await haDiscovery({ enabled: true, channel: 'broker', allow_install: false });
    const missing = await eventually('the missing channel is reported', async () => ((await haStatus())?.lastError?.includes('does not exist') === true ? await haStatus() : undefined));
    assert.equal(missing.connected, false);
    await apiOk(vigil, 'POST', `${GROUP}/notificationchannels`, {
      apiVersion: 'vigil.dev/v1alpha1',
      kind: 'NotificationChannel',
      metadata: { name: 'broker' },
      spec: { type: 'mqtt', events: ['update_succeeded'], settings: { mqtt: { broker: broker.url, topic: 'vigil/events', clientID: 'vigil-test' } } },
    });
    await eventually('both containers discovered', async () => {
      const list = await apiOk<{ items: Array<{ status?: { id?: string } }> }>(vigil, 'GET', `${GROUP}/namespaces/local/containers`);
      return list.items.filter((item) => item.status?.id !== undefined).length === 2 ? true : undefined;
    }, deadlines.containerCondition);
    await apiOk(vigil, 'POST', '/api/scan');
    const state = await eventually('web\'s state shows 1.1.0', async () => (lastJson(WEB_STATE)?.latest_version === '1.1.0' ? lastJson(WEB_STATE) : undefined), deadlines.containerCondition);
    assert.deepEqual(state, { installed_version: '1.0.0', latest_version: '1.1.0', title: `${bed.registry.server}/team/app`, in_progress: false });

    // A client that connects now (Home Assistant starting) gets the retained config.
    const late = await listen(broker.url, [WEB_CONFIG, 'sentinel/status']);
    try {
      const retained = await eventually('the retained config and availability', async () => {
        const config = late.received.find((message) => message.topic === WEB_CONFIG);
        const online = late.received.find((message) => message.topic === 'sentinel/status');
        return config !== undefined && online !== undefined ? { config, online } : undefined;
      });
      assert.equal(retained.config.retain, true);
      assert.equal(retained.online.retain, true);
      assert.equal(retained.online.payload, 'online');
      const config = JSON.parse(retained.config.payload) as Record<string, unknown>;
      assert.deepEqual(Object.keys(config).sort(), ['availability_topic', 'default_entity_id', 'device', 'name', 'origin', 'payload_available', 'payload_not_available', 'qos', 'state_topic', 'unique_id']);
      assert.equal(config.unique_id, 'vigil_local_web');
      assert.equal(config.name, 'web');
      assert.equal(config.state_topic, WEB_STATE);
      assert.equal(config.availability_topic, 'sentinel/status');
      assert.deepEqual((config.device as { identifiers?: unknown }).identifiers, ['vigil']);
      assert.equal(config.command_topic, undefined, 'no Install button while allowInstall is off');
    } finally {
      await late.client.endAsync();
    }
    assert.ok(lastJson(SENSOR_CONFIG)?.state_topic === 'sentinel/pending_updates');
    const status = await eventually('the status says connected', async () => ((await haStatus())?.connected === true && (await haStatus())?.entities === 2 ? await haStatus() : undefined));
    assert.equal(status.lastError, undefined);
  });

  test('allowInstall off: an install message is ignored, logged and counted, and nothing is approved', async () => {
    ha.client.publish(WEB_INSTALL, 'install', { qos: 1 });
    const status = await eventually('the command is recorded as ignored', async () => ((await haStatus())?.ignoredCommands === 1 ? await haStatus() : undefined));
    assert.equal(status.lastCommand?.outcome, 'Ignored');
    assert.equal(status.lastCommand?.container, 'local/web');
    const web = await apiOk<{ spec?: { update?: unknown }; status?: { operation?: unknown } }>(vigil, 'GET', `${GROUP}/namespaces/local/containers/web`);
    assert.equal(web.spec?.update, undefined, 'no update requested');
    assert.match(vigilLog(), /Home Assistant command ignored/);
  });

  test('Home Assistant publishing online on homeassistant/status makes Vigil announce everything again', async () => {
    const before = (await haStatus())?.announcements ?? 0;
    const configs = messages(WEB_CONFIG).length;
    const sensors = messages(SENSOR_CONFIG).length;
    ha.client.publish('homeassistant/status', 'online', { qos: 1 });
    await eventually('the config is published again', async () => (messages(WEB_CONFIG).length > configs && messages(SENSOR_CONFIG).length > sensors ? true : undefined));
    assert.equal(messages(WEB_CONFIG).at(-1)?.payload, messages(WEB_CONFIG).at(configs - 1)?.payload, 'the same config');
    await eventually('the announcement is counted', async () => (((await haStatus())?.announcements ?? 0) > before ? true : undefined));
  });

  test('allowInstall on: install on the command topic updates the container on the real engine, recorded as requested by Home Assistant', async () => {
    await haDiscovery({ enabled: true, channel: 'broker', allow_install: true });
    const config = await eventually('the config has the Install button', async () => (lastJson(WEB_CONFIG)?.command_topic === WEB_INSTALL ? lastJson(WEB_CONFIG) : undefined));
    assert.equal(config.payload_install, 'install');
    ha.client.publish(WEB_INSTALL, 'install', { qos: 1 });
    const record = await eventually('the UpdateRecord of the update', async () => {
      const list = await apiOk<{ items: Array<{ spec: { type: string; outcome: string; containerName?: string; requestedBy?: string; reason?: string } }> }>(vigil, 'GET', `${GROUP}/namespaces/local/updaterecords`);
      return list.items.find((item) => item.spec.type === 'update' && item.spec.containerName === 'web');
    }, deadlines.containerCondition).catch((error: unknown) => {
      throw new Error(`${String(error)}\nlog: ${vigilLog().slice(-4000)}`);
    });
    assert.equal(record.spec.outcome, 'success', JSON.stringify(record.spec));
    assert.equal(record.spec.requestedBy, 'Home Assistant');
    assert.equal(record.spec.reason, 'Approved');
    const running = (await bed.engine.docker(['inspect', '--format', '{{.Image}}', 'web'])).trim();
    assert.equal(running, newImageID, 'web runs the new image');
    assert.ok(messages(WEB_STATE).some((message) => message.payload !== '' && (JSON.parse(message.payload) as { in_progress?: boolean }).in_progress === true), 'in_progress was published during the update');
    const status = await haStatus();
    assert.equal(status?.lastCommand?.outcome, 'Approved');
  });

  test('a container that goes has its entity removed: an empty retained config, and a new subscriber gets none', async () => {
    await bed.engine.docker(['rm', '-f', 'db']);
    await eventually('db\'s config is emptied', async () => (messages(DB_CONFIG).at(-1)?.payload === '' ? true : undefined), deadlines.containerCondition);
    // The sensor's filter is subscribed after the update configs': its retained config arrives after all of theirs.
    const late = await listen(broker.url, ['homeassistant/update/+/config', 'homeassistant/sensor/+/config']);
    try {
      await eventually('the retained configs', async () => (late.received.some((message) => message.topic === SENSOR_CONFIG) ? true : undefined));
      assert.deepEqual(late.received.filter((message) => message.topic.startsWith('homeassistant/update/')).map((message) => message.topic), [WEB_CONFIG]);
    } finally {
      await late.client.endAsync();
    }
  });

  test('disabling discovery removes every entity and the status', async () => {
    await haDiscovery({ enabled: false });
    await eventually('web\'s config and the sensor are emptied', async () => (messages(WEB_CONFIG).at(-1)?.payload === '' && messages(SENSOR_CONFIG).at(-1)?.payload === '' ? true : undefined));
    await eventually('the status is gone', async () => ((await haStatus()) === undefined ? true : undefined));
    await eventually('Vigil shows offline', async () => (messages('sentinel/status').at(-1)?.payload === 'offline' ? true : undefined));
  });
});
