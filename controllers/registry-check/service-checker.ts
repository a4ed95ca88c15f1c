// The registry checks of Swarm services, inside the scan that checks the containers and over the same BatchReader, so
// that a repository's tag list and a tag's HEAD are asked once per scan whoever uses them. A service is checked like
// a container (controllers/registry/check.ts): its image is the tag of its spec and its "local" digest the digest the
// spec is pinned to (the index digest Vigil or the CLI resolved); its effective settings (policy, scope, tag filters,
// delay, maintenance window) are status.effective, which the service reconciler computes from the spec, the
// `sentinel.*` labels of the service, UpdatePolicies and Settings. The result goes into status.registryCheck,
// status.pendingUpdate (manual: the approval queue) and the UpdateAvailable condition. A found update on an `auto`
// service is applied by writing spec.update (bound to the digest the check found), the request the service
// reconciler honours; dry-run writes nothing, and
// pull-only is a no-op for services (a pull on a manager does nothing for the nodes that run the tasks).
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { ResourceClient } from '../../apiserver/resources/client.ts';
import { isApiError } from '../../apiserver/resources/errors.ts';
import type { ContainerStatus, Host, SettingsSpec, SwarmService, SwarmServiceStatus } from '../../schemas/generated/types.ts';
import { parseDuration } from '../../schemas/duration.ts';
import { nextMaintenanceWindowStart, parseMaintenanceWindow } from '../../schemas/maintenance-window.ts';
import { nameMatches } from '../../domain/inventory/policy-match.ts';
import { parseImageReference } from '../../domain/registry/reference.ts';
import { isRegistryError } from '../../domain/registry/errors.ts';
import { writeStatus, type Clock, type Lister } from '../runtime/index.ts';
import { checkContainer, type ContainerCheckResult } from '../registry/check.ts';
import type { RegistryReader } from '../registry/client.ts';
import type { RequestPurpose } from '../registry/rate-limit.ts';
import type { Stored } from '../stored.ts';
import { platformOf, type CheckInput } from './check-input.ts';
import { statusWithCheck } from './check-status.ts';
import { REGISTRY_CHECK_FIELD_MANAGER, DEFAULT_REFRESH_CHECKED_AFTER_MS, type BatchSummary } from './container-checker.ts';

/** Who an auto-update request names (spec.update.requestedBy). */
export const AUTO_UPDATE_REQUESTER = 'vigil:auto-update';

export type ServiceSkipReason = 'noImage' | 'pinned' | 'filtered' | 'self';

export interface ServiceCheckerOptions {
  client: ResourceClient;
  services: Lister<Stored<SwarmService>>;
  hosts: Lister<Stored<Host>>;
  clock: Clock;
  logger: Logger;
  onRegistryOutcome?: (server: string, error: unknown) => void;
  maxVersionProbes?: number;
  refreshCheckedAfterMs?: number;
}

export interface ServiceScanOptions {
  purpose: RequestPurpose;
  /** The scan's BatchReader (the one the containers were checked over). */
  reader: RegistryReader;
  settings: SettingsSpec | undefined;
  signal: AbortSignal;
}

export interface ServiceScanSummary extends Pick<BatchSummary, 'checked' | 'updatesAvailable' | 'failed' | 'rateLimited'> {
  /** Auto-updates requested (spec.update written). */
  autoUpdates: number;
}

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

/**
 * Whether the update the last check found is applied now (Sentinel's order for containers: dry-run, pull-only, update
 * delay, maintenance window). An update Vigil tried for the same digest that did not succeed (rolled back, failed,
 * timed out) is not tried again by itself: a newer digest, or a person, tries again.
 */
export function decideAutoUpdate(service: SwarmService, settings: SettingsSpec | undefined, now: number): AutoDecision {
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
  return { kind: 'update', image: `${target.image}@${target.digest}` };
}

type CheckedPart = Pick<SwarmServiceStatus, 'registryCheck' | 'pendingUpdate' | 'conditions'>;

export class ServiceChecker {
  readonly #options: ServiceCheckerOptions;

  constructor(options: ServiceCheckerOptions) {
    this.#options = options;
  }

  /** Checks every service a scan looks at, one after the other (the batch reader answers repeats from memory). */
  async checkAll(options: ServiceScanOptions): Promise<ServiceScanSummary> {
    const summary: ServiceScanSummary = { checked: 0, updatesAvailable: 0, failed: 0, rateLimited: 0, autoUpdates: 0 };
    for (const service of this.#options.services.list()) {
      options.signal.throwIfAborted();
      try {
        const checked = await this.#checkAndApply(service, options);
        if (checked === undefined) continue;
        summary.checked += 1;
        if (checked.outcome === 'update_available') summary.updatesAvailable += 1;
        else if (checked.outcome === 'check_failed') summary.failed += 1;
        else if (checked.outcome === 'rate_limited') summary.rateLimited += 1;
        if (checked.autoUpdate) summary.autoUpdates += 1;
      } catch (error) {
        if (options.signal.aborted) throw error;
        this.#options.logger.warn({ err: error, service: service.metadata.name }, 'could not check or record a Swarm service');
        summary.failed += 1;
      }
    }
    return summary;
  }

