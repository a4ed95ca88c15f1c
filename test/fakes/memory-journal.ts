// An OperationJournal in memory that keeps only what was saved (deep copies), like a store would: a "crashed"
// runner's unsaved state is lost, and a new runner starts from `last`.
import type { OperationJournal, SnapshotRecord } from '../../controllers/update/machine/journal.ts';
import type { UpdateOperation } from '../../controllers/update/machine/operation.ts';

export class MemoryJournal implements OperationJournal {
  #last: UpdateOperation | undefined;
  readonly #snapshots = new Map<string, SnapshotRecord>();
  /** Every saved state, oldest first. */
  readonly history: UpdateOperation[] = [];

  get last(): UpdateOperation {
    if (this.#last === undefined) throw new Error('nothing saved yet');
    return structuredClone(this.#last);
  }

  get snapshotCount(): number {
    return this.#snapshots.size;
  }

  async save(operation: UpdateOperation): Promise<void> {
    this.#last = structuredClone(operation);
    this.history.push(this.#last);
  }

  async saveSnapshot(snapshot: SnapshotRecord): Promise<string> {
    const name = `${snapshot.containerName}-${this.#snapshots.size + 1}`;
    this.#snapshots.set(name, structuredClone(snapshot));
    return name;
  }

  async loadSnapshot(name: string): Promise<SnapshotRecord | undefined> {
    const snapshot = this.#snapshots.get(name);
    return snapshot === undefined ? undefined : structuredClone(snapshot);
  }
}
