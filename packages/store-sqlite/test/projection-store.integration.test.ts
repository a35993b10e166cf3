/**
 * The SQLite projection store's own promises: a file per instance that is never confused with an event
 * store, emptied (to be rebuilt) when its schema is not this code's, sums that stay exact integers or fail,
 * and two writers on one file (a service and `ledger rebuild`) that never interleave their batches.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Actor, type ExecuteResult, InMemoryEventStore, Ledger, ManualClock, projectionVersion, ReadModels, type RowChanges } from '@volunteer-ledger/core';
import { projectionSchemaVersion, projectionTables, SqliteEventStore, SqliteProjectionStore } from '../src/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ledger-projection-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const noChanges: RowChanges = {
  streams: [],
  communities: [],
  accounts: [],
  records: [],
  statementLines: [],
  items: [],
  redemptions: [],
  transfers: [],
  inTransitPut: [],
  inTransitDelete: [],
  dayTotals: [],
  hoursByCategory: [],
  memberHours: [],
  activeMembers: [],
  redemptionsByItem: [],
  trialBalance: [],
  outstanding: [],
  outstandingByMonth: [],
  processes: [],
  activityMembers: [],
  serviceDays: [],
  ratings: [],
};
const checkpointAt = (position: bigint) => ({ position, eventsFolded: Number(position), version: projectionVersion });

describe('SQLite projection store: its file', () => {
  it('refuses to take over an event store, and leaves its events alone', async () => {
    const file = join(dir, 'ledger.sqlite');
    const events = SqliteEventStore.open(file);
    await events.appendToStream('member-c1-m1', [{ eventId: 'e1', type: 'T', schemaVersion: 1, data: {}, metadata: { actor: 'a', correlationId: 'c', causationId: null, idempotencyKey: null, requestHash: null, recordedAt: '2026-01-01T00:00:00.000Z' } }], { expectedRevision: 'no_stream' });
    await events.close();
    expect(() => SqliteProjectionStore.open(file)).toThrow(/is not a projection file: it holds table\(s\) .*events/);
    const again = SqliteEventStore.open(file);
    expect(await again.streamRevision('member-c1-m1')).toBe(0);
    await again.close();
  });

  it('keeps its rows across a reopen, and empties a file of another schema version for a rebuild', async () => {
    const file = join(dir, 'projections.sqlite');
    const first = SqliteProjectionStore.open(file);
    expect(first.opened).toBe('created');
    await first.commit({ ...noChanges, trialBalance: [{ communityId: 'c1', account: 'issuance', amount: -250n }] }, checkpointAt(7n), null);
    await first.close();
    const second = SqliteProjectionStore.open(file);
    expect(second.opened).toBe('ready');
    expect(await second.readCheckpoint()).toEqual(checkpointAt(7n));
    expect(await second.trialBalance('c1')).toEqual([{ account: 'issuance', balance: -250n }]);
    await second.close();

    const raw = new Database(file);
    raw.pragma(`user_version = ${projectionSchemaVersion + 1}`);
    raw.close();
    const third = SqliteProjectionStore.open(file);
    expect(third.opened).toBe('recreated');
    expect(await third.readCheckpoint()).toBeNull();
    expect(await third.trialBalance('c1')).toEqual([]);
    await third.close();
    expect(projectionTables).toEqual(expect.arrayContaining(['accounts', 'statement_lines', 'service_records', 'catalogue_items', 'redemptions', 'transfers', 'report_days', 'leaderboard_hours', 'trial_balance']));
  });

  it('adds sums as exact integers past 2^53, and fails a batch whose sum would overflow, writing none of it', async () => {
    const store = SqliteProjectionStore.open(join(dir, 'projections.sqlite'));
    const big = 2n ** 60n;
    await store.commit({ ...noChanges, trialBalance: [{ communityId: 'c1', account: 'issuance', amount: big }] }, checkpointAt(1n), null);
    await store.commit({ ...noChanges, trialBalance: [{ communityId: 'c1', account: 'issuance', amount: 3n }] }, checkpointAt(2n), 1n);
    expect(await store.trialBalance('c1')).toEqual([{ account: 'issuance', balance: big + 3n }]);
    const overflowing = { ...noChanges, trialBalance: [{ communityId: 'c1', account: 'issuance', amount: 2n ** 62n + 2n ** 61n + 2n ** 60n }] };
    await expect(store.commit(overflowing, checkpointAt(3n), 2n)).rejects.toThrow(/CHECK constraint failed/);
    expect(await store.readCheckpoint()).toEqual(checkpointAt(2n));
    expect(await store.trialBalance('c1')).toEqual([{ account: 'issuance', balance: big + 3n }]);
    await store.close();
  });
});

describe('SQLite projection store: two writers on one file', () => {
  const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };
  const must = (r: ExecuteResult) => {
    if (!r.ok) throw new Error(r.error.message);
  };

  it('a service following the store and a rebuild from another connection end where one rebuild ends', async () => {
    const store = new InMemoryEventStore();
    const clock = new ManualClock(new Date('2026-05-01T02:00:00Z'));
    const ledger = new Ledger({ store, clock });
    must(await ledger.execute({ type: 'RegisterCommunity', communityId: 'c1', name: 'c' }, { actor: admin }));
    const grant = async (round: number) => {
      for (const memberId of ['m1', 'm2', 'm3']) {
        if (round === 0) must(await ledger.execute({ type: 'RegisterMember', communityId: 'c1', memberId }, { actor: admin }));
        must(await ledger.execute({ type: 'GrantPoints', communityId: 'c1', memberId, grantId: `g${round}`, points: '2', reason: `round ${round}` }, { actor: admin }));
      }
    };
    await grant(0);
    const file = join(dir, 'projections.sqlite');
    const service = await new ReadModels(store, { projections: SqliteProjectionStore.open(file), pageSize: 2 }).open();
    service.follow((fault) => {
      throw fault;
    });
    await grant(1);
    // `ledger rebuild` in another process: its own connection, reset, fold everything.
    const cli = new ReadModels(store, { projections: SqliteProjectionStore.open(file), pageSize: 3 });
    await cli.rebuild();
    await grant(2);
    await cli.catchUp();
    await grant(3);
    await service.catchUp();
    const single = await new ReadModels(store).open();
    expect(service.checkpoint).toBe(single.checkpoint);
    for (const memberId of ['m1', 'm2', 'm3']) {
      const page = await service.statement('c1', memberId, { order: 'oldest' });
      expect(page.ok && page.value!.entries.map((e) => e.description)).toEqual(['积分奖励：round 0', '积分奖励：round 1', '积分奖励：round 2', '积分奖励：round 3']);
      expect(await service.account('c1', memberId, clock.now())).toEqual(await single.account('c1', memberId, clock.now()));
    }
    expect(await service.trialBalance('c1')).toEqual(await single.trialBalance('c1'));
    await service.stop();
    await service.projections.close();
    await cli.projections.close();
  });
});
