import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger, ManualClock, WrongExpectedRevisionError } from '@volunteer-ledger/core';
import { contractEvent, contractEvents } from '@volunteer-ledger/store-contract';
import { SqliteEventStore, deferredCommitDelayMs, migrations, schemaVersion } from '../src/index.js';

let dir: string;
let filename: string;
const opened: SqliteEventStore[] = [];

function open(options: Parameters<typeof SqliteEventStore.open>[1] = {}): SqliteEventStore {
  const store = SqliteEventStore.open(filename, options);
  opened.push(store);
  return store;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ledger-sqlite-'));
  filename = join(dir, 'events.sqlite');
});

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SQLite store: durability settings and schema', () => {
  it('runs in WAL mode with synchronous=FULL by default, at the current schema version', () => {
    expect(open().settings()).toEqual({ journalMode: 'wal', synchronous: 'FULL', schemaVersion });
  });

  it('reopens an existing database without migrating it twice', async () => {
    const first = open();
    await first.appendToStream('member-c1-m1', contractEvents(1), { expectedRevision: 'no_stream' });
    await first.close();
    const again = open({ synchronous: 'EXTRA' });
    expect(again.settings()).toEqual({ journalMode: 'wal', synchronous: 'EXTRA', schemaVersion });
    expect(await again.streamRevision('member-c1-m1')).toBe(0);
  });

  it('refuses a database written by a newer schema, saying what to do', () => {
    const raw = new Database(filename);
    raw.pragma(`user_version = ${schemaVersion + 1}`);
    raw.close();
    expect(() => open()).toThrow(new RegExp(`schema version ${schemaVersion + 1}, newer than the ${schemaVersion} this code knows; upgrade`));
  });
});

describe('SQLite store: event count', () => {
  it('counts every event of every stream (the total behind the CLI progress)', async () => {
    const store = open();
    expect(await store.eventCount()).toBe(0);
    await store.appendToStream('member-c1-m1', contractEvents(3), { expectedRevision: 'no_stream' });
    await store.appendToStream('member-c1-m2', contractEvents(2), { expectedRevision: 'no_stream' });
    expect(await store.eventCount()).toBe(5);
  });
});

