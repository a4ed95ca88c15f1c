// The Prometheus metrics Vigil serves on /metrics, beside the controller runtime's (reconcile outcomes and durations,
// work-queue depth: controllers/runtime/metrics.ts) on the same prom-client Registry, which `vigil serve` creates once
// and hands to the controller manager and to the app.
//
// Everything is derived from the resources, so every replica serves the same truth whoever did the work:
// - gauges are computed at scrape time from the watch cache (containers by state, the approval queue, registry rate
//   limits and request counts, the last scan);
// - counters count the changes this process saw since it started, from one watch of every vigil.dev kind: updates and
//   rollbacks by outcome (UpdateRecords created), and completed scans (Settings status.lastScan moving). A counter
//   restarts at zero with the process, which Prometheus' rate() expects.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Registry as RegistryResource, Settings, SwarmService, UpdateRecord } from '../../../schemas/generated/types.ts';
import { isStorageError } from '../../storage/errors.ts';
import type { WatchEvent, Watcher } from '../../storage/interface.ts';
import type { ResourceClient } from '../../resources/client.ts';
import type { ChangeFeed } from '../events/sse-stream.ts';
import { isQueued } from '../views/queue-view.ts';
import { standingServiceUpdate } from '../views/service-queue-view.ts';
import { checkStands } from '../views/service-view.ts';
import type { StoredContainer } from '../container-key.ts';

export interface VigilMetricsOptions {
  registry: Registry;
  resources: ResourceClient;
  feed: ChangeFeed;
  /** Reported problems of the counting watch (it restarts on its own). */
  onWarning?: (message: string, error?: unknown) => void;
}

const CACHED = { resourceVersion: '0' } as const;
const CONTAINER_STATES = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead', 'gone'] as const;
const byRegistry = new WeakMap<Registry, VigilMetrics>();

export class VigilMetrics {
  readonly #options: VigilMetricsOptions;
  readonly updates: Counter<'type' | 'outcome'>;
  readonly scans: Counter;
  #watcher: Watcher | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  /** The metrics of one registry, made once (a second app over the same registry shares them). */
  static for(options: VigilMetricsOptions): VigilMetrics {
    let metrics = byRegistry.get(options.registry);
    if (metrics === undefined) {
      metrics = new VigilMetrics(options);
      byRegistry.set(options.registry, metrics);
    }
    return metrics;
  }

  private constructor(options: VigilMetricsOptions) {
    this.#options = options;
    const registers = [options.registry];
    const { resources } = options;
    this.updates = new Counter({
      name: 'vigil_updates_total',
      help: 'Updates and rollbacks finished since this process started, by type (update, rollback, service_update, service_rollback) and outcome (UpdateRecords).',
      labelNames: ['type', 'outcome'],
      registers,
    });
    for (const outcome of ['success', 'failed', 'rollback']) this.updates.inc({ type: 'update', outcome }, 0);
    for (const outcome of ['success', 'failed', 'rollback', 'timeout']) this.updates.inc({ type: 'service_update', outcome }, 0);
    this.scans = new Counter({ name: 'vigil_scans_total', help: 'Full scans completed since this process started (Settings status.lastScan).', registers });

    new Gauge({
      name: 'vigil_last_scan_timestamp_seconds',
      help: 'When the last full scan finished (Unix time); 0 before the first.',
      registers,
      async collect() {
        const settings = await settingsOf(resources);
        const at = Date.parse(settings?.status?.lastScan ?? '');
        this.set(Number.isNaN(at) ? 0 : at / 1000);
      },
    });
    new Gauge({
      name: 'vigil_containers',
      help: 'Containers by Docker state (Container resources).',
      labelNames: ['state'],
      registers,
      async collect() {
        const containers = await containersOf(resources);
        this.reset();
        for (const state of CONTAINER_STATES) this.set({ state }, containers.filter((container) => container.status?.state === state).length);
      },
    });
    new Gauge({
      name: 'vigil_queue_pending',
      help: 'Updates waiting for approval (the approval queue of GET /api/queue: containers and Swarm services).',
      registers,
      async collect() {
        const [containers, services] = await Promise.all([containersOf(resources), servicesOf(resources)]);
        this.set(containers.filter((container) => isQueued(container)).length + services.filter((service) => standingServiceUpdate(service) !== undefined).length);
      },
    });
    new Gauge({
      name: 'vigil_updates_available',
      help: 'Containers and Swarm services for which a newer image is known (status.registryCheck.updateAvailable).',
      registers,
      async collect() {
        const [containers, services] = await Promise.all([containersOf(resources), servicesOf(resources)]);
        this.set(containers.filter((container) => container.status?.registryCheck?.updateAvailable === true).length +
          services.filter((service) => checkStands(service) && service.status?.registryCheck?.updateAvailable === true).length);
      },
    });
    new Gauge({
      name: 'vigil_swarm_services',
      help: 'Swarm services (SwarmService resources) by mode.',
      labelNames: ['mode'],
      registers,
      async collect() {
        const services = await servicesOf(resources);
        this.reset();
        for (const mode of ['replicated', 'global', 'replicated-job', 'global-job']) this.set({ mode }, services.filter((service) => service.status?.mode === mode).length);
      },
    });
    new Gauge({
      name: 'vigil_swarm_service_tasks',
      help: 'Tasks of each Swarm service: desired and running (SwarmService status).',
      labelNames: ['service', 'state'],
      registers,
      async collect() {
        this.reset();
        for (const service of await servicesOf(resources)) {
          const name = service.metadata.name ?? '';
          this.set({ service: name, state: 'desired' }, service.status?.desiredTasks ?? 0);
          this.set({ service: name, state: 'running' }, service.status?.runningTasks ?? 0);
        }
      },
    });
    new Counter({
      name: 'vigil_registry_requests_total',
      help: 'Requests sent to each registry since its checker started (Registry status.requests).',
      labelNames: ['registry'],
      registers,
      async collect() {
        // A counter kept elsewhere (the registry checker's status) is exposed as it stands, as a Go ConstMetric would.
        this.reset();
        for (const registry of await registriesOf(resources)) {
          if (registry.status?.requests !== undefined) this.inc({ registry: registry.spec.server }, registry.status.requests);
        }
      },
    });
    const rateLimit = (name: string, help: string, value: (registry: RegistryResource) => number | undefined): void => {
      new Gauge({
        name,
        help,
        labelNames: ['registry'],
        registers,
        async collect() {
          this.reset();
          for (const registry of await registriesOf(resources)) {
            const measured = value(registry);
            if (measured !== undefined) this.set({ registry: registry.spec.server }, measured);
          }
        },
      });
    };
    rateLimit('vigil_registry_rate_limit_remaining', 'Requests left in the registry\'s rate-limit window (Registry status.rateLimit.remaining).', (registry) => registry.status?.rateLimit?.remaining);
    rateLimit('vigil_registry_rate_limit_limit', 'Size of the registry\'s rate-limit window (Registry status.rateLimit.limit).', (registry) => registry.status?.rateLimit?.limit);
    rateLimit('vigil_registry_rate_limit_reset_timestamp_seconds', 'When the registry\'s rate-limit window resets (Unix time).', (registry) => {
      const at = Date.parse(registry.status?.rateLimit?.reset ?? '');
      return Number.isNaN(at) ? undefined : at / 1000;
    });
  }

