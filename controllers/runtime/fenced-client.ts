// Controller writes only from the leader: a ResourceClient whose writes fail while this process does not lead (a
// replica that lost its lease, or a manager that stopped), so that a pass still running after leadership ended
// cannot overwrite what the new leader does. Reads pass through (informers run on every replica).
// A soft fence: it acts on what this process knows; the window between etcd expiring the lease and this process
// noticing is bounded by the elector's renew deadline (etcd-leader-election.ts).
import type {
  ApplyOptions,
  CreateOptions,
  DeleteOptions,
  ListQuery,
  ModifyOptions,
  Mutation,
  ObjectList,
  PatchOptions,
  PatchType,
  ResourceClient,
  ResourceObject,
  WatchQuery,
  WriteOptions,
} from '../../apiserver/resources/client.ts';
import { errors } from '../../apiserver/resources/errors.ts';
import type { Watcher } from '../../apiserver/storage/interface.ts';

export class LeaderFencedClient implements ResourceClient {
  readonly #client: ResourceClient;
  readonly #isLeader: () => boolean;

  constructor(client: ResourceClient, isLeader: () => boolean) {
    this.#client = client;
    this.#isLeader = isLeader;
  }

  #fence(): void {
    if (!this.#isLeader()) throw errors.unavailable('this Vigil replica does not lead: controller writes are refused');
  }

  get(kind: string, namespace: string | undefined, name: string): Promise<ResourceObject> {
    return this.#client.get(kind, namespace, name);
  }

  list(kind: string, query?: ListQuery): Promise<ObjectList> {
    return this.#client.list(kind, query);
  }

  watch(kind: string, query?: WatchQuery): Watcher {
    return this.#client.watch(kind, query);
  }

  async create(object: unknown, options?: CreateOptions): Promise<ResourceObject> {
    this.#fence();
    return await this.#client.create(object, options);
  }

  async update(object: unknown, options?: WriteOptions): Promise<ResourceObject> {
    this.#fence();
    return await this.#client.update(object, options);
  }

  async updateStatus(object: unknown, options?: WriteOptions): Promise<ResourceObject> {
    this.#fence();
    return await this.#client.updateStatus(object, options);
  }

  async modify(kind: string, namespace: string | undefined, name: string, mutation: Mutation, options?: ModifyOptions): Promise<ResourceObject> {
    this.#fence();
    // Checked again once the new state is computed, just before the write: a slow mutation may outlive leadership.
    return await this.#client.modify(kind, namespace, name, async (current) => {
      const desired = await mutation(current);
      this.#fence();
      return desired;
    }, options);
  }

  async patch(kind: string, namespace: string | undefined, name: string, type: PatchType, patch: unknown, options?: PatchOptions): Promise<ResourceObject> {
    this.#fence();
    return await this.#client.patch(kind, namespace, name, type, patch, options);
  }

  async apply(configuration: unknown, options: ApplyOptions): Promise<ResourceObject> {
    this.#fence();
    return await this.#client.apply(configuration, options);
  }

  async deleteCollection(kind: string, query?: ListQuery, options?: DeleteOptions): Promise<ObjectList> {
    this.#fence();
    return await this.#client.deleteCollection(kind, query, options);
  }

  async delete(kind: string, namespace: string | undefined, name: string, options?: DeleteOptions): Promise<ResourceObject> {
    this.#fence();
    return await this.#client.delete(kind, namespace, name, options);
  }
}
