// One key (`default`, the Settings singleton) for all of Home Assistant discovery: the connection follows Settings
// spec.haDiscovery and its channel (rebuilt when either changes), and each pass publishes the difference between
// what the resources say should be retained (desired.ts) and what this connection already published; a fresh
// connection, or Home Assistant saying `online` on PREFIX/status, makes the next pass announce everything again.
// Disabled (or moved to other topics), the entities are removed before the connection closes. The pass writes
// Settings status.homeAssistant (connection, error, entity count, announcements) once, only when it changed.
import type { Container, HomeAssistantStatus, NotificationChannel, Secret, Settings, SettingsStatus } from '../../../schemas/generated/types.ts';
import type { ResourceClient } from '../../../apiserver/resources/client.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import { statusOf, writeStatus, type Clock, type Lister, type ReconcileContext, type Reconciler } from '../../runtime/index.ts';
import type { Stored } from '../../stored.ts';
import { resolveChannel, secretKeyOf } from '../controller/channel-senders.ts';
import { chooseChannel, displayBroker } from './channel.ts';
import { desiredState, plan, removeAll, type Publish } from './desired.ts';
import type { BrokerSession, SessionFactory } from './session.ts';
import { isUpdateConfigTopic, topicsOf, type HATopics } from './topics.ts';

export const SETTINGS_NAME = 'default';
export const FIELD_MANAGER = 'vigil-home-assistant';

export interface DiscoveryReconcilerOptions {
  client: ResourceClient;
  settings: Lister<Stored<Settings>>;
  containers: Lister<Stored<Container>>;
  channels: Lister<Stored<NotificationChannel>>;
  secrets: Lister<Stored<Secret>>;
  clock: Clock;
  connect: SessionFactory;
  /** Asks for a pass (connection events and messages only wake the controller). */
  wake: () => void;
  /** A message on a command topic, for the command controller. */
  onCommand: (topic: string, payload: string) => void;
}

interface Connection {
  /** What the session was built from: channel and Secret versions and the topics. */
  version: string;
  topics: HATopics;
  channel: string;
  broker: string;
  session: BrokerSession;
  /** Topic → payload this session published and the broker retains. */
  published: Map<string, string>;
  /** Retained topics of ours from before: update configs a previous run left (seen on the config subscription), and
   * what this session published before its last announcement. Removed unless desired. */
  leftOver: Set<string>;
  /** Requests to announce everything (connected, Home Assistant came online), and how many a pass has served: a
   * request that comes during a pass is served by the next one. */
  announceRequests: number;
  announced: number;
  connectedAt: string | undefined;
}

/** An update config is ours when it names our availability topic (two Vigils with other state prefixes stay apart). */
function isOurConfig(payload: string, topics: HATopics): boolean {
  try {
    const parsed = JSON.parse(payload) as { availability_topic?: unknown };
    return parsed.availability_topic === topics.availability;
  } catch {
    return false;
  }
}

function withoutError(status: HomeAssistantStatus | undefined): HomeAssistantStatus {
  const { lastError: _cleared, ...kept } = status ?? {};
  return kept;
}

export class DiscoveryReconciler implements Reconciler {
  readonly #options: DiscoveryReconcilerOptions;
  #connection: Connection | undefined;

  constructor(options: DiscoveryReconcilerOptions) {
    this.#options = options;
  }

