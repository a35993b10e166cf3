/** What the read models answer: plain JSON-ready views, amounts as strings. */
import type { CommunityState } from '../community/decider.js';
import { type DomainError, domainError } from '../errors.js';
import { availablePoints } from '../member/decide.js';
import { compareSpendOrder, freeOf } from '../member/lots.js';
import { Points } from '../money.js';
import type { RedemptionState } from '../redemption/events.js';
import { err, ok, type Result } from '../result.js';
import { availableStock } from '../reward/decider.js';
import type { TransferState } from '../transfer/events.js';
import type { ReportTotals, StatementLineRow, StatementOrder } from './port.js';
import { type AccountEntry, fromHundredths, type ItemEntry, type LotView, lotView, type RecordEntry, type RedemptionEntry, type TransferEntry } from './rows.js';

/** Largest statement page. */
export const maxStatementPageSize = 500;
/** Statement page size when none is asked for. */
export const defaultStatementPageSize = 50;
/** Most leaderboard rows. */
export const maxLeaderboardRows = 100;


export interface AccountView {
  readonly communityId: string;
  readonly memberId: string;
  readonly householdId: string | null;
  readonly registeredAt: string;
  readonly balance: string;
  readonly available: string;
  readonly held: string;
  readonly locked: string;
  readonly deficit: string;
  readonly hoursTotal: string;
  readonly pointsAccruedTotal: string;
  readonly pointsSpentTotal: string;
  readonly level: number;
  readonly lots: LotView[];
  /** The member stream's revision: an ETag for optimistic concurrency. */
  readonly revision: number;
  readonly profileErased: boolean;
}

export function accountView(account: AccountEntry, asOf: Date): AccountView {
  const s = account.state;
  const at = asOf.toISOString();
  let locked = Points.zero;
  for (const lot of s.lots.values()) if (lot.unlocksAt !== null && lot.unlocksAt > at) locked = locked.plus(freeOf(lot));
  return {
    communityId: account.communityId,
    memberId: account.memberId,
    householdId: s.householdId,
    registeredAt: account.registeredAt,
    balance: s.balance.toString(),
    available: availablePoints(s, asOf).toString(),
    held: s.held.toString(),
    locked: locked.toString(),
    deficit: s.deficit.toString(),
    hoursTotal: s.hoursTotal.toString(),
    pointsAccruedTotal: s.pointsAccruedTotal.toString(),
    pointsSpentTotal: account.pointsSpentTotal.toString(),
    level: s.level,
    lots: [...s.lots.values()].sort(compareSpendOrder).map(lotView),
    revision: account.revision,
    profileErased: s.profileErased,
  };
}

// ── Statement ─────────────────────────────────────────────────────────────────────────────────────────

/** A line as the member reads it: the stored line without the keys that name whose it is. */
export type StatementEntry = Omit<StatementLineRow, 'communityId' | 'memberId'>;

