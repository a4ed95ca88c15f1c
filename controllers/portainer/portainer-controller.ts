// The portainer controller: for each PortainerInstance, read Portainer's endpoint list every syncInterval and keep
// one Host per Docker endpoint (endpoint-hosts.ts), each reached through Portainer's Docker proxy by the ordinary
// host sessions; Hosts of endpoints that are gone, left out or of a disabled or deleted instance are removed. The
// instance's status says what Portainer answered; a refused key or an unreachable Portainer is a condition and a
// retry at the next interval, never a loop, and the Hosts stay as they were (each reports its own connection).
// Leader-only like every controller of the manager.
import type { Host, PortainerInstance, PortainerInstanceStatus, Secret } from '../../schemas/generated/types.ts';
import { DEFAULT_SECRET_NAMESPACE } from '../../schemas/index.ts';
import { parseDuration } from '../../schemas/duration.ts';
import { isApiError } from '../../apiserver/resources/errors.ts';
import { generationChanged, keyOf, setCondition, statusOf, timestamp, writeStatus, type Controller, type ConditionUpdate, type Lister, type Manager, type ReconcileContext, type ReconcileResult, type Reconciler } from '../runtime/index.ts';
import type { Stored } from '../stored.ts';
import { HostConfigError, secretValue } from '../hosts/host-config.ts';
import { INSTANCE_LABEL, planEndpoints } from './endpoint-hosts.ts';
import { PortainerClient, PortainerError, type PortainerClientOptions, type PortainerEndpoint } from './portainer-client.ts';

export const PORTAINER_FIELD_MANAGER = 'vigil-portainer';
/** spec.syncInterval's default (docs/resources.md). */
export const DEFAULT_SYNC_INTERVAL_MS = 60_000;

export interface PortainerControllerOptions {
  manager: Manager;
  /** Default: the HTTP client. Tests may give another. */
  connect?: (options: PortainerClientOptions) => Pick<PortainerClient, 'version' | 'endpoints' | 'close'>;
}

type Outcome =
  | { ok: true; version: string; endpoints: PortainerEndpoint[] }
  | { ok: false; reason: string; message: string; retry: boolean };

function clientOptions(instance: PortainerInstance, lookup: (namespace: string, name: string) => Secret | undefined): PortainerClientOptions {
  const { spec } = instance;
  const apiKey = secretValue(spec.apiKeySecretRef, lookup, 'Portainer API key');
  const { caSecretRef, pinnedSha256, insecureSkipVerify } = spec.tls ?? {};
  if (caSecretRef !== undefined && pinnedSha256 !== undefined) throw new HostConfigError('InvalidTLS', 'spec.tls takes caSecretRef or pinnedSha256, not both');
  return {
    url: spec.url,
    apiKey,
    tls: {
      ...(caSecretRef === undefined ? {} : { ca: secretValue(caSecretRef, lookup, 'Portainer CA') }),
      ...(pinnedSha256 === undefined ? {} : { pinnedSha256 }),
      ...(insecureSkipVerify === undefined ? {} : { insecureSkipVerify }),
    },
  };
}

/** The Secrets (namespace/name) an instance refers to. */
export function instanceSecrets(instance: PortainerInstance): string[] {
  return [instance.spec.apiKeySecretRef, instance.spec.tls?.caSecretRef]
    .flatMap((selector) => (selector === undefined ? [] : [`${selector.namespace ?? DEFAULT_SECRET_NAMESPACE}/${selector.name}`]));
}

class PortainerReconciler implements Reconciler {
  readonly #manager: Manager;
  readonly #options: PortainerControllerOptions;
  readonly #instances: Lister<Stored<PortainerInstance>>;
  readonly #hosts: Lister<Stored<Host>>;
  readonly #secrets: Lister<Stored<Secret>>;

  constructor(options: PortainerControllerOptions, instances: Lister<Stored<PortainerInstance>>, hosts: Lister<Stored<Host>>, secrets: Lister<Stored<Secret>>) {
    this.#manager = options.manager;
    this.#options = options;
    this.#instances = instances;
    this.#hosts = hosts;
    this.#secrets = secrets;
  }

