// The registry checks of Swarm services, inside the scan that checks the containers and over the same BatchReader, so
// that a repository's tag list and a tag's HEAD are asked once per scan whoever uses them. A service is checked like
// a container (controllers/registry/check.ts): its image is the tag of its spec and its "local" digest the digest the
// spec is pinned to (the index digest Vigil or the CLI resolved); its effective settings (policy, scope, tag filters,
// delay, maintenance window) are status.effective, which the service reconciler computes from the spec, the
// `sentinel.*` labels of the service, UpdatePolicies and Settings. The result goes into status.registryCheck,
// status.pendingUpdate (manual: the approval queue) and the UpdateAvailable condition. A found update on an `auto`
// service is applied by writing spec.update (bound to the digest the check found), the request the service
// reconciler honours; dry-run writes nothing, and pull-only is a no-op for services (a pull on a manager does nothing
// for the nodes that run the tasks). The decisions themselves are pure, in service-check-decisions.ts.
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { ResourceClient } from '../../apiserver/resources/client.ts';
import { isApiError } from '../../apiserver/resources/errors.ts';
import type { ContainerStatus, Host, SettingsSpec, SwarmService, SwarmServiceStatus } from '../../schemas/generated/types.ts';
import { isRegistryError } from '../../domain/registry/errors.ts';
import { writeStatus, type Clock, type Lister } from '../runtime/index.ts';
import { checkContainer, type ContainerCheckResult } from '../registry/check.ts';
import type { RegistryReader } from '../registry/client.ts';
import type { RequestPurpose } from '../registry/rate-limit.ts';
import { RegistryConfigError } from '../registry/registry-config.ts';
import type { Stored } from '../stored.ts';
import { statusWithCheck } from './check-status.ts';
import { REGISTRY_CHECK_FIELD_MANAGER, DEFAULT_REFRESH_CHECKED_AFTER_MS, type BatchSummary } from './container-checker.ts';
import { AUTO_UPDATE_REQUESTER, decideAutoUpdate, inDependencyOrder, serviceCheckInput, serviceSkipReason } from './service-check-decisions.ts';

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

type CheckedPart = Pick<SwarmServiceStatus, 'registryCheck' | 'pendingUpdate' | 'conditions'>;

export class ServiceChecker {
  readonly #options: ServiceCheckerOptions;

  constructor(options: ServiceCheckerOptions) {
    this.#options = options;
  }

  /** Checks every service a scan looks at, one after the other (the batch reader answers repeats from memory). */
  async checkAll(options: ServiceScanOptions): Promise<ServiceScanSummary> {
    const summary: ServiceScanSummary = { checked: 0, updatesAvailable: 0, failed: 0, rateLimited: 0, autoUpdates: 0 };
    for (const service of inDependencyOrder(this.#options.services.list())) {
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
      // every_scan notifies once per scan: each scan's lastChecked is written, as for a container (container-checker.ts).
      const refreshAfterMs = status?.effective?.notifyMode?.value === 'every_scan' ? 0 : (this.#options.refreshCheckedAfterMs ?? DEFAULT_REFRESH_CHECKED_AFTER_MS);
      const next = statusWithCheck({ current, result, generation, now, refreshAfterMs });
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
    const dependencies = await this.#dependenciesOf(name);
    let requested = false;
    try {
      await this.#options.client.modify('SwarmService', undefined, name, (current) => {
        const service = current as Stored<SwarmService>;
        const decision = decideAutoUpdate(service, options.settings, now, (dependency) => dependencies.get(dependency));
        if (decision.kind === 'none' && decision.why.includes('which it depends on')) this.#options.logger.info({ service: name, why: decision.why }, 'auto-update of a Swarm service waits for a dependency');
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

  /**
   * The services this one depends on, read from the store rather than the cache: a dependency's update requested a
   * moment ago in this scan (dependencies are checked first) must already hold its dependents back.
   */
  async #dependenciesOf(name: string): Promise<Map<string, SwarmService>> {
    const found = new Map<string, SwarmService>();
    const names = this.#options.services.get(name)?.status?.effective?.dependsOn?.value ?? [];
    for (const raw of names) {
      const dependency = raw.trim();
      if (dependency === '' || dependency === name || found.has(dependency)) continue;
      try {
        found.set(dependency, (await this.#options.client.get('SwarmService', undefined, dependency)) as SwarmService);
      } catch (error) {
        // A name that is no service (a container's, or a typo) orders nothing.
        if (!isApiError(error, 'NotFound')) throw error;
      }
    }
    return found;
  }

  #recordOutcome(result: ContainerCheckResult): void {
    if (result.outcome === 'local') return;
    const error = result.error;
    const server = isRegistryError(error) ? error.registry : result.registryCheck.registry;
    if (server === undefined) return;
    // An unreadable image reference says nothing about a registry; a registry's bad configuration does.
    if (error !== undefined && !isRegistryError(error) && !(error instanceof RegistryConfigError)) return;
    this.#options.onRegistryOutcome?.(server, error);
  }
}
