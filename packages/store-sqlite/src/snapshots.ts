import type Database from 'better-sqlite3';
import type { SnapshotStore } from '@volunteer-ledger/core';

type SnapshotRow = [bigint, string];

/**
 * Read-model snapshots in the event store's own database (table `snapshots`, migration 2), so that a
 * service on SQLite needs one file, and a snapshot is as durable as the events it was folded from.
 *
 * `save` is one statement on the store's single connection: atomic, fsynced at commit under the store's
 * `synchronous` setting. A crash leaves the previous snapshot or the new one, never a torn one. Group
 * commits of appends run synchronously inside one event-loop turn, so a save never lands inside one.
 */
export class SqliteSnapshotStore implements SnapshotStore {
  private readonly selectOne: Database.Statement<[string], SnapshotRow>;
  private readonly upsert: Database.Statement<[string, bigint, string]>;

  constructor(db: Database.Database, private readonly assertOpen: () => void) {
    // safeIntegers: positions are int64 in SQLite and bigint in the port.
    this.selectOne = db.prepare<[string], SnapshotRow>('SELECT position, data FROM snapshots WHERE name = ?').raw(true).safeIntegers(true);
    this.upsert = db.prepare(
      'INSERT INTO snapshots (name, position, data) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position, data = excluded.data',
    );
  }

  async load(name: string): Promise<{ position: bigint; data: string } | null> {
    this.assertOpen();
    const row = this.selectOne.get(name);
    return row ? { position: row[0], data: row[1] } : null;
  }

  async save(name: string, position: bigint, data: string): Promise<void> {
    this.assertOpen();
    if (position < 0n) throw new Error(`snapshot ${name}: position ${position} is negative; a snapshot names the last position it folded`);
    this.upsert.run(name, position, data);
  }
}
