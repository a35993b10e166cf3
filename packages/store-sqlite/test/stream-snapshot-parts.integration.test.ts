/**
 * Stream snapshot parts in SQLite (schema 5, SqliteStreamSnapshotStore): parts are written with their snapshot,
 * read synchronously one at a time, kept while named and for a while after; a schema-4 file (one-row snapshots)
 * opens and works; a long member read cold through its parts is the member folded whole.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger, ManualClock, type MemberState } from '@volunteer-ledger/core';
import { SqliteEventStore, migrations, schemaVersion } from '../src/index.js';
import { supersededPartRetentionRevisions } from '../src/records.js';

let dir: string;
let filename: string;
const opened: SqliteEventStore[] = [];

function open(): SqliteEventStore {
  const store = SqliteEventStore.open(filename);
  opened.push(store);
  return store;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ledger-sqlite-parts-'));
  filename = join(dir, 'events.sqlite');
});

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const clock = () => new ManualClock(new Date('2026-03-01T00:00:00.000Z'));
const admin = { id: 'admin', role: 'admin' as const, communityId: '*' };
const streamName = 'member-c1-m1';
const plain = (state: MemberState) => Object.fromEntries(Object.entries(state).map(([k, v]) => [k, v instanceof Map ? [...v.entries()] : v]));

async function checkIns(ledger: Ledger, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += 1) {
    const out = Date.parse('2026-02-28T12:00:00.000Z') - i * 86_400_000;
    const r = await ledger.execute(
      { type: 'RecordCheckedInHours', communityId: 'c1', memberId: 'm1', recordId: `r${i}`, category: 'environment', checkedInAt: new Date(out - 7_200_000).toISOString(), checkedOutAt: new Date(out).toISOString() },
      { actor: admin },
    );
    expect(r.ok, JSON.stringify(r)).toBe(true);
  }
}

async function member(store: SqliteEventStore): Promise<Ledger> {
  const ledger = new Ledger({ store, clock: clock() });
  for (const command of [
    { type: 'RegisterCommunity' as const, communityId: 'c1', name: 'C', policy: { levelThresholdsHours: [] } },
    { type: 'RegisterMember' as const, communityId: 'c1', memberId: 'm1' },
  ]) expect((await ledger.execute(command, { actor: admin })).ok).toBe(true);
  return ledger;
}

describe('SQLite store: snapshot parts', () => {
  it('keeps parts written with a snapshot, reads them one at a time, and drops parts no longer named only after the retention', async () => {
    const store = open();
    const snapshots = store.streamSnapshots;
    const write = (revision: number, parts: string[], partIds: string[]) =>
      snapshots.write({ streamName, revision, stateVersion: 'v', state: `s${revision}`, parts: parts.map((id) => ({ id, text: `text of ${id}` })), partIds });
    await write(10, ['a', 'b'], ['a', 'b']);
    expect(snapshots.readPart(streamName, 'a')).toBe('text of a');
    expect(snapshots.readPart('member-c1-m2', 'a')).toBeNull();
    await write(20, ['c'], ['a', 'c']);
    // b is no longer named, but a state read from the snapshot of revision 10 may still need it.
    expect(snapshots.readPart(streamName, 'b')).toBe('text of b');
    // A write of an older revision changes nothing, its parts included.
    await write(15, ['d'], ['d']);
    expect(snapshots.readPart(streamName, 'd')).toBeNull();
    expect((await snapshots.read(streamName))?.state).toBe('s20');
    await write(20 + supersededPartRetentionRevisions, [], ['a', 'c']);
    expect(snapshots.readPart(streamName, 'b')).toBe('text of b');
    await write(21 + supersededPartRetentionRevisions, [], ['c']);
    expect(snapshots.readPart(streamName, 'b')).toBeNull();
    expect(snapshots.readPart(streamName, 'a')).toBe('text of a');
    // Named again before it is dropped (another ledger's snapshot stopped naming it): kept again.
    await write(22 + supersededPartRetentionRevisions, [], ['a', 'c']);
    await write(30 + 2 * supersededPartRetentionRevisions, [], ['a', 'c']);
    expect(snapshots.readPart(streamName, 'a')).toBe('text of a');
    expect(snapshots.readPart(streamName, 'c')).toBe('text of c');
    // A part written again under its name replaces the stored text (a damaged copy is mended).
    await snapshots.write({ streamName, revision: 31 + 2 * supersededPartRetentionRevisions, stateVersion: 'v', state: 's', parts: [{ id: 'c', text: 'mended' }], partIds: ['a', 'c'] });
    expect(snapshots.readPart(streamName, 'c')).toBe('mended');
  });

  it('a long member read cold after reopening, through its snapshot parts, is the member folded whole', async () => {
    const first = open();
    await checkIns(await member(first), 0, 300);
    await first.close();
    const again = open();
    const check = new Database(filename, { readonly: true });
    const parts = check.prepare('SELECT count(*) FROM stream_snapshot_parts WHERE stream_name = ?').pluck().get(streamName) as number;
    check.close();
    expect(parts).toBeGreaterThanOrEqual(3);
    const viaParts = await new Ledger({ store: again, clock: clock() }).member('c1', 'm1');
    const whole = await new Ledger({ store: again, clock: clock(), streamSnapshots: false }).member('c1', 'm1');
    expect(viaParts.revision).toBe(whole.revision);
    expect(plain(viaParts.state)).toStrictEqual(plain(whole.state));
    expect(whole.state.records.size).toBe(300);
  });
});

describe('SQLite store: migration to schema 5 (snapshot parts)', () => {
  it('a schema-4 file with one-row snapshots opens, keeps its events, and a ledger on it reads its members and writes parted snapshots', async () => {
    // A schema-4 file: the first four migrations, a member's events, and a snapshot row of the old codec.
    const raw = new Database(filename);
    raw.pragma('journal_mode = WAL');
    for (const migration of migrations.slice(0, 4)) raw.exec(migration);
    raw.pragma('user_version = 4');
    raw.close();
    // Events written through the store would migrate the file first: written by a store on a copy, then moved in.
    const source = join(dir, 'source.sqlite');
    const writer = SqliteEventStore.open(source);
    await checkIns(await member(writer), 0, 20);
    const events = await writer.readAll({ maxCount: 1_000 });
    await writer.close();
    const old = new Database(filename);
    const insert = old.prepare('INSERT INTO events (stream_name, revision, event_id, type, schema_version, data, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const e of events) insert.run(e.streamName, e.revision, e.eventId, e.type, e.schemaVersion, JSON.stringify(e.data), JSON.stringify(e.metadata));
    old.prepare('INSERT INTO stream_snapshots (stream_name, revision, state_version, state) VALUES (?, ?, ?, ?)').run(streamName, 40, 'member/1/tables1', 'an old one-row snapshot');
    old.close();

    const store = open();
    expect(store.settings().schemaVersion).toBe(schemaVersion);
    expect(schemaVersion).toBe(5);
    const ledger = new Ledger({ store, clock: clock() });
    const read = await ledger.member('c1', 'm1');
    expect(read.revision).toBe(60);
    expect(read.state.records.size).toBe(20);
    await checkIns(ledger, 20, 120);
    const snapshot = await store.streamSnapshots.read(streamName);
    expect(snapshot?.stateVersion).toBe('member/1/tables2');
    expect(snapshot!.revision).toBeGreaterThan(40);
    const cold = await new Ledger({ store, clock: clock() }).member('c1', 'm1');
    const whole = await new Ledger({ store, clock: clock(), streamSnapshots: false }).member('c1', 'm1');
    expect(plain(cold.state)).toStrictEqual(plain(whole.state));
    expect(cold.state.records.size).toBe(120);
  });
});
