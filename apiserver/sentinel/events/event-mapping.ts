// What a dashboard hears on `GET /api/events`, derived from one change of a resource (a watch event of the store, with
// the object before and after), so that every change reaches every dashboard whoever made it: kubectl, git, a
// controller or REST. Pure: the same change always maps to the same events (the timestamp aside).
//
// | kind | change | event |
// |---|---|---|
// | Container | status.state | container_state (started, stopped, restarted, removed …) |
// | Container | in the approval queue or not, or its target | queue_change |
// | Container | an update became available, an operation started, status.lastUpdate | container_update |
// | Container | the effective policy | policy_change |
// | Container | condition ComposeSynced turned False (or its message changed while False) | container_update |
// | Container | status.registryCheck.ghcrAlternative appeared | ghcr_check |
// | Settings | the spec (requests aside) | settings_change; status.lastScan: scan_complete; status.lastDigest: digest_ready |
// | Registry | the spec | settings_change; status rate limit or health: rate_limits |
// | NotificationChannel, UpdatePolicy, Hook | the spec | settings_change |
// | Host | added, removed, reachable flipped | cluster_host |
// | SwarmService | an update became available, a rollout started, status.lastUpdate (update, rollback, scale) | service_update |
// | SwarmService | in the approval queue or not, or its target | queue_change |
//
// Snapshots, UpdateRecords (their effect shows on the Container) and ManifestSources map to nothing.
import { isDeepStrictEqual } from 'node:util';
import type { Host, Registry, Settings, SwarmService } from '../../../schemas/generated/types.ts';
import { LOCAL_HOST_NAME } from '../../../schemas/index.ts';
import type { WatchEvent } from '../../storage/interface.ts';
import { dockerNameOf, type StoredContainer } from '../container-key.ts';
import { effectivePolicy } from '../views/container-view.ts';
import { isQueued } from '../views/queue-view.ts';
import { standingServiceUpdate } from '../views/service-queue-view.ts';
import { checkStands } from '../views/service-view.ts';

/** The event types of the reference; `connected` and `resync` are the stream's own (sse-stream.ts). */
export const SENTINEL_EVENT_TYPES = [
  'container_update',
  'container_state',
  'queue_change',
  'scan_complete',
  'policy_change',
  'digest_ready',
  'settings_change',
  'rate_limits',
  'ghcr_check',
  'service_update',
  'cluster_host',
] as const;

export type SentinelEventType = (typeof SENTINEL_EVENT_TYPES)[number];

/** The reference's shape; empty fields are left out, as Sentinel's `omitempty` does. */
export interface SentinelEvent {
  type: SentinelEventType;
  container_name?: string;
  message: string;
  /** The Host of a container on another host; absent for the local one. */
  host_id?: string;
  host_name?: string;
  timestamp: string;
}

export interface MappingOptions {
  now: Date;
  /** A Host's display name (Host spec.displayName); default the Host name. */
  hostName?: (hostID: string) => string;
}

type Draft = Omit<SentinelEvent, 'timestamp'>;

const REQUEST_FIELDS = ['scan', 'sendDigest', 'resetNotifyStates'];

export function sentinelEvents(event: WatchEvent, options: MappingOptions): SentinelEvent[] {
  if (event.type === 'BOOKMARK') return [];
  const before = event.type === 'ADDED' ? undefined : event.prevObject;
  const after = event.type === 'DELETED' ? undefined : event.object;
  const kind = event.object.kind;
  let drafts: Draft[];
  switch (kind) {
    case 'Container':
      drafts = containerEvents(before as StoredContainer | undefined, after as StoredContainer | undefined, event.object as StoredContainer, options);
      break;
    case 'Settings':
      drafts = settingsEvents(before as Settings | undefined, after as Settings | undefined);
      break;
    case 'Registry':
      drafts = registryEvents(before as Registry | undefined, after as Registry | undefined, event.object as unknown as Registry);
      break;
    case 'NotificationChannel':
    case 'UpdatePolicy':
    case 'Hook':
      drafts = specChanged(before, after) ? [{ type: 'settings_change', message: `${kind} ${event.object.metadata.name} ${verb(before, after)}` }] : [];
      break;
    case 'SwarmService':
      drafts = serviceEvents(before as SwarmService | undefined, after as SwarmService | undefined, event.object as unknown as SwarmService, options);
      break;
    case 'Host':
      drafts = hostEvents(before as Host | undefined, after as Host | undefined, event.object as Host, options);
      break;
    default:
      drafts = [];
  }
  const timestamp = options.now.toISOString();
  return drafts.map((draft) => ({ ...draft, timestamp }));
}

