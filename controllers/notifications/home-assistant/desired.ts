// What should be retained on the broker, and what to publish to get there (pure). The desired set is every announced
// container's config and state plus the sensor; the plan publishes what differs from what this connection already
// published, and an empty retained payload (Home Assistant's "remove") for entities no longer desired: those this
// connection published, and those a previous run left on the broker (seen on the config subscription).
import type { Container, Settings } from '../../../schemas/generated/types.ts';
import { isAnnounced, keyOf, pendingCount, pendingSensorConfig, updateEntityConfig, updateEntityState, type UpdateEntityOptions } from './payloads.ts';
import { stateTopic, updateConfigTopic, type HATopics } from './topics.ts';

export interface DesiredState {
  /** Topic → retained payload. */
  messages: Map<string, string>;
  /** Update entities announced. */
  entities: number;
}

export function desiredState(containers: readonly Container[], settings: Settings | undefined, topics: HATopics, options: UpdateEntityOptions): DesiredState {
  const messages = new Map<string, string>();
  const announced = containers.filter(isAnnounced).sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  for (const container of announced) {
    const key = keyOf(container);
    messages.set(updateConfigTopic(topics, key), JSON.stringify(updateEntityConfig(container, topics, options)));
    messages.set(stateTopic(topics, key), JSON.stringify(updateEntityState(container, settings)));
  }
  messages.set(topics.pendingSensorConfig, JSON.stringify(pendingSensorConfig(topics)));
  messages.set(topics.pendingSensorState, String(pendingCount(announced)));
  return { messages, entities: announced.length };
}

export interface Publish {
  topic: string;
  /** '' removes the retained message (and, on a config topic, the entity). */
  payload: string;
}

/**
 * The publishes that take the broker from `published` (what this connection sent, topic → payload) and `leftOver`
 * (config topics of ours retained from before) to `desired`: new or changed messages first (configs before their
 * states, as Home Assistant needs the entity before its state), then removals.
 */
export function plan(desired: ReadonlyMap<string, string>, published: ReadonlyMap<string, string>, leftOver: ReadonlySet<string>): Publish[] {
  const publishes: Publish[] = [];
  for (const [topic, payload] of desired) if (published.get(topic) !== payload) publishes.push({ topic, payload });
  const removed = new Set<string>();
  for (const [topic, payload] of published) if (!desired.has(topic) && payload !== '') removed.add(topic);
  for (const topic of leftOver) if (!desired.has(topic)) removed.add(topic);
  for (const topic of [...removed].sort()) publishes.push({ topic, payload: '' });
  return publishes;
}

/** Everything retained removed: what disabling (or a changed prefix) publishes before the connection closes. */
export function removeAll(published: ReadonlyMap<string, string>, leftOver: ReadonlySet<string>): Publish[] {
  return plan(new Map(), published, leftOver);
}
