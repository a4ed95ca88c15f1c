// The registry-check controllers, in one call for `vigil serve` (and for tests), all leader-only:
//   registry-scan    the scan scheduler (key: Settings default): interval/cron, requested scans, own schedules
//   registry-check   check requests of single containers (Container spec.check), also how an image check arrives
//   registry-status  Registry resources: sessions rebuilt on change, status written after every batch
//   registry-check-service  a Swarm service checked against a digest it no longer runs, checked again (the scan
//                    checks services too: service-checker.ts)
// They share one RegistryAccess (the process's registry client, for the life of the process) and one
// ContainerChecker (so that a container is never checked twice at once).
import type { Container, Host, Registry, Secret, Settings, SwarmService } from '../../schemas/generated/types.ts';
import { DEFAULT_SECRET_NAMESPACE } from '../../schemas/index.ts';
import { keyOf, type Controller, type Manager, type Runnable } from '../runtime/index.ts';
import type { RegistryClientOptions, RegistryReader } from '../registry/client.ts';
import type { Stored } from '../stored.ts';
import { CheckRequestReconciler, pendingCheck } from './check-request-reconciler.ts';
import { checkedAnotherImage } from '../../domain/registry/checked-image.ts';
import { ContainerChecker } from './container-checker.ts';
import { RegistryAccess } from './registry-access.ts';
import { RegistryReconciler } from './registry-reconciler.ts';
import { ScanHistory } from './scan-history.ts';
import { ScanScheduler, SETTINGS_KEY } from './scan-scheduler.ts';
import { BatchReader } from './batch-reader.ts';
import { ServiceChecker } from './service-checker.ts';
import { serviceCheckedAnotherDigest } from './service-check-decisions.ts';

export interface RegistryCheckControllersOptions {
  manager: Manager;
  /** A Docker config.json whose `auths` give credentials to registries without a Registry resource. */
  dockerConfigPath?: string;
  /** Options of the process's RegistryClient (timeouts, retries, cache sizes). */
  registryClient?: Omit<RegistryClientOptions, 'config' | 'clock'>;
  /** Unit tests: read registries through this instead of the process's client. */
  registryReader?: RegistryReader;
  /** The time limit of one scan. Default 30 min. */
  scanTimeoutMs?: number;
  /** Check requests handled at once. Default 4. */
  checkWorkers?: number;
  /** How long a check request may take. Default 2 min. */
  checkTimeoutMs?: number;
  /** The scheduler looks again at least this often. Default 1 h. */
  maxWaitMs?: number;
  /** See ContainerCheckerOptions.refreshCheckedAfterMs. Default 1 h. */
  refreshCheckedAfterMs?: number;
}

export interface RegistryCheckControllers {
  access: RegistryAccess;
  checker: ContainerChecker;
  serviceChecker: ServiceChecker;
  scans: Controller;
  checks: Controller;
  /** Re-checks of Swarm services whose digest changed since their last check. */
  serviceChecks: Controller;
  registries: Controller;
}

