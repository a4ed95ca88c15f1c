// The pure part of the registry checks of Swarm services (service-checker.ts runs them): which services a scan
// checks, what a service's check input is (its tag, the digest its spec is pinned to, its effective settings),
// whether a check is stale, and what an auto service does with the update its check found.
import type { Host, SettingsSpec, SwarmService } from '../../schemas/generated/types.ts';
import { parseDuration } from '../../schemas/duration.ts';
import { nextMaintenanceWindowStart, parseMaintenanceWindow } from '../../schemas/maintenance-window.ts';
import { nameMatches } from '../../domain/inventory/policy-match.ts';
import { parseImageReference } from '../../domain/registry/reference.ts';
import { platformOf, type CheckInput } from './check-input.ts';

/** Who an auto-update request names (spec.update.requestedBy). */
export const AUTO_UPDATE_REQUESTER = 'vigil:auto-update';

export type ServiceSkipReason = 'noImage' | 'pinned' | 'filtered' | 'self';

/** What an auto service does with the update its check found. */
export type AutoDecision =
  | { kind: 'none'; why: string }
  | { kind: 'dryRun'; image: string }
  /** `image` is the found target pinned to the digest the check found (`repo:tag@sha256:…`). */
  | { kind: 'update'; image: string };

/**
 * Whether the last check of a service was of another digest than its spec is pinned to now (Vigil or someone updated
 * it since): it is checked again at once, so that the queue entry and the found update do not outlive the digest.
 */
export function serviceCheckedAnotherDigest(service: SwarmService | undefined): boolean {
  const checked = service?.status?.registryCheck?.localDigest;
  const digest = service?.status?.digest;
  return checked !== undefined && digest !== undefined && checked !== digest;
}

export function serviceSkipReason(service: SwarmService, settings: SettingsSpec | undefined): ServiceSkipReason | undefined {
  const status = service.status;
  if (status?.image === undefined || status.image === '' || status.digest === undefined) return 'noImage';
  if (status.effective?.policy?.value === 'pinned') return 'pinned';
  const labels = status.labels ?? {};
  if (labels['sentinel.self'] === 'true' || labels['vigil.self'] === 'true') return 'self';
  const filters = settings?.filters ?? [];
  if (filters.length > 0 && nameMatches(filters, service.metadata.name ?? '')) return 'filtered';
  return undefined;
}

/** The check input of a service: its tag, the digest its spec is pinned to, and its effective settings. */
export function serviceCheckInput(service: SwarmService, host: Host | undefined): CheckInput | undefined {
  const status = service.status;
  const image = status?.image;
  const digest = status?.digest;
  if (image === undefined || image === '' || digest === undefined) return undefined;
  let repository: string;
  try {
    repository = parseImageReference(image).name;
  } catch {
    // Unreadable: the check reports it (checkContainer fails on the reference).
    repository = image;
  }
  const effective = status?.effective;
  const spec = service.spec;
  return {
    image,
    repoDigests: [`${repository}@${digest}`],
    platform: platformOf(host),
    ...(status?.labels === undefined ? {} : { labels: status.labels }),
    scope: effective?.versionScope?.value ?? 'default',
    ...(effective?.includeTags === undefined ? {} : { includeTags: effective.includeTags.value }),
    ...(effective?.excludeTags === undefined ? {} : { excludeTags: effective.excludeTags.value }),
    ...(spec?.ignoredVersions === undefined ? {} : { ignoredVersions: spec.ignoredVersions }),
    policy: effective?.policy?.value ?? 'manual',
    ...(spec?.rejectedUpdate === undefined ? {} : { rejectedUpdate: { digest: spec.rejectedUpdate.digest } }),
    previous: {
      ...(status?.registryCheck === undefined ? {} : { registryCheck: status.registryCheck }),
      ...(status?.pendingUpdate === undefined ? {} : { pendingUpdate: status.pendingUpdate }),
    },
  };
}

function durationMs(text: string | undefined): number {
  if (text === undefined) return 0;
  try {
    return parseDuration(text);
  } catch {
    return 0;
  }
}

function pendingRequest(service: SwarmService): boolean {
  const request = service.spec?.update;
  const handled = service.status?.handledRequests?.update;
  return request !== undefined && (handled === undefined || Date.parse(request.requestedAt) > Date.parse(handled));
}

function digestOf(image: string | undefined): string | undefined {
  const at = image?.indexOf('@') ?? -1;
  return image === undefined || at < 0 ? undefined : image.slice(at + 1);
}

