// Where the update machine persists its state before every step, and its snapshots. In the controller this is the
// Container's status.operation and Snapshot resources; a file journal (file-journal.ts) serves the Docker-level tests
// and tools.
import type { ContainerInspect } from '../docker/types.ts';
import type { UpdateOperation } from './operation.ts';

/** A Snapshot resource's spec, as the machine writes it. */
export interface SnapshotRecord {
  containerName: string;
  containerID: string;
  image?: string;
  imageID: string;
  takenAt: string;
  reason: 'pre-update' | 'pre-rollback' | 'manual';
  /** startedAt of the operation it was taken for. */
  operation?: string;
  inspect: ContainerInspect;
}

export interface OperationJournal {
  /** Durably records the operation; resolves once a crash can no longer lose it. */
  save(operation: UpdateOperation): Promise<void>;
  /** Stores a snapshot and returns its name. */
  saveSnapshot(snapshot: SnapshotRecord): Promise<string>;
  loadSnapshot(name: string): Promise<SnapshotRecord | undefined>;
}
