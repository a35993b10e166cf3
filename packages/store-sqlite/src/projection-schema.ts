/**
 * Tables of the SQLite projection store (DESIGN §7). A projection can always be folded again from the
 * event store, so its schema is not migrated: a file written by another schema version is emptied and
 * rebuilt from the beginning of the store (`prepareProjectionSchema`).
 *
 * Amounts in rows are decimal strings; amounts the store adds up (reports, trial balance, outstanding
 * points) are whole hundredths in INTEGER columns, checked to stay integers: SQLite turns an integer
 * overflow into a float, and the CHECK makes that an error instead (rule 4: no float touches a balance).
 */
import type Database from 'better-sqlite3';

/** Bumped whenever a table below changes: an older file is then rebuilt. */
export const projectionSchemaVersion = 4;

const int = (column: string) => `${column} INTEGER NOT NULL CHECK (typeof(${column}) = 'integer')`;

export const projectionSchema = `
  CREATE TABLE projection_checkpoint (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    position      TEXT    NOT NULL,
    events_folded INTEGER NOT NULL,
    version       INTEGER NOT NULL
  );

  CREATE TABLE stream_refs (
    stream_name  TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    community_id TEXT NOT NULL,
    entity_id    TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE communities (
    community_id TEXT PRIMARY KEY,
    revision     INTEGER NOT NULL,
    payload      TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE community_outstanding (
    community_id TEXT PRIMARY KEY,
    ${int('points')}
  ) WITHOUT ROWID;

  -- The same deltas as community_outstanding, by community-local month (YYYY-MM): the report's line over time.
  CREATE TABLE community_outstanding_by_month (
    community_id TEXT NOT NULL,
    month        TEXT NOT NULL,
    ${int('points')},
    PRIMARY KEY (community_id, month)
  ) WITHOUT ROWID;

  CREATE TABLE accounts (
    community_id TEXT NOT NULL,
    member_id    TEXT NOT NULL,
    revision     INTEGER NOT NULL,
    balance      TEXT NOT NULL,
    next_expiry  TEXT,
    payload      TEXT NOT NULL,
    PRIMARY KEY (community_id, member_id)
  ) WITHOUT ROWID;
  CREATE INDEX accounts_by_next_expiry ON accounts (community_id, next_expiry, member_id) WHERE next_expiry IS NOT NULL;

  CREATE TABLE statement_lines (
    community_id    TEXT NOT NULL,
    member_id       TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    position        TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    type            TEXT NOT NULL,
    amount          TEXT NOT NULL,
    running_balance TEXT NOT NULL,
    reference       TEXT NOT NULL,
    description     TEXT NOT NULL,
    description_en  TEXT NOT NULL
  );
  -- Lines and records are kept in the order they were folded (rowid tables: each batch appends to the last
  -- pages) and found by a member through a narrow index. Clustered by member (WITHOUT ROWID, as up to schema
  -- 3), every fold inserted ~250-byte rows into the middle of a member's pages: a random page to split and
  -- rebalance, and to write to the WAL, for every line; the index entry is a tenth of the row.
  -- 76k events folded into an empty file: 14 µs → 9.5 µs a row, and fewer pages per commit.
  CREATE UNIQUE INDEX statement_lines_by_member ON statement_lines (community_id, member_id, seq);

  CREATE TABLE service_records (
    community_id TEXT NOT NULL,
    member_id    TEXT NOT NULL,
    record_id    TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    status       TEXT NOT NULL,
    recorded_at  TEXT NOT NULL,
    payload      TEXT NOT NULL
  );
  -- See statement_lines: appended in fold order, found by member through this index.
  CREATE UNIQUE INDEX service_records_by_member ON service_records (community_id, member_id, record_id);
  CREATE INDEX service_records_by_status ON service_records (community_id, status, recorded_at, seq);

  CREATE TABLE catalogue_items (
    community_id TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    revision     INTEGER NOT NULL,
    active       INTEGER NOT NULL,
    payload      TEXT NOT NULL,
    PRIMARY KEY (community_id, item_id)
  ) WITHOUT ROWID;

  CREATE TABLE redemptions (
    community_id  TEXT NOT NULL,
    redemption_id TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    status        TEXT NOT NULL,
    member_id     TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    payload       TEXT NOT NULL,
    PRIMARY KEY (community_id, redemption_id)
  ) WITHOUT ROWID;
  CREATE INDEX redemptions_by_seq ON redemptions (community_id, seq);
  CREATE INDEX redemptions_by_member ON redemptions (community_id, member_id, seq);
  CREATE INDEX redemptions_by_status ON redemptions (community_id, status, redemption_id);

  CREATE TABLE transfers (
    community_id TEXT NOT NULL,
    transfer_id  TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    status       TEXT NOT NULL,
    from_id      TEXT NOT NULL,
    to_id        TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    payload      TEXT NOT NULL,
    PRIMARY KEY (community_id, transfer_id)
  ) WITHOUT ROWID;
  CREATE INDEX transfers_by_seq ON transfers (community_id, seq);
  CREATE INDEX transfers_by_from ON transfers (community_id, from_id, seq);
  CREATE INDEX transfers_by_to ON transfers (community_id, to_id, seq);
  CREATE INDEX transfers_by_status ON transfers (community_id, status, transfer_id);

  CREATE TABLE transfers_in_transit (
    community_id TEXT NOT NULL,
    transfer_id  TEXT NOT NULL,
    from_id      TEXT NOT NULL,
    to_id        TEXT NOT NULL,
    since        TEXT NOT NULL,
    PRIMARY KEY (community_id, transfer_id)
  ) WITHOUT ROWID;

  CREATE TABLE report_days (
    community_id TEXT NOT NULL,
    day          TEXT NOT NULL,
    ${int('issued')},
    ${int('clawed_back')},
    ${int('spent')},
    ${int('expired')},
    ${int('donated')},
    PRIMARY KEY (community_id, day)
  ) WITHOUT ROWID;

  CREATE TABLE report_hours (
    community_id TEXT NOT NULL,
    day          TEXT NOT NULL,
    category_id  TEXT NOT NULL,
    ${int('hours')},
    PRIMARY KEY (community_id, day, category_id)
  ) WITHOUT ROWID;

  CREATE TABLE report_active_members (
    community_id TEXT NOT NULL,
    day          TEXT NOT NULL,
    member_id    TEXT NOT NULL,
    PRIMARY KEY (community_id, day, member_id)
  ) WITHOUT ROWID;

  CREATE TABLE report_redemptions (
    community_id TEXT NOT NULL,
    day          TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    ${int('quantity')},
    PRIMARY KEY (community_id, day, item_id)
  ) WITHOUT ROWID;

  CREATE TABLE leaderboard_hours (
    community_id TEXT NOT NULL,
    service_day  TEXT NOT NULL,
    member_id    TEXT NOT NULL,
    ${int('hours')},
    PRIMARY KEY (community_id, service_day, member_id)
  ) WITHOUT ROWID;

  -- Activities, service requests and micro-wishes (kind), listed in the order they began.
  CREATE TABLE processes (
    community_id TEXT NOT NULL,
    kind         TEXT NOT NULL,
    process_id   TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    status       TEXT NOT NULL,
    member_id    TEXT NOT NULL,
    assignee_id  TEXT,
    starts_at    TEXT NOT NULL,
    due_at       TEXT NOT NULL,
    seats_left   INTEGER NOT NULL,
    updated_at   TEXT NOT NULL,
    payload      TEXT NOT NULL,
    PRIMARY KEY (community_id, kind, process_id)
  ) WITHOUT ROWID;
  CREATE INDEX processes_by_status ON processes (community_id, kind, status, seq);
  CREATE INDEX processes_by_seq ON processes (community_id, kind, seq);

  CREATE TABLE activity_members (
    community_id TEXT NOT NULL,
    member_id    TEXT NOT NULL,
    activity_id  TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    PRIMARY KEY (community_id, member_id, activity_id)
  ) WITHOUT ROWID;

  CREATE TABLE report_service_days (
    community_id TEXT NOT NULL,
    day          TEXT NOT NULL,
    ${int('activities_held')},
    ${int('turns')},
    ${int('requests_fulfilled')},
    PRIMARY KEY (community_id, day)
  ) WITHOUT ROWID;

  CREATE TABLE report_ratings (
    community_id TEXT NOT NULL,
    day          TEXT NOT NULL,
    volunteer_id TEXT NOT NULL,
    ${int('ratings')},
    ${int('rating_sum')},
    PRIMARY KEY (community_id, day, volunteer_id)
  ) WITHOUT ROWID;

  CREATE TABLE trial_balance (
    community_id TEXT NOT NULL,
    account      TEXT NOT NULL,
    ${int('balance')},
    PRIMARY KEY (community_id, account)
  ) WITHOUT ROWID;
`;

