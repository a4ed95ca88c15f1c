// Controller writes only from the leader: a ResourceClient whose writes fail while this process does not lead (a
// replica that lost its lease, or a manager that stopped), so that a pass still running after leadership ended
// cannot overwrite what the new leader does. Reads pass through (informers run on every replica).
// Two fences. The soft one acts on what this process knows (the window between etcd expiring the lease and this
// process noticing is bounded by the elector's renew deadline, etcd-leader-election.ts). The hard one closes that
// window: each write runs with the elector's write fence (apiserver/storage/fence.ts), which the etcd store adds to
// the write's transaction, so etcd refuses the write of a leader whose election key is gone.
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
import { runFenced, type WriteFence } from '../../apiserver/storage/fence.ts';

export class LeaderFencedClient implements ResourceClient {
  readonly #client: ResourceClient;
  readonly #isLeader: () => boolean;
  readonly #writeFence: () => WriteFence | undefined;

  constructor(client: ResourceClient, isLeader: () => boolean, writeFence: () => WriteFence | undefined = () => undefined) {
    this.#client = client;
    this.#isLeader = isLeader;
    this.#writeFence = writeFence;
  }

  #write<T>(write: () => Promise<T>): Promise<T> {
    this.#fence();
    return runFenced(this.#writeFence(), write);
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
    return await this.#write(() => this.#client.create(object, options));
  }

  async update(object: unknown, options?: WriteOptions): Promise<ResourceObject> {
    return await this.#write(() => this.#client.update(object, options));
  }

  async updateStatus(object: unknown, options?: WriteOptions): Promise<ResourceObject> {
    return await this.#write(() => this.#client.updateStatus(object, options));
  }

  async modify(kind: string, namespace: string | undefined, name: string, mutation: Mutation, options?: ModifyOptions): Promise<ResourceObject> {
    // Checked again once the new state is computed, just before the write: a slow mutation may outlive leadership.
    return await this.#write(() => this.#client.modify(kind, namespace, name, async (current) => {
      const desired = await mutation(current);
      this.#fence();
      return desired;
    }, options));
  }

  async patch(kind: string, namespace: string | undefined, name: string, type: PatchType, patch: unknown, options?: PatchOptions): Promise<ResourceObject> {
    return await this.#write(() => this.#client.patch(kind, namespace, name, type, patch, options));
  }

  async apply(configuration: unknown, options: ApplyOptions): Promise<ResourceObject> {
    return await this.#write(() => this.#client.apply(configuration, options));
  }

  async deleteCollection(kind: string, query?: ListQuery, options?: DeleteOptions): Promise<ObjectList> {
    return await this.#write(() => this.#client.deleteCollection(kind, query, options));
  }

  async delete(kind: string, namespace: string | undefined, name: string, options?: DeleteOptions): Promise<ResourceObject> {
    return await this.#write(() => this.#client.delete(kind, namespace, name, options));
  }
}
