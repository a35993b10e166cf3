/**
 * Key records in one SQLite file in the data directory (`credentials.sqlite`): the embedded default.
 *
 * `secure_delete` is on, so a deleted member key's bytes are overwritten in the file rather than left in a
 * free page; the WAL is checkpointed and truncated after each delete, so no copy stays there either.
 *
 * Files written by versions before envelope encryption had two tables, `api_keys` (columns) and
 * `member_keys` (raw keys); opening such a file moves their rows into `key_records` in one transaction
 * (member keys still raw: the credential store wraps them right after, see master-key.ts) and drops them.
 */
import Database from 'better-sqlite3';
import type { KeyRecordKind, KeyRecordStore } from '@volunteer-ledger/core';
import { restrictSqliteFile } from './file-modes.js';

interface LegacyKeyRow {
  id: string;
  secret_hash: Buffer;
  role: string;
  community_id: string;
  subject: string;
  label: string;
  created_at: string;
  revoked_at: string | null;
}

export class SqliteKeyRecords implements KeyRecordStore {
  private readonly db: Database.Database;
  private readonly selectOne: Database.Statement<[string, string], { value: Buffer }>;
  private readonly insert: Database.Statement<[string, string, Buffer]>;
  private readonly update: Database.Statement<[Buffer, string, string]>;
  private readonly remove: Database.Statement<[string, string]>;
  private readonly selectKind: Database.Statement<[string], { id: string; value: Buffer }>;

  private constructor(readonly filename: string) {
    this.db = new Database(restrictSqliteFile(filename));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('secure_delete = ON');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS key_records (
        kind TEXT NOT NULL CHECK (kind IN ('member-key', 'api-key', 'meta')),
        id TEXT NOT NULL,
        value BLOB NOT NULL,
        PRIMARY KEY (kind, id)
      ) WITHOUT ROWID;
    `);
    this.migrateLegacyTables();
    this.selectOne = this.db.prepare('SELECT value FROM key_records WHERE kind = ? AND id = ?');
    // Never overwrites: two instances sealing for one member at once must end up with one key.
    this.insert = this.db.prepare('INSERT INTO key_records (kind, id, value) VALUES (?, ?, ?) ON CONFLICT (kind, id) DO NOTHING');
    this.update = this.db.prepare('UPDATE key_records SET value = ? WHERE kind = ? AND id = ?');
    this.remove = this.db.prepare('DELETE FROM key_records WHERE kind = ? AND id = ?');
    this.selectKind = this.db.prepare('SELECT id, value FROM key_records WHERE kind = ? ORDER BY id');
  }

  static open(filename: string): SqliteKeyRecords {
    return new SqliteKeyRecords(filename);
  }

  async get(kind: KeyRecordKind, id: string) {
    const row = this.selectOne.get(kind, id);
    return row ? new Uint8Array(row.value) : null;
  }

  async putIfAbsent(kind: KeyRecordKind, id: string, value: Uint8Array) {
    this.insert.run(kind, id, Buffer.from(value));
    return new Uint8Array(this.selectOne.get(kind, id)!.value);
  }

  async replace(kind: KeyRecordKind, id: string, value: Uint8Array) {
    const replaced = this.update.run(Buffer.from(value), kind, id).changes > 0;
    // The old value (a raw key being wrapped) must not linger in the WAL.
    if (replaced) this.db.pragma('wal_checkpoint(TRUNCATE)');
    return replaced;
  }

  async delete(kind: KeyRecordKind, id: string) {
    if (this.remove.run(kind, id).changes > 0) this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async list(kind: KeyRecordKind) {
    return this.selectKind.all(kind).map((row) => ({ id: row.id, value: new Uint8Array(row.value) }));
  }

  async close() {
    if (this.db.open) this.db.close();
  }

  private migrateLegacyTables(): void {
    const tables = new Set(this.db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((t) => t.name));
    if (!tables.has('api_keys') && !tables.has('member_keys')) return;
    const insert = this.db.prepare<[string, string, Buffer]>('INSERT INTO key_records (kind, id, value) VALUES (?, ?, ?) ON CONFLICT (kind, id) DO NOTHING');
    this.db.transaction(() => {
      if (tables.has('api_keys')) {
        for (const row of this.db.prepare<[], LegacyKeyRow>('SELECT * FROM api_keys').all()) {
          const record = {
            id: row.id,
            role: row.role,
            communityId: row.community_id,
            subject: row.subject,
            label: row.label,
            createdAt: row.created_at,
            revokedAt: row.revoked_at,
            secretHash: row.secret_hash.toString('hex'),
          };
          insert.run('api-key', row.id, Buffer.from(JSON.stringify(record), 'utf8'));
        }
        this.db.exec('DROP TABLE api_keys');
      }
      if (tables.has('member_keys')) {
        for (const row of this.db.prepare<[], { key_id: string; key: Buffer }>('SELECT key_id, key FROM member_keys').all()) insert.run('member-key', row.key_id, row.key);
        this.db.exec('DROP TABLE member_keys');
      }
    })();
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }
}