export interface StatementPage {
  readonly order: StatementOrder;
  readonly entries: StatementEntry[];
  /** Opaque: pass it back as `cursor` (with the same order) for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

const cursorPrefix = 'st1';

/** An opaque cursor naming the last line of a page and the order it was read in. */
export function encodeStatementCursor(order: StatementOrder, seq: number): string {
  return btoa(`${cursorPrefix}:${order}:${seq}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The seq a cursor continues after; a validation error for a cursor that is malformed or from another order. */
export function decodeStatementCursor(cursor: string, order: StatementOrder): Result<number, DomainError> {
  let text: string;
  try {
    text = /^[A-Za-z0-9_-]{1,64}$/.test(cursor) ? atob(cursor.replace(/-/g, '+').replace(/_/g, '/')) : '';
  } catch {
    text = '';
  }
  const match = /^st1:(newest|oldest):(0|[1-9]\d{0,14})$/.exec(text);
  if (!match) return err(domainError('validation', `cursor ${JSON.stringify(cursor)} is not one this ledger issued; pass the nextCursor of the previous page, or leave it out to start from the first page`));
  if (match[1] !== order) {
    return err(domainError('validation', `cursor ${JSON.stringify(cursor)} continues a statement read ${match[1]} first, not ${order} first; send order=${match[1]} with it, or leave it out to start again`));
  }
  return ok(Number(match[2]));
}

export function statementEntry(line: StatementLineRow): StatementEntry {
  const { communityId: _communityId, memberId: _memberId, ...entry } = line;
  return entry;
}

// ── Records, catalogue, redemptions, transfers ────────────────────────────────────────────────────────

export interface RecordView {
  readonly memberId: string;
  readonly recordId: string;
  readonly kind: string;
  readonly category: string;
  readonly serviceDate: string;
  readonly hours: string;
  readonly status: string;
  readonly hoursApproved: string;
  readonly points: string;
  readonly recordedAt: string;
  readonly decidedBy: string | null;
}

export const recordView = (record: RecordEntry): RecordView => ({
  memberId: record.memberId,
  recordId: record.state.recordId,
  kind: record.state.kind,
  category: record.state.category,
  serviceDate: record.state.serviceDate,
  hours: record.state.hours.toString(),
  status: record.state.status,
  hoursApproved: record.state.hoursApproved.toString(),
  points: record.state.points.toString(),
  recordedAt: record.recordedAt,
  decidedBy: record.decidedBy,
});

export interface CatalogueItemView {
  readonly itemId: string;
  readonly name: string;
  readonly kind: 'goods' | 'service';
  readonly pointsCost: string;
  readonly active: boolean;
  readonly stocked: number | null;
  readonly reserved: number;
  readonly issued: number;
  readonly available: number | null;
  readonly limitPerMember: { count: number; period: 'day' | 'week' | 'month' | 'year' | 'ever' } | null;
  readonly serviceHours: string | null;
  readonly revision: number;
}

export const catalogueItemView = ({ state, revision }: ItemEntry): CatalogueItemView => ({
  itemId: state.itemId,
  name: state.name,
  kind: state.kind,
  pointsCost: state.pointsCost.toString(),
  active: state.active,
  stocked: state.stocked,
  reserved: state.reserved,
  issued: state.issued,
  available: availableStock(state),
  limitPerMember: state.limitPerMember,
  serviceHours: state.serviceHours,
  revision,
});

/** A redemption as a caller reads it: where it stands and what it was for (the workflow's working fields left out). */
export type RedemptionView = Pick<
  RedemptionState,
  'status' | 'redemptionId' | 'memberId' | 'itemId' | 'quantity' | 'points' | 'expiresAt' | 'rejection' | 'fulfilledBy' | 'volunteerId' | 'requestedBy'
> & { readonly requestedAt: string; readonly updatedAt: string };
export const redemptionView = ({ state: s, requestedAt, updatedAt }: RedemptionEntry): RedemptionView => ({
  status: s.status,
  redemptionId: s.redemptionId,
  memberId: s.memberId,
  itemId: s.itemId,
  quantity: s.quantity,
  points: s.points,
  expiresAt: s.expiresAt,
  rejection: s.rejection,
  fulfilledBy: s.fulfilledBy,
  volunteerId: s.volunteerId,
  requestedBy: s.requestedBy,
  requestedAt,
  updatedAt,
});

export type TransferView = TransferState & { readonly requestedAt: string; readonly updatedAt: string };
export const transferView = (t: TransferEntry): TransferView => ({ ...t.state, requestedAt: t.requestedAt, updatedAt: t.updatedAt });

// ── Reports ───────────────────────────────────────────────────────────────────────────────────────────

export interface CommunityReport {
  readonly communityId: string;
  readonly from: string;
  readonly to: string;
  readonly hoursByCategory: Record<string, string>;
  readonly hoursTotal: string;
  readonly points: {
    readonly issued: string;
    readonly clawedBack: string;
    readonly spent: string;
    readonly expired: string;
    readonly donated: string;
    readonly outstanding: string;
    readonly donationPool: string;
  };
  readonly activeMembers: number;
  readonly redemptionsByItem: Record<string, number>;
  /** Activities closed in the period (by the day they started) and the attendances they turned into records. */
  readonly activitiesHeld: number;
  readonly volunteerTurns: number;
  /** Service requests confirmed (评单) in the period. */
  readonly requestsFulfilled: number;
  /** Each volunteer rated in the period: how many ratings, their average to two places; by volunteer id. */
  readonly ratings: Array<{ readonly volunteerId: string; readonly ratings: number; readonly averageRating: string }>;
}

/** sum / count to two places, half up, in integers: "4.67" for 14 / 3. */
export function averageOf(sum: number, count: number): string {
  const hundredths = Math.floor((sum * 200 + count) / (2 * count));
  return fromHundredths(BigInt(hundredths));
}

export function communityReport(
  community: CommunityState,
  from: string,
  to: string,
  totals: ReportTotals,
  balances: { readonly outstanding: bigint; readonly donationPool: string },
): CommunityReport {
  let hoursTotal = 0n;
  for (const hours of totals.hoursByCategory.values()) hoursTotal += hours;
  return {
    communityId: community.communityId,
    from,
    to,
    hoursByCategory: Object.fromEntries([...totals.hoursByCategory].map(([category, hours]) => [category, fromHundredths(hours)])),
    hoursTotal: fromHundredths(hoursTotal),
    points: {
      issued: fromHundredths(totals.issued),
      clawedBack: fromHundredths(totals.clawedBack),
      spent: fromHundredths(totals.spent),
      expired: fromHundredths(totals.expired),
      donated: fromHundredths(totals.donated),
      outstanding: fromHundredths(balances.outstanding),
      donationPool: balances.donationPool,
    },
    activeMembers: totals.activeMembers,
    redemptionsByItem: Object.fromEntries(totals.redemptionsByItem),
    activitiesHeld: totals.activitiesHeld,
    volunteerTurns: totals.turns,
    requestsFulfilled: totals.requestsFulfilled,
    ratings: [...totals.ratings].map(([volunteerId, r]) => ({ volunteerId, ratings: r.ratings, averageRating: averageOf(r.ratingSum, r.ratings) })),
  };
}

/**
 * Points outstanding (held by members, the donation pool excluded) at the end of each month asked for (YYYY-MM,
 * community-local): the running sum of the monthly deltas up to and including that month, so months before any
 * report period count too. The current month's end is now.
 */
export function outstandingAtMonthEnds(deltas: ReadonlyArray<{ readonly month: string; readonly amount: bigint }>, months: readonly string[]): Array<{ month: string; outstanding: string }> {
  const sorted = [...deltas].sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0));
  return months.map((month) => {
    let sum = 0n;
    for (const d of sorted) {
      if (d.month > month) break;
      sum += d.amount;
    }
    return { month, outstanding: fromHundredths(sum) };
  });
}

export interface LeaderboardRow {
  readonly rank: number;
  readonly memberId: string;
  readonly hours: string;
}

export interface TrialBalanceView {
  readonly communityId: string;
  readonly accounts: Array<{ account: string; balance: string }>;
  readonly total: string;
  readonly balanced: boolean;
}

/** Every account of the community with its balance; the total is zero when the books balance (rule 1). */
export function trialBalanceView(communityId: string, accounts: ReadonlyArray<{ account: string; balance: bigint }>): TrialBalanceView {
  let total = 0n;
  for (const a of accounts) total += a.balance;
  return {
    communityId,
    accounts: accounts.map((a) => ({ account: a.account, balance: fromHundredths(a.balance) })),
    total: fromHundredths(total),
    balanced: total === 0n,
  };
}
