// The home-assistant controllers over the real store and controller runtime, with a fake broker: what is retained
// follows the resources (announced on connect, changes only, removals), the prefixes and the channel decide the
// connection, and install commands become approvals only with allowInstall.
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { Container, NotificationChannel, Settings } from '../../../schemas/generated/types.ts';
import { Manager } from '../../../controllers/runtime/index.ts';
import { registerHomeAssistantControllers, type HomeAssistantControllers } from '../../../controllers/notifications/home-assistant/register.ts';
import { waitUntilIdle } from '../../testbed/controllers-idle.ts';
import { eventually } from '../inventory/fixtures.ts';
import { openStore, type StoreHandle } from '../notifications-controller/fixtures.ts';
import { FakeBroker } from './fake-broker.ts';
import { pendingContainer, REMOTE_DIGEST } from './fixtures.ts';

let handle: StoreHandle;
let manager: Manager | undefined;
let controllers: HomeAssistantControllers;
let broker: FakeBroker;

beforeEach(async () => {
  handle = await openStore();
  broker = new FakeBroker();
});

afterEach(async () => {
  await manager?.stop();
  manager = undefined;
  await handle.close();
});

async function start(): Promise<void> {
  manager = new Manager({ client: handle.registry, metricsRegistry: new Registry(), clock: handle.clock });
  controllers = registerHomeAssistantControllers({ manager, connect: broker.factory });
  await manager.start();
}

const idle = async (): Promise<void> => await waitUntilIdle([controllers.discovery, controllers.commands]);

function mqttChannel(name: string, extra: Partial<NotificationChannel['spec']> = {}): NotificationChannel {
  return { apiVersion: 'vigil.dev/v1alpha1', kind: 'NotificationChannel', metadata: { name }, spec: { type: 'mqtt', settings: { mqtt: { broker: 'mqtt://user:pw@127.0.0.1:1883', topic: 'vigil/events' } }, ...extra } };
}

async function setHA(haDiscovery: NonNullable<Settings['spec']>['haDiscovery']): Promise<void> {
  try {
    const current = await handle.registry.get('Settings', undefined, 'default');
    await handle.registry.update({ ...current, spec: { ...(current.spec as object), haDiscovery } });
  } catch {
    await handle.registry.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'Settings', metadata: { name: 'default' }, spec: { haDiscovery } } satisfies Settings);
  }
}

async function addContainer(container: Container): Promise<void> {
  const { status, ...rest } = container;
  const created = await handle.registry.create({ ...rest, metadata: { namespace: rest.metadata.namespace, name: rest.metadata.name } });
  await handle.registry.updateStatus({ ...created, status });
}

async function haStatus(): Promise<NonNullable<Settings['status']>['homeAssistant']> {
  return ((await handle.registry.get('Settings', undefined, 'default')) as unknown as Settings).status?.homeAssistant;
}

const WEB_CONFIG = 'homeassistant/update/vigil_local_web/config';
const DB_CONFIG = 'homeassistant/update/vigil_local_db/config';

