import type Database from 'better-sqlite3';
import type { CheckpointStore, IdempotencyRecord, IdempotencyStore, StreamSnapshot, StreamSnapshotStore, StreamSnapshotWrite, WriteOptions } from '@volunteer-ledger/core';
import type { GroupWrite, WriteDurability } from './sqlite-store.js';

/**
 * A deferred idempotency record is still committed before it is answered: a keyed command's outcome record
 * is deferred because its stream proves it after a power cut, but a repeat after a mere process crash must find
 * it — left in an open transaction, a crash would leave only the pending claim, and the repeat would be told
 * "in flight" until the claim's lease ran out. A best-effort record (a process's kept answer) may wait in the
 * open transaction for the next durable write: losing it loses nothing the process's stream cannot answer.
 */
const durabilityOf = (options: WriteOptions): WriteDurability =>
  options.durability === 'best-effort' ? 'may-wait' : options.durability === 'deferred' ? 'committed' : 'durable';

type RecordRow = [string, string, IdempotencyRecord['status'], string, string, string];

function toRecord(row: RecordRow): IdempotencyRecord {
  const [key, requestHash, status, outcome, createdAt, expiresAt] = row;
  return { key, requestHash, status, outcome: JSON.parse(outcome), createdAt, expiresAt };
}

/**
 * Idempotency records in the same database (and under the same durability setting) as the events, so a
 * key claimed before a crash is still claimed after it. Every write joins the store's group commit (one
 * savepoint inside the batch's `BEGIN IMMEDIATE` transaction, so a claim's check-and-insert is atomic
 * even against other processes) and resolves only once that commit is durable; reads see committed
 * records only.
 */
export class SqliteIdempotencyStore implements IdempotencyStore {
  private readonly selectOne: Database.Statement<[string], RecordRow>;
  private readonly upsert: Database.Statement<[string, string, string, string, string, string]>;
  private readonly deleteOne: Database.Statement<[string]>;
  private readonly deleteUpTo: Database.Statement<[string]>;
  private readonly claim: Database.Transaction<(record: IdempotencyRecord, now: string) => { inserted: boolean; record: IdempotencyRecord }>;

  constructor(
    db: Database.Database,
    private readonly assertOpen: () => void,
    private readonly groupWrite: GroupWrite,
  ) {
    this.selectOne = db
      .prepare<[string], RecordRow>(
        'SELECT key, request_hash, status, outcome, created_at, expires_at FROM idempotency_records WHERE key = ?',
      )
      .raw(true);
    this.upsert = db.prepare(
      `INSERT INTO idempotency_records (key, request_hash, status, outcome, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET request_hash = excluded.request_hash, status = excluded.status,
         outcome = excluded.outcome, created_at = excluded.created_at, expires_at = excluded.expires_at`,
    );
    this.deleteOne = db.prepare('DELETE FROM idempotency_records WHERE key = ?');
    this.deleteUpTo = db.prepare('DELETE FROM idempotency_records WHERE expires_at <= ?');
    this.claim = db.transaction((record: IdempotencyRecord, now: string) => {
      const existing = this.selectOne.get(record.key);
      if (existing && existing[5] > now) return { inserted: false, record: toRecord(existing) };
      this.write(record);
      return { inserted: true, record };
    });
  }

  async get(key: string): Promise<IdempotencyRecord | null> {
    this.assertOpen();
    const row = this.selectOne.get(key);
    return row ? toRecord(row) : null;
  }

  async tryInsert(record: IdempotencyRecord, now: string, options: WriteOptions = {}): Promise<{ inserted: boolean; record: IdempotencyRecord }> {
    this.assertOpen();
    return this.groupWrite(() => this.claim(record, now), durabilityOf(options));
  }

  async put(record: IdempotencyRecord, options: WriteOptions = {}): Promise<void> {
    this.assertOpen();
    await this.groupWrite(() => this.write(record), durabilityOf(options));
  }

  async delete(key: string): Promise<void> {
    this.assertOpen();
    await this.groupWrite(() => this.deleteOne.run(key));
  }

  async deleteExpired(now: string): Promise<number> {
    this.assertOpen();
    return this.groupWrite(() => this.deleteUpTo.run(now).changes);
  }

  private write(record: IdempotencyRecord): void {
    // The outcome is stored as JSON text, `null` included, so what comes back is exactly what went in.
    this.upsert.run(record.key, record.requestHash, record.status, JSON.stringify(record.outcome), record.createdAt, record.expiresAt);
  }
}

export class SqliteCheckpointStore implements CheckpointStore {
  private readonly selectOne: Database.Statement<[string], bigint>;
  private readonly upsert: Database.Statement<[string, bigint]>;

  constructor(
    db: Database.Database,
    private readonly assertOpen: () => void,
    private readonly groupWrite: GroupWrite,
  ) {
    // safeIntegers: positions are int64 in SQLite and bigint in the port; a JS number would lose them past 2^53.
    this.selectOne = db.prepare<[string], bigint>('SELECT position FROM checkpoints WHERE name = ?').pluck(true).safeIntegers(true);
    this.upsert = db.prepare(
      'INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position',
    );
  }

