/**
 * 积分批次: lots. Each accrual is a lot with its own expiry; spending takes the oldest-expiring first
 * (DESIGN §4 rule 3). A lot's points are `remaining`, of which `held` are set aside for open holds;
 * the rest is free. Always 0 ≤ held ≤ remaining ≤ original.
 */
import { Points } from '../money.js';
import type { LotTake } from './events.js';

export interface Lot {
  readonly lotId: string;
  readonly original: Points;
  remaining: Points;
  held: Points;
  readonly accruedAt: string;
  readonly expiresAt: string | null;
  readonly unlocksAt: string | null;
}

export const freeOf = (lot: Lot): Points => lot.remaining.minus(lot.held);

/** A lot is usable for a member's own spending at `asOf` if it is unlocked and not past its expiry. */
export const isUsable = (lot: Lot, asOf: string): boolean =>
  (lot.unlocksAt === null || lot.unlocksAt <= asOf) && (lot.expiresAt === null || lot.expiresAt > asOf);

/** What the spend order looks at: a lot, or a portion of one travelling with a transfer. */
export type SpendOrdered = Pick<Lot, 'lotId' | 'accruedAt' | 'expiresAt'>;

/** Spend order: earliest expiry first, never-expiring last; then oldest accrual; then id, for a total order. */
export function compareSpendOrder(a: SpendOrdered, b: SpendOrdered): number {
  if (a.expiresAt !== b.expiresAt) {
    if (a.expiresAt === null) return 1;
    if (b.expiresAt === null) return -1;
    return a.expiresAt < b.expiresAt ? -1 : 1;
  }
  if (a.accruedAt !== b.accruedAt) return a.accruedAt < b.accruedAt ? -1 : 1;
  return a.lotId < b.lotId ? -1 : a.lotId > b.lotId ? 1 : 0;
}

/** Free points in lots that `include` admits. */
export function freePoints(lots: Iterable<Lot>, include: (lot: Lot) => boolean): Points {
  // Summed in hundredths, one Points at the end: free points are never negative, so a partial sum out of
  // range means the total is too, and the range check at the end refuses it as a running `plus` would.
  let total = 0;
  for (const lot of lots) if (include(lot)) total += lot.remaining.hundredths - lot.held.hundredths;
  return Points.fromHundredths(total);
}

/**
 * Takes up to `amount` free points from the admitted lots in spend order (a `first` lot, if named, before
 * all others). Returns the takes; their sum is `amount` or, if the lots hold less, everything free.
 * Picks the next lot in spend order one at a time instead of sorting them all: a spend takes one or two lots
 * of a member's many, and the sort grew with the member's history.
 */
export function takeFree(lots: Iterable<Lot>, amount: Points, include: (lot: Lot) => boolean, first?: string): LotTake[] {
  const candidates: Lot[] = [];
  for (const lot of lots) if (include(lot) && lot.remaining.gt(lot.held)) candidates.push(lot);
  const takes: LotTake[] = [];
  let left = amount;
  const firstIndex = first === undefined ? -1 : candidates.findIndex((lot) => lot.lotId === first);
  while (left.isPositive() && candidates.length > 0) {
    let next = 0;
    if (takes.length === 0 && firstIndex >= 0) next = firstIndex;
    else for (let i = 1; i < candidates.length; i += 1) if (compareSpendOrder(candidates[i]!, candidates[next]!) < 0) next = i;
    const lot = candidates[next]!;
    candidates[next] = candidates[candidates.length - 1]!;
    candidates.pop();
    const take = freeOf(lot).min(left);
    takes.push({ lotId: lot.lotId, points: take.toString() });
    left = left.minus(take);
  }
  return takes;
}

export const sumTakes = (takes: readonly { points: string }[]): Points => Points.sum(takes.map((t) => Points.of(t.points)));
