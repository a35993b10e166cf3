/**
 * DESIGN §4 rules 2, 5 and 7 for the spending side, under concurrency: many redemptions and transfers from
 * the same member in flight at once, interleaved by fast-check's scheduler, against the real Ledger.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ForwardingEventStore } from '@volunteer-ledger/core/testing';
import {
  type Actor,
  type EventStore,
  type ExecuteResult,
  type ExpectedRevision,
  type NewEvent,
  InMemoryEventStore,
  Ledger,
  ManualClock,
  Points,
  ReadModels,
  eventRegistry,
  lotsBalance,
} from '@volunteer-ledger/core';

const C = 'c1';
const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };
const organiser: Actor = { id: 'org', role: 'organiser', communityId: C };

async function setUp(balance: number, stock: number) {
  const store = new InMemoryEventStore();
  const clock = new ManualClock(new Date('2026-05-01T02:00:00Z'));
  const ledger = new Ledger({ store, clock });
  const must = async (p: Promise<ExecuteResult>) => {
    const r = await p;
    if (!r.ok) throw new Error(r.error.message);
  };
  await must(ledger.execute({ type: 'RegisterCommunity', communityId: C, name: 'c', policy: { expiry: { kind: 'months-after-accrual', months: 1 } } }, { actor: admin }));
  await must(ledger.execute({ type: 'AppointOrganiser', communityId: C, memberId: 'org' }, { actor: admin }));
  for (const m of ['m1', 'm2']) await must(ledger.execute({ type: 'RegisterMember', communityId: C, memberId: m }, { actor: organiser }));
  // Several lots with different expiries, so spending order matters.
  for (let i = 0; i < 3; i += 1) {
    await must(ledger.execute({ type: 'GrantPoints', communityId: C, memberId: 'm1', grantId: `g${i}`, points: String(balance / 3), reason: 'start' }, { actor: admin }));
    clock.advance(86_400_000);
  }
  await must(ledger.execute({ type: 'ListItem', communityId: C, itemId: 'rice', name: 'rice', kind: 'goods', pointsCost: '20', stock }, { actor: organiser }));
  return { store, clock, ledger };
}

/**
 * Real races come from stores that do I/O and from several ledger processes with their own caches. This
 * store hands control to fast-check's scheduler before every read and append, so the scheduler chooses
 * how decisions interleave.
 */
class YieldingStore extends ForwardingEventStore {
  constructor(
    inner: EventStore,
    private readonly s: fc.Scheduler,
  ) {
    super(inner);
  }
  override async appendToStream(stream: string, events: readonly NewEvent[], options: { readonly expectedRevision: ExpectedRevision }) {
    await this.s.schedule(Promise.resolve(`append ${stream}`));
    return this.inner.appendToStream(stream, events, options);
  }
  override async readStream(...args: Parameters<EventStore['readStream']>) {
    await this.s.schedule(Promise.resolve(`read ${args[0]}`));
    return this.inner.readStream(...args);
  }
}

type Op = { kind: 'redeem'; id: number; fulfil: boolean } | { kind: 'transfer'; id: number; points: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('redeem' as const), id: fc.nat(), fulfil: fc.boolean() }),
  fc.record({ kind: fc.constant('transfer' as const), id: fc.nat(), points: fc.integer({ min: 1, max: 50 }) }),
);