export function registerRegistryCheckControllers(options: RegistryCheckControllersOptions): RegistryCheckControllers {
  const { manager } = options;
  const logger = manager.logger.child({ component: 'registry-check' });
  const containers = manager.informers.informerFor<Stored<Container>>('Container');
  const hosts = manager.informers.informerFor<Stored<Host>>('Host');
  const settings = manager.informers.informerFor<Stored<Settings>>('Settings');
  const registries = manager.informers.informerFor<Stored<Registry>>('Registry');
  const secrets = manager.informers.informerFor<Stored<Secret>>('Secret');
  const services = manager.informers.informerFor<Stored<SwarmService>>('SwarmService');

  const access = new RegistryAccess({
    registries: registries.lister,
    secrets: secrets.lister,
    clock: manager.clock,
    logger,
    ...(options.dockerConfigPath === undefined ? {} : { dockerConfigPath: options.dockerConfigPath }),
    ...(options.registryClient === undefined ? {} : { client: options.registryClient }),
  });
  const reader = options.registryReader ?? access.client;
  const history = new ScanHistory(manager.client, logger);
  // Added first, so that it stops last: the controllers' in-flight requests finish before the sessions close.
  manager.add({
    name: 'registry-sessions',
    start: () => undefined,
    stop: async () => await access.close(),
  } satisfies Runnable);

  let scans: Controller | undefined;
  let registryStatuses: Controller | undefined;
  const refreshRegistryStatuses = (): void => {
    for (const key of registries.lister.keys()) registryStatuses?.enqueue(key);
  };
  const checker = new ContainerChecker({
    client: manager.client,
    containers: containers.lister,
    hosts: hosts.lister,
    clock: manager.clock,
    logger,
    onRegistryOutcome: (server, error) => access.recordOutcome(server, error),
    ...(options.refreshCheckedAfterMs === undefined ? {} : { refreshCheckedAfterMs: options.refreshCheckedAfterMs }),
  });

  const serviceChecker = new ServiceChecker({
    client: manager.client,
    services: services.lister,
    hosts: hosts.lister,
    clock: manager.clock,
    logger,
    onRegistryOutcome: (server, error) => access.recordOutcome(server, error),
    ...(options.refreshCheckedAfterMs === undefined ? {} : { refreshCheckedAfterMs: options.refreshCheckedAfterMs }),
  });

  registryStatuses = manager.addController({
    name: 'registry-status',
    reconciler: new RegistryReconciler({ client: manager.client, registries: registries.lister, access }),
  });
  registryStatuses.watch(registries);
  registryStatuses.watch(secrets, (secret) => registries.lister.list()
    .filter((registry) => referencesSecret(registry, secret))
    .map((registry) => keyOf(registry)));

  const checks = manager.addController({
    name: 'registry-check',
    reconciler: new CheckRequestReconciler({
      client: manager.client,
      containers: containers.lister,
      checker,
      registry: reader,
      clock: manager.clock,
      onChecked: () => {
        refreshRegistryStatuses();
        scans?.enqueue(SETTINGS_KEY);
      },
    }),
    workers: options.checkWorkers ?? 4,
    reconcileTimeoutMs: options.checkTimeoutMs ?? 2 * 60_000,
    exists: (key) => containers.lister.get(key) !== undefined,
  });
  // Only containers with a pending request, or checked against an image they no longer run, wake this controller
  // (not every status write).
  checks.watch(containers, (container) => (pendingCheck(container) === undefined && !checkedAnotherImage(container) ? undefined : keyOf(container)));

  // A Swarm service checked against a digest it no longer runs (updated since) is checked again at once, as a
  // Container checked against another image is (check-request-reconciler.ts): its queue entry and found update go.
  const serviceChecks = manager.addController({
    name: 'registry-check-service',
    reconciler: {
      reconcile: async (context, name) => {
        if (!serviceCheckedAnotherDigest(services.lister.get(name))) return;
        await serviceChecker.checkNamed(name, { purpose: 'scheduled', reader: new BatchReader(reader), settings: settings.lister.get(SETTINGS_KEY)?.spec, signal: context.signal });
        refreshRegistryStatuses();
      },
    },
    reconcileTimeoutMs: options.checkTimeoutMs ?? 2 * 60_000,
    exists: (name) => services.lister.get(name) !== undefined,
  });
  serviceChecks.watch(services, (service) => (serviceCheckedAnotherDigest(service) ? service.metadata.name : undefined));

  scans = manager.addController({
    name: 'registry-scan',
    reconciler: new ScanScheduler({
      client: manager.client,
      settings: settings.lister,
      containers: containers.lister,
      hosts: hosts.lister,
      checker,
      registry: reader,
      access,
      history,
      services: serviceChecker,
      logger,
      ...(options.maxWaitMs === undefined ? {} : { maxWaitMs: options.maxWaitMs }),
      onChecked: refreshRegistryStatuses,
    }),
    reconcileTimeoutMs: options.scanTimeoutMs ?? 30 * 60_000,
    // Settings default may not exist: the scheduler runs with the built-in defaults.
    exists: () => true,
  });
  scans.watch(settings, (object) => (object.metadata.name === SETTINGS_KEY ? SETTINGS_KEY : undefined));
  // A container whose own schedule appears or changes may be due before the scheduler planned to wake up.
  containers.addEventHandler({
    onAdd: (container) => {
      if (container.status?.effective?.schedule !== undefined) scans?.enqueue(SETTINGS_KEY);
    },
    onUpdate: (before, after) => {
      if (before.status?.effective?.schedule?.value !== after.status?.effective?.schedule?.value) scans?.enqueue(SETTINGS_KEY);
    },
  });

  // Added last, so that it starts after the controllers: the scheduler's key exists whether Settings does or not.
  manager.add({
    name: 'registry-scan-start',
    start: () => {
      history.reset();
      scans?.enqueue(SETTINGS_KEY);
    },
    stop: async () => undefined,
  } satisfies Runnable);

  return { access, checker, serviceChecker, scans, checks, serviceChecks, registries: registryStatuses };
}

function referencesSecret(registry: Registry, secret: Secret): boolean {
  const spec = registry.spec;
  const selectors = [spec.credentials?.passwordSecretRef, spec.credentials?.usernameSecretRef, spec.caSecretRef];
  return selectors.some((selector) => selector !== undefined && selector.name === secret.metadata.name && (selector.namespace ?? DEFAULT_SECRET_NAMESPACE) === secret.metadata.namespace);
}