  async reconcile(context: ReconcileContext, key: string): Promise<void> {
    if (key !== SETTINGS_NAME) return;
    const settings = this.#options.settings.get(SETTINGS_NAME);
    const ha = settings?.spec?.haDiscovery;
    if (ha?.enabled !== true) {
      await this.#disconnect(context, true);
      await this.#writeStatus(() => undefined);
      return;
    }
    const topics = topicsOf(ha);
    const choice = chooseChannel(ha.channelRef, this.#options.channels.list());
    const resolved = choice.ok ? resolveChannel(choice.channel, this.#options.secrets) : undefined;
    if (!choice.ok || resolved === undefined || !resolved.ok) {
      const message = !choice.ok ? choice.message : resolved !== undefined && !resolved.ok ? resolved.message : 'the channel cannot be used';
      await this.#disconnect(context, true);
      await this.#writeStatus((previous) => ({ ...previous, connected: false, lastError: message }));
      return;
    }
    const broker = resolved.channel.spec.settings?.mqtt?.broker;
    if (broker === undefined) {
      await this.#disconnect(context, true);
      await this.#writeStatus((previous) => ({ ...previous, connected: false, channel: resolved.channel.name, lastError: `the NotificationChannel ${resolved.channel.name} has no settings.mqtt.broker` }));
      return;
    }
    // The channel's generation, not its resourceVersion: its status moves with every delivery, its spec does not.
    const secretKey = secretKeyOf(choice.channel);
    const secretVersion = secretKey === undefined ? '' : this.#options.secrets.get(secretKey)?.metadata.resourceVersion ?? '';
    const version = `${resolved.channel.name}|${choice.channel.metadata.generation ?? ''}|${secretVersion}|${topics.discoveryPrefix}|${topics.statePrefix}`;
    if (this.#connection !== undefined && this.#connection.version !== version) {
      // Other topics: the entities under the old ones go. The same topics (a new password): they stay.
      const moved = this.#connection.topics.discoveryPrefix !== topics.discoveryPrefix || this.#connection.topics.statePrefix !== topics.statePrefix;
      await this.#disconnect(context, moved);
    }
    const connection = this.#connection ?? this.#open(resolved.channel, topics, version, displayBroker(broker));
    const base: HomeAssistantStatus = { channel: connection.channel, broker: connection.broker };
    if (!connection.session.connected) {
      // Connecting (no error yet) or failing: an error of an earlier state (no channel) no longer applies.
      const error = connection.session.lastError;
      await this.#writeStatus((previous) => ({ ...withoutError(previous), ...base, connected: false, ...(error === undefined ? {} : { lastError: error }) }));
      return;
    }
    const requests = connection.announceRequests;
    const announcing = requests !== connection.announced;
    if (announcing) {
      // Everything is published again; what is no longer desired (a container gone while disconnected) is removed.
      for (const topic of connection.published.keys()) connection.leftOver.add(topic);
      connection.published.clear();
    }
    const desired = desiredState(this.#options.containers.list(), settings, topics, { allowInstall: ha.allowInstall === true });
    const publishes = plan(desired.messages, connection.published, connection.leftOver);
    // A publish that fails throws: the queue retries the pass, announcing again if this was an announcement.
    await this.#publish(connection, publishes, context.signal);
    connection.announced = requests;
    if (publishes.length > 0) context.logger.debug({ publishes: publishes.length, announcing }, 'Home Assistant discovery published');
    const now = new Date(this.#options.clock.now()).toISOString();
    await this.#writeStatus((previous) => {
      return {
        ...withoutError(previous),
        ...base,
        connected: true,
        ...(connection.connectedAt === undefined ? {} : { lastConnected: connection.connectedAt }),
        entities: desired.entities,
        ...(announcing ? { announcements: (previous?.announcements ?? 0) + 1, lastAnnounced: now } : {}),
      };
    });
  }

  /** Closes the connection; with `removeEntities`, first publishes the removal of everything it announced. */
  async #disconnect(context: ReconcileContext, removeEntities: boolean): Promise<void> {
    const connection = this.#connection;
    if (connection === undefined) return;
    this.#connection = undefined;
    if (removeEntities && connection.session.connected) {
      try {
        await this.#publish(connection, removeAll(connection.published, connection.leftOver), context.signal);
      } catch (error) {
        context.logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'Home Assistant entities not all removed before the connection closed');
      }
    }
    await connection.session.close();
    context.logger.info({ broker: connection.broker, removed: removeEntities }, 'Home Assistant discovery disconnected');
  }

  #open(channel: { name: string; spec: NotificationChannel['spec']; secrets: Record<string, string> }, topics: HATopics, version: string, broker: string): Connection {
    const { wake, onCommand } = this.#options;
    const state: Omit<Connection, 'session'> = { version, topics, channel: channel.name, broker, published: new Map(), leftOver: new Set(), announceRequests: 0, announced: 0, connectedAt: undefined };
    const session = this.#options.connect(channel, topics, {
      onConnect: () => {
        state.announceRequests++;
        state.connectedAt = new Date(this.#options.clock.now()).toISOString();
        wake();
      },
      onDisconnect: () => wake(),
      onMessage: (topic, payload) => {
        if (topic === topics.homeAssistantStatus) {
          if (payload === 'online') {
            state.announceRequests++;
            wake();
          }
          return;
        }
        if (isUpdateConfigTopic(topics, topic)) {
          if (payload === '') state.leftOver.delete(topic);
          else if (!state.published.has(topic) && isOurConfig(payload, topics)) {
            state.leftOver.add(topic);
            wake();
          }
          return;
        }
        onCommand(topic, payload);
      },
    });
    const connection: Connection = Object.assign(state, { session });
    this.#connection = connection;
    return connection;
  }

  async #publish(connection: Connection, publishes: readonly Publish[], signal: AbortSignal): Promise<void> {
    for (const { topic, payload } of publishes) {
      await connection.session.publish(topic, payload, signal);
      if (payload === '') {
        connection.published.delete(topic);
        connection.leftOver.delete(topic);
      } else connection.published.set(topic, payload);
    }
  }

  /** Writes status.homeAssistant as `compute` makes it from the stored one (undefined removes it); nothing when equal. */
  async #writeStatus(compute: (previous: HomeAssistantStatus | undefined) => HomeAssistantStatus | undefined): Promise<void> {
    const stored = this.#options.settings.get(SETTINGS_NAME);
    if (stored === undefined) return;
    if (stored.status?.homeAssistant === undefined && compute(undefined) === undefined) return;
    try {
      await writeStatus(this.#options.client, 'Settings', undefined, SETTINGS_NAME, (current) => {
        const status = statusOf(current) as SettingsStatus;
        const { homeAssistant, ...rest } = status;
        const next = compute(homeAssistant);
        return next === undefined ? rest : { ...rest, homeAssistant: next };
      }, { fieldManager: FIELD_MANAGER });
    } catch (error) {
      if (!isApiError(error, 'NotFound')) throw error;
    }
  }

  /** Closes the connection at shutdown (Vigil shows offline; the entities stay for the next start). */
  async close(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    await connection?.session.close();
  }
}