/** Names of the tables above. */
export const projectionTables: readonly string[] = [...projectionSchema.matchAll(/CREATE TABLE (\w+)/g)].map((m) => m[1]!);

/**
 * Every table of the schema dropped and created again: an empty projection. Refuses a file that holds any
 * other table (an event store given by mistake), because dropping it would lose what cannot be rebuilt.
 */
export function recreateProjectionSchema(db: Database.Database): void {
  db.transaction(() => {
    const tables = db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all();
    const foreign = tables.filter((name) => !projectionTables.includes(name));
    if (foreign.length > 0) {
      throw new Error(
        `${db.name} is not a projection file: it holds table(s) ${foreign.join(', ')}; ` +
          'give the projection store a file of its own (it is emptied and rebuilt whenever its schema changes)',
      );
    }
    for (const name of tables) db.exec(`DROP TABLE ${name}`);
    db.exec(projectionSchema);
    db.pragma(`user_version = ${projectionSchemaVersion}`);
  }).immediate();
}

/** Creates the schema in a new file; empties a file of another schema version (it is rebuilt from the store). */
export function prepareProjectionSchema(db: Database.Database): 'ready' | 'created' | 'recreated' {
  const version = db.pragma('user_version', { simple: true }) as number;
  // The event store numbers its own schema in user_version too: a matching number is only this schema when the
  // file also holds this schema's checkpoint table (otherwise `recreateProjectionSchema` refuses a foreign file).
  const ours = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'projection_checkpoint'").get() !== undefined;
  if (version === projectionSchemaVersion && ours) return 'ready';
  recreateProjectionSchema(db);
  return version === 0 ? 'created' : 'recreated';
}
