// Home Assistant discovery reaches a broker as its channel says: TLS with the channel's CA certificate, the user name
// from the channel and the password from its Secret. A wrong password shows in Settings status without the password;
// the right one (the Secret changed) connects and announces. No password shows in a status, an answer or the log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { makeTempDir, removeTempDir } from '../../testbed/daemon.ts';
import { startMosquitto, type MosquittoBroker } from '../../testbed/mosquitto.ts';
import { makeTestCertificates, type TestCertificates } from '../../testbed/tls.ts';
import { startVigil, type VigilChild } from '../../testbed/vigil.ts';
import { api, apiOk, eventually, GROUP } from './fixtures.ts';

const USER = 'vigil-ha';
const PASSWORD = 'mqtt-pass-5f0c9d1e7a3b';
const WRONG_PASSWORD = 'wrong-pass-8c2e6a4d1f9b';

interface HAStatus {
  connected?: boolean;
  lastError?: string;
  broker?: string;
}

describe('Home Assistant discovery over TLS with a password from the channel\'s Secret', () => {
  let dir: string;
  let tls: TestCertificates;
  let broker: MosquittoBroker;
  let vigil: VigilChild;

  const haStatus = async (): Promise<HAStatus | undefined> =>
    (await apiOk<{ status?: { homeAssistant?: HAStatus } }>(vigil, 'GET', `${GROUP}/settings/default`)).status?.homeAssistant;
  const setPassword = async (password: string): Promise<void> => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'broker-secret', namespace: 'vigil-system' }, stringData: { password } };
    const created = await api(vigil, 'POST', '/api/v1/namespaces/vigil-system/secrets', secret);
    if (created.status === 409) await apiOk(vigil, 'PUT', '/api/v1/namespaces/vigil-system/secrets/broker-secret', secret);
    else if (created.status >= 300) throw new Error(`secret: ${created.status} ${created.text}`);
  };

  before(async () => {
    dir = makeTempDir('ha-broker');
    tls = makeTestCertificates(dir);
    broker = await startMosquitto({ users: { [USER]: PASSWORD }, tls });
    vigil = await startVigil();
  });

  after(async () => {
    await vigil?.stop();
    await broker?.stop();
    if (dir !== undefined) removeTempDir(dir);
  });

  test('a wrong password is reported without it; the right one from the Secret connects over TLS and announces', async () => {
    await setPassword(WRONG_PASSWORD);
    await apiOk(vigil, 'POST', `${GROUP}/notificationchannels`, {
      apiVersion: 'vigil.dev/v1alpha1',
      kind: 'NotificationChannel',
      metadata: { name: 'broker' },
      spec: { type: 'mqtt', enabled: false, secretRef: { name: 'broker-secret' }, settings: { mqtt: { broker: broker.url, topic: 'vigil/events', username: USER, caCert: tls.ca } } },
    });
    await apiOk(vigil, 'POST', '/api/settings/ha-discovery', { enabled: true, channel: 'broker' });
    const refused = await eventually('the refusal is reported', async () => {
      const status = await haStatus();
      return status?.lastError !== undefined ? status : undefined;
    });
    assert.equal(refused.connected, false);
    assert.match(refused.lastError ?? '', /not authori[sz]ed|bad user name or password/i);
    assert.equal(refused.broker, broker.url);

    await setPassword(PASSWORD);
    await eventually('connected', async () => ((await haStatus())?.connected === true ? true : undefined));
    const ha = await mqtt.connectAsync(broker.url, { username: USER, password: PASSWORD, ca: tls.ca, clientId: `ha-test-${process.pid}` });
    try {
      const received: Array<{ topic: string; payload: string }> = [];
      ha.on('message', (topic, payload) => received.push({ topic, payload: payload.toString('utf8') }));
      await ha.subscribeAsync(['homeassistant/sensor/vigil_pending_updates/config', 'sentinel/status'], { qos: 1 });
      await eventually('the retained sensor config and availability', async () => (received.some((message) => message.topic === 'sentinel/status' && message.payload === 'online')
        && received.some((message) => message.topic === 'homeassistant/sensor/vigil_pending_updates/config') ? true : undefined));
    } finally {
      await ha.endAsync();
    }

    const settingsAnswer = (await api(vigil, 'GET', `${GROUP}/settings/default`)).text;
    const channelAnswer = (await api(vigil, 'GET', `${GROUP}/notificationchannels/broker`)).text;
    const log = readFileSync(join(vigil.dataDir, 'vigil.log'), 'utf8');
    for (const [where, text] of [['the Settings', settingsAnswer], ['the channel', channelAnswer], ['the log', log]] as const) {
      assert.ok(!text.includes(PASSWORD) && !text.includes(WRONG_PASSWORD), `no password in ${where}`);
    }
  });
});
