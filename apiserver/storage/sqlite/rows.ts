// Rows and values read back from SQLite are outside data (the file may be damaged or edited): every column and every
// stored object is checked before the rest of the store relies on its shape.
import type { SQLOutputValue } from 'node:sqlite';
import type { StoredObject } from '../interface.ts';
import { StorageError } from '../errors.ts';
import { isStoredObject } from '../objects.ts';

export type Row = Record<string, SQLOutputValue>;

export function integerColumn(row: Row, column: string): number {
  const value = row[column];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw corrupt(`column ${column} is ${describe(value)}, not an integer`);
  return value;
}

export function nullableIntegerColumn(row: Row, column: string): number | null {
  return row[column] === null ? null : integerColumn(row, column);
}

export function textColumn(row: Row, column: string): string {
  const value = row[column];
  if (typeof value !== 'string') throw corrupt(`column ${column} is ${describe(value)}, not text`);
  return value;
}

export function nullableTextColumn(row: Row, column: string): string | null {
  return row[column] === null ? null : textColumn(row, column);
}

/** Parses a stored value. The result is a fresh object the caller owns. */
export function decodeObject(json: string, key: string): StoredObject {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw corrupt(`the value of ${key} is not JSON`, error);
  }
  if (!isStoredObject(value)) throw corrupt(`the value of ${key} is not an object with apiVersion, kind and metadata.name`);
  return value;
}

function corrupt(message: string, cause?: unknown): StorageError {
  return new StorageError('Internal', `embedded store data is damaged: ${message}`, cause === undefined ? {} : { cause });
}

function describe(value: SQLOutputValue | undefined): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'NULL';
  return typeof value;
}
