// Storage errors carry a code the API layer maps onto a Kubernetes Status (NotFound → 404, KeyExists → 409
// AlreadyExists, Conflict → 409, Expired → 410, ...), as k8s.io/apiserver/pkg/storage/errors.go does.

export type StorageErrorCode =
  | 'NotFound'
  | 'KeyExists'
  | 'Conflict'
  | 'InvalidPrecondition'
  /** A fenced write (fence.ts) of a replica that no longer leads. */
  | 'Fenced'
  | 'Expired'
  | 'InvalidObject'
  | 'Unreachable'
  | 'Timeout'
  | 'Internal';

export class StorageError extends Error {
  readonly code: StorageErrorCode;
  readonly key: string | undefined;
  /** For Expired: the oldest revision still available, when known. */
  readonly oldestRevision: number | undefined;

  constructor(code: StorageErrorCode, message: string, details: { key?: string; oldestRevision?: number; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'StorageError';
    this.code = code;
    this.key = details.key;
    this.oldestRevision = details.oldestRevision;
  }

  static notFound(key: string): StorageError {
    return new StorageError('NotFound', `key not found: ${key}`, { key });
  }

  static keyExists(key: string): StorageError {
    return new StorageError('KeyExists', `key already exists: ${key}`, { key });
  }

  static conflict(key: string, message = 'the object has been modified'): StorageError {
    return new StorageError('Conflict', `${message}: ${key}`, { key });
  }

  static expired(requested: number, oldest: number): StorageError {
    return new StorageError('Expired', `too old resource version: ${requested} (${oldest})`, { oldestRevision: oldest });
  }
}

export function isStorageError(error: unknown, code?: StorageErrorCode): error is StorageError {
  return error instanceof StorageError && (code === undefined || error.code === code);
}
