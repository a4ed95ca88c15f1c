// Containers as Docker Sentinel's /api/containers shows them, read from Container resources (docs/resources.md "REST
// reads": policy = effective.policy.value, stack = compose.project, maintenance = status.maintenance), plus the few
// fields Vigil's dashboard needs beyond them (host, health, where the policy comes from, update availability).
import type { Container, Settings } from '../../../schemas/generated/types.ts';
import { dockerNameOf } from '../container-key.ts';
import type { HostNames } from './hosts.ts';

/** The built-in default policy (Settings defaultPolicy's schema default), for a Container not reconciled yet. */
const DEFAULT_POLICY = 'manual';

export interface ContainerSummaryView {
  id: string;
  name: string;
  image: string;
  policy: string;
  state: string;
  maintenance: boolean;
  /** Omitted when the container is not part of a compose project, as Sentinel does. */
  stack?: string;
  host_id: string;
  host_name: string;
  health: string;
  /** spec, label, updatePolicy/NAME, settings or default. */
  policy_source: string;
  /** The Vigil container itself (actions on it answer 403). */
  self: boolean;
  update_available: boolean;
}

export function effectivePolicy(container: Container): string {
  return container.status?.effective?.policy?.value ?? container.spec?.policy ?? DEFAULT_POLICY;
}

export function isSelf(container: Container): boolean {
  return container.status?.self === true;
}

/** A container whose Docker container exists (not marked gone by the inventory). */
export function isPresent(container: Container): boolean {
  return container.status?.state !== 'gone' && container.metadata.deletionTimestamp === undefined;
}

/** Docker states in which a container is stopped (it is neither running, restarting, paused nor being removed). */
const STOPPED_STATES: ReadonlySet<string> = new Set(['created', 'exited', 'dead']);

export function isStopped(container: Container): boolean {
  return STOPPED_STATES.has(container.status?.state ?? '');
}

/**
 * Whether the listing views (containers, stats, queue) show the container: it exists, and it is not stopped while
 * Settings.showStopped is false. The resource itself is untouched: a hidden container is still read, approved or
 * started by name.
 */
export function isShown(container: Container, settings: Settings | undefined): boolean {
  return isPresent(container) && (settings?.spec?.showStopped !== false || !isStopped(container));
}

export function containerSummary(container: Container, hostName: HostNames): ContainerSummaryView {
  const status = container.status;
  const hostID = container.metadata.namespace ?? '';
  const stack = status?.compose?.project;
  return {
    id: status?.id ?? '',
    name: dockerNameOf(container),
    image: status?.image ?? '',
    policy: effectivePolicy(container),
    state: status?.state ?? 'unknown',
    maintenance: status?.maintenance === true,
    ...(stack === undefined || stack === '' ? {} : { stack }),
    host_id: hostID,
    host_name: hostName(hostID),
    health: status?.health ?? 'none',
    policy_source: status?.effective?.policy?.source ?? (container.spec?.policy === undefined ? 'default' : 'spec'),
    self: isSelf(container),
    update_available: status?.registryCheck?.updateAvailable === true,
  };
}

/** Hosts first by name (local first), then containers by Docker name: a stable order for the dashboard. */
export function compareContainers(a: Container, b: Container): number {
  const hostA = a.metadata.namespace ?? '';
  const hostB = b.metadata.namespace ?? '';
  if (hostA !== hostB) {
    if (hostA === 'local') return -1;
    if (hostB === 'local') return 1;
    return hostA < hostB ? -1 : 1;
  }
  const nameA = dockerNameOf(a);
  const nameB = dockerNameOf(b);
  return nameA < nameB ? -1 : nameA > nameB ? 1 : 0;
}
