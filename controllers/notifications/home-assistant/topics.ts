// Where Home Assistant discovery publishes and listens, from Settings spec.haDiscovery alone (pure):
//   DISCOVERY/update/OBJECT_ID/config   retained config of one container's update entity (empty = removed)
//   DISCOVERY/sensor/vigil_pending_updates/config   the pending-updates sensor
//   DISCOVERY/status                    Home Assistant's own online/offline (online = announce everything again)
//   STATE/status                        Vigil's availability: online retained on connect, offline as the last will
//   STATE/HOST/NAME/state               a container's JSON state, retained
//   STATE/HOST/NAME/install             a container's command topic (only used with allowInstall)
//   STATE/pending_updates               the sensor's state, retained
import type { SettingsSpec } from '../../../schemas/generated/types.ts';

export const DEFAULT_DISCOVERY_PREFIX = 'homeassistant';
export const DEFAULT_STATE_PREFIX = 'sentinel';
/** What Home Assistant publishes on its command topic when Install is pressed (the config's payload_install). */
export const PAYLOAD_INSTALL = 'install';
export const PENDING_SENSOR_OBJECT_ID = 'vigil_pending_updates';

export interface HATopics {
  discoveryPrefix: string;
  statePrefix: string;
  /** Vigil's availability topic (the last will). */
  availability: string;
  /** Home Assistant's birth and will topic. */
  homeAssistantStatus: string;
  /** Subscription filter over every container's command topic. */
  commandFilter: string;
  /** Subscription filter over every update entity's config: retained configs of a previous run are found there. */
  updateConfigFilter: string;
  pendingSensorConfig: string;
  pendingSensorState: string;
}

type HADiscoverySettings = NonNullable<SettingsSpec['haDiscovery']>;

/** Strips surrounding slashes, so that "homeassistant/" and "homeassistant" name the same topics. */
function prefix(value: string | undefined, fallback: string): string {
  const trimmed = (value ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? fallback : trimmed;
}

export function topicsOf(settings: HADiscoverySettings | undefined): HATopics {
  const discoveryPrefix = prefix(settings?.discoveryPrefix, DEFAULT_DISCOVERY_PREFIX);
  const statePrefix = prefix(settings?.statePrefix, DEFAULT_STATE_PREFIX);
  return {
    discoveryPrefix,
    statePrefix,
    availability: `${statePrefix}/status`,
    homeAssistantStatus: `${discoveryPrefix}/status`,
    commandFilter: `${statePrefix}/+/+/${PAYLOAD_INSTALL}`,
    updateConfigFilter: `${discoveryPrefix}/update/+/config`,
    pendingSensorConfig: `${discoveryPrefix}/sensor/${PENDING_SENSOR_OBJECT_ID}/config`,
    pendingSensorState: `${statePrefix}/pending_updates`,
  };
}

/** A Container resource: its Host (namespace) and name. */
export interface ContainerKey {
  host: string;
  name: string;
}

/**
 * The entity's object id (and unique_id): vigil_HOST_NAME with the dots of the DNS-style resource name as
 * underscores. Home Assistant allows only [a-zA-Z0-9_-]; resource names and Host names hold no underscore, so the
 * mapping keeps distinct containers distinct.
 */
export function objectIdOf(container: ContainerKey): string {
  const safe = (text: string) => text.replace(/[^a-zA-Z0-9-]/g, '_');
  return `vigil_${safe(container.host)}_${safe(container.name)}`;
}

export function updateConfigTopic(topics: HATopics, container: ContainerKey): string {
  return `${topics.discoveryPrefix}/update/${objectIdOf(container)}/config`;
}

export function stateTopic(topics: HATopics, container: ContainerKey): string {
  return `${topics.statePrefix}/${container.host}/${container.name}/state`;
}

export function commandTopic(topics: HATopics, container: ContainerKey): string {
  return `${topics.statePrefix}/${container.host}/${container.name}/${PAYLOAD_INSTALL}`;
}

/** The container a command topic names, or undefined when the topic is not one of ours. */
export function parseCommandTopic(topics: HATopics, topic: string): ContainerKey | undefined {
  const head = `${topics.statePrefix}/`;
  if (!topic.startsWith(head)) return undefined;
  const parts = topic.slice(head.length).split('/');
  if (parts.length !== 3 || parts[2] !== PAYLOAD_INSTALL) return undefined;
  const [host, name] = parts;
  if (host === undefined || name === undefined || host === '' || name === '') return undefined;
  return { host, name };
}

/** Whether a topic is an update entity's config topic under the discovery prefix. */
export function isUpdateConfigTopic(topics: HATopics, topic: string): boolean {
  const parts = topic.split('/');
  const head = topics.discoveryPrefix.split('/');
  return parts.length === head.length + 3 && head.every((part, index) => parts[index] === part) && parts[head.length] === 'update' && parts[head.length + 2] === 'config';
}