describe('spending under concurrency', () => {
  it('rule 2 (no overdraft) and rule 5 (stock, holds): concurrent redemptions and transfers never spend more than the member had', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(opArb, { minLength: 2, maxLength: 12 }), fc.integer({ min: 1, max: 4 }), async (s, ops, stock) => {
        const { ledger, store, clock } = await setUp(90, stock);
        const member: Actor = { id: 'm1', role: 'member', communityId: C };
        // Three ledger processes with their own caches, sharing one store that yields to the scheduler.
        const shared = new YieldingStore(store, s);
        const processes = [0, 1, 2].map(() => new Ledger({ store: shared, clock }));
        const runs = ops.map((op, i) =>
          s.schedule(Promise.resolve(op)).then(async () => {
            const ledger = processes[i % processes.length]!;
            if (op.kind === 'transfer') {
              const r = await ledger.execute({ type: 'RequestTransfer', communityId: C, memberId: 'm1', transferId: `t${i}`, to: 'm2', points: String(op.points) }, { actor: member });
              return { op, spent: r.ok ? op.points : 0, held: 0, reserved: 0 };
            }
            const r = await ledger.execute({ type: 'RequestRedemption', communityId: C, memberId: 'm1', redemptionId: `r${i}`, itemId: 'rice' }, { actor: member });
            if (!r.ok) return { op, spent: 0, held: 0, reserved: 0 };
            if (!op.fulfil) return { op, spent: 0, held: 20, reserved: 1 };
            const f = await ledger.execute({ type: 'FulfilRedemption', communityId: C, redemptionId: `r${i}` }, { actor: organiser });
            expect(f.ok).toBe(true);
            return { op, spent: 20, held: 0, reserved: 0 };
          }),
        );
        const outcomes = await s.waitFor(Promise.all(runs));
        const { state } = await new Ledger({ store, clock }).member(C, 'm1');
        const spent = outcomes.reduce((sum, o) => sum + o.spent, 0);
        const held = outcomes.reduce((sum, o) => sum + o.held, 0);
        // Everything that left or is set aside came out of the 90 the member had.
        expect(spent + held).toBeLessThanOrEqual(90);
        expect(Number(state.balance.toString())).toBeCloseTo(90 - spent, 6);
        expect(Number(state.held.toString())).toBeCloseTo(held, 6);
        expect(state.balance.isNegative()).toBe(false);
        expect(lotsBalance(state).eq(state.balance)).toBe(true);
        const item = await new Ledger({ store, clock }).item(C, 'rice');
        expect(item.reserved + item.issued).toBeLessThanOrEqual(stock);
        expect(item.reserved).toBe(outcomes.reduce((sum, o) => sum + o.reserved, 0));
        const models = await new ReadModels(store).open();
        expect((await models.trialBalance(C))!.total).toBe('0.00');
        // Rule 3: each hold took the earliest-expiring points first.
        for (const hold of state.openHolds.values()) {
          const expiries = hold.fromLots.map((t) => t.lotId);
          expect(expiries).toEqual([...expiries].sort());
        }
        void ledger;
      }),
      { numRuns: 60 },
    );
  });

  it('rule 7 (every point explained): each accrual names a record or grant, each spend its redemption, each expiry its lot, each arrival its transfer', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 10 }), fc.integer({ min: 0, max: 60 }), async (ops, days) => {
        const { ledger, store, clock } = await setUp(120, 5);
        const member: Actor = { id: 'm1', role: 'member', communityId: C };
        for (const [i, op] of ops.entries()) {
          if (op.kind === 'transfer') {
            await ledger.execute({ type: 'RequestTransfer', communityId: C, memberId: 'm1', transferId: `t${i}`, to: 'm2', points: String(op.points) }, { actor: member });
          } else if ((await ledger.execute({ type: 'RequestRedemption', communityId: C, memberId: 'm1', redemptionId: `r${i}`, itemId: 'rice' }, { actor: member })).ok && op.fulfil) {
            await ledger.execute({ type: 'FulfilRedemption', communityId: C, redemptionId: `r${i}` }, { actor: organiser });
          }
        }
        clock.advance(days * 86_400_000);
        for (const m of ['m1', 'm2']) await ledger.execute({ type: 'ExpirePoints', communityId: C, memberId: m }, { actor: organiser });
        const events = await store.readAll({ maxCount: 10_000 });
        const lotsSeen = new Map<string, Set<string>>();
        const fulfilled = new Set<string>();
        const grants = new Set<string>();
        const transfersOut = new Set<string>();
        for (const e of events) {
          const d = eventRegistry.decode(e).data as Record<string, unknown>;
          const lots = lotsSeen.get(e.streamName) ?? new Set<string>();
          lotsSeen.set(e.streamName, lots);
          switch (e.type) {
            case 'PointsAccrued': {
              const source = d['source'] as { kind: string; grantId?: string; reason?: string };
              expect(source.kind === 'grant' ? source.reason!.length > 0 : true).toBe(true);
              if (source.kind === 'grant') grants.add(source.grantId!);
              if (d['lot']) lots.add((d['lot'] as { lotId: string }).lotId);
              break;
            }
            case 'PointsTransferredIn':
            case 'TransferRefunded':
              expect(transfersOut.has(String(d['transferId']))).toBe(true);
              for (const lot of d['lots'] as Array<{ lotId: string }>) lots.add(lot.lotId);
              break;
            case 'PointsTransferredOut':
              transfersOut.add(String(d['transferId']));
              break;
            case 'HeldPointsSpent':
              fulfilled.add(String(d['redemptionId']));
              break;
            case 'PointsExpired':
              expect(lots.has(String(d['lotId'])), `expiry of unknown lot ${String(d['lotId'])}`).toBe(true);
              break;
          }
        }
        // Every spend names a redemption that was fulfilled.
        for (const id of fulfilled) expect((await ledger.redemption(C, id)).status).toBe('fulfilled');
        const spendsTotal = events.filter((e) => e.type === 'HeldPointsSpent').map((e) => Points.of(String(e.data['points'])));
        expect(Points.sum(spendsTotal).toString()).toBe(Points.of('20').times(fulfilled.size).toString());
      }),
      { numRuns: 40 },
    );
  });
});
