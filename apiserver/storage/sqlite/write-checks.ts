// What a write checks before it touches the database: the object's shape (the preconditions both backends check are
// in ../write-checks.ts).
import { StorageError } from '../errors.ts';
import { withoutRevision } from '../objects.ts';
import { isStoredObject } from './rows.ts';

/** The JSON to store for `object` (without resourceVersion). InvalidObject for what could not be read back. */
export function encodeObject(key: string, object: unknown): string {
  if (!isStoredObject(object)) {
    throw new StorageError('InvalidObject', `cannot store ${key}: not an object with apiVersion, kind and metadata.name`, { key });
  }
  try {
    return JSON.stringify(withoutRevision(object));
  } catch (error) {
    throw new StorageError('InvalidObject', `cannot store ${key}: not serializable as JSON (${String(error)})`, { key, cause: error });
  }
}