describe('SQLite store: group commit', () => {
  it('commits appends that arrive together in one transaction', async () => {
    const store = open();
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, i) => store.appendToStream(`member-c1-m${i}`, contractEvents(1), { expectedRevision: 'no_stream' })),
    );
    expect(results).toHaveLength(64);
    expect(store.stats()).toEqual({ commits: 1, syncedCommits: 1, appends: 64 });
  });

  it('commits deferred writes with the next durable one: a phase of steps and its last record are one synced commit', async () => {
    const store = open();
    await store.appendToStream('redemption-c1-r1', contractEvents(1), { expectedRevision: 'no_stream', durability: 'deferred' });
    await store.appendToStream('reward-c1-rice', contractEvents(1), { expectedRevision: 'no_stream', durability: 'deferred' });
    // Waiting in the open transaction: answered, numbered, and read back on this connection …
    expect(store.stats()).toEqual({ commits: 0, syncedCommits: 0, appends: 2 });
    expect((await store.readStream('reward-c1-rice')).map((e) => e.revision)).toEqual([0]);
    expect(store.settings().synchronous).toBe('FULL');
    await store.appendToStream('redemption-c1-r1', contractEvents(1), { expectedRevision: 0 });
    expect(store.stats()).toEqual({ commits: 1, syncedCommits: 1, appends: 3 });
    // A deferred idempotency record is committed at once, without a sync; a durable one is synced.
    await store.idempotency.tryInsert({ key: 'k', requestHash: 'h', status: 'pending', outcome: null, createdAt: 'a', expiresAt: 'z' }, 'b', { durability: 'deferred' });
    expect(store.stats()).toEqual({ commits: 2, syncedCommits: 1, appends: 3 });
    await store.idempotency.put({ key: 'k', requestHash: 'h', status: 'completed', outcome: null, createdAt: 'a', expiresAt: 'z' });
    expect(store.stats()).toEqual({ commits: 3, syncedCommits: 2, appends: 3 });
    expect((await store.readStream('redemption-c1-r1')).map((e) => e.revision)).toEqual([0, 1]);
    // A batch mixing both is synced.
    await Promise.all([
      store.appendToStream('member-c1-x', contractEvents(1), { expectedRevision: 'no_stream', durability: 'deferred' }),
      store.appendToStream('member-c1-y', contractEvents(1), { expectedRevision: 'no_stream' }),
    ]);
    expect(store.stats()).toEqual({ commits: 4, syncedCommits: 3, appends: 5 });
    // Another connection sees every write once it is committed.
    const other = new Database(filename, { readonly: true });
    try {
      expect(other.prepare('SELECT count(*) FROM events').pluck().get()).toBe(5);
      expect(other.prepare('SELECT status FROM idempotency_records WHERE key = ?').pluck().get('k')).toBe('completed');
    } finally {
      other.close();
    }
  });

  it('keeps deferred writes from readAll and other connections until they commit, and commits them alone when nothing durable follows', async () => {
    const store = open();
    await store.appendToStream('member-c1-a', contractEvents(1), { expectedRevision: 'no_stream' });
    const waiting = await store.appendToStream('redemption-c1-r1', contractEvents(2), { expectedRevision: 'no_stream', durability: 'deferred' });
    // A subscriber (readAll) must not fold an event a crash could take back, nor a position that could be used again.
    expect((await store.readAll({ maxCount: 100 })).map((e) => e.streamName)).toEqual(['member-c1-a']);
    const other = new Database(filename, { readonly: true });
    try {
      expect(other.prepare('SELECT count(*) FROM events').pluck().get()).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, deferredCommitDelayMs * 3));
      expect(store.stats()).toEqual({ commits: 2, syncedCommits: 1, appends: 2 });
      expect(other.prepare('SELECT count(*) FROM events').pluck().get()).toBe(3);
    } finally {
      other.close();
    }
    const all = await store.readAll({ maxCount: 100 });
    expect(all.map((e) => e.streamName)).toEqual(['member-c1-a', 'redemption-c1-r1', 'redemption-c1-r1']);
    expect(all.at(-1)!.position).toBe(waiting.position);
  });

  it('never leaves a deferred idempotency record waiting: a repeat after a killed process must find it, so it commits the appends waiting with it', async () => {
    const store = open();
    await store.appendToStream('redemption-c1-r1', contractEvents(1), { expectedRevision: 'no_stream', durability: 'deferred' });
    await store.idempotency.put({ key: 'k', requestHash: 'h', status: 'completed', outcome: null, createdAt: 'a', expiresAt: 'z' }, { durability: 'deferred' });
    expect(store.stats()).toEqual({ commits: 1, syncedCommits: 0, appends: 1 });
    const other = new Database(filename, { readonly: true });
    try {
      expect(other.prepare('SELECT count(*) FROM events').pluck().get()).toBe(1);
      expect(other.prepare('SELECT status FROM idempotency_records WHERE key = ?').pluck().get('k')).toBe('completed');
    } finally {
      other.close();
    }
  });

  it('lets a best-effort record (a process kept answer) wait for the next durable write, read back at once, in one synced commit with it', async () => {
    const store = open();
    await store.appendToStream('member-c1-a', contractEvents(1), { expectedRevision: 'no_stream' });
    const answer = { key: 'c1:repeat:fp', requestHash: 'fp', status: 'completed' as const, outcome: { ok: true }, createdAt: 'a', expiresAt: 'z' };
    await store.idempotency.put(answer, { durability: 'best-effort' });
    // Answered with no commit of its own, yet this store reads it back.
    expect(store.stats()).toEqual({ commits: 1, syncedCommits: 1, appends: 1 });
    expect(await store.idempotency.get(answer.key)).toEqual(answer);
    const other = new Database(filename, { readonly: true });
    try {
      expect(other.prepare('SELECT count(*) FROM idempotency_records').pluck().get()).toBe(0);
      await store.appendToStream('member-c1-b', contractEvents(1), { expectedRevision: 'no_stream' });
      expect(store.stats()).toEqual({ commits: 2, syncedCommits: 2, appends: 2 });
      expect(other.prepare('SELECT status FROM idempotency_records WHERE key = ?').pluck().get(answer.key)).toBe('completed');
    } finally {
      other.close();
    }
  });

  it('syncDeferred commits deferred appends, synced, before it resolves; with none waiting it commits nothing', async () => {
    const store = open();
    await store.syncDeferred();
    expect(store.stats().commits).toBe(0);
    // Only a snapshot or a best-effort record waiting is no reason for an fsync.
    await store.idempotency.put({ key: 'k', requestHash: 'h', status: 'completed', outcome: null, createdAt: 'a', expiresAt: 'z' }, { durability: 'best-effort' });
    await store.syncDeferred();
    expect(store.stats().commits).toBe(0);
    // Queued but not yet run: syncDeferred waits for it too.
    const queued = store.appendToStream('member-c1-a', contractEvents(2), { expectedRevision: 'no_stream', durability: 'deferred' });
    await store.syncDeferred();
    await queued;
    expect(store.stats()).toEqual({ commits: 1, syncedCommits: 1, appends: 1 });
    await store.appendToStream('member-c1-a', contractEvents(1, 2), { expectedRevision: 1, durability: 'deferred' });
    const other = new Database(filename, { readonly: true });
    try {
      expect(other.prepare('SELECT count(*) FROM events').pluck().get()).toBe(2);
      await store.syncDeferred();
      expect(store.stats()).toEqual({ commits: 2, syncedCommits: 2, appends: 2 });
      expect(other.prepare('SELECT count(*) FROM events').pluck().get()).toBe(3);
    } finally {
      other.close();
    }
  });

  it('a process whose steps end it (an attendee checked in, nothing recorded after) answers only once they are durable', async () => {
    const store = open();
    const clock = new ManualClock(new Date('2026-06-01T00:00:00Z'));
    const ledger = new Ledger({ store, clock });
    const admin = { id: 'admin', role: 'admin', communityId: '*' } as const;
    const organiser = { id: 'org', role: 'organiser', communityId: 'c1' } as const;
    const must = async (command: Parameters<Ledger['execute']>[0], actor: Parameters<Ledger['execute']>[1]['actor']) => {
      const result = await ledger.execute(command, { actor });
      if (!result.ok) throw new Error(`${command.type}: ${result.error.message}`);
      return result.value;
    };
    await must({ type: 'RegisterCommunity', communityId: 'c1', name: 'c', policy: { autoApproveCheckedIn: false } }, admin);
    await must({ type: 'AppointOrganiser', communityId: 'c1', memberId: 'org' }, admin);
    await must({ type: 'RegisterMember', communityId: 'c1', memberId: 'm1' }, admin);
    await must({ type: 'PublishActivity', communityId: 'c1', activityId: 'day', title: '义诊', category: 'public-health', startsAt: '2026-06-06T01:00:00Z', endsAt: '2026-06-06T03:00:00Z', place: '站', capacity: 10 }, organiser);
    await must({ type: 'SignUpForActivity', communityId: 'c1', activityId: 'day', memberId: 'm1' }, { id: 'm1', role: 'member', communityId: 'c1' });
    clock.set('2026-06-06T00:50:00Z');
    const other = new Database(filename, { readonly: true });
    try {
      const checkedIn = await must({ type: 'CheckInAttendee', communityId: 'c1', activityId: 'day', memberId: 'm1' }, organiser);
      // Its last append is the member's presence, a step: acknowledged, it must already be in the file.
      expect(checkedIn.events.map((e) => e.type)).toEqual(['AttendeeCheckedIn', 'PresenceBegan']);
      const stored = other.prepare('SELECT type FROM events WHERE event_id IN (?, ?) ORDER BY position').pluck().all(...checkedIn.events.map((e) => e.eventId));
      expect(stored).toEqual(['AttendeeCheckedIn', 'PresenceBegan']);
    } finally {
      other.close();
    }
  });

  it('commits a best-effort record alone when nothing durable follows within the delay', async () => {
    const store = open();
    await store.idempotency.put({ key: 'k', requestHash: 'h', status: 'completed', outcome: null, createdAt: 'a', expiresAt: 'z' }, { durability: 'best-effort' });
    expect(store.stats().commits).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, deferredCommitDelayMs * 3));
    expect(store.stats()).toEqual({ commits: 1, syncedCommits: 0, appends: 0 });
    const other = new Database(filename, { readonly: true });
    try {
      expect(other.prepare('SELECT count(*) FROM idempotency_records').pluck().get()).toBe(1);
    } finally {
      other.close();
    }
  });

  it('a subscriber is woken only when deferred appends are committed, and then sees them', async () => {
    const store = open();
    const subscription = store.subscribeToAll();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of subscription) {
        seen.push(event.streamName);
        if (seen.length === 2) break;
      }
    })();
    await store.appendToStream('redemption-c1-r1', contractEvents(1), { expectedRevision: 'no_stream', durability: 'deferred' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([]);
    await store.appendToStream('member-c1-a', contractEvents(1), { expectedRevision: 'no_stream' });
    await reading;
    expect(seen).toEqual(['redemption-c1-r1', 'member-c1-a']);
  });

  it('closing commits deferred writes still waiting: a clean close loses nothing', async () => {
    const store = SqliteEventStore.open(filename);
    await store.appendToStream('redemption-c1-r1', contractEvents(3), { expectedRevision: 'no_stream', durability: 'deferred' });
    await store.streamSnapshots.write({ streamName: 'member-c1-m1', revision: 1, stateVersion: 'v', state: '{}' });
    await store.close();
    const again = open();
    expect((await again.readStream('redemption-c1-r1')).map((e) => e.revision)).toEqual([0, 1, 2]);
    expect(await again.streamSnapshots.read('member-c1-m1')).not.toBeNull();
  });

  it('a deferred append refused in the open transaction leaves nothing and does not disturb the others', async () => {
    const store = open();
    await store.appendToStream('redemption-c1-r1', contractEvents(1), { expectedRevision: 'no_stream', durability: 'deferred' });
    await expect(store.appendToStream('redemption-c1-r1', contractEvents(2), { expectedRevision: 'no_stream', durability: 'deferred' })).rejects.toThrow(WrongExpectedRevisionError);
    await store.appendToStream('redemption-c1-r1', contractEvents(1, 1), { expectedRevision: 0 });
    expect((await store.readAll({ maxCount: 100 })).map((e) => [e.revision, e.data['n']])).toEqual([[0, 0], [1, 1]]);
  });

  it('an append that breaks a constraint half-way fails alone and leaves none of its events', async () => {
    const store = open();
    const taken = contractEvent({ n: 0 });
    await store.appendToStream('member-c1-a', [taken], { expectedRevision: 'no_stream' });
    const outcomes = await Promise.allSettled([
      store.appendToStream('member-c1-b', contractEvents(1), { expectedRevision: 'no_stream' }),
      // Its second event reuses an id already in the store: the first must not stay behind.
      store.appendToStream('member-c1-c', [contractEvent({ n: 1 }), { ...contractEvent({ n: 2 }), eventId: taken.eventId }], {
        expectedRevision: 'no_stream',
      }),
      store.appendToStream('member-c1-d', contractEvents(2), { expectedRevision: 'no_stream' }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toContain(`event id ${taken.eventId} is already in the store`);
    expect(await store.readStream('member-c1-c')).toEqual([]);
    expect(await store.streamRevision('member-c1-d')).toBe(1);
    expect(store.stats().commits).toBe(2);
  });

  it('commits idempotency records with the appends, and a second claim of a key in the same batch loses', async () => {
    const store = open();
    const record = (key: string) => ({
      key,
      requestHash: '0'.repeat(64),
      status: 'pending' as const,
      outcome: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2099-01-01T00:00:00.000Z',
    });
    const now = '2026-01-01T00:00:00.000Z';
    const [claims, appends, again] = await Promise.all([
      Promise.all(Array.from({ length: 16 }, (_, i) => store.idempotency.tryInsert(record(`k${i}`), now))),
      Promise.all(Array.from({ length: 16 }, (_, i) => store.appendToStream(`member-c1-m${i}`, contractEvents(1), { expectedRevision: 'no_stream' }))),
      store.idempotency.tryInsert({ ...record('k0'), requestHash: '1'.repeat(64) }, now),
    ]);
    expect(claims.every((c) => c.inserted)).toBe(true);
    expect(appends).toHaveLength(16);
    expect(again).toEqual({ inserted: false, record: record('k0') });
    expect(store.stats()).toEqual({ commits: 1, syncedCommits: 1, appends: 16 });
  });

  it('close() commits appends still waiting for their batch', async () => {
    const store = open();
    const pending = store.appendToStream('member-c1-m1', contractEvents(3), { expectedRevision: 'no_stream' });
    await store.close();
    expect((await pending).nextExpectedRevision).toBe(2);
    expect(await open().streamRevision('member-c1-m1')).toBe(2);
  });
});

describe('SQLite store: two connections to one file (another process)', () => {
  it('their appends race correctly and a subscription sees them at the next timed poll', async () => {
    const here = open({ pollIntervalMs: 20 });
    const there = open();
    await here.appendToStream('member-c1-m1', contractEvents(1), { expectedRevision: 'no_stream' });
    const outcomes = await Promise.allSettled([
      here.appendToStream('member-c1-m1', contractEvents(1), { expectedRevision: 0 }),
      there.appendToStream('member-c1-m1', contractEvents(1), { expectedRevision: 0 }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(WrongExpectedRevisionError);

    const subscription = here.subscribeToAll();
    const iterator = subscription[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.revision).toBe(0);
    expect((await iterator.next()).value?.revision).toBe(1);
    // Appended through the other connection: this store's signal never rings, only the poll finds it.
    await there.appendToStream('member-c1-m2', contractEvents(1), { expectedRevision: 'no_stream' });
    const next = await Promise.race([iterator.next(), new Promise((r) => setTimeout(() => r('timeout'), 2_000))]);
    expect(next).toMatchObject({ done: false, value: { streamName: 'member-c1-m2' } });
    await subscription.close();
  });
});

describe('SQLite store: migrations', () => {
  it('migrates a schema-1 database, keeping its events, and drops the read-model snapshots of schema 2', async () => {
    const raw = new Database(filename);
    raw.pragma('journal_mode = WAL');
    raw.exec(migrations[0]!);
    raw.pragma('user_version = 1');
    raw.prepare("INSERT INTO events (stream_name, revision, event_id, type, schema_version, data, metadata) VALUES ('member-c1-m1', 0, 'e1', 'T', 1, '{}', '{}')").run();
    raw.close();
    const store = open();
    expect(store.settings().schemaVersion).toBe(schemaVersion);
    expect(await store.streamRevision('member-c1-m1')).toBe(0);
    await store.close();
    const check = new Database(filename, { readonly: true });
    const tables = check.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    check.close();
    expect(tables).toContain('events');
    expect(tables).not.toContain('snapshots');
  });
});

describe('SQLite store: stream snapshots', () => {
  it('keeps the latest snapshot of a stream across reopening, never moving it back to an older revision', async () => {
    const first = open();
    await first.streamSnapshots.write({ streamName: 'member-c1-m1', revision: 40, stateVersion: 'member/1/codec1', state: '{"a":1}' });
    await first.streamSnapshots.write({ streamName: 'member-c1-m1', revision: 39, stateVersion: 'member/1/codec1', state: '{"older":true}' });
    await first.streamSnapshots.write({ streamName: 'member-c1-m2', revision: 3, stateVersion: 'member/1/codec1', state: '{}' });
    await first.close();
    const again = open();
    expect(await again.streamSnapshots.read('member-c1-m1')).toEqual({ streamName: 'member-c1-m1', revision: 40, stateVersion: 'member/1/codec1', state: '{"a":1}' });
    await again.streamSnapshots.write({ streamName: 'member-c1-m1', revision: 80, stateVersion: 'member/2/codec1', state: '{"b":2}' });
    expect((await again.streamSnapshots.read('member-c1-m1'))?.revision).toBe(80);
    expect(await again.streamSnapshots.read('member-c1-m3')).toBeNull();
  });

  it('writes a snapshot as a deferred write: it waits for the next durable commit, or commits alone a moment later', async () => {
    const store = open();
    await store.streamSnapshots.write({ streamName: 'member-c1-m1', revision: 1, stateVersion: 'v', state: '{}' });
    expect(store.stats()).toEqual({ commits: 0, syncedCommits: 0, appends: 0 });
    await new Promise((resolve) => setTimeout(resolve, deferredCommitDelayMs * 3));
    expect(store.stats()).toEqual({ commits: 1, syncedCommits: 0, appends: 0 });
    await store.streamSnapshots.write({ streamName: 'member-c1-m2', revision: 1, stateVersion: 'v', state: '{}' });
    await store.appendToStream('member-c1-a', contractEvents(1), { expectedRevision: 'no_stream' });
    expect(store.stats()).toEqual({ commits: 2, syncedCommits: 1, appends: 1 });
  });
});

describe('SQLite store: a ledger reading through snapshots', () => {
  it('after reopening, a member folded from its snapshot and tail is the member folded whole', async () => {
    const clock = () => new ManualClock(new Date('2026-03-01T00:00:00.000Z'));
    const admin = { id: 'admin', role: 'admin' as const, communityId: '*' };
    const first = open();
    const ledger = new Ledger({ store: first, clock: clock() });
    for (const command of [
      { type: 'RegisterCommunity' as const, communityId: 'c1', name: 'C', policy: { levelThresholdsHours: [] } },
      { type: 'RegisterMember' as const, communityId: 'c1', memberId: 'm1' },
    ]) expect((await ledger.execute(command, { actor: admin })).ok).toBe(true);
    for (let i = 0; i < 30; i += 1) {
      const out = Date.parse('2026-02-28T12:00:00.000Z') - i * 86_400_000;
      const r = await ledger.execute(
        { type: 'RecordCheckedInHours', communityId: 'c1', memberId: 'm1', recordId: `r${i}`, category: 'environment', checkedInAt: new Date(out - 7_200_000).toISOString(), checkedOutAt: new Date(out).toISOString() },
        { actor: admin },
      );
      expect(r.ok, JSON.stringify(r)).toBe(true);
    }
    await first.close();
    const again = open();
    const snapshot = await again.streamSnapshots.read('member-c1-m1');
    expect(snapshot?.revision).toBeGreaterThan(0);
    const viaSnapshot = await new Ledger({ store: again, clock: clock() }).member('c1', 'm1');
    const whole = await new Ledger({ store: again, clock: clock(), streamSnapshots: false }).member('c1', 'm1');
    // A state read from a snapshot keeps its large maps as SnapshotMaps (rows built when used): compared as plain
    // Maps, with each map's key order, which Map equality would not check.
    const plain = (state: object) => Object.fromEntries(Object.entries(state).map(([k, v]) => [k, v instanceof Map ? [...v.entries()] : v]));
    expect(viaSnapshot.revision).toBe(whole.revision);
    expect(plain(viaSnapshot.state)).toStrictEqual(plain(whole.state));
    expect(whole.revision).toBe(90);
    expect(whole.state.balance.toString()).toBe('600.00');
  });
});
