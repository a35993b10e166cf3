/**
 * Read models on disk (DESIGN §7): fold a ledger-written SQLite store into a SQLite projection file, stop,
 * keep writing, reopen both files, and `open()` must take the projection's checkpoint and fold only the
 * events after it — and come out equal to a rebuild from scratch, on disk and in memory (rule 9).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EventStore, Ledger, ManualClock, ReadModels } from '../../packages/ledger-core/src/index.js';
import { SqliteEventStore, SqliteProjectionStore } from '../../packages/store-sqlite/src/index.js';
import { crossCheck, everythingReadable } from '../support/read-models.js';
import { type ShopItem, Workload, setUpCommunity } from './ledger-workload.js';

const communities = ['c1', 'c2'] as const;
const membersPerCommunity = 12;
const items: readonly ShopItem[] = [
  { itemId: 'rice', pointsCost: 50, stock: 10_000 },
  { itemId: 'haircut', pointsCost: 15, stock: null },
];
const memberIds = Array.from({ length: membersPerCommunity }, (_, i) => `m${i}`);

/** A store whose `readAll` counts the events it hands out and remembers where each read started. */
function countingReads(store: EventStore): { store: EventStore; events: number; firstAfter: bigint | undefined | null } {
  const counter = { store, events: 0, firstAfter: null as bigint | undefined | null };
  counter.store = new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'readAll') {
        return async (options: Parameters<EventStore['readAll']>[0]) => {
          if (counter.firstAfter === null) counter.firstAfter = options.after;
          const page = await target.readAll(options);
          counter.events += page.length;
          return page;
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return counter;
}

/** A deterministic mix over every member: accruals, redemptions of both items, transfers. */
async function traffic(ledger: Ledger, round: string, operations: number): Promise<void> {
  for (const c of communities) {
    const workload = new Workload(ledger, c, round);
    for (let i = 0; i < operations; i += 1) {
      const member = memberIds[(i * 5) % memberIds.length]!;
      const other = memberIds[(i * 7 + 3) % memberIds.length]!;
      switch (i % 5) {
        case 0:
        case 1:
          await workload.accrue(member);
          break;
        case 2:
          await workload.redeem(member, i % 2 === 0 ? 'rice' : 'haircut');
          break;
        case 3:
          if (member !== other) await workload.transfer(member, other, 7);
          else await workload.grant(member, 3);
          break;
        case 4:
          await workload.grant(member, 11);
          break;
      }
    }
  }
}

let dir: string;
let filename: string;
const clock = new ManualClock(new Date('2026-06-01T04:00:00Z'));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ledger-read-models-sqlite-'));
  filename = join(dir, 'events.sqlite');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('read models on SQLite: a projection file per instance, restart, catch up', () => {
  it('after a reopen, open() folds only the events after the checkpoint, and equals a rebuild on disk and in memory', async () => {
    const projectionFile = join(dir, 'projections.sqlite');
    const first = SqliteEventStore.open(filename);
    const ledger = new Ledger({ store: first, clock });
    for (const c of communities) await setUpCommunity(ledger, { communityId: c, memberIds, items, openingPoints: 200 });
    await traffic(ledger, 'a', 60);

    // A small page size, so the fold commits many batches and crosses batch boundaries everywhere.
    const live = await new ReadModels(first, { projections: SqliteProjectionStore.open(projectionFile), pageSize: 97 }).open();
    const checkpoint = live.checkpoint;
    const foldedAtStop = live.eventsFolded;
    expect(checkpoint).not.toBeNull();
    expect(foldedAtStop).toBeGreaterThan(500);
    await live.stop();
    await live.projections.close();

    clock.advance(3_600_000);
    await traffic(ledger, 'b', 25);
    await first.close();

    const reopened = SqliteEventStore.open(filename);
    try {
      let newer = 0;
      for (let page = await reopened.readAll({ after: checkpoint!, maxCount: 10_000 }); page.length > 0; page = await reopened.readAll({ after: page.at(-1)!.position, maxCount: 10_000 })) {
        newer += page.length;
      }
      expect(newer).toBeGreaterThan(100);

      const reads = countingReads(reopened);
      const restored = await new ReadModels(reads.store, { projections: SqliteProjectionStore.open(projectionFile) }).open();
      // Caught up from the checkpoint on disk, not from the beginning: only the newer events were read and folded.
      expect(reads.firstAfter).toBe(checkpoint);
      expect(reads.events).toBe(newer);
      expect(restored.eventsFolded - foldedAtStop).toBe(newer);

      const rebuiltOnDisk = new ReadModels(reopened, { projections: SqliteProjectionStore.open(join(dir, 'rebuilt.sqlite')) });
      const total = await rebuiltOnDisk.rebuild();
      expect(total).toBe(foldedAtStop + newer);
      const rebuiltInMemory = new ReadModels(reopened);
      await rebuiltInMemory.rebuild();
      expect(restored.checkpoint).toBe(rebuiltOnDisk.checkpoint);
      const restoredViews = await everythingReadable(restored, clock.now());
      expect(restoredViews).toEqual(await everythingReadable(rebuiltOnDisk, clock.now()));
      expect(restoredViews).toEqual(await everythingReadable(rebuiltInMemory, clock.now()));
      // The comparison compared something: every community, member, line and redemption is there.
      expect(restoredViews.map((c) => c.communityId)).toEqual([...communities]);
      for (const c of restoredViews) {
        expect(c.trialBalance!.balanced).toBe(true);
        expect(crossCheck(c)).toEqual([]);
        expect(c.members.map((m) => m.memberId)).toEqual(expect.arrayContaining(memberIds));
        expect(c.redemptions.filter((r) => r.status === 'fulfilled').length).toBeGreaterThan(5);
        expect(c.members.every((m) => m.statement.length > 0 && m.statementNewestFirst.join() === m.statement.map((l) => l.seq).reverse().join())).toBe(true);
      }

      // Rule 9 once more from the other side: every account equals a fresh fold of its own stream.
      const fresh = new Ledger({ store: reopened, clock });
      for (const c of communities) {
        for (const m of memberIds) {
          const { state, revision } = await fresh.member(c, m);
          const model = (await restored.member(c, m))!;
          expect({ balance: model.state.balance.toString(), held: model.state.held.toString(), revision: model.revision }).toEqual({
            balance: state.balance.toString(),
            held: state.held.toString(),
            revision,
          });
        }
      }
      await restored.projections.close();
      await rebuiltOnDisk.projections.close();
    } finally {
      await reopened.close();
    }
  });
});
