// The scan scheduler: one key, Settings `default`. A pass decides what is due now (scan-schedule.ts), checks it
// (each distinct image once, Settings `scanConcurrency` at a time, the scheduled reserve), records the scan, and asks
// to be woken when the next thing is due. A scan runs inside the pass: its signal aborts on shutdown and when
// leadership is lost, and the work queue never runs two passes of the key at once, so scans never overlap.
//   due now                          checked
//   Settings spec.scan (requested)   every container a scan looks at, own schedules or not
//   the interval / cron fired        every container a scan looks at, except those with their own schedule
//   a container's own schedule fired that container (not while paused)
// Settings status is written at the start of a full scan (scanning) and at its end (lastScan, counts, ...); a pass
// that finds nothing due writes only what changed (usually nothing).
import type { Logger } from 'pino';
import type { ResourceClient } from '../../apiserver/resources/client.ts';
import { isApiError } from '../../apiserver/resources/errors.ts';
import type { Container, Host, Settings, SettingsSpec, SettingsStatus } from '../../schemas/generated/types.ts';
import { keyOf, writeStatus, type Lister, type ReconcileContext, type ReconcileResult, type Reconciler } from '../runtime/index.ts';
import type { RegistryReader } from '../registry/client.ts';
import { newerOf, type Stored } from '../stored.ts';
import { BatchReader } from './batch-reader.ts';
import { REGISTRY_CHECK_FIELD_MANAGER, type BatchSummary, type CheckJob, type ContainerChecker } from './container-checker.ts';
import type { RegistryAccess } from './registry-access.ts';
import { implicitRegistryStatus } from './registry-status.ts';
import { containerDueAt, nextScanAt, parseCronOrUndefined, parseInstant, pendingScanRequest, scanTiming } from './scan-schedule.ts';
import type { ScanHistory } from './scan-history.ts';
import type { ServiceChecker } from './service-checker.ts';
import { scanSkipReason } from './selection.ts';
import { settingsStatus, type SettingsStatusInput } from './settings-status.ts';

export const SETTINGS_KEY = 'default';

export interface ScanSchedulerOptions {
  client: ResourceClient;
  settings: Lister<Stored<Settings>>;
  containers: Lister<Stored<Container>>;
  hosts: Lister<Stored<Host>>;
  checker: ContainerChecker;
  /** The process's registry client (or a fake); each scan reads it through a fresh BatchReader. */
  registry: RegistryReader;
  access: Pick<RegistryAccess, 'servers' | 'report' | 'registryFor'>;
  history: ScanHistory;
  /** Swarm services, checked in every full scan over the containers' BatchReader (absent: containers only). */
  services?: ServiceChecker;
  logger: Logger;
  /** Wake up at least this often to look again (clock changes, containers added quietly). Default 1 h. */
  maxWaitMs?: number;
  /** After each batch of checks (registry figures moved). */
  onChecked?: () => void;
}

interface Plan {
  jobs: CheckJob[];
  /** A full scan: the interval/cron fired, or one was requested. */
  full: boolean;
  requested: string | undefined;
  /** Containers a full scan leaves out. */
  skipped: number;
}

export class ScanScheduler implements Reconciler {
  readonly #options: ScanSchedulerOptions;
  /** When the last full scan finished here (Settings may not exist to record it). */
  #lastScanAt: number | undefined;
  /** When each container was last checked by a scan here (the cache may not show the write yet). */
  readonly #checkedAt = new Map<string, number>();

  constructor(options: ScanSchedulerOptions) {
    this.#options = options;
  }