/** The services a service depends on, by name (undefined: no such service, e.g. a container's name). */
export type ServiceLookup = (name: string) => SwarmService | undefined;

/**
 * The dependency (status.effective.dependsOn: the `sentinel.depends-on` label of the service, or an UpdatePolicy)
 * whose own update must come first, and why; undefined when none holds this one back. As for containers, with
 * Settings.dependencyAware false dependencies order nothing. A dependency holds back while its rollout is requested or
 * under way, and while its own auto-update is due now; one whose update waits (its window, its delay, a digest that
 * failed) does not hold its dependents hostage.
 */
export function blockingDependency(service: SwarmService, settings: SettingsSpec | undefined, now: number, lookup: ServiceLookup): string | undefined {
  if (settings?.dependencyAware === false) return undefined;
  const own = service.metadata.name;
  for (const raw of service.status?.effective?.dependsOn?.value ?? []) {
    const name = raw.trim();
    if (name === '' || name === own) continue;
    const dependency = lookup(name);
    if (dependency === undefined) continue;
    if (dependency.status?.operation !== undefined || pendingRequest(dependency)) return `waiting for ${name}, which it depends on, to finish its update`;
    // Without a lookup: a dependency's own dependencies were weighed when it was decided (dependencies come first).
    if (decideAutoUpdate(dependency, settings, now).kind === 'update') return `waiting for ${name}, which it depends on, to be updated first`;
  }
  return undefined;
}

/**
 * Services in dependency order (what a service depends on comes before it), so that in one scan a dependency's
 * update is requested before its dependents are decided. A cycle keeps the listed order for its members.
 */
export function inDependencyOrder<T extends SwarmService>(services: readonly T[]): T[] {
  const byName = new Map(services.map((service) => [service.metadata.name ?? '', service]));
  const ordered: T[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (service: T): void => {
    const name = service.metadata.name ?? '';
    if (state.has(name)) return;
    state.set(name, 'visiting');
    for (const raw of service.status?.effective?.dependsOn?.value ?? []) {
      const dependency = byName.get(raw.trim());
      if (dependency !== undefined && state.get(raw.trim()) === undefined) visit(dependency);
    }
    state.set(name, 'done');
    ordered.push(service);
  };
  for (const service of services) visit(service);
  return ordered;
}

/**
 * Whether the update the last check found is applied now (Sentinel's order for containers: dry-run, pull-only, update
 * delay, maintenance window, then dependencies). An update Vigil tried for the same digest that did not succeed
 * (rolled back, failed, timed out) is not tried again by itself: a newer digest, or a person, tries again.
 */
export function decideAutoUpdate(service: SwarmService, settings: SettingsSpec | undefined, now: number, dependencies?: ServiceLookup): AutoDecision {
  const status = service.status ?? {};
  const effective = status.effective ?? {};
  if (effective.policy?.value !== 'auto') return { kind: 'none', why: 'not auto' };
  const check = status.registryCheck;
  const target = check?.target;
  if (check?.updateAvailable !== true || target === undefined) return { kind: 'none', why: 'no update found' };
  if (check.localDigest !== status.digest) return { kind: 'none', why: 'the check is of another digest than the service runs' };
  if (status.operation !== undefined || pendingRequest(service)) return { kind: 'none', why: 'an update is already requested or under way' };
  const last = status.lastUpdate;
  if (last?.kind === 'update' && last.outcome !== 'success' && last.outcome !== 'unchanged' && digestOf(last.toImage) === target.digest) {
    return { kind: 'none', why: `the update to ${target.digest} ended ${last.outcome}` };
  }
  if (settings?.dryRun === true) return { kind: 'dryRun', image: target.image };
  if (effective.pullOnly?.value === true) return { kind: 'none', why: 'pull-only is a no-op for services' };
  const delay = durationMs(effective.updateDelay?.value);
  const firstSeen = check.firstSeen === undefined ? now : Date.parse(check.firstSeen);
  if (firstSeen + delay > now) return { kind: 'none', why: `waiting for the update delay until ${new Date(firstSeen + delay).toISOString()}` };
  const window = effective.maintenanceWindow?.value;
  if (window !== undefined && nextMaintenanceWindowStart(parseMaintenanceWindow(window), new Date(now)).getTime() > now) {
    return { kind: 'none', why: `waiting for the maintenance window ${window}` };
  }
  const blocked = dependencies === undefined ? undefined : blockingDependency(service, settings, now, dependencies);
  if (blocked !== undefined) return { kind: 'none', why: blocked };
  return { kind: 'update', image: `${target.image}@${target.digest}` };
}
