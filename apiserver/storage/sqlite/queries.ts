// Every SQL statement of the store, prepared once when the store opens (preparing is costlier than running a small
// statement), with typed results. Callers never see a raw row.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Revision } from '../interface.ts';
import type { KeyRange } from './keys.ts';
import { integerColumn, nullableIntegerColumn, nullableTextColumn, textColumn, type Row } from './rows.ts';

/** A key's newest live row. */
export interface CurrentRow {
  rev: Revision;
  createRev: Revision;
  value: string;
}

/** A key's state in a listing: its last write at or before the listed revision. */
export interface KeyState {
  key: string;
  rev: Revision;
  /** null: the key's newest row at the listed revision is a deletion (historic listings only). */
  value: string | null;
}

/** One row of history: a change, as the watch replays it. */
export interface ChangeRow {
  rev: Revision;
  key: string;
  value: string | null;
  /** The key's previous row; null for a create. */
  prevRev: Revision | null;
}

export interface NewRevision {
  rev: Revision;
  key: string;
  createRev: Revision;
  prevRev: Revision | null;
  value: string | null;
}

export class Queries {
  readonly #db: DatabaseSync;
  readonly #begin: StatementSync;
  readonly #commit: StatementSync;
  readonly #rollback: StatementSync;
  readonly #current: StatementSync;
  readonly #currentRev: StatementSync;
  readonly #insertRevision: StatementSync;
  readonly #setCurrent: StatementSync;
  readonly #deleteCurrent: StatementSync;
  readonly #listCurrent: StatementSync;
  readonly #countCurrent: StatementSync;
  readonly #listAt: StatementSync;
  readonly #history: StatementSync;
  readonly #valueAt: StatementSync;
  readonly #maxRevision: StatementSync;
  readonly #compactedRevision: StatementSync;
  readonly #setCompactedRevision: StatementSync;
  readonly #deleteSuperseded: StatementSync;
  readonly #deleteTombstones: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#begin = db.prepare('BEGIN IMMEDIATE');
    this.#commit = db.prepare('COMMIT');
    this.#rollback = db.prepare('ROLLBACK');
    this.#current = db.prepare(
      'SELECT r.rev AS rev, r.create_rev AS createRev, r.value AS value FROM current c JOIN revisions r ON r.rev = c.rev WHERE c.key = ?',
    );
    this.#currentRev = db.prepare('SELECT rev FROM current WHERE key = ?');
    this.#insertRevision = db.prepare('INSERT INTO revisions (rev, key, create_rev, prev_rev, value) VALUES (?, ?, ?, ?, ?)');
    this.#setCurrent = db.prepare('INSERT INTO current (key, rev) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET rev = excluded.rev');
    this.#deleteCurrent = db.prepare('DELETE FROM current WHERE key = ?');
    this.#listCurrent = db.prepare(
      'SELECT c.key AS key, c.rev AS rev, r.value AS value FROM current c JOIN revisions r ON r.rev = c.rev ' +
        'WHERE c.key >= ? AND c.key < ? ORDER BY c.key',
    );
    this.#countCurrent = db.prepare('SELECT count(*) AS n FROM current WHERE key >= ? AND key < ?');
    // SQLite's bare-column rule: with a single max() aggregate, `value` comes from the row holding the maximum.
    this.#listAt = db.prepare(
      'SELECT key, max(rev) AS rev, value FROM revisions WHERE key >= ? AND key < ? AND rev <= ? GROUP BY key ORDER BY key',
    );
    // Walk history in revision order, as etcd does ('+key' keeps SQLite off the key index, which would read and sort
    // the prefix's whole history for every chunk of a replay): each chunk reads from where the last one stopped.
    this.#history = db.prepare(
      'SELECT rev, key, prev_rev AS prevRev, value FROM revisions WHERE rev > ? AND +key >= ? AND +key < ? ORDER BY rev LIMIT ?',
    );
    this.#valueAt = db.prepare('SELECT value FROM revisions WHERE rev = ?');
    this.#maxRevision = db.prepare('SELECT coalesce(max(rev), 0) AS rev FROM revisions');
    this.#compactedRevision = db.prepare("SELECT value FROM meta WHERE name = 'compacted_revision'");
    this.#setCompactedRevision = db.prepare("UPDATE meta SET value = ? WHERE name = 'compacted_revision'");
    // Compacting (from, to]: each row in it supersedes its key's previous row, and a deletion in it leaves nothing
    // worth keeping. What survives at or below `to` is, per key, the newest row unless that is a deletion.
    this.#deleteSuperseded = db.prepare(
      'DELETE FROM revisions WHERE rev IN (SELECT prev_rev FROM revisions WHERE rev > ? AND rev <= ? AND prev_rev IS NOT NULL)',
    );
    this.#deleteTombstones = db.prepare('DELETE FROM revisions WHERE rev > ? AND rev <= ? AND value IS NULL');
  }

  /** Runs `work` in one write transaction; the store holds the only connection, so BEGIN IMMEDIATE never waits. */
  transaction<T>(work: () => T): T {
    this.#begin.run();
    let result: T;
    try {
      result = work();
      this.#commit.run();
    } catch (error) {
      if (this.#db.isTransaction) this.#rollback.run();
      throw error;
    }
    return result;
  }

  current(key: string): CurrentRow | undefined {
    const row = this.#current.get(key);
    if (row === undefined) return undefined;
    return { rev: integerColumn(row, 'rev'), createRev: integerColumn(row, 'createRev'), value: textColumn(row, 'value') };
  }

  /** The revision of the key's newest live row, 0 when it has none. */
  currentRev(key: string): Revision {
    const row = this.#currentRev.get(key);
    return row === undefined ? 0 : integerColumn(row, 'rev');
  }

  insertRevision(change: NewRevision): void {
    this.#insertRevision.run(change.rev, change.key, change.createRev, change.prevRev, change.value);
  }

  setCurrent(key: string, rev: Revision): void {
    this.#setCurrent.run(key, rev);
  }

  deleteCurrent(key: string): void {
    this.#deleteCurrent.run(key);
  }

  /** The newest state of every live key in the range, in key order, read lazily (stop iterating to stop reading). */
  *listCurrent(range: KeyRange): Generator<KeyState> {
    for (const row of this.#listCurrent.iterate(range.start, range.end)) yield keyState(row);
  }

  countCurrent(range: KeyRange): number {
    const row = this.#countCurrent.get(range.start, range.end);
    return row === undefined ? 0 : integerColumn(row, 'n');
  }

  /** Each key's last row at or before `rev`, deletions included, in key order, read lazily. */
  *listAt(range: KeyRange, rev: Revision): Generator<KeyState> {
    for (const row of this.#listAt.iterate(range.start, range.end, rev)) yield keyState(row);
  }

  /** The first `limit` changes after `after` to keys in the range, in revision order. */
  history(range: KeyRange, after: Revision, limit: number): ChangeRow[] {
    return this.#history.all(after, range.start, range.end, limit).map((row) => ({
      rev: integerColumn(row, 'rev'),
      key: textColumn(row, 'key'),
      value: nullableTextColumn(row, 'value'),
      prevRev: nullableIntegerColumn(row, 'prevRev'),
    }));
  }

  /** The value written at `rev`; undefined when that row is gone or is a deletion. */
  valueAt(rev: Revision): string | undefined {
    const row = this.#valueAt.get(rev);
    return row === undefined ? undefined : (nullableTextColumn(row, 'value') ?? undefined);
  }

  maxRevision(): Revision {
    return integerColumn(this.#maxRevision.get() ?? {}, 'rev');
  }

  compactedRevision(): Revision {
    return integerColumn(this.#compactedRevision.get() ?? {}, 'value');
  }

  /** Forgets history in (from, to] and records `to` as compacted. Call inside a transaction. */
  compactRange(from: Revision, to: Revision): void {
    this.#deleteSuperseded.run(from, to);
    this.#deleteTombstones.run(from, to);
    this.#setCompactedRevision.run(to);
  }
}

function keyState(row: Row): KeyState {
  return { key: textColumn(row, 'key'), rev: integerColumn(row, 'rev'), value: nullableTextColumn(row, 'value') };
}