function verb(before: unknown, after: unknown): string {
  if (before === undefined) return 'added';
  if (after === undefined) return 'removed';
  return 'changed';
}

function specOf(object: unknown): unknown {
  return typeof object === 'object' && object !== null ? (object as { spec?: unknown }).spec : undefined;
}

function specChanged(before: unknown, after: unknown): boolean {
  if (before === undefined || after === undefined) return before !== after;
  return !isDeepStrictEqual(specOf(before), specOf(after));
}

function hostFields(namespace: string | undefined, options: MappingOptions): Pick<Draft, 'host_id' | 'host_name'> {
  if (namespace === undefined || namespace === '' || namespace === LOCAL_HOST_NAME) return {};
  return { host_id: namespace, host_name: options.hostName?.(namespace) ?? namespace };
}

const STATE_MESSAGES: Readonly<Record<string, string>> = {
  running: 'started',
  exited: 'stopped',
  dead: 'stopped (dead)',
  paused: 'paused',
  restarting: 'restarting',
  created: 'created',
  removing: 'being removed',
  gone: 'removed',
};

function containerEvents(before: StoredContainer | undefined, after: StoredContainer | undefined, last: StoredContainer, options: MappingOptions): Draft[] {
  const name = dockerNameOf(last);
  const base = { container_name: name, ...hostFields(last.metadata.namespace, options) };
  const drafts: Draft[] = [];
  const stateBefore = before?.status?.state;
  const stateAfter = after?.status?.state;

  if (after === undefined) {
    if (stateBefore !== 'gone') drafts.push({ type: 'container_state', ...base, message: `${name} removed` });
    if (before !== undefined && isQueued(before)) drafts.push({ type: 'queue_change', ...base, message: 'Removed from queue' });
    return drafts;
  }

  if (stateAfter !== undefined && stateAfter !== stateBefore) {
    drafts.push({ type: 'container_state', ...base, message: `${name} ${STATE_MESSAGES[stateAfter] ?? `is ${stateAfter}`}` });
  } else if (stateAfter === 'running' && (after.status?.restartCount ?? 0) > (before?.status?.restartCount ?? 0)) {
    drafts.push({ type: 'container_state', ...base, message: `${name} restarted` });
  } else if (stateAfter === 'running' && before?.status?.startedAt !== undefined && after.status?.startedAt !== before.status.startedAt) {
    drafts.push({ type: 'container_state', ...base, message: `${name} restarted` });
  }

  const queuedBefore = before !== undefined && isQueued(before);
  const queuedAfter = isQueued(after);
  if (queuedBefore !== queuedAfter) {
    drafts.push({ type: 'queue_change', ...base, message: queuedAfter ? 'Added to queue' : 'Removed from queue' });
  } else if (queuedAfter && before?.status?.pendingUpdate?.remoteDigest !== after.status?.pendingUpdate?.remoteDigest) {
    drafts.push({ type: 'queue_change', ...base, message: 'Queue entry updated' });
  }

  const checkBefore = before?.status?.registryCheck;
  const checkAfter = after.status?.registryCheck;
  if (checkAfter?.updateAvailable === true && (checkBefore?.updateAvailable !== true || checkBefore.target?.digest !== checkAfter.target?.digest)) {
    drafts.push({ type: 'container_update', ...base, message: `Update available for ${name}${checkAfter.target?.version === undefined ? '' : `: ${checkAfter.target.version}`}` });
  }

  const operation = after.status?.operation;
  if (operation !== undefined && operation.startedAt !== before?.status?.operation?.startedAt) {
    drafts.push({ type: 'container_update', ...base, message: `${operation.type === 'rollback' ? 'Rollback' : 'Update'} started for ${name}` });
  }

  const last_ = after.status?.lastUpdate;
  if (last_ !== undefined && (last_.at !== before?.status?.lastUpdate?.at || last_.outcome !== before.status.lastUpdate.outcome)) {
    drafts.push({ type: 'container_update', ...base, message: outcomeMessage(name, last_.outcome, last_.newImage, last_.error) });
  }

  if (before !== undefined && effectivePolicy(before) !== effectivePolicy(after)) {
    drafts.push({ type: 'policy_change', ...base, message: `policy of ${name} changed from ${effectivePolicy(before)} to ${effectivePolicy(after)}` });
  }

  const composeBefore = before?.status?.conditions?.find((condition) => condition.type === 'ComposeSynced');
  const composeAfter = after.status?.conditions?.find((condition) => condition.type === 'ComposeSynced');
  if (composeAfter?.status === 'False' && (composeBefore?.status !== 'False' || composeBefore.message !== composeAfter.message)) {
    drafts.push({ type: 'container_update', ...base, message: `Compose file of ${name} not synced: ${composeAfter.message ?? composeAfter.reason}` });
  }

  const ghcr = checkAfter?.ghcrAlternative;
  if (ghcr !== undefined && ghcr.image !== checkBefore?.ghcrAlternative?.image) {
    drafts.push({ type: 'ghcr_check', ...base, message: `GHCR alternative for ${name}: ${ghcr.image}` });
  }
  return drafts;
}

