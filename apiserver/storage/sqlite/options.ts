// The embedded store's options and their defaults, resolved once so the rest of the code never sees `undefined`.
import { join } from 'node:path';
import type { Revision } from '../interface.ts';

export interface EmbeddedStoreOptions {
  /** The database file. Vigil keeps it at `<dataDir>/vigil.db` (see `embeddedStorePath`); its folder is created. */
  path: string;
  /**
   * What an acknowledged write survives. 'process' (default): a crash or `kill -9` of Vigil (the commit reached the
   * write-ahead log by write(2); SQLite synchronous=NORMAL). 'power': also a power loss or kernel crash (the log is
   * fsynced at every commit; synchronous=FULL), at a large cost in write throughput.
   */
  durability?: 'process' | 'power';
  /** How long history is kept for watches and lists at older revisions. Default 5 minutes (kube-apiserver's compaction interval). */
  historyWindowMs?: number;
  /** How often automatic compaction runs; history is kept between historyWindowMs and historyWindowMs + this. Default 1 minute. 0 turns it off. */
  compactionIntervalMs?: number;
  /** How many times a write is retried when the object changed while its tryUpdate ran; then Conflict. Default 16. */
  maxUpdateAttempts?: number;
  /**
   * Events a watcher may have queued beyond its replay before it is cut off as too slow. Default 10,000: the backend
   * is watched by the watch cache, which drains it quickly, and a cut-off means the cache must relist.
   */
  watchCapacity?: number;
  /** The wall clock, injectable so tests can step time for automatic compaction. Default Date.now. */
  now?: () => number;
  /** Called after each compaction (automatic or explicit) with the new compacted revision: logs and metrics. */
  onCompacted?: (revision: Revision) => void;
  /** Called when an automatic compaction fails (it is retried at the next tick). Default: a process warning. */
  onCompactionError?: (error: unknown) => void;
}

export interface ResolvedOptions {
  path: string;
  durability: 'process' | 'power';
  historyWindowMs: number;
  compactionIntervalMs: number;
  maxUpdateAttempts: number;
  watchCapacity: number;
  now: () => number;
  onCompacted: (revision: Revision) => void;
  onCompactionError: (error: unknown) => void;
}

export const DEFAULT_HISTORY_WINDOW_MS = 5 * 60_000;
export const DEFAULT_COMPACTION_INTERVAL_MS = 60_000;
export const DEFAULT_MAX_UPDATE_ATTEMPTS = 16;
export const DEFAULT_WATCH_CAPACITY = 10_000;

/** Where the embedded store lives inside Vigil's data directory. */
export function embeddedStorePath(dataDir: string): string {
  return join(dataDir, 'vigil.db');
}

export function resolveOptions(options: EmbeddedStoreOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    path: options.path,
    durability: options.durability ?? 'process',
    historyWindowMs: options.historyWindowMs ?? DEFAULT_HISTORY_WINDOW_MS,
    compactionIntervalMs: options.compactionIntervalMs ?? DEFAULT_COMPACTION_INTERVAL_MS,
    maxUpdateAttempts: options.maxUpdateAttempts ?? DEFAULT_MAX_UPDATE_ATTEMPTS,
    watchCapacity: options.watchCapacity ?? DEFAULT_WATCH_CAPACITY,
    now: options.now ?? Date.now,
    onCompacted: options.onCompacted ?? (() => {}),
    onCompactionError: options.onCompactionError ?? warnCompactionFailed,
  };
  if (resolved.path === '') throw new TypeError('embedded store: options.path must name the database file');
  if (resolved.durability !== 'process' && resolved.durability !== 'power') {
    throw new TypeError(`embedded store: options.durability must be 'process' or 'power', not ${JSON.stringify(resolved.durability)}`);
  }
  requireCount('historyWindowMs', resolved.historyWindowMs, 0);
  requireCount('compactionIntervalMs', resolved.compactionIntervalMs, 0);
  requireCount('maxUpdateAttempts', resolved.maxUpdateAttempts, 1);
  requireCount('watchCapacity', resolved.watchCapacity, 1);
  return resolved;
}

function requireCount(name: string, value: number, minimum: number): void {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new TypeError(`embedded store: options.${name} must be an integer >= ${minimum}, not ${value}`);
  }
}

function warnCompactionFailed(error: unknown): void {
  process.emitWarning(`embedded store: automatic compaction failed: ${String(error)}`, { code: 'VIGIL_COMPACTION_FAILED' });
}