  async getCheckpoint(name: string): Promise<bigint | null> {
    this.assertOpen();
    return this.selectOne.get(name) ?? null;
  }

  async putCheckpoint(name: string, position: bigint): Promise<void> {
    this.assertOpen();
    // Through the group commit: a transaction may be open on the connection, holding deferred writes, and a
    // checkpoint written beside it must be as durable as it claims when this resolves.
    await this.groupWrite(() => this.upsert.run(name, position));
  }
}

type SnapshotRow = [string, number, string, string];

/**
 * Revisions a part stays after the latest snapshot stopped naming it: a ledger holding a state read from an older
 * snapshot reads its parts later, and finding one gone costs it a whole fold. Parts are rewritten rarely (a
 * changed part, copy on write), so what this keeps is small.
 */
export const supersededPartRetentionRevisions = 4096;

/**
 * Stream snapshots in the events' database. Writes join the group commit as deferred writes: nobody waits on a
 * snapshot, and one lost in a crash only costs the next cold read a longer fold. A write keeps the row of the
 * higher revision, so two ledgers on one file cannot move a snapshot backwards; its parts are written in the
 * same transaction (one part id is one content, so a part written again replaces a damaged copy).
 */
export class SqliteStreamSnapshotStore implements StreamSnapshotStore {
  private readonly selectOne: Database.Statement<[string], SnapshotRow>;
  private readonly upsert: Database.Statement<[string, number, string, string]>;
  private readonly selectPart: Database.Statement<[string, string], string>;
  private readonly upsertPart: Database.Statement<[string, string, string]>;
  private readonly supersedeParts: Database.Statement<[number, string, string]>;
  private readonly renameParts: Database.Statement<[string, string]>;
  private readonly dropParts: Database.Statement<[string, number]>;
  private readonly writeOne: Database.Transaction<(snapshot: StreamSnapshotWrite) => void>;

  constructor(
    db: Database.Database,
    private readonly assertOpen: () => void,
    private readonly groupWrite: GroupWrite,
  ) {
    this.selectOne = db.prepare<[string], SnapshotRow>('SELECT stream_name, revision, state_version, state FROM stream_snapshots WHERE stream_name = ?').raw(true);
    this.upsert = db.prepare(
      `INSERT INTO stream_snapshots (stream_name, revision, state_version, state) VALUES (?, ?, ?, ?)
       ON CONFLICT (stream_name) DO UPDATE SET revision = excluded.revision, state_version = excluded.state_version, state = excluded.state
       WHERE excluded.revision > stream_snapshots.revision`,
    );
    this.selectPart = db.prepare<[string, string], string>('SELECT text FROM stream_snapshot_parts WHERE stream_name = ? AND part_id = ?').pluck(true);
    this.upsertPart = db.prepare(
      `INSERT INTO stream_snapshot_parts (stream_name, part_id, text) VALUES (?, ?, ?)
       ON CONFLICT (stream_name, part_id) DO UPDATE SET text = excluded.text, superseded_at = NULL`,
    );
    this.supersedeParts = db.prepare(
      `UPDATE stream_snapshot_parts SET superseded_at = ?
       WHERE stream_name = ? AND superseded_at IS NULL AND part_id NOT IN (SELECT value FROM json_each(?))`,
    );
    this.renameParts = db.prepare(
      `UPDATE stream_snapshot_parts SET superseded_at = NULL
       WHERE stream_name = ? AND superseded_at IS NOT NULL AND part_id IN (SELECT value FROM json_each(?))`,
    );
    this.dropParts = db.prepare('DELETE FROM stream_snapshot_parts WHERE stream_name = ? AND superseded_at < ?');
    this.writeOne = db.transaction((snapshot: StreamSnapshotWrite) => {
      if (this.upsert.run(snapshot.streamName, snapshot.revision, snapshot.stateVersion, snapshot.state).changes === 0) return;
      for (const part of snapshot.parts ?? []) this.upsertPart.run(snapshot.streamName, part.id, part.text);
      const named = JSON.stringify(snapshot.partIds ?? []);
      this.supersedeParts.run(snapshot.revision, snapshot.streamName, named);
      // A part named again (superseded by a snapshot another ledger wrote from another state) is kept again.
      this.renameParts.run(snapshot.streamName, named);
      this.dropParts.run(snapshot.streamName, snapshot.revision - supersededPartRetentionRevisions);
    });
  }

  async read(streamName: string): Promise<StreamSnapshot | null> {
    this.assertOpen();
    const row = this.selectOne.get(streamName);
    return row ? { streamName: row[0], revision: Number(row[1]), stateVersion: row[2], state: row[3] } : null;
  }

  readPart(streamName: string, partId: string): string | null {
    this.assertOpen();
    return this.selectPart.get(streamName, partId) ?? null;
  }

  async write(snapshot: StreamSnapshotWrite): Promise<void> {
    this.assertOpen();
    // Derived data: it may wait in the open transaction, and a crash that takes it only lengthens a fold.
    await this.groupWrite(() => this.writeOne(snapshot), 'may-wait');
  }
}
