// Opens the database file for exactly one process. The embedded store is single-process by design (several replicas
// use etcd): SQLite's exclusive locking mode takes the file's write lock on open and keeps it until close, so a second
// Vigil on the same file fails at once instead of corrupting revisions or waiting forever. The lock is an fcntl lock,
// which the kernel releases when the holder dies, so a restart after `kill -9` is never locked out by a stale lock.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { StorageError } from '../errors.ts';
import { migrate } from './schema.ts';

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_NOTADB = 26;

export function openDatabase(path: string, durability: 'process' | 'power'): DatabaseSync {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  // timeout 0: the lock is either free or held by a live process that will not let go, so waiting helps nobody.
  const db = new DatabaseSync(path, { timeout: 0 });
  try {
    // Exclusive mode must be set before the first WAL access: then no shared-memory index is used and no other
    // connection, in this process or another, can read or write the file while this one is open.
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('BEGIN IMMEDIATE');
    try {
      migrate(db, path);
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
    // NORMAL: a commit is written to the WAL (surviving a process crash) but fsynced only at checkpoints.
    db.exec(`PRAGMA synchronous = ${durability === 'power' ? 'FULL' : 'NORMAL'}`);
    // Checkpoint every 10,000 pages (a WAL of up to 40 MiB) rather than 1,000: the hot pages (the current table, the
    // key index) are copied back once per checkpoint instead of ten times, which cut the mean commit from 84 to 58 µs;
    // the price is a checkpoint pause of up to ~70 ms every few thousand writes. The size limit trims the WAL after.
    db.exec('PRAGMA wal_autocheckpoint = 10000');
    db.exec('PRAGMA journal_size_limit = 67108864');
    // 16 MiB of page cache holds the current table and the newest rows of 10,000 objects; SQLite's default is 2 MiB.
    db.exec('PRAGMA cache_size = -16384');
    db.exec('PRAGMA busy_timeout = 5000');
    return db;
  } catch (error) {
    db.close();
    throw describeOpenError(error, path);
  }
}

function describeOpenError(error: unknown, path: string): unknown {
  if (error instanceof StorageError) return error;
  const code = sqliteErrorCode(error);
  if (code === SQLITE_BUSY || code === SQLITE_LOCKED) {
    return new StorageError(
      'Unreachable',
      `the embedded store ${path} is in use by another process: it serves one Vigil process at a time ` +
        '(stop the other one, or run several replicas against etcd)',
      { cause: error },
    );
  }
  if (code === SQLITE_NOTADB) {
    return new StorageError('Internal', `${path} is not a SQLite database; refusing to use it`, { cause: error });
  }
  return new StorageError('Internal', `cannot open the embedded store ${path}: ${String(error)}`, { cause: error });
}

/** The SQLite result code of an error thrown by node:sqlite, if it is one. */
export function sqliteErrorCode(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'errcode' in error && typeof error.errcode === 'number') {
    return error.errcode;
  }
  return undefined;
}
