// The JSON Home Assistant reads, built from a Container resource alone (pure): the update entity's discovery config
// (https://www.home-assistant.io/integrations/update.mqtt/) and its JSON state, the pending-updates sensor.
import type { Container, Settings } from '../../../schemas/generated/types.ts';
import { parseImageReference } from '../../../domain/registry/reference.ts';
import { releaseNotesUrl } from '../../../apiserver/sentinel/views/queue-view.ts';
import { isActive } from '../../update/controller/desired.ts';
import { commandTopic, objectIdOf, PAYLOAD_INSTALL, stateTopic, type ContainerKey, type HATopics } from './topics.ts';

/** One device for everything Vigil announces: Home Assistant groups the update entities and the sensor under it. */
export const DEVICE = { identifiers: ['vigil'], name: 'Vigil', manufacturer: 'Vigil', model: 'Container updates' } as const;
const ORIGIN = { name: 'Vigil' } as const;
const LOCAL_HOST = 'local';

export function keyOf(container: Container): ContainerKey {
  return { host: container.metadata.namespace ?? '', name: container.metadata.name ?? '' };
}

/** A container is announced while its Docker container exists; gone or being deleted, its entity is removed. */
export function isAnnounced(container: Container): boolean {
  return container.status?.state !== 'gone' && container.metadata.deletionTimestamp === undefined && container.status?.id !== undefined;
}

function dockerName(container: Container): string {
  return container.status?.name ?? container.spec?.containerName ?? container.metadata.name ?? '';
}

/** sha256:0123456789abcdef… → 0123456789ab: short enough for Home Assistant's version line, long enough to tell. */
function shortDigest(digest: string | undefined): string | undefined {
  if (digest === undefined || digest === '') return undefined;
  const hex = digest.includes(':') ? digest.slice(digest.indexOf(':') + 1) : digest;
  return hex.slice(0, 12);
}

function parsedImage(image: string | undefined): ReturnType<typeof parseImageReference> | undefined {
  if (image === undefined || image === '') return undefined;
  try {
    return parseImageReference(image);
  } catch {
    return undefined;
  }
}

export interface EntityVersions {
  installed: string;
  latest: string;
}

/**
 * installed_version and latest_version. Home Assistant shows an update when they differ, so a version move reads
 * as the versions (1.0.0 → 1.1.0), and a moved digest under the same tag as the tag with the short digests
 * (latest (0123456789ab) → latest (fedcba987654)); without an update both are the installed one.
 */
export function versionsOf(container: Container): EntityVersions {
  const status = container.status;
  const check = status?.registryCheck;
  const current = check?.resolvedCurrentVersion ?? check?.currentTag ?? parsedImage(status?.image)?.tag ?? shortDigest(status?.imageID) ?? 'unknown';
  if (check?.updateAvailable !== true) return { installed: current, latest: current };
  const target = check.target;
  const targetVersion = target?.version ?? target?.tag;
  const moved = targetVersion !== undefined && targetVersion !== current && (target?.tag === undefined || target.tag !== check.currentTag);
  if (moved) return { installed: current, latest: targetVersion };
  const local = shortDigest(check.localDigest) ?? shortDigest(status?.imageID) ?? 'unknown';
  const remote = shortDigest(target?.digest ?? check.remoteDigest) ?? 'new';
  return { installed: `${current} (${local})`, latest: `${current} (${remote})` };
}

/** The entity's display name: the Docker name, with the Host when it is not the local engine. */
export function entityName(container: Container): string {
  const host = container.metadata.namespace ?? LOCAL_HOST;
  return host === LOCAL_HOST ? dockerName(container) : `${dockerName(container)} (${host})`;
}

export interface UpdateEntityOptions {
  /** Settings spec.haDiscovery.allowInstall: only then does the entity get a command topic (an Install button). */
  allowInstall: boolean;
}

export function updateEntityConfig(container: Container, topics: HATopics, options: UpdateEntityOptions): Record<string, unknown> {
  const key = keyOf(container);
  const id = objectIdOf(key);
  return {
    name: entityName(container),
    unique_id: id,
    // default_entity_id replaced object_id in Home Assistant 2025.10 (object_id stops working in 2026.4).
    default_entity_id: `update.${id}`,
    device: DEVICE,
    origin: ORIGIN,
    availability_topic: topics.availability,
    payload_available: 'online',
    payload_not_available: 'offline',
    state_topic: stateTopic(topics, key),
    qos: 1,
    ...(options.allowInstall ? { command_topic: commandTopic(topics, key), payload_install: PAYLOAD_INSTALL } : {}),
  };
}

export function updateEntityState(container: Container, settings: Settings | undefined): Record<string, unknown> {
  const versions = versionsOf(container);
  const image = parsedImage(container.status?.image);
  const check = container.status?.registryCheck;
  const release = container.status?.pendingUpdate?.releaseNotesUrl
    ?? (check?.updateAvailable === true && image !== undefined ? releaseNotesUrl(container.status?.image ?? '', versions.latest, settings) : undefined);
  const operation = container.status?.operation;
  return {
    installed_version: versions.installed,
    latest_version: versions.latest,
    title: image?.name ?? dockerName(container),
    ...(release === undefined ? {} : { release_url: release }),
    in_progress: operation?.type === 'update' && isActive(operation),
  };
}

export function pendingSensorConfig(topics: HATopics): Record<string, unknown> {
  return {
    name: 'Pending updates',
    unique_id: 'vigil_pending_updates',
    default_entity_id: 'sensor.vigil_pending_updates',
    device: DEVICE,
    origin: ORIGIN,
    availability_topic: topics.availability,
    state_topic: topics.pendingSensorState,
    unit_of_measurement: 'updates',
    state_class: 'measurement',
    icon: 'mdi:package-up',
    qos: 1,
  };
}

/** The sensor's value: announced containers whose update entity shows an update. */
export function pendingCount(containers: readonly Container[]): number {
  return containers.filter((container) => isAnnounced(container) && container.status?.registryCheck?.updateAvailable === true).length;
}
