// The on-disk layout, as numbered migrations recorded in PRAGMA user_version. A migration is appended, never edited:
// a file written by an older Vigil is brought forward on open, one written by a newer Vigil is refused.
import type { DatabaseSync } from 'node:sqlite';
import { StorageError } from '../errors.ts';

/** PRAGMA application_id of a Vigil database ('Vigl'), so that another program's SQLite file is refused. */
const APPLICATION_ID = 0x5669676c;

const MIGRATIONS: readonly string[] = [
  // 1: etcd-style MVCC. Every write is one row of `revisions` under a new global revision; `current` points at each
  // live key's newest row, so reads of the newest state never scan history.
  `
  CREATE TABLE revisions (
    rev        INTEGER PRIMARY KEY, -- the global revision of this change; rowid alias, so history reads in revision order
    key        TEXT NOT NULL,
    create_rev INTEGER NOT NULL,    -- the revision that created this incarnation of the key
    prev_rev   INTEGER,             -- the key's previous row (NULL for a create): the prevObject of watch events
    value      TEXT                 -- the object as JSON without resourceVersion; NULL marks a deletion
  ) STRICT;
  CREATE INDEX revisions_key_rev ON revisions (key, rev);
  CREATE TABLE current (
    key TEXT PRIMARY KEY,
    rev INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;
  INSERT INTO meta (name, value) VALUES ('compacted_revision', 0);
  `,
];

/** Creates or upgrades the schema. Runs inside the caller's write transaction. */
export function migrate(db: DatabaseSync, path: string): void {
  const applicationId = readPragmaInteger(db, 'application_id');
  const version = readPragmaInteger(db, 'user_version');
  const empty = readInteger(db.prepare('SELECT count(*) AS n FROM sqlite_schema').get(), 'n') === 0;
  if (applicationId !== APPLICATION_ID && !(applicationId === 0 && empty)) {
    throw new StorageError('Internal', `${path} is not a Vigil database (application_id ${applicationId}); refusing to use it`);
  }
  if (version > MIGRATIONS.length) {
    throw new StorageError(
      'Internal',
      `${path} has schema version ${version}, written by a newer Vigil (this one knows up to ${MIGRATIONS.length}); refusing to downgrade it`,
    );
  }
  for (let next = version; next < MIGRATIONS.length; next++) db.exec(MIGRATIONS[next] ?? '');
  if (applicationId !== APPLICATION_ID) db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
  if (version !== MIGRATIONS.length) db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
}

export function readPragmaInteger(db: DatabaseSync, pragma: string): number {
  return readInteger(db.prepare(`PRAGMA ${pragma}`).get(), pragma);
}

function readInteger(row: Record<string, unknown> | undefined, column: string): number {
  const value = row?.[column];
  if (typeof value !== 'number') throw new StorageError('Internal', `unexpected ${column} from SQLite: ${String(value)}`);
  return value;
}
