// The one persistent MQTT connection of Home Assistant discovery, through the mqtt package (connectMQTT: a unique
// client id, the channel's TLS options and credentials, reconnecting on its own): the last will marks Vigil offline
// on the availability topic, `online` is retained on every connect, and the subscriptions (Home Assistant's status,
// the command topics, the update configs) are renewed with it. Events only tell the controller to look again; the
// controller does the work in its reconcile.
import type { MqttClient } from 'mqtt';
import type { ResolvedChannel } from '../channels/sender.ts';
import { connectMQTT } from '../channels/mqtt.ts';
import { createRedactor } from '../channels/redact.ts';
import type { HATopics } from './topics.ts';

export interface SessionEvents {
  /** Connected (first time or again): everything must be announced. */
  onConnect(): void;
  /** The connection dropped or failed (it reconnects on its own). */
  onDisconnect(): void;
  onMessage(topic: string, payload: string): void;
}

export interface BrokerSession {
  readonly connected: boolean;
  /** The last connection error, secrets redacted. */
  readonly lastError: string | undefined;
  /** Publishes a retained message with QoS 1; rejects when not connected or the broker does not acknowledge it. */
  publish(topic: string, payload: string, signal: AbortSignal): Promise<void>;
  /** Publishes `offline` (when connected) and closes. */
  close(): Promise<void>;
}

export type SessionFactory = (channel: ResolvedChannel, topics: HATopics, events: SessionEvents) => BrokerSession;

const ONLINE = 'online';
const OFFLINE = 'offline';

function publishRetained(client: MqttClient, topic: string, payload: string): Promise<void> {
  return new Promise((resolve, reject) => {
    client.publish(topic, payload, { qos: 1, retain: true }, (error) => (error ? reject(error) : resolve()));
  });
}

export const connectSession: SessionFactory = (channel, topics, events) => {
  const redact = createRedactor(channel.secrets);
  let lastError: string | undefined;
  let closing = false;
  const client = connectMQTT(channel, { will: { topic: topics.availability, payload: OFFLINE, qos: 1, retain: true } });
  client.on('connect', () => {
    lastError = undefined;
    // Availability first, then the subscriptions: Home Assistant may ask for a re-announcement at once.
    void (async () => {
      try {
        await publishRetained(client, topics.availability, ONLINE);
        await client.subscribeAsync([topics.homeAssistantStatus, topics.commandFilter, topics.updateConfigFilter], { qos: 1 });
      } catch (error) {
        lastError = redact(error instanceof Error ? error.message : String(error));
      }
      events.onConnect();
    })();
  });
  client.on('message', (topic, payload) => events.onMessage(topic, payload.toString('utf8')));
  client.on('error', (error) => {
    lastError = redact(error.message);
    events.onDisconnect();
  });
  client.on('close', () => {
    if (!closing) events.onDisconnect();
  });
  return {
    get connected() {
      return client.connected;
    },
    get lastError() {
      return lastError;
    },
    async publish(topic, payload, signal) {
      if (!client.connected) throw new Error(lastError === undefined ? 'not connected to the broker' : `not connected to the broker: ${lastError}`);
      signal.throwIfAborted();
      // A publish the broker never acknowledges (the connection dropped under it) ends with the pass's signal.
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(new Error(`publish to ${topic} not acknowledged by the broker`));
        signal.addEventListener('abort', onAbort, { once: true });
        publishRetained(client, topic, payload).then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    },
    async close() {
      closing = true;
      if (client.connected) {
        try {
          await publishRetained(client, topics.availability, OFFLINE);
        } catch {
          // Closing anyway: the broker publishes the last will when the connection drops.
        }
      }
      await client.endAsync();
    },
  };
};
