// An OperationJournal in a folder: operation.json and snapshots/NAME.json, each written to a temporary file, flushed
// and renamed over the old one, so that a process killed at any instant leaves either the old or the new content.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { isObject } from '../../../schemas/json.ts';
import type { OperationJournal, SnapshotRecord } from './journal.ts';
import type { UpdateOperation } from './operation.ts';

async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  const file = await open(temporary, 'w');
  try {
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
}

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    if (isObject(error) && error.code === 'ENOENT') return undefined;
    throw error;
  }
}

export class FileJournal implements OperationJournal {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  get operationPath(): string {
    return join(this.#dir, 'operation.json');
  }

  async save(operation: UpdateOperation): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    await writeAtomically(this.operationPath, JSON.stringify(operation, null, 1));
  }

  /** The last saved operation, if any. */
  async load(): Promise<UpdateOperation | undefined> {
    const value = await readJson(this.operationPath);
    if (value === undefined) return undefined;
    if (!isObject(value) || value.type !== 'update' || !isObject(value.details)) throw new Error(`${this.operationPath}: not an update operation`);
    return value as unknown as UpdateOperation;
  }

  async saveSnapshot(snapshot: SnapshotRecord): Promise<string> {
    const dir = join(this.#dir, 'snapshots');
    await mkdir(dir, { recursive: true });
    const name = `${snapshot.containerName}-${randomBytes(4).toString('hex')}`;
    await writeAtomically(join(dir, `${name}.json`), JSON.stringify(snapshot));
    return name;
  }

  async loadSnapshot(name: string): Promise<SnapshotRecord | undefined> {
    const value = await readJson(join(this.#dir, 'snapshots', `${name}.json`));
    if (value === undefined) return undefined;
    if (!isObject(value) || !isObject(value.inspect)) throw new Error(`snapshot ${name}: no inspect`);
    return value as unknown as SnapshotRecord;
  }
}