  async reconcile(context: ReconcileContext, key: string): Promise<ReconcileResult | void> {
    if (key !== SETTINGS_KEY) return;
    const settings = this.#options.settings.get(SETTINGS_KEY);
    const spec = settings?.spec;
    const startedAt = context.clock.now();
    const plan = this.#plan(spec, settings?.status, startedAt, await this.#containersToPlan(spec, settings?.status));
    if (!plan.full && plan.jobs.length === 0) {
      await this.#writeStatus(spec, { scanning: false }, startedAt);
      return this.#requeue(spec, startedAt);
    }
    if (plan.full) await this.#writeStatus(spec, { scanning: true }, startedAt);
    let summary: BatchSummary;
    // One reader for the scan: containers and services of one repository share its tag list and HEADs.
    const reader = new BatchReader(this.#options.registry);
    try {
      summary = await this.#options.checker.checkBatch(plan.jobs, {
        purpose: 'scheduled',
        reader,
        concurrency: spec?.scanConcurrency ?? 1,
        signal: context.signal,
      });
      if (plan.full && this.#options.services !== undefined) {
        const services = await this.#options.services.checkAll({ purpose: 'scheduled', reader, settings: spec, signal: context.signal });
        summary = {
          ...summary,
          checked: summary.checked + services.checked,
          updatesAvailable: summary.updatesAvailable + services.updatesAvailable,
          failed: summary.failed + services.failed,
          rateLimited: summary.rateLimited + services.rateLimited,
        };
        if (services.checked > 0) context.logger.info({ ...services }, 'Swarm services checked');
      }
    } catch (error) {
      // Aborted (shutdown, leadership lost, time limit): what was checked is written; the next leader scans again.
      if (plan.full) await this.#writeStatus(spec, { scanning: false }, context.clock.now()).catch(() => undefined);
      throw error;
    }
    for (const job of plan.jobs) this.#checkedAt.set(job.key, startedAt);
    this.#options.onChecked?.();
    const finishedAt = context.clock.now();
    if (plan.full) {
      this.#lastScanAt = finishedAt;
      this.#forgetGone();
      context.logger.info({ ...summary, skipped: plan.skipped, ms: finishedAt - startedAt, requested: plan.requested !== undefined }, 'scan finished');
      await this.#options.history.record({
        startedAt,
        finishedAt,
        summary,
        skipped: plan.skipped,
        ...(plan.requested === undefined ? {} : { requested: { ...(spec?.scan?.requestedBy === undefined ? {} : { requestedBy: spec.scan.requestedBy }) } }),
      }, spec?.historyRetention);
      await this.#writeStatus(spec, { scanning: false, lastScan: finishedAt, counts: this.#counts(), ...(plan.requested === undefined ? {} : { handledScan: plan.requested }) }, finishedAt);
    } else {
      // Containers with their own schedule: only the registry figures may have moved.
      await this.#writeStatus(spec, { scanning: false }, finishedAt);
    }
    return this.#requeue(spec, finishedAt);
  }

  /**
   * The containers a pass plans over: the cache, except for a requested scan ("scan now"), which must check every
   * container that exists when it is asked for. The Settings event that brings the request can overtake the Container
   * watch (a watch being resumed, a loaded machine), so a container started just before the request may not be cached
   * yet: a consistent list of the store fills the gap, and the newer of listed and cached is used.
   */
  async #containersToPlan(spec: SettingsSpec | undefined, status: SettingsStatus | undefined): Promise<{ container: Stored<Container>; seen?: Stored<Container> }[]> {
    const cached = this.#options.containers.list();
    if (pendingScanRequest(spec, status) === undefined) return cached.map((container) => ({ container }));
    const listed = (await this.#options.client.list('Container')).items as Stored<Container>[];
    const byKey = new Map(cached.map((container) => [keyOf(container), container]));
    return listed.map((seen) => ({ container: newerOf(byKey.get(keyOf(seen)), seen), seen }));
  }

  #plan(spec: SettingsSpec | undefined, status: SettingsStatus | undefined, now: number, containers: readonly { container: Stored<Container>; seen?: Stored<Container> }[]): Plan {
    const timing = scanTiming(spec);
    const requested = pendingScanRequest(spec, status);
    const dueAt = nextScanAt(timing, this.#lastScan(status), now);
    const full = requested !== undefined || (dueAt !== undefined && dueAt <= now);
    const jobs: CheckJob[] = [];
    let skipped = 0;
    for (const { container, seen } of containers) {
      const key = keyOf(container);
      const eligible = scanSkipReason(container, spec, this.#hostPaused(container)) === undefined;
      const own = ownSchedule(container);
      let due: boolean;
      if (!eligible) due = false;
      else if (requested !== undefined) due = true;
      else if (own !== undefined) due = !timing.paused && (containerDueAt(own, this.#lastChecked(key, container), now) ?? Number.POSITIVE_INFINITY) <= now;
      else due = full;
      if (due) jobs.push(seen === undefined ? { key } : { key, seen });
      else if (full) skipped += 1;
    }
    return { jobs, full, requested, skipped };
  }

  /** How long until something is due: the next scan, or the next container whose own schedule fires. */
  #requeue(spec: SettingsSpec | undefined, now: number): ReconcileResult {
    const timing = scanTiming(spec);
    const status = this.#options.settings.get(SETTINGS_KEY)?.status;
    let wake = nextScanAt(timing, this.#lastScan(status), now) ?? Number.POSITIVE_INFINITY;
    if (!timing.paused) {
      for (const container of this.#options.containers.list()) {
        const own = ownSchedule(container);
        if (own === undefined || scanSkipReason(container, spec, this.#hostPaused(container)) !== undefined) continue;
        wake = Math.min(wake, containerDueAt(own, this.#lastChecked(keyOf(container), container), now) ?? Number.POSITIVE_INFINITY);
      }
    }
    return { requeueAfter: Math.max(0, Math.min(wake - now, this.#options.maxWaitMs ?? 3600_000)) };
  }

  async #writeStatus(spec: SettingsSpec | undefined, change: Pick<SettingsStatusInput, 'scanning' | 'lastScan' | 'counts' | 'handledScan'>, now: number): Promise<void> {
    if (this.#options.settings.get(SETTINGS_KEY) === undefined) return;
    const timing = scanTiming(spec);
    try {
      await writeStatus(this.#options.client, 'Settings', undefined, SETTINGS_KEY, (current) => {
        const status = current.status as SettingsStatus | undefined;
        const lastScan = change.lastScan ?? this.#lastScan(status);
        return settingsStatus({
          current: status,
          generation: current.metadata.generation,
          now,
          paused: timing.paused,
          nextScan: nextScanAt(timing, lastScan, now),
          registries: this.#implicitRegistries(),
          ...change,
        }) as Record<string, unknown>;
      }, { fieldManager: REGISTRY_CHECK_FIELD_MANAGER });
    } catch (error) {
      if (!isApiError(error, 'NotFound')) throw error;
    }
  }

  #implicitRegistries(): ReturnType<typeof implicitRegistryStatus>[] {
    const { access } = this.#options;
    return access.servers()
      .filter((server) => access.registryFor(server) === undefined)
      .flatMap((server) => {
        const report = access.report(server);
        return report === undefined ? [] : [implicitRegistryStatus(report)];
      });
  }

  #counts(): { containers: number; running: number; pending: number } {
    let containers = 0;
    let running = 0;
    let pending = 0;
    for (const container of this.#options.containers.list()) {
      if (container.status?.state === 'gone') continue;
      containers += 1;
      if (container.status?.state === 'running') running += 1;
      if (container.status?.pendingUpdate !== undefined) pending += 1;
    }
    return { containers, running, pending };
  }

  #lastScan(status: SettingsStatus | undefined): number | undefined {
    const recorded = parseInstant(status?.lastScan);
    if (recorded === undefined) return this.#lastScanAt;
    return this.#lastScanAt === undefined ? recorded : Math.max(recorded, this.#lastScanAt);
  }

  #lastChecked(key: string, container: Container): number | undefined {
    const recorded = parseInstant(container.status?.registryCheck?.lastChecked);
    const here = this.#checkedAt.get(key);
    if (recorded === undefined) return here;
    return here === undefined ? recorded : Math.max(recorded, here);
  }

  #hostPaused(container: Container): boolean {
    const namespace = container.metadata.namespace;
    return namespace !== undefined && this.#options.hosts.get(namespace)?.spec?.paused === true;
  }

  #forgetGone(): void {
    for (const key of this.#checkedAt.keys()) if (this.#options.containers.get(key) === undefined) this.#checkedAt.delete(key);
  }
}

function ownSchedule(container: Container): ReturnType<typeof parseCronOrUndefined> {
  const expression = container.status?.effective?.schedule?.value;
  return expression === undefined ? undefined : parseCronOrUndefined(expression);
}
