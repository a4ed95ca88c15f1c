// The update machine's OperationJournal in the store: the operation is the Container's `status.operation` (written
// through /status before every step, with `status.maintenance` and the Updating condition in the same write), and
// snapshots are Snapshot resources in the Container's namespace, owned by it (deleting the Container deletes them).
import type { ResourceClient } from '../../../apiserver/resources/client.ts';
import { isApiError } from '../../../apiserver/resources/errors.ts';
import type { Container, ContainerStatus, Snapshot } from '../../../schemas/generated/types.ts';
import { setCondition, statusOf, writeStatus, type Clock } from '../../runtime/index.ts';
import { containerResourceName } from '../../../schemas/container-name.ts';
import { dockerNameOf } from '../../dependencies/graph.ts';
import { parseContainerInspect } from '../docker/types.ts';
import type { OperationJournal, SnapshotRecord } from '../machine/journal.ts';
import { isTerminal, type UpdateOperation } from '../machine/operation.ts';
import { isActive } from './desired.ts';
import { updatingCondition } from './conditions.ts';

export const UPDATE_FIELD_MANAGER = 'vigil-update';

export interface ContainerJournalOptions {
  client: ResourceClient;
  clock: Clock;
  container: Pick<Container, 'metadata' | 'spec' | 'status'>;
  /** Snapshots are immutable: a cache shared across passes saves reading one per step. Keyed NAMESPACE/NAME. */
  cache?: Map<string, SnapshotRecord>;
}

/** The status with `operation` in it, and what goes with it (maintenance, the Updating condition). */
export function withOperation(status: ContainerStatus, operation: UpdateOperation, generation: number | undefined, now: number): ContainerStatus {
  const next: ContainerStatus = { ...status, operation };
  const active = !isTerminal(operation);
  if (active) next.maintenance = true;
  else delete next.maintenance;
  if (active) next.conditions = setCondition(status.conditions, { ...updatingCondition(operation), observedGeneration: generation }, now);
  return next;
}

export class ContainerJournal implements OperationJournal {
  readonly #options: ContainerJournalOptions;
  readonly #snapshots: Map<string, SnapshotRecord>;

  constructor(options: ContainerJournalOptions) {
    this.#options = options;
    this.#snapshots = options.cache ?? new Map();
  }

  #cacheKey(name: string): string {
    return `${this.#options.container.metadata.namespace ?? ''}/${name}`;
  }

  /**
   * The Container a snapshot belongs to: the updated one, or — for a container joined to it that the update
   * recreates — that container's own resource, so that its snapshots go with it.
   */
  async #owner(record: SnapshotRecord): Promise<Pick<Container, 'metadata'>> {
    const { client, container } = this.#options;
    if (record.containerName === dockerNameOf(container)) return container;
    try {
      return (await client.get('Container', container.metadata.namespace, containerResourceName(record.containerName))) as unknown as Container;
    } catch (error) {
      if (isApiError(error, 'NotFound')) return container;
      throw error;
    }
  }

  async save(operation: UpdateOperation): Promise<void> {
    const { client, clock, container } = this.#options;
    const { namespace, name } = container.metadata;
    await writeStatus(client, 'Container', namespace, name ?? '', (current) => {
      const status = statusOf(current) as ContainerStatus;
      const stored = status.operation;
      // Only this controller writes operations, one pass per key at a time; anything else is a bug worth a retry.
      if (isActive(stored) && stored?.startedAt !== operation.startedAt) {
        throw new Error(`Container ${namespace ?? ''}/${name ?? ''} has another operation in progress (started ${stored?.startedAt ?? '?'})`);
      }
      return withOperation(status, operation, current.metadata.generation, clock.now()) as Record<string, unknown>;
    }, { fieldManager: UPDATE_FIELD_MANAGER });
  }

  async saveSnapshot(record: SnapshotRecord): Promise<string> {
    const { client } = this.#options;
    const { namespace, name, uid } = (await this.#owner(record)).metadata;
    const snapshot: Snapshot = {
      apiVersion: 'vigil.dev/v1alpha1',
      kind: 'Snapshot',
      metadata: {
        generateName: `${(name ?? 'container').slice(0, 240)}-`,
        namespace,
        ...(uid === undefined ? {} : { ownerReferences: [{ apiVersion: 'vigil.dev/v1alpha1', kind: 'Container', name: name ?? '', uid, controller: true, blockOwnerDeletion: true }] }),
      },
      spec: { ...record, inspect: record.inspect as unknown as Record<string, unknown> },
    };
    const created = await client.create(snapshot, { fieldManager: UPDATE_FIELD_MANAGER });
    const createdName = created.metadata.name ?? '';
    this.#snapshots.set(this.#cacheKey(createdName), record);
    return createdName;
  }

  async loadSnapshot(name: string): Promise<SnapshotRecord | undefined> {
    const cached = this.#snapshots.get(this.#cacheKey(name));
    if (cached !== undefined) return cached;
    const record = await loadSnapshotRecord(this.#options.client, this.#options.container.metadata.namespace ?? '', name);
    if (record !== undefined) this.#snapshots.set(this.#cacheKey(name), record);
    return record;
  }
}

/** A Snapshot resource as the machine's record; undefined when it does not exist. */
export async function loadSnapshotRecord(client: ResourceClient, namespace: string, name: string): Promise<SnapshotRecord | undefined> {
  let snapshot: Snapshot;
  try {
    snapshot = (await client.get('Snapshot', namespace, name)) as unknown as Snapshot;
  } catch (error) {
    if (isApiError(error, 'NotFound')) return undefined;
    throw error;
  }
  return snapshotRecordOf(snapshot);
}

export function snapshotRecordOf(snapshot: Snapshot): SnapshotRecord {
  const { inspect, ...spec } = snapshot.spec;
  return { ...spec, reason: spec.reason ?? 'pre-update', inspect: parseContainerInspect(inspect, `snapshot ${snapshot.metadata.name ?? ''}`) };
}