  /** Checks one service now (a re-check after it changed digest); undefined when it is not checked (skipped, gone). */
  async checkNamed(name: string, options: ServiceScanOptions): Promise<ContainerCheckResult['outcome'] | undefined> {
    const service = this.#options.services.get(name);
    if (service === undefined) return undefined;
    return (await this.#checkAndApply(service, options))?.outcome;
  }

  async #checkAndApply(service: Stored<SwarmService>, options: ServiceScanOptions): Promise<{ outcome: ContainerCheckResult['outcome']; autoUpdate: boolean } | undefined> {
    if (service.metadata.deletionTimestamp !== undefined || serviceSkipReason(service, options.settings) !== undefined) return undefined;
    const result = await this.#checkOne(service, options);
    if (result === undefined) return undefined;
    return { outcome: result.outcome, autoUpdate: await this.#applyAuto(service.metadata.name ?? '', options) };
  }

  async #checkOne(service: Stored<SwarmService>, options: ServiceScanOptions): Promise<ContainerCheckResult | undefined> {
    const name = service.metadata.name ?? '';
    const host = service.status?.host === undefined ? undefined : this.#options.hosts.get(service.status.host);
    const input = serviceCheckInput(service, host);
    if (input === undefined) return undefined;
    const now = this.#options.clock.now();
    const result = await checkContainer({
      ...input,
      now,
      purpose: options.purpose,
      signal: options.signal,
      ...(this.#options.maxVersionProbes === undefined ? {} : { maxVersionProbes: this.#options.maxVersionProbes }),
    }, options.reader);
    options.signal.throwIfAborted();
    this.#recordOutcome(result);
    const part = (status: SwarmServiceStatus | undefined, generation: number | undefined): CheckedPart => {
      // The Container status function, over the three fields it owns (a service status has them in the same shapes).
      const current: ContainerStatus = {
        ...(status?.registryCheck === undefined ? {} : { registryCheck: status.registryCheck }),
        ...(status?.pendingUpdate === undefined ? {} : { pendingUpdate: status.pendingUpdate }),
        ...(status?.conditions === undefined ? {} : { conditions: status.conditions }),
      };
      const next = statusWithCheck({ current, result, generation, now, refreshAfterMs: this.#options.refreshCheckedAfterMs ?? DEFAULT_REFRESH_CHECKED_AFTER_MS });
      return { ...(next.registryCheck === undefined ? {} : { registryCheck: next.registryCheck }), ...(next.pendingUpdate === undefined ? {} : { pendingUpdate: next.pendingUpdate }), ...(next.conditions === undefined ? {} : { conditions: next.conditions }) };
    };
    const cachedPart = part(service.status, service.metadata.generation);
    const unchanged = isDeepStrictEqual(cachedPart.registryCheck, service.status?.registryCheck) && isDeepStrictEqual(cachedPart.pendingUpdate, service.status?.pendingUpdate) && isDeepStrictEqual(cachedPart.conditions, service.status?.conditions);
    if (unchanged) return result;
    try {
      await writeStatus(this.#options.client, 'SwarmService', undefined, name, (current) => {
        const status = current.status as SwarmServiceStatus | undefined;
        const next: SwarmServiceStatus = { ...status, ...part(status, current.metadata.generation) };
        if (result.pendingUpdate === undefined) delete next.pendingUpdate;
        return { ...next };
      }, { fieldManager: REGISTRY_CHECK_FIELD_MANAGER });
    } catch (error) {
      if (isApiError(error, 'NotFound')) return undefined;
      throw error;
    }
    return result;
  }

  /** Writes spec.update when the service's auto policy says so (read from the store: the check was just written). */
  async #applyAuto(name: string, options: ServiceScanOptions): Promise<boolean> {
    const now = this.#options.clock.now();
    let requested = false;
    try {
      await this.#options.client.modify('SwarmService', undefined, name, (current) => {
        const service = current as Stored<SwarmService>;
        const decision = decideAutoUpdate(service, options.settings, now);
        if (decision.kind === 'dryRun') this.#options.logger.info({ service: name, image: decision.image }, 'dry-run: the update of a Swarm service is not applied');
        if (decision.kind !== 'update') return current;
        const handled = service.status?.handledRequests?.update;
        // A request is pending only when newer than the one last handled.
        const at = handled === undefined ? now : Math.max(now, Date.parse(handled) + 1);
        requested = true;
        return { ...current, spec: { ...service.spec, update: { requestedAt: new Date(at).toISOString(), requestedBy: AUTO_UPDATE_REQUESTER, image: decision.image } } };
      });
    } catch (error) {
      if (isApiError(error, 'NotFound')) return false;
      throw error;
    }
    if (requested) this.#options.logger.info({ service: name }, 'auto-update of a Swarm service requested');
    return requested;
  }

  #recordOutcome(result: ContainerCheckResult): void {
    if (result.outcome === 'local') return;
    const error = result.error;
    const server = isRegistryError(error) ? error.registry : result.registryCheck.registry;
    if (server === undefined) return;
    if (error !== undefined && !isRegistryError(error)) return;
    this.#options.onRegistryOutcome?.(server, error);
  }
}
