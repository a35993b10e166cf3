/**
 * Points outstanding over time (the console's report line): after random grants, donations to the pool and
 * clock moves across months in random time zones, the monthly deltas add up to what is outstanding now; the
 * month-end figure of each month the clock left equals what the read models said was outstanding just before
 * it left it; and a live SQLite projection, a rebuilt one and a rebuilt in-memory one hold the same deltas.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Actor, calendarDateIn, InMemoryEventStore, Ledger, ManualClock, ReadModels } from '../../packages/ledger-core/src/index.js';
import { timeZoneArb } from '../../packages/ledger-core/src/testing/index.js';
import { SqliteProjectionStore } from '../../packages/store-sqlite/src/index.js';

const C = 'c1';
const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };
const members = ['m1', 'm2', 'm3'] as const;

type Op =
  | { kind: 'grant'; member: string; points: string }
  | { kind: 'donate'; member: string; points: string }
  | { kind: 'advance'; hours: number }
  | { kind: 'catch-up' };

const points = fc.integer({ min: 1, max: 5_000 }).map((cents) => (cents / 100).toFixed(2));
const member = fc.constantFrom(...members);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('grant' as const), member, points }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('donate' as const), member, points }), weight: 2 },
  // Hours (a month's edge falls at another UTC hour in each time zone) or up to ~50 days (months go by).
  { arbitrary: fc.record({ kind: fc.constant('advance' as const), hours: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 1_200 })) }), weight: 3 },
  fc.record({ kind: fc.constant('catch-up' as const) }),
);

describe('points outstanding over time', () => {
  it('monthly deltas add up to the outstanding now, month ends are what was outstanding then, and SQLite = memory', async () => {
    let monthEndsChecked = 0;
    await fc.assert(
      fc.asyncProperty(timeZoneArb, fc.array(opArb, { minLength: 1, maxLength: 30 }), async (timeZone, ops) => {
        const dir = mkdtempSync(join(tmpdir(), 'ledger-outstanding-'));
        const store = new InMemoryEventStore();
        const clock = new ManualClock(new Date('2026-01-31T12:00:00.000Z'));
        const ledger = new Ledger({ store, clock });
        const live = await new ReadModels(store, { projections: SqliteProjectionStore.open(join(dir, 'live.sqlite')), pageSize: 3 }).open();
        try {
          const run = async (command: Parameters<Ledger['execute']>[0]) => ledger.execute(command, { actor: admin });
          const setUp = await run({ type: 'RegisterCommunity', communityId: C, name: 'c', timeZone });
          if (!setUp.ok) throw new Error(setUp.error.message);
          for (const memberId of members) await run({ type: 'RegisterMember', communityId: C, memberId });
          const monthOf = (at: Date) => calendarDateIn(at, timeZone).slice(0, 7);
          /** What the read models said was outstanding just before the clock left each month. */
          const seenAtMonthEnd = new Map<string, string>();
          for (const [i, op] of ops.entries()) {
            if (op.kind === 'grant') await run({ type: 'GrantPoints', communityId: C, memberId: op.member, grantId: `g${i}`, points: op.points, reason: 'test' });
            if (op.kind === 'donate') await run({ type: 'RequestTransfer', communityId: C, memberId: op.member, transferId: `d${i}`, to: '_pool', points: op.points, reason: 'donation' });
            if (op.kind === 'catch-up') await live.catchUp();
            if (op.kind === 'advance') {
              const before = clock.now();
              const after = new Date(before.getTime() + op.hours * 3_600_000);
              if (monthOf(after) !== monthOf(before)) {
                await live.catchUp();
                seenAtMonthEnd.set(monthOf(before), (await live.communityReport(C, '2026-01-01', '2026-01-01'))!.points.outstanding);
              }
              clock.set(after);
            }
          }
          await live.catchUp();
          const rebuiltOnDisk = new ReadModels(store, { projections: SqliteProjectionStore.open(join(dir, 'rebuilt.sqlite')) });
          await rebuiltOnDisk.rebuild();
          const inMemory = new ReadModels(store);
          await inMemory.rebuild();

          const deltas = await inMemory.projections.outstandingByMonth(C);
          expect(await live.projections.outstandingByMonth(C)).toEqual(deltas);
          expect(await rebuiltOnDisk.projections.outstandingByMonth(C)).toEqual(deltas);

          const outstandingNow = (await inMemory.communityReport(C, '2026-01-01', '2026-01-01'))!.points.outstanding;
          const thisMonth = monthOf(clock.now());
          expect((await inMemory.outstandingAtMonthEnds(C, [thisMonth]))[0]!.outstanding).toBe(outstandingNow);
          // The deltas alone add up to it too (no month left out by the running sum).
          const total = deltas.reduce((sum, d) => sum + d.amount, 0n);
          expect((Number(total) / 100).toFixed(2)).toBe(outstandingNow);

          const months = [...seenAtMonthEnd.keys()];
          const ends = await live.outstandingAtMonthEnds(C, months);
          expect(Object.fromEntries(ends.map((e) => [e.month, e.outstanding]))).toEqual(Object.fromEntries(seenAtMonthEnd));
          monthEndsChecked += months.length;
          await rebuiltOnDisk.projections.close();
        } finally {
          await live.projections.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 40 },
    );
    // The clock left a month in most runs: month ends were compared, not just the total.
    expect(monthEndsChecked).toBeGreaterThan(20);
  });
});
