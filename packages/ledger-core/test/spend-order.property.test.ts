/**
 * DESIGN §4 rule 3, "spending takes the oldest-expiring free lot first", and rule 2's "available" stated as
 * properties of member/lots.ts over random lots: the spend order agrees with a plainly written reference
 * (earliest expiry, never-expiring last; then earliest accrual; then lot id), and a take is greedy in that
 * order — whole lots first, never more than is free, and no lot skipped for a later one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Lot, compareSpendOrder, freeOf, isUsable, takeFree } from '../src/member/lots.js';
import { Points } from '../src/money.js';
import { centsToText, textToCents } from '../src/testing/index.js';

// Few distinct instants, so ties in expiry and in accrual are common.
const instant = fc.integer({ min: 0, max: 5 }).map((day) => new Date(Date.UTC(2026, 2, 1 + day)).toISOString());

const lotArb = (lotId: string): fc.Arbitrary<Lot> =>
  fc
    .record({
      remainingCents: fc.integer({ min: 0, max: 5_000 }),
      heldShare: fc.double({ min: 0, max: 1, noNaN: true }),
      accruedAt: instant,
      expiresAt: fc.option(instant, { nil: null }),
      unlocksAt: fc.option(instant, { nil: null }),
    })
    .map(({ remainingCents, heldShare, accruedAt, expiresAt, unlocksAt }) => {
      const remaining = Points.of(centsToText(remainingCents));
      return {
        lotId,
        original: remaining,
        remaining,
        held: Points.of(centsToText(Math.floor(remainingCents * heldShare))),
        accruedAt,
        expiresAt,
        unlocksAt,
      };
    });

const lotsArb = fc
  .uniqueArray(fc.stringMatching(/^lot:[a-e]{1,2}$/), { minLength: 0, maxLength: 8 })
  .chain((ids) => fc.tuple(...ids.map(lotArb)))
  .map((lots) => [...lots]);

/** The rule as written in DESIGN: a key compared field by field; a never-expiring lot sorts after any date. */
const spendKey = (lot: Lot): [string, string, string] => [lot.expiresAt ?? '\uffff', lot.accruedAt, lot.lotId];
function referenceOrder(a: Lot, b: Lot): number {
  const [ka, kb] = [spendKey(a), spendKey(b)];
  for (let i = 0; i < ka.length; i += 1) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
  return 0;
}

describe('rule 3: the spend order is oldest-expiring first', () => {
  it('compares every pair of lots as the reference does', () => {
    fc.assert(
      fc.property(lotArb('lot:a'), lotArb('lot:b'), fc.boolean(), (a, b, sameId) => {
        const second = sameId ? { ...b, lotId: a.lotId } : b;
        expect(Math.sign(compareSpendOrder(a, second))).toBe(referenceOrder(a, second));
        expect(Math.sign(compareSpendOrder(second, a))).toBe(referenceOrder(second, a));
      }),
    );
  });

  it('sorts any set of lots as the reference does', () => {
    fc.assert(
      fc.property(lotsArb, (lots) => {
        expect([...lots].sort(compareSpendOrder).map((l) => l.lotId)).toEqual([...lots].sort(referenceOrder).map((l) => l.lotId));
      }),
    );
  });
});

describe('rule 3: a take is greedy in spend order', () => {
  it('takes whole free lots in the reference order, the last one partly, up to the amount or all that is free', () => {
    fc.assert(
      fc.property(lotsArb, fc.integer({ min: 0, max: 30_000 }), instant, fc.boolean(), (lots, amountCents, asOf, onlyUsable) => {
        const include = onlyUsable ? (lot: Lot) => isUsable(lot, asOf) : () => true;
        const takes = takeFree(lots, Points.of(centsToText(amountCents)), include);

        const candidates = lots.filter((lot) => include(lot) && freeOf(lot).isPositive()).sort(referenceOrder);
        const freeCents = candidates.map((lot) => textToCents(freeOf(lot).toString()));
        const expected: Array<{ lotId: string; points: string }> = [];
        let left = amountCents;
        for (const [i, lot] of candidates.entries()) {
          if (left <= 0) break;
          const take = Math.min(freeCents[i]!, left);
          expected.push({ lotId: lot.lotId, points: centsToText(take) });
          left -= take;
        }
        expect(takes).toEqual(expected);
        const taken = takes.reduce((sum, take) => sum + textToCents(take.points), 0);
        expect(taken).toBe(Math.min(amountCents, freeCents.reduce((a, b) => a + b, 0)));
      }),
    );
  });
});

describe('rule 3: a lot named first is taken first', () => {
  it('takes the named lot first when it has free points, then the rest in the reference order', () => {
    fc.assert(
      fc.property(lotsArb, fc.integer({ min: 0, max: 30_000 }), fc.nat(), (lots, amountCents, pick) => {
        const first = lots.length === 0 || pick % 4 === 0 ? 'no-such-lot' : lots[pick % lots.length]!.lotId;
        const takes = takeFree(lots, Points.of(centsToText(amountCents)), () => true, first);
        const sorted = lots.filter((lot) => freeOf(lot).isPositive()).sort(referenceOrder);
        const named = sorted.findIndex((lot) => lot.lotId === first);
        const ordered = named < 0 ? sorted : [sorted[named]!, ...sorted.filter((_, i) => i !== named)];
        const expected: Array<{ lotId: string; points: string }> = [];
        let left = amountCents;
        for (const lot of ordered) {
          if (left <= 0) break;
          const take = Math.min(textToCents(freeOf(lot).toString()), left);
          expected.push({ lotId: lot.lotId, points: centsToText(take) });
          left -= take;
        }
        expect(takes).toEqual(expected);
      }),
    );
  });
});

describe('rule 2: usable means unlocked at or before now and expiring after now', () => {
  it('agrees with the rule for every lock, expiry and instant', () => {
    fc.assert(
      fc.property(lotArb('lot:a'), instant, (lot, asOf) => {
        const unlocked = lot.unlocksAt === null || Date.parse(lot.unlocksAt) <= Date.parse(asOf);
        const unexpired = lot.expiresAt === null || Date.parse(lot.expiresAt) > Date.parse(asOf);
        expect(isUsable(lot, asOf)).toBe(unlocked && unexpired);
      }),
    );
  });
});
