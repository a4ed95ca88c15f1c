// The MQTT channel against a real mosquitto: one connection reused across sends, the event JSON on the topic with the
// configured QoS, a unique client id per sender.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import type { IPublishPacket, MqttClient } from 'mqtt';
import { createSender } from '../../../controllers/notifications/channels/index.ts';
import type { OutgoingMessage, ResolvedChannel } from '../../../controllers/notifications/channels/sender.ts';
import { startMosquitto, type MosquittoBroker } from '../../testbed/mosquitto.ts';

const DEADLINE_MS = 30_000;

function message(deliveryId: string): OutgoingMessage {
  return {
    deliveryId,
    title: 'Update available',
    body: 'Container: web',
    severity: 'info',
    emoji: '🔔',
    payload: { type: 'update_available', timestamp: '2026-12-07T01:00:00Z', containers: [{ name: 'web', host: 'local', image: 'nginx:1', targetVersion: '1.27' }] },
  };
}

async function subscriber(url: string, topic: string): Promise<{ client: MqttClient; packets: IPublishPacket[]; waitFor(n: number): Promise<void> }> {
  const client = await mqtt.connectAsync(url, { clientId: `test-sub-${process.pid}-${Date.now()}` });
  const packets: IPublishPacket[] = [];
  const waiters: Array<() => void> = [];
  client.on('message', (_topic, _payload, packet) => {
    packets.push(packet);
    for (const w of waiters.splice(0)) w();
  });
  await client.subscribeAsync(topic, { qos: 2 });
  const waitFor = async (n: number) => {
    const deadline = Date.now() + DEADLINE_MS;
    while (packets.length < n) {
      if (Date.now() > deadline) throw new Error(`only ${packets.length} of ${n} messages arrived`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 1000);
      });
    }
  };
  return { client, packets, waitFor };
}

let broker: MosquittoBroker;
before(async () => {
  broker = await startMosquitto();
});
after(async () => {
  await broker.stop();
});

describe('MQTT channel against mosquitto', () => {
  it('publishes the event JSON with the configured QoS over one connection', async () => {
    const sub = await subscriber(broker.url, 'vigil/events');
    const channel: ResolvedChannel = { name: 'm', spec: { type: 'mqtt', settings: { mqtt: { broker: broker.url, topic: 'vigil/events', qos: 1 } } }, secrets: {} };
    const sender = createSender(channel);
    try {
      assert.deepEqual(await sender.send(message('d1'), new AbortController().signal), { outcome: 'delivered' });
      assert.deepEqual(await sender.send(message('d2'), new AbortController().signal), { outcome: 'delivered' });
      await sub.waitFor(2);
      const [first, second] = sub.packets;
      assert.ok(first && second);
      assert.equal(first.qos, 1);
      assert.equal(first.retain, false);
      assert.deepEqual(JSON.parse(first.payload.toString()), { ...message('d1').payload, title: 'Update available', body: 'Container: web', deliveryId: 'd1' });
      assert.equal(JSON.parse(second.payload.toString()).deliveryId, 'd2');
    } finally {
      await sender.close();
      await sub.client.endAsync();
    }
  });

  it('two senders on the same channel do not kick each other off (unique client ids)', async () => {
    const sub = await subscriber(broker.url, 'vigil/twin');
    const channel: ResolvedChannel = { name: 'm', spec: { type: 'mqtt', settings: { mqtt: { broker: broker.url, topic: 'vigil/twin', clientID: 'same', qos: 2 } } }, secrets: {} };
    const a = createSender(channel);
    const b = createSender(channel);
    try {
      const results = await Promise.all([a.send(message('a1'), new AbortController().signal), b.send(message('b1'), new AbortController().signal)]);
      assert.deepEqual(results, [{ outcome: 'delivered' }, { outcome: 'delivered' }]);
      assert.deepEqual(await a.send(message('a2'), new AbortController().signal), { outcome: 'delivered' });
      await sub.waitFor(3);
      assert.deepEqual(sub.packets.map((p) => JSON.parse(p.payload.toString()).deliveryId).sort(), ['a1', 'a2', 'b1']);
      assert.ok(sub.packets.every((p) => p.qos === 2));
    } finally {
      await a.close();
      await b.close();
      await sub.client.endAsync();
    }
  });

  it('an unreachable broker is retry, quickly when the pipeline cancels', async () => {
    const channel: ResolvedChannel = { name: 'm', spec: { type: 'mqtt', settings: { mqtt: { broker: 'mqtt://127.0.0.1:1', topic: 't' } } }, secrets: {} };
    const sender = createSender(channel);
    try {
      const result = await sender.send(message('x'), AbortSignal.timeout(500));
      assert.equal(result.outcome, 'retry');
    } finally {
      await sender.close();
    }
  });
});
