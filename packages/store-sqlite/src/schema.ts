import type Database from 'better-sqlite3';

/**
 * The schema, as an ordered list of migrations: migration i brings `PRAGMA user_version` from i to
 * i + 1. Append new migrations; never edit one that has shipped.
 */
export const migrations: readonly string[] = [
  `
  -- position: AUTOINCREMENT so a position is never reused, even after the last row is deleted
  -- (nothing deletes events, but the promise should not rest on that).
  CREATE TABLE events (
    position       INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_name    TEXT    NOT NULL,
    revision       INTEGER NOT NULL CHECK (revision >= 0),
    event_id       TEXT    NOT NULL UNIQUE,
    type           TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    data           TEXT    NOT NULL,
    metadata       TEXT    NOT NULL,
    UNIQUE (stream_name, revision)
  );

  CREATE TABLE idempotency_records (
    key          TEXT PRIMARY KEY,
    request_hash TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'completed')),
    outcome      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX idempotency_records_by_expiry ON idempotency_records (expires_at);

  CREATE TABLE checkpoints (
    name     TEXT PRIMARY KEY,
    position INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  `
  -- Read-model snapshots (DESIGN §7) beside the events they fold, under the same durability setting:
  -- a snapshot can never name a position the events table has lost. A rowid table, not WITHOUT ROWID,
  -- because a snapshot is one large row.
  CREATE TABLE snapshots (
    name     TEXT    NOT NULL UNIQUE,
    position INTEGER NOT NULL CHECK (position >= 0),
    data     TEXT    NOT NULL
  );
  `,
  `
  -- Read models moved out of the event store into a projection file of their own per service instance
  -- (SqliteProjectionStore): the JSON-document snapshots are no longer written or read.
  DROP TABLE snapshots;
  `,
  `
  -- Stream snapshots (the ledger's member states folded up to a revision, see StreamSnapshotStore): one row a
  -- stream, the latest. Derived data; a rowid table because a snapshot is one large row.
  CREATE TABLE stream_snapshots (
    stream_name   TEXT    NOT NULL UNIQUE,
    revision      INTEGER NOT NULL CHECK (revision >= 0),
    state_version TEXT    NOT NULL,
    state         TEXT    NOT NULL
  );
  `,
  `
  -- Stream snapshot parts (pipeline/parted-map.ts in ledger-core): a snapshot's older rows in immutable parts of
  -- a few KB, named by their checksum and read one at a time when a lookup needs one, so a cold read costs the same
  -- however long the stream. superseded_at: the snapshot revision from which the latest snapshot no longer names
  -- the part; such parts are dropped some revisions later (a state read from an older snapshot may still need them).
  CREATE TABLE stream_snapshot_parts (
    stream_name   TEXT    NOT NULL,
    part_id       TEXT    NOT NULL,
    text          TEXT    NOT NULL,
    superseded_at INTEGER,
    UNIQUE (stream_name, part_id)
  );
  `,
];

/** The schema version this code writes. */
export const schemaVersion = migrations.length;

/** Brings the database to `schemaVersion`, each migration in its own transaction; refuses a newer one. */
export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > schemaVersion) {
    throw new Error(
      `SQLite event store ${db.name} has schema version ${current}, newer than the ${schemaVersion} this code knows; ` +
        'upgrade @volunteer-ledger/store-sqlite before opening it',
    );
  }
  for (let version = current; version < schemaVersion; version += 1) {
    db.transaction(() => {
      db.exec(migrations[version]!);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