function outcomeMessage(name: string, outcome: string, newImage: string | undefined, error: string | undefined): string {
  switch (outcome) {
    case 'success':
      return `${name} updated${newImage === undefined ? '' : ` to ${newImage}`}`;
    case 'failed':
      return `Update of ${name} failed${error === undefined ? '' : `: ${error}`}`;
    case 'rollback':
      return `${name} rolled back${error === undefined ? '' : `: ${error}`}`;
    default:
      return `Update of ${name}: ${outcome}`;
  }
}

function settingsSpecWithoutRequests(settings: Settings | undefined): unknown {
  if (settings?.spec === undefined) return undefined;
  return Object.fromEntries(Object.entries(settings.spec).filter(([field]) => !REQUEST_FIELDS.includes(field)));
}

function settingsEvents(before: Settings | undefined, after: Settings | undefined): Draft[] {
  const drafts: Draft[] = [];
  if (after === undefined || before === undefined || !isDeepStrictEqual(settingsSpecWithoutRequests(before), settingsSpecWithoutRequests(after))) {
    drafts.push({ type: 'settings_change', message: after === undefined ? 'Settings removed: built-in defaults apply' : 'Settings modified' });
  }
  const lastScan = after?.status?.lastScan;
  if (lastScan !== undefined && lastScan !== before?.status?.lastScan) drafts.push({ type: 'scan_complete', message: 'Scan complete' });
  const lastDigest = after?.status?.lastDigest;
  if (lastDigest !== undefined && lastDigest !== before?.status?.lastDigest) drafts.push({ type: 'digest_ready', message: 'Digest sent' });
  return drafts;
}

function registryEvents(before: Registry | undefined, after: Registry | undefined, last: Registry): Draft[] {
  const server = last.spec.server;
  const drafts: Draft[] = [];
  if (specChanged(before, after)) drafts.push({ type: 'settings_change', message: `Registry ${server} ${verb(before, after)}` });
  const rateBefore = before?.status?.rateLimit;
  const rateAfter = after?.status?.rateLimit;
  if (after !== undefined && (!isDeepStrictEqual(rateBefore, rateAfter) || before?.status?.health !== after.status?.health) && (rateAfter !== undefined || after.status?.health !== undefined)) {
    const remaining = rateAfter?.remaining === undefined || rateAfter.limit === undefined ? '' : `: ${rateAfter.remaining}/${rateAfter.limit} remaining`;
    drafts.push({ type: 'rate_limits', message: `Rate limits of ${server}${remaining}${after.status?.health === undefined ? '' : ` (${after.status.health})`}` });
  }
  return drafts;
}

