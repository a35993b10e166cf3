/**
 * Read models on the durable store (DESIGN §7): fold a ledger-written SQLite store, save a snapshot in
 * the same file, keep writing, close, reopen, and `open()` must restore the snapshot and fold only the
 * events after its checkpoint — and come out equal to a rebuild from scratch (rule 9).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type EventStore,
  Ledger,
  ManualClock,
  ReadModels,
  accountView,
  catalogue,
  communityReport,
  redemptions,
  statementPage,
  transfers,
  trialBalance,
} from '../../packages/ledger-core/src/index.js';
import { SqliteEventStore } from '../../packages/store-sqlite/src/index.js';
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

/** Everything a reader can ask of the read models, as plain JSON, for one community. */
function views(models: ReadModels, asOf: Date) {
  return communities.map((c) => {
    const community = models.community(c);
    if (!community) throw new Error(`community ${c} is missing from the read models`);
    return {
      trialBalance: trialBalance(community),
      accounts: [...community.members.keys()].sort().map((m) => accountView(community.members.get(m)!, asOf)),
      statements: [...community.members.keys()].sort().map((m) => statementPage(community.members.get(m)!, { limit: 500 })),
      catalogue: catalogue(community, true),
      report: communityReport(community, '2000-01-01', '2100-01-01'),
      redemptions: redemptions(community),
      transfers: transfers(community),
    };
  });
}

let dir: string;
let filename: string;
const clock = new ManualClock(new Date('2026-06-01T04:00:00Z'));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ledger-read-models-sqlite-'));
  filename = join(dir, 'events.sqlite');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('read models on SQLite: snapshot, restart, catch up', () => {
  it('after a reopen, open() folds only the events after the snapshot and equals a full rebuild', async () => {
    const first = SqliteEventStore.open(filename);
    const ledger = new Ledger({ store: first, clock });
    for (const c of communities) await setUpCommunity(ledger, { communityId: c, memberIds, items, openingPoints: 200 });
    await traffic(ledger, 'a', 60);

    const live = await new ReadModels(first, { snapshots: first.snapshots }).open();
    const checkpoint = live.checkpoint;
    const foldedAtSnapshot = live.eventsFolded;
    expect(checkpoint).not.toBeNull();
    expect(foldedAtSnapshot).toBeGreaterThan(500);
    await live.saveSnapshot();

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
      const restored = await new ReadModels(reads.store, { snapshots: reopened.snapshots }).open();
      // Caught up from the checkpoint, not from the beginning: only the newer events were read and folded.
      expect(reads.firstAfter).toBe(checkpoint);
      expect(reads.events).toBe(newer);
      expect(restored.eventsFolded - foldedAtSnapshot).toBe(newer);

      const rebuilt = new ReadModels(reopened);
      const total = await rebuilt.rebuild();
      expect(total).toBe(foldedAtSnapshot + newer);
      expect(restored.checkpoint).toBe(rebuilt.checkpoint);
      expect(views(restored, clock.now())).toEqual(views(rebuilt, clock.now()));
      for (const c of communities) expect(trialBalance(rebuilt.community(c)!).balanced).toBe(true);

      // Rule 9 once more from the other side: every account equals a fresh fold of its own stream.
      const fresh = new Ledger({ store: reopened, clock });
      for (const c of communities) {
        for (const m of memberIds) {
          const { state, revision } = await fresh.member(c, m);
          const model = restored.member(c, m)!;
          expect({ balance: model.state.balance.toString(), held: model.state.held.toString(), revision: model.revision }).toEqual({
            balance: state.balance.toString(),
            held: state.held.toString(),
            revision,
          });
        }
      }
    } finally {
      await reopened.close();
    }
  });
});