describe('home-assistant controllers', () => {
  it('announces every container and the sensor on connect, then publishes only what changed, and removes a deleted container', async () => {
    await handle.registry.create(mqttChannel('broker'));
    await addContainer(pendingContainer());
    await addContainer(pendingContainer({ name: 'db' }));
    await setHA({ enabled: true, channelRef: 'broker' });
    await start();
    await eventually('announced', () => broker.retained.has(WEB_CONFIG) && broker.retained.has(DB_CONFIG) && broker.retained.has('sentinel/pending_updates'));
    await idle();
    assert.equal(broker.retained.get('sentinel/pending_updates'), '2');
    assert.equal(broker.retained.get('sentinel/status'), 'online');
    const count = broker.published.length;
    // A status write that changes nothing Home Assistant sees publishes nothing.
    const web = await handle.registry.get('Container', 'local', 'web');
    await handle.registry.updateStatus({ ...web, status: { ...(web.status as object), registryCheck: { ...(web.status as Container['status'])?.registryCheck, lastChecked: '2026-12-07T11:00:00Z' } } });
    await idle();
    assert.equal(broker.published.length, count, 'nothing published for an invisible change');
    await handle.registry.updateStatus({ ...(await handle.registry.get('Container', 'local', 'web')), status: { ...(web.status as object), operation: { type: 'update', phase: 'Running', startedAt: '2026-12-07T11:01:00Z' } } });
    await eventually('in_progress published', () => JSON.parse(broker.retained.get('sentinel/local/web/state') ?? '{}').in_progress === true);
    await handle.registry.delete('Container', 'local', 'db');
    await eventually('db removed', () => !broker.retained.has(DB_CONFIG) && !broker.retained.has('sentinel/local/db/state'));
    await idle();
    assert.equal(broker.retained.get('sentinel/pending_updates'), '1');
    assert.equal(broker.sessions.length, 1, 'one connection throughout');
    const status = await haStatus();
    assert.equal(status?.connected, true);
    assert.equal(status?.entities, 1);
    assert.equal(status?.broker, 'mqtt://127.0.0.1:1883', 'no credentials in the status');
  });

  it('a new discoveryPrefix or statePrefix removes the entities under the old topics and announces them under the new ones; a channel status write does not reconnect', async () => {
    await handle.registry.create(mqttChannel('broker'));
    await addContainer(pendingContainer());
    await setHA({ enabled: true });
    await start();
    await eventually('announced', () => broker.retained.has(WEB_CONFIG));
    await idle();
    const channel = await handle.registry.get('NotificationChannel', undefined, 'broker');
    await handle.registry.updateStatus({ ...channel, status: { sentCount: 5 } });
    await idle();
    assert.equal(broker.sessions.length, 1, 'the channel\'s status is not a reason to reconnect');
    await setHA({ enabled: true, discoveryPrefix: 'ha', statePrefix: 'vigil' });
    await eventually('moved', () => broker.retained.has('ha/update/vigil_local_web/config') && !broker.retained.has(WEB_CONFIG) && !broker.retained.has('sentinel/local/web/state'));
    await idle();
    assert.equal(JSON.parse(broker.retained.get('ha/update/vigil_local_web/config') ?? '{}').state_topic, 'vigil/local/web/state');
    assert.ok(broker.retained.has('vigil/local/web/state'));
    assert.equal(broker.retained.get('sentinel/status'), 'offline', 'the old availability says offline');
    assert.equal(broker.retained.get('vigil/status'), 'online');
    assert.equal(broker.sessions.length, 2);
  });

  it('Home Assistant online and a reconnect announce everything again; a config left by an earlier run is removed', async () => {
    await handle.registry.create(mqttChannel('broker'));
    await addContainer(pendingContainer());
    await setHA({ enabled: true });
    await start();
    await eventually('announced', () => broker.retained.has(WEB_CONFIG));
    await idle();
    const session = broker.current;
    assert.ok(session !== undefined);
    broker.deliver('homeassistant/status', 'online');
    await eventually('announced again', () => broker.publishedTo(WEB_CONFIG).length === 2);
    // A config of ours (same availability topic) for a container that no longer exists, retained from before.
    broker.retained.set(DB_CONFIG, JSON.stringify({ availability_topic: 'sentinel/status' }));
    broker.deliver(DB_CONFIG, broker.retained.get(DB_CONFIG) ?? '');
    // Someone else's config under the same prefix stays.
    broker.retained.set('homeassistant/update/other/config', JSON.stringify({ availability_topic: 'other/status' }));
    broker.deliver('homeassistant/update/other/config', broker.retained.get('homeassistant/update/other/config') ?? '');
    await eventually('the left-over is removed', () => !broker.retained.has(DB_CONFIG));
    await idle();
    assert.ok(broker.retained.has('homeassistant/update/other/config'));
    session.connected = false;
    broker.connect(session);
    await eventually('announced after the reconnect', () => broker.publishedTo(WEB_CONFIG).length === 3);
    await eventually('counted', async () => ((await haStatus())?.announcements === 3 ? true : undefined));
  });

  it('install: ignored while allowInstall is off, the approval of the queued digest when on, refused for a container without a queued update', async () => {
    await handle.registry.create(mqttChannel('broker'));
    await addContainer(pendingContainer());
    await setHA({ enabled: true });
    await start();
    await eventually('announced', () => broker.retained.has(WEB_CONFIG));
    assert.equal(JSON.parse(broker.retained.get(WEB_CONFIG) ?? '{}').command_topic, undefined);
    broker.deliver('sentinel/local/web/install', 'install');
    await eventually('ignored', async () => ((await haStatus())?.ignoredCommands === 1 ? true : undefined));
    await idle();
    assert.equal(((await handle.registry.get('Container', 'local', 'web')) as unknown as Container).spec?.update, undefined);
    await setHA({ enabled: true, allowInstall: true });
    await eventually('the Install button', () => JSON.parse(broker.retained.get(WEB_CONFIG) ?? '{}').command_topic === 'sentinel/local/web/install');
    broker.deliver('sentinel/local/web/install', 'install');
    const update = await eventually('approved', async () => ((await handle.registry.get('Container', 'local', 'web')) as unknown as Container).spec?.update);
    assert.deepEqual({ ...update, requestedAt: undefined }, { requestedAt: undefined, requestedBy: 'Home Assistant', reason: 'Approved', digest: REMOTE_DIGEST, version: '1.1.0' });
    assert.equal((await haStatus())?.lastCommand?.outcome, 'Approved');
    broker.deliver('sentinel/local/web/install', 'install');
    await eventually('the second install is refused', async () => ((await haStatus())?.lastCommand?.message?.includes('already requested') === true ? true : undefined));
    broker.deliver('sentinel/local/nothing/install', 'install');
    await eventually('refused', async () => ((await haStatus())?.lastCommand?.container === 'local/nothing' ? true : undefined));
    assert.equal((await haStatus())?.lastCommand?.outcome, 'Refused');
  });

  it('disabled: the entities, the sensor and the status go, and the connection closes', async () => {
    await handle.registry.create(mqttChannel('broker'));
    await addContainer(pendingContainer());
    await setHA({ enabled: true });
    await start();
    await eventually('announced', () => broker.retained.has(WEB_CONFIG));
    await setHA({ enabled: false });
    await eventually('removed', () => [...broker.retained.keys()].every((topic) => topic === 'sentinel/status'));
    await eventually('status removed', async () => ((await haStatus()) === undefined ? true : undefined));
    assert.equal(broker.retained.get('sentinel/status'), 'offline');
    assert.equal(broker.current, undefined, 'closed');
  });
});
