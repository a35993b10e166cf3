/** Read-model snapshots in their own SQLite file: a restarted service catches up from its checkpoint. */
import Database from 'better-sqlite3';
import type { SnapshotStore } from '@volunteer-ledger/core';

export class SqliteSnapshotStore implements SnapshotStore {
  private readonly db: Database.Database;

  constructor(filename: string) {
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS snapshots (name TEXT PRIMARY KEY, position TEXT NOT NULL, data TEXT NOT NULL)');
  }

  async load(name: string) {
    const row = this.db.prepare<[string], { position: string; data: string }>('SELECT position, data FROM snapshots WHERE name = ?').get(name);
    return row ? { position: BigInt(row.position), data: row.data } : null;
  }

  async save(name: string, position: bigint, data: string) {
    this.db
      .prepare('INSERT INTO snapshots (name, position, data) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position, data = excluded.data')
      .run(name, position.toString(), data);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
