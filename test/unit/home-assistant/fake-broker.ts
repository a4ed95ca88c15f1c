// A fake broker for the Home Assistant controller tests: it keeps what is retained (an empty payload deletes, as
// MQTT does), counts connections, and lets a test connect, drop and deliver messages to the sessions it made.
import type { BrokerSession, SessionEvents, SessionFactory } from '../../../controllers/notifications/home-assistant/session.ts';
import type { HATopics } from '../../../controllers/notifications/home-assistant/topics.ts';

export interface FakeSession {
  channel: string;
  password: string | undefined;
  topics: HATopics;
  events: SessionEvents;
  connected: boolean;
  closed: boolean;
}

export class FakeBroker {
  readonly retained = new Map<string, string>();
  /** Every publish, in order. */
  readonly published: Array<{ topic: string; payload: string }> = [];
  readonly sessions: FakeSession[] = [];

  get current(): FakeSession | undefined {
    return this.sessions.filter((session) => !session.closed).at(-1);
  }

  readonly factory: SessionFactory = (channel, topics, events) => {
    const session: FakeSession = { channel: channel.name, password: channel.secrets.password, topics, events, connected: false, closed: false };
    this.sessions.push(session);
    const broker = this;
    // Connected at once, as a broker on 127.0.0.1 would be.
    queueMicrotask(() => broker.connect(session));
    const handle: BrokerSession = {
      get connected() {
        return session.connected && !session.closed;
      },
      lastError: undefined,
      publish: async (topic, payload) => {
        if (!session.connected || session.closed) throw new Error('not connected');
        broker.publish(topic, payload);
      },
      close: async () => {
        if (session.connected) broker.publish(topics.availability, 'offline');
        session.closed = true;
        session.connected = false;
      },
    };
    return handle;
  };

  connect(session: FakeSession): void {
    if (session.closed) return;
    session.connected = true;
    this.publish(session.topics.availability, 'online');
    session.events.onConnect();
  }

  publish(topic: string, payload: string): void {
    this.published.push({ topic, payload });
    if (payload === '') this.retained.delete(topic);
    else this.retained.set(topic, payload);
  }

  /** A message from another client (Home Assistant) to the current session. */
  deliver(topic: string, payload: string): void {
    this.current?.events.onMessage(topic, payload);
  }

  publishedTo(topic: string): string[] {
    return this.published.filter((entry) => entry.topic === topic).map((entry) => entry.payload);
  }
}
