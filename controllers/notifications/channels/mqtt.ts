// MQTT through the mqtt package: one persistent connection per channel with a unique client id (Sentinel's fixed id
// made two senders kick each other off), reconnecting on its own; publish the event JSON with the configured QoS.
import mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { randomBytes } from 'node:crypto';
import type { ChannelSender, ResolvedChannel, SendResult } from './sender.ts';
import { requireSettings } from './settings.ts';
import { createRedactor } from './redact.ts';

export interface MQTTConnectionOptions {
  /** Last will: published by the broker when this connection dies (Home Assistant availability). */
  will?: IClientOptions['will'];
}

/** Milliseconds between reconnect attempts (mqtt.js retries forever at this period). */
const RECONNECT_PERIOD_MS = 2_000;
const CONNECT_TIMEOUT_MS = 10_000;

export function connectMQTT(channel: ResolvedChannel, options: MQTTConnectionOptions = {}): MqttClient {
  const settings = requireSettings(channel, 'mqtt');
  const clientId = `${settings.clientID ?? 'vigil'}-${randomBytes(4).toString('hex')}`;
  return mqtt.connect(settings.broker, {
    clientId,
    clean: true,
    username: settings.username,
    password: channel.secrets.password,
    reconnectPeriod: RECONNECT_PERIOD_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    ca: settings.caCert,
    rejectUnauthorized: settings.insecureSkipVerify !== true,
    will: options.will,
  });
}

/** Resolves true once the client is connected, false when the signal aborts or CONNECT_TIMEOUT_MS passes first. */
function connected(client: MqttClient, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      clearTimeout(timer);
      client.off('connect', onConnect);
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onConnect = () => done(true);
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(false), CONNECT_TIMEOUT_MS);
    client.on('connect', onConnect);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export function createMQTTSender(channel: ResolvedChannel, options: MQTTConnectionOptions = {}): ChannelSender {
  const settings = requireSettings(channel, 'mqtt');
  const redact = createRedactor(channel.secrets);
  const qos = (settings.qos ?? 0) as 0 | 1 | 2;
  let client: MqttClient | undefined;
  return {
    async send(message, signal): Promise<SendResult> {
      client ??= connectMQTT(channel, options);
      const active = client;
      if (!active.connected && !(await connected(active, signal))) {
        return { outcome: 'retry', error: redact(`not connected to the broker ${settings.broker} (reconnecting)`), unreachable: true };
      }
      const payload = JSON.stringify({ ...message.payload, title: message.title, body: message.body, deliveryId: message.deliveryId });
      return new Promise<SendResult>((resolve) => {
        const onAbort = () => resolve({ outcome: 'retry', error: 'cancelled' });
        signal.addEventListener('abort', onAbort, { once: true });
        active.publish(settings.topic, payload, { qos, retain: false }, (error) => {
          signal.removeEventListener('abort', onAbort);
          resolve(error ? { outcome: 'retry', error: redact(error.message) } : { outcome: 'delivered' });
        });
      });
    },
    async close() {
      if (client) await client.endAsync();
    },
  };
}
