/**
 * 积分批次: the lot rules of DESIGN §4 rule 3 and rule 2, stated directly on member/lots.ts — spending takes
 * the oldest-expiring free lot first (never-expiring lots last, then the oldest accrual, then the lot id), and
 * a lot is usable from the instant it unlocks until (not including) the instant it expires.
 */
import { describe, expect, it } from 'vitest';
import { type Lot, compareSpendOrder, freeOf, freePoints, isUsable, sumTakes, takeFree } from '../src/member/lots.js';
import { Points } from '../src/money.js';
import { accruedForGrant, given, registered } from '../src/testing/index.js';
import type { MemberEvent } from '../src/member/events.js';
import type { Actor } from '../src/events.js';

const t = (day: number, hour = 0) => new Date(Date.UTC(2026, 2, day, hour)).toISOString();

function lot(lotId: string, options: { points?: string; held?: string; accruedAt?: string; expiresAt?: string | null; unlocksAt?: string | null } = {}): Lot {
  const points = Points.of(options.points ?? '10.00');
  return {
    lotId,
    original: points,
    remaining: points,
    held: Points.of(options.held ?? '0.00'),
    accruedAt: options.accruedAt ?? t(1),
    expiresAt: options.expiresAt ?? null,
    unlocksAt: options.unlocksAt ?? null,
  };
}

const order = (lots: Lot[]) => [...lots].sort(compareSpendOrder).map((l) => l.lotId);
const sign = (n: number) => Math.sign(n);

describe('spend order: oldest-expiring first (rule 3)', () => {
  it('the lot expiring first comes first, whichever was accrued first', () => {
    const early = lot('early', { expiresAt: t(20), accruedAt: t(5) });
    const late = lot('late', { expiresAt: t(25), accruedAt: t(1) });
    expect(sign(compareSpendOrder(early, late))).toBe(-1);
    expect(sign(compareSpendOrder(late, early))).toBe(1);
    expect(order([late, early])).toEqual(['early', 'late']);
  });

  it('a never-expiring lot comes after every dated one, in either argument position', () => {
    const never = lot('never', { accruedAt: t(1) });
    const dated = lot('dated', { expiresAt: t(30), accruedAt: t(9) });
    expect(sign(compareSpendOrder(never, dated))).toBe(1);
    expect(sign(compareSpendOrder(dated, never))).toBe(-1);
  });

  it('same expiry: the older accrual first', () => {
    const older = lot('b-older', { expiresAt: t(20), accruedAt: t(1) });
    const newer = lot('a-newer', { expiresAt: t(20), accruedAt: t(2) });
    expect(sign(compareSpendOrder(older, newer))).toBe(-1);
    expect(sign(compareSpendOrder(newer, older))).toBe(1);
  });

  it('neither expires: the older accrual first', () => {
    const older = lot('b-older', { accruedAt: t(1) });
    const newer = lot('a-newer', { accruedAt: t(2) });
    expect(sign(compareSpendOrder(older, newer))).toBe(-1);
    expect(sign(compareSpendOrder(newer, older))).toBe(1);
  });

  it('same expiry and accrual: by lot id, so the order is total', () => {
    const a = lot('lot:a', { expiresAt: t(20) });
    const b = lot('lot:b', { expiresAt: t(20) });
    expect(sign(compareSpendOrder(a, b))).toBe(-1);
    expect(sign(compareSpendOrder(b, a))).toBe(1);
  });

  it('a lot compared with itself is equal', () => {
    const a = lot('lot:a', { expiresAt: t(20) });
    expect(compareSpendOrder(a, a)).toBe(0);
    expect(compareSpendOrder(a, { ...a })).toBe(0);
    expect(compareSpendOrder(lot('x'), lot('x'))).toBe(0);
  });

  it('expiry decides before accrual, accrual before id', () => {
    expect(order([lot('c', { expiresAt: t(22), accruedAt: t(1) }), lot('a', { expiresAt: t(21), accruedAt: t(3) }), lot('b', { expiresAt: t(21), accruedAt: t(2) }), lot('d')])).toEqual(['b', 'a', 'c', 'd']);
  });
});

describe('usable: unlocked, and not yet expired (rule 2)', () => {
  const at = t(10, 12);
  const before = new Date(Date.parse(at) - 1).toISOString();
  const after = new Date(Date.parse(at) + 1).toISOString();

  it('a lot with neither lock nor expiry is usable', () => {
    expect(isUsable(lot('x'), at)).toBe(true);
  });

  it('locked until a later instant: not usable', () => {
    expect(isUsable(lot('x', { unlocksAt: after }), at)).toBe(false);
  });

  it('unlocking at this very instant: usable', () => {
    expect(isUsable(lot('x', { unlocksAt: at }), at)).toBe(true);
  });

  it('unlocked before: usable', () => {
    expect(isUsable(lot('x', { unlocksAt: before }), at)).toBe(true);
  });

  it('expiring at this very instant: not usable (expired)', () => {
    expect(isUsable(lot('x', { expiresAt: at }), at)).toBe(false);
  });

  it('expiring a millisecond later: usable', () => {
    expect(isUsable(lot('x', { expiresAt: after }), at)).toBe(true);
  });

  it('expired before: not usable', () => {
    expect(isUsable(lot('x', { expiresAt: before }), at)).toBe(false);
  });

  it('unlocked but expired, or locked and not expired: not usable; both fine: usable', () => {
    expect(isUsable(lot('x', { unlocksAt: before, expiresAt: before }), at)).toBe(false);
    expect(isUsable(lot('x', { unlocksAt: after, expiresAt: after }), at)).toBe(false);
    expect(isUsable(lot('x', { unlocksAt: before, expiresAt: after }), at)).toBe(true);
  });
});