  async reconcile(context: ReconcileContext, key: string): Promise<ReconcileResult | void> {
    const instance = this.#instances.get(key);
    if (instance === undefined || instance.metadata.deletionTimestamp !== undefined) {
      await this.#prune(key, new Set());
      return;
    }
    if (instance.spec.enabled === false) {
      await this.#prune(key, new Set());
      await this.#writeStatus(key, context, { type: 'Ready', status: 'False', reason: 'Disabled', message: 'spec.enabled is false: no endpoint is managed' }, {});
      return;
    }
    const intervalMs = instance.spec.syncInterval === undefined ? DEFAULT_SYNC_INTERVAL_MS : parseDuration(instance.spec.syncInterval, { days: false });
    const outcome = await this.#read(instance, context.signal);
    if (!outcome.ok) {
      await this.#writeStatus(key, context, { type: 'Ready', status: 'False', reason: outcome.reason, message: outcome.message }, { lastError: outcome.message });
      // A missing Secret or bad TLS settings wait for a change (the watches bring it); Portainer's answers are read
      // again at the next interval.
      return outcome.retry ? { requeueAfter: intervalMs } : undefined;
    }
    const plan = planEndpoints(instance, instance.metadata.uid ?? '', outcome.endpoints);
    for (const host of plan.hosts) await this.#ensureHost(host);
    await this.#prune(key, new Set(plan.hosts.map((host) => host.metadata.name ?? '')));
    const managed = plan.hosts.length;
    await this.#writeStatus(key, context, {
      type: 'Ready', status: 'True', reason: 'Synced', message: `${outcome.endpoints.length} endpoints listed, ${managed} Docker endpoints managed as Hosts`,
    }, { version: outcome.version, lastSync: timestamp(context.clock.now()), endpoints: plan.statuses });
    return { requeueAfter: intervalMs };
  }

  async #read(instance: PortainerInstance, signal: AbortSignal): Promise<Outcome> {
    let options: PortainerClientOptions;
    try {
      options = clientOptions(instance, (namespace, name) => this.#secrets.get(`${namespace}/${name}`));
    } catch (error) {
      if (error instanceof HostConfigError) return { ok: false, reason: error.reason, message: error.message, retry: false };
      throw error;
    }
    const client = (this.#options.connect ?? ((o: PortainerClientOptions) => new PortainerClient(o)))(options);
    try {
      const version = await client.version(signal);
      const endpoints = await client.endpoints(signal);
      return { ok: true, version, endpoints };
    } catch (error) {
      if (error instanceof PortainerError) return { ok: false, reason: error.reason, message: error.message, retry: true };
      throw error;
    } finally {
      client.close();
    }
  }

  /**
   * Creates the Host or brings its labels, owner and the fields the plan sets (displayName, portainer) to the plan;
   * what people set on it (paused, resyncInterval) stays; dockerHost and tls cannot sit beside portainer. Writing
   * what is there changes nothing.
   */
  async #ensureHost(desired: Host): Promise<void> {
    const name = desired.metadata.name ?? '';
    try {
      await this.#manager.client.modify('Host', undefined, name, (current) => {
        const { dockerHost: _dockerHost, tls: _tls, ...kept } = (current as Stored<Host>).spec ?? {};
        return {
          ...current,
          metadata: {
            ...current.metadata,
            labels: { ...current.metadata.labels, ...desired.metadata.labels },
            ...(desired.metadata.ownerReferences === undefined ? {} : { ownerReferences: desired.metadata.ownerReferences }),
          },
          spec: { ...kept, ...desired.spec },
        };
      }, { fieldManager: PORTAINER_FIELD_MANAGER });
    } catch (error) {
      if (!isApiError(error, 'NotFound')) throw error;
      await this.#manager.client.create(desired, { fieldManager: PORTAINER_FIELD_MANAGER });
    }
  }

  async #prune(instanceName: string, keep: Set<string>): Promise<void> {
    const owned = this.#hosts.list().filter((host) => host.metadata.labels?.[INSTANCE_LABEL] === instanceName && host.spec?.portainer?.instance === instanceName);
    for (const host of owned) {
      const name = host.metadata.name ?? '';
      if (keep.has(name)) continue;
      try {
        await this.#manager.client.delete('Host', undefined, name);
      } catch (error) {
        if (!isApiError(error, 'NotFound')) throw error;
      }
    }
  }

  async #writeStatus(key: string, context: ReconcileContext, ready: ConditionUpdate, fields: Partial<PortainerInstanceStatus>): Promise<void> {
    try {
      await writeStatus(this.#manager.client, 'PortainerInstance', undefined, key, (current) => {
        const previous = statusOf(current) as PortainerInstanceStatus;
        const generation = current.metadata.generation;
        const status: PortainerInstanceStatus = {
          ...previous,
          ...fields,
          observedGeneration: generation ?? 0,
          conditions: setCondition(previous.conditions, { ...ready, observedGeneration: generation }, context.clock.now()),
        };
        if (ready.status === 'True') delete status.lastError;
        return status as Record<string, unknown>;
      }, { fieldManager: PORTAINER_FIELD_MANAGER });
    } catch (error) {
      // Deleted meanwhile: its delete event brings the pass that prunes its Hosts.
      if (!isApiError(error, 'NotFound')) throw error;
    }
  }
}

export function registerPortainerController(options: PortainerControllerOptions): Controller {
  const { manager } = options;
  const instances = manager.informers.informerFor<Stored<PortainerInstance>>('PortainerInstance');
  const hosts = manager.informers.informerFor<Stored<Host>>('Host');
  const secrets = manager.informers.informerFor<Stored<Secret>>('Secret');
  const controller = manager.addController({
    name: 'portainer',
    reconciler: new PortainerReconciler(options, instances.lister, hosts.lister, secrets.lister),
    workers: 1,
  });
  // Spec changes only: the controller's own status writes must not bring a new list.
  controller.watch(instances, undefined, { updateFilter: generationChanged });
  // A Host of an instance edited or deleted by someone else is put back; Host status writes do not count.
  controller.watch(hosts, (host) => host.metadata.labels?.[INSTANCE_LABEL], { updateFilter: generationChanged });
  controller.watch(secrets, (secret) => {
    const secretKey = keyOf(secret);
    return instances.lister.list().filter((instance) => instanceSecrets(instance).includes(secretKey)).map((instance) => keyOf(instance));
  });
  return controller;
}