const SERVICE_OUTCOMES: Readonly<Record<string, string>> = {
  success: 'succeeded',
  failed: 'failed',
  timeout: 'timed out',
  rollback: 'was rolled back by Swarm',
  rollback_success: 'succeeded',
  rollback_failed: 'failed (the rollback paused)',
  unchanged: 'found the digest unchanged (nothing sent)',
};

function serviceEvents(before: SwarmService | undefined, after: SwarmService | undefined, last: SwarmService, options: MappingOptions): Draft[] {
  const name = last.metadata.name ?? '';
  const base = { container_name: name, ...hostFields(last.status?.host, options) };
  const drafts: Draft[] = [];
  const queuedBefore = before !== undefined && standingServiceUpdate(before) !== undefined;
  const queuedAfter = after !== undefined && standingServiceUpdate(after) !== undefined;
  if (queuedBefore !== queuedAfter) {
    drafts.push({ type: 'queue_change', ...base, message: queuedAfter ? 'Added to queue' : 'Removed from queue' });
  } else if (queuedAfter && before?.status?.pendingUpdate?.remoteDigest !== after?.status?.pendingUpdate?.remoteDigest) {
    drafts.push({ type: 'queue_change', ...base, message: 'Queue entry updated' });
  }
  if (after === undefined) return drafts;
  const status = after.status ?? {};
  const check = status.registryCheck;
  const checkBefore = before === undefined || !checkStands(before) ? undefined : before.status?.registryCheck;
  if (checkStands(after) && check?.updateAvailable === true && (checkBefore?.updateAvailable !== true || checkBefore.target?.digest !== check.target?.digest)) {
    drafts.push({ type: 'service_update', ...base, message: `Update available for service ${name}${check.target?.version === undefined ? '' : `: ${check.target.version}`}` });
  }
  const operation = status.operation;
  if (operation !== undefined && operation.startedAt !== before?.status?.operation?.startedAt) {
    drafts.push({ type: 'service_update', ...base, message: `${operation.kind === 'rollback' ? 'Rollback' : 'Update'} of service ${name} started${operation.toImage === undefined ? '' : ` (${operation.toImage})`}` });
  }
  const lastUpdate = status.lastUpdate;
  const previous = before?.status?.lastUpdate;
  if (lastUpdate !== undefined && (lastUpdate.finishedAt !== previous?.finishedAt || lastUpdate.outcome !== previous.outcome || lastUpdate.kind !== previous.kind)) {
    const error = lastUpdate.outcome === 'success' || lastUpdate.outcome === 'unchanged' || lastUpdate.message === undefined ? '' : `: ${lastUpdate.message}`;
    let message: string;
    if (lastUpdate.kind === 'scale') message = lastUpdate.outcome === 'success' ? `Service ${name} ${lastUpdate.message ?? 'scaled'}` : `Scale of service ${name} failed${error}`;
    else message = `${lastUpdate.kind === 'rollback' ? 'Rollback' : 'Update'} of service ${name} ${SERVICE_OUTCOMES[lastUpdate.outcome] ?? lastUpdate.outcome}${error}`;
    drafts.push({ type: 'service_update', ...base, message });
  }
  return drafts;
}

function hostEvents(before: Host | undefined, after: Host | undefined, last: Host, options: MappingOptions): Draft[] {
  const hostID = last.metadata.name ?? '';
  const base = { host_id: hostID, host_name: last.spec?.displayName ?? options.hostName?.(hostID) ?? hostID };
  if (before === undefined) return [{ type: 'cluster_host', ...base, message: `Host ${hostID} added` }];
  if (after === undefined) return [{ type: 'cluster_host', ...base, message: `Host ${hostID} removed` }];
  const reachableBefore = before.status?.reachable;
  const reachableAfter = after.status?.reachable;
  if (reachableAfter !== undefined && reachableAfter !== reachableBefore) {
    return [{ type: 'cluster_host', ...base, message: `Host ${hostID} ${reachableAfter ? 'connected' : 'disconnected'}` }];
  }
  return [];
}