  /** Starts counting changes from now on. */
  start(): void {
    if (this.#running !== undefined || this.#stopped) return;
    this.#running = this.#count();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#watcher?.stop();
    await this.#running;
  }

  async #count(): Promise<void> {
    let from = this.#options.feed.revision();
    while (!this.#stopped) {
      const abort = new AbortController();
      this.#watcher = this.#options.feed.watch(from, abort.signal);
      try {
        for await (const event of this.#watcher.events) {
          from = Math.max(from, event.revision);
          this.#observe(event);
        }
      } catch (error) {
        // Fell too far behind the cache's history: some changes went uncounted; go on from now.
        if (isStorageError(error, 'Expired')) from = this.#options.feed.revision();
        else this.#options.onWarning?.('the metrics watch failed; restarting it', error);
      }
      if (!this.#stopped) await new Promise((resolve) => setTimeout(resolve, 100).unref());
    }
  }

  #observe(event: WatchEvent): void {
    const kind = event.object.kind;
    if (kind === 'UpdateRecord' && event.type === 'ADDED') {
      const record = event.object as unknown as UpdateRecord;
      const type = record.spec.type;
      if (type === 'update' || type === 'rollback' || type === 'service_update' || type === 'service_rollback') this.updates.inc({ type, outcome: record.spec.outcome });
    } else if (kind === 'Settings' && event.type !== 'DELETED' && event.type !== 'BOOKMARK') {
      const before = (event.prevObject as Settings | undefined)?.status?.lastScan;
      const after = (event.object as Settings).status?.lastScan;
      if (after !== undefined && after !== before) this.scans.inc();
    }
  }
}

async function containersOf(resources: ResourceClient): Promise<StoredContainer[]> {
  return (await resources.list('Container', CACHED)).items as StoredContainer[];
}

async function servicesOf(resources: ResourceClient): Promise<SwarmService[]> {
  return (await resources.list('SwarmService', CACHED)).items as unknown as SwarmService[];
}

async function registriesOf(resources: ResourceClient): Promise<RegistryResource[]> {
  return (await resources.list('Registry', CACHED)).items as unknown as RegistryResource[];
}

async function settingsOf(resources: ResourceClient): Promise<Settings | undefined> {
  const list = await resources.list('Settings', { ...CACHED, fieldSelector: 'metadata.name=default' });
  return list.items[0] as unknown as Settings | undefined;
}