describe('free points and takes', () => {
  it('free = remaining − held', () => {
    expect(freeOf(lot('x', { points: '10.00', held: '2.50' })).toString()).toBe('7.50');
  });

  it('freePoints sums the free points of the lots admitted', () => {
    const lots = [lot('a', { points: '10.00', held: '4.00' }), lot('b', { points: '5.00' }), lot('c', { points: '1.00' })];
    expect(freePoints(lots, (l) => l.lotId !== 'c').toString()).toBe('11.00');
    expect(freePoints(lots, () => false).toString()).toBe('0.00');
  });

  it('takes from lots in spend order, each fully before the next, the last partly', () => {
    const lots = [lot('never', { points: '50.00' }), lot('late', { expiresAt: t(25) }), lot('early', { expiresAt: t(20) })];
    expect(takeFree(lots, Points.of('15.00'), () => true)).toEqual([
      { lotId: 'early', points: '10.00' },
      { lotId: 'late', points: '5.00' },
    ]);
  });

  it('takes only free points, and skips lots with none free', () => {
    const lots = [lot('early', { expiresAt: t(20), held: '10.00' }), lot('late', { expiresAt: t(25), held: '4.00' })];
    expect(takeFree(lots, Points.of('5.00'), () => true)).toEqual([{ lotId: 'late', points: '5.00' }]);
  });

  it('takes an amount smaller than the first lot from that lot alone', () => {
    expect(takeFree([lot('a', { expiresAt: t(20) }), lot('b', { expiresAt: t(21) })], Points.of('0.01'), () => true)).toEqual([{ lotId: 'a', points: '0.01' }]);
  });

  it('takes exactly a whole lot without touching the next', () => {
    expect(takeFree([lot('a', { expiresAt: t(20) }), lot('b', { expiresAt: t(21) })], Points.of('10.00'), () => true)).toEqual([{ lotId: 'a', points: '10.00' }]);
  });

  it('takes everything free when the lots hold less than asked', () => {
    expect(takeFree([lot('a', { points: '3.00' }), lot('b', { points: '4.00', accruedAt: t(2) })], Points.of('100.00'), () => true)).toEqual([
      { lotId: 'a', points: '3.00' },
      { lotId: 'b', points: '4.00' },
    ]);
  });

  it('takes nothing for nothing', () => {
    expect(takeFree([lot('a')], Points.zero, () => true)).toEqual([]);
  });

  it('leaves out lots the filter does not admit', () => {
    const lots = [lot('early', { expiresAt: t(20) }), lot('late', { expiresAt: t(25) })];
    expect(takeFree(lots, Points.of('5.00'), (l) => l.lotId !== 'early')).toEqual([{ lotId: 'late', points: '5.00' }]);
  });

  it('a lot named first is taken before all others (a clawback takes the record’s own lot first)', () => {
    const lots = [lot('early', { expiresAt: t(20) }), lot('mid', { expiresAt: t(22) }), lot('own', { expiresAt: t(25) })];
    expect(takeFree(lots, Points.of('15.00'), () => true, 'own')).toEqual([
      { lotId: 'own', points: '10.00' },
      { lotId: 'early', points: '5.00' },
    ]);
  });

  it('a lot named first that is already first, or is not there, changes nothing', () => {
    const lots = [lot('early', { expiresAt: t(20) }), lot('late', { expiresAt: t(25) })];
    const plain = takeFree(lots, Points.of('15.00'), () => true);
    expect(takeFree(lots, Points.of('15.00'), () => true, 'early')).toEqual(plain);
    expect(takeFree(lots, Points.of('15.00'), () => true, 'gone')).toEqual(plain);
  });

  it('a lot named first with nothing free is not taken from', () => {
    const lots = [lot('early', { expiresAt: t(20) }), lot('own', { expiresAt: t(25), held: '10.00' })];
    expect(takeFree(lots, Points.of('5.00'), () => true, 'own')).toEqual([{ lotId: 'early', points: '5.00' }]);
  });

  it('sumTakes adds the takes', () => {
    expect(sumTakes([{ points: '1.25' }, { points: '2.50' }]).toString()).toBe('3.75');
    expect(sumTakes([]).toString()).toBe('0.00');
  });
});

describe('a member’s hold takes the oldest-expiring lots first (rule 3, through the decider)', () => {
  const system: Actor = { id: 'system:redemptions', role: 'system', communityId: '*' };
  const withExpiry = (grantId: string, points: string, accruedAt: string, expiresAt: string | null): MemberEvent => {
    const event = accruedForGrant(grantId, points);
    if (event.type !== 'PointsAccrued' || !event.data.lot) throw new Error('fixture');
    return { ...event, data: { ...event.data, lot: { ...event.data.lot, accruedAt, expiresAt } } };
  };
  const history = [
    registered('alice'),
    withExpiry('never', '30.00', t(1), null),
    withExpiry('late', '10.00', t(2), '2026-12-01T00:00:00.000Z'),
    withExpiry('soon', '10.00', t(3), '2026-06-01T00:00:00.000Z'),
  ];

  it('25 points: the 10 expiring in June, the 10 expiring in December, then 5 that never expire', () => {
    const [held] = given(history)
      .when({ type: 'PlaceHold', communityId: 'c1', memberId: 'alice', holdId: 'h1', redemptionId: 'd1', points: '25.00', expiresAt: t(11) }, { actor: system })
      .events();
    expect(held?.type === 'PointsHeld' && held.data.fromLots).toEqual([
      { lotId: 'lot:grant:soon', points: '10.00' },
      { lotId: 'lot:grant:late', points: '10.00' },
      { lotId: 'lot:grant:never', points: '5.00' },
    ]);
  });
});
