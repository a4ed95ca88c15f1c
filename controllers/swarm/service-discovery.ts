// The swarm discovery reconciler (leader-only), keyed by cluster ID: lists the services of one swarm through any of
// its manager Hosts (failing over), makes one SwarmService per service and deletes those whose service is gone. The
// live status is the service reconciler's to write; this one only hands it the names.
import type { SwarmService } from '../../schemas/generated/types.ts';
import type { ResourceClient } from '../../apiserver/resources/client.ts';
import { isApiError } from '../../apiserver/resources/errors.ts';
import type { Lister, ReconcileContext, ReconcileResult, Reconciler } from '../runtime/index.ts';
import type { Stored } from '../stored.ts';
import { NoManagerError, onSomeManager, type SwarmManager } from './swarm-managers.ts';

export interface ServiceDiscoveryOptions {
  client: ResourceClient;
  services: Lister<Stored<SwarmService>>;
  managers: () => Map<string, SwarmManager[]>;
  /** The service reconciler's queue. */
  enqueueService: (name: string) => void;
  /** How often a swarm is listed again (new services). Default 30 s. */
  relistMs?: number;
}

export class ServiceDiscovery implements Reconciler {
  readonly #options: ServiceDiscoveryOptions;

  constructor(options: ServiceDiscoveryOptions) {
    this.#options = options;
  }

  async reconcile(context: ReconcileContext, clusterID: string): Promise<ReconcileResult> {
    const relist = this.#options.relistMs ?? 30_000;
    const managers = this.#options.managers().get(clusterID);
    // No connected manager: keep the resources as they are (their Ready condition says why) and look again later.
    if (managers === undefined) return {};
    let names: string[];
    try {
      const { value } = await onSomeManager(clusterID, managers, (manager) => manager.api.listServices({ signal: context.signal }));
      names = value.map((service) => service.name);
    } catch (error) {
      if (error instanceof NoManagerError) {
        context.logger.warn({ cluster: clusterID, error: error.message }, 'no manager of the swarm answered');
        return { requeueAfter: relist };
      }
      throw error;
    }
    const known = new Set(this.#options.services.list().map((service) => service.metadata.name));
    for (const name of names) {
      if (!known.has(name)) await this.#create(name);
      this.#options.enqueueService(name);
    }
    const present = new Set(names);
    for (const resource of this.#options.services.list()) {
      if (resource.status?.clusterID !== clusterID || present.has(resource.metadata.name ?? '')) continue;
      try {
        await this.#options.client.delete('SwarmService', undefined, resource.metadata.name ?? '', { preconditions: { uid: resource.metadata.uid ?? '' } });
      } catch (error) {
        if (!isApiError(error, 'NotFound') && !isApiError(error, 'Conflict')) throw error;
      }
    }
    return { requeueAfter: relist };
  }

  async #create(name: string): Promise<void> {
    try {
      await this.#options.client.create({ apiVersion: 'vigil.dev/v1alpha1', kind: 'SwarmService', metadata: { name }, spec: {} });
    } catch (error) {
      if (!isApiError(error, 'AlreadyExists')) throw error;
    }
  }
}
