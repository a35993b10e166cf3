/** What the read models answer: plain JSON-ready views, amounts as strings. */
import { donationPoolId } from '../ids.js';
import { availablePoints } from '../member/decide.js';
import { compareSpendOrder, freeOf } from '../member/lots.js';
import { Hours, Points } from '../money.js';
import { availableStock } from '../reward/decider.js';
import { calendarDateIn } from '../time.js';
import { maskIdNumber, type ProfileVault } from '../vault.js';
import type { RedemptionStatus } from '../redemption/events.js';
import { type CommunityModel, type MemberModel, type StatementEntry, maxStatementPageSize } from './read-models.js';

export interface LotView {
  readonly lotId: string;
  readonly original: string;
  readonly remaining: string;
  readonly held: string;
  readonly accruedAt: string;
  readonly expiresAt: string | null;
  readonly unlocksAt: string | null;
}

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

export function accountView(model: MemberModel, asOf: Date): AccountView {
  const s = model.state;
  const at = asOf.toISOString();
  let locked = Points.zero;
  for (const lot of s.lots.values()) if (lot.unlocksAt !== null && lot.unlocksAt > at) locked = locked.plus(freeOf(lot));
  return {
    communityId: s.communityId,
    memberId: s.memberId,
    householdId: s.householdId,
    registeredAt: model.registeredAt,
    balance: s.balance.toString(),
    available: availablePoints(s, asOf).toString(),
    held: s.held.toString(),
    locked: locked.toString(),
    deficit: s.deficit.toString(),
    hoursTotal: s.hoursTotal.toString(),
    pointsAccruedTotal: s.pointsAccruedTotal.toString(),
    pointsSpentTotal: model.pointsSpentTotal.toString(),
    level: s.level,
    lots: [...s.lots.values()].sort(compareSpendOrder).map((lot) => ({
      lotId: lot.lotId,
      original: lot.original.toString(),
      remaining: lot.remaining.toString(),
      held: lot.held.toString(),
      accruedAt: lot.accruedAt,
      expiresAt: lot.expiresAt,
      unlocksAt: lot.unlocksAt,
    })),
    revision: model.revision,
    profileErased: s.profileErased,
  };
}

/** A page of the statement, oldest first; `cursor` is the seq to start after. */
export function statementPage(model: MemberModel, options: { after?: number; limit?: number }): { entries: StatementEntry[]; nextCursor: number | null } {
  const limit = Math.min(Math.max(options.limit ?? 50, 1), maxStatementPageSize);
  const start = options.after === undefined ? 0 : options.after + 1;
  const entries = model.statement.slice(start, start + limit);
  const last = entries.at(-1);
  return { entries, nextCursor: last && last.seq < model.statement.length - 1 ? last.seq : null };
}

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

export function serviceRecords(community: CommunityModel, filter: { memberId?: string; status?: string } = {}): RecordView[] {
  const views: RecordView[] = [];
  for (const [memberId, model] of community.members) {
    if (filter.memberId !== undefined && memberId !== filter.memberId) continue;
    for (const record of model.state.records.values()) {
      if (filter.status !== undefined && record.status !== filter.status) continue;
      const meta = model.records.get(record.recordId);
      views.push({
        memberId,
        recordId: record.recordId,
        kind: record.kind,
        category: record.category,
        serviceDate: record.serviceDate,
        hours: record.hours.toString(),
        status: record.status,
        hoursApproved: record.hoursApproved.toString(),
        points: record.points.toString(),
        recordedAt: meta?.recordedAt ?? '',
        decidedBy: meta?.decidedBy ?? null,
      });
    }
  }
  return views.sort((a, b) => (a.recordedAt < b.recordedAt ? -1 : a.recordedAt > b.recordedAt ? 1 : 0));
}

export function catalogue(community: CommunityModel, includeDelisted = false) {
  return [...community.items.values()]
    .filter((item) => includeDelisted || item.state.active)
    .map(({ state, revision }) => ({
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
    }));
}

export function redemptions(community: CommunityModel, filter: { status?: RedemptionStatus; memberId?: string } = {}) {
  return [...community.redemptions.values()]
    .filter((r) => (filter.status === undefined || r.state.status === filter.status) && (filter.memberId === undefined || r.state.memberId === filter.memberId))
    .map((r) => ({ ...r.state, requestedAt: r.requestedAt, updatedAt: r.updatedAt }));
}

export function transfers(community: CommunityModel, filter: { memberId?: string } = {}) {
  return [...community.transfers.values()]
    .filter((t) => filter.memberId === undefined || t.state.from === filter.memberId || t.state.to === filter.memberId)
    .map((t) => ({ ...t.state, requestedAt: t.requestedAt, updatedAt: t.updatedAt }));
}

/** Community report for the calendar days [from, to] in the community's time zone. */
export function communityReport(community: CommunityModel, from: string, to: string) {
  const hoursByCategory = new Map<string, Hours>();
  const active = new Set<string>();
  const redemptionsByItem = new Map<string, number>();
  let issued = Points.zero;
  let clawedBack = Points.zero;
  let spent = Points.zero;
  let expired = Points.zero;
  let donated = Points.zero;
  for (const [day, totals] of community.days) {
    if (day < from || day > to) continue;
    for (const [category, hours] of totals.hoursByCategory) hoursByCategory.set(category, (hoursByCategory.get(category) ?? Hours.zero).plus(hours));
    for (const member of totals.activeMembers) active.add(member);
    for (const [item, count] of totals.redemptionsByItem) redemptionsByItem.set(item, (redemptionsByItem.get(item) ?? 0) + count);
    issued = issued.plus(totals.issued);
    clawedBack = clawedBack.plus(totals.clawedBack);
    spent = spent.plus(totals.spent);
    expired = expired.plus(totals.expired);
    donated = donated.plus(totals.donated);
  }
  let outstanding = Points.zero;
  for (const [memberId, model] of community.members) if (memberId !== donationPoolId) outstanding = outstanding.plus(model.state.balance);
  const pool = community.members.get(donationPoolId)?.state.balance ?? Points.zero;
  return {
    communityId: community.state.communityId,
    from,
    to,
    hoursByCategory: Object.fromEntries([...hoursByCategory].map(([c, h]) => [c, h.toString()])),
    hoursTotal: Hours.sum(hoursByCategory.values()).toString(),
    points: {
      issued: issued.toString(),
      clawedBack: clawedBack.toString(),
      spent: spent.toString(),
      expired: expired.toString(),
      donated: donated.toString(),
      outstanding: outstanding.toString(),
      donationPool: pool.toString(),
    },
    activeMembers: active.size,
    redemptionsByItem: Object.fromEntries(redemptionsByItem),
  };
}

export function leaderboard(community: CommunityModel, from: string, to: string, limit = 10) {
  const rows: Array<{ memberId: string; hours: Hours }> = [];
  for (const [memberId, model] of community.members) {
    let hours = Hours.zero;
    for (const [day, h] of model.hoursByDay) if (day >= from && day <= to) hours = hours.plus(h);
    if (hours.isPositive()) rows.push({ memberId, hours });
  }
  rows.sort((a, b) => b.hours.compare(a.hours) || (a.memberId < b.memberId ? -1 : 1));
  return rows.slice(0, Math.min(Math.max(limit, 1), 100)).map((row, i) => ({ rank: i + 1, memberId: row.memberId, hours: row.hours.toString() }));
}

/** Every account of the community with its balance; the total is zero when the books balance (rule 1). */
export function trialBalance(community: CommunityModel) {
  const accounts = [...community.trialBalance].map(([account, balance]) => ({ account, balance: balance.toString() }));
  accounts.sort((a, b) => (a.account < b.account ? -1 : 1));
  const total = Points.sum(community.trialBalance.values());
  return { communityId: community.state.communityId, accounts, total: total.toString(), balanced: total.isZero() };
}

/** 志愿服务记录证明: the data of a member's service certificate, ID number masked. */
export async function certificate(community: CommunityModel, model: MemberModel, vault: ProfileVault, asOf: Date) {
  const s = model.state;
  const profile = model.sealedProfile ? await vault.open(s.communityId, s.memberId, model.sealedProfile) : null;
  const records = [...s.records.values()]
    .filter((r) => r.status === 'approved')
    .map((r) => ({ recordId: r.recordId, serviceDate: r.serviceDate, category: r.category, hours: r.hoursApproved.toString() }))
    .sort((a, b) => (a.serviceDate < b.serviceDate ? -1 : 1));
  const issuedOn = calendarDateIn(asOf, community.state.timeZone);
  return {
    certificateNumber: `VSC-${s.communityId}-${s.memberId}-${model.revision}`,
    issuedOn,
    issuingCommunity: { communityId: s.communityId, name: community.state.name },
    member: { memberId: s.memberId, name: profile?.name ?? null, idNumberMasked: profile?.idNumber ? maskIdNumber(profile.idNumber) : null },
    approvedHours: s.hoursTotal.toString(),
    level: s.level,
    records,
  };
}

/** Members with lots whose free points are past expiry at `asOf`: what an expiry run must visit. */
export function membersWithExpiredLots(community: CommunityModel, asOf: Date): string[] {
  const at = asOf.toISOString();
  const due: string[] = [];
  for (const [memberId, model] of community.members) {
    for (const lot of model.state.lots.values()) {
      if (lot.expiresAt !== null && lot.expiresAt <= at && freeOf(lot).isPositive()) {
        due.push(memberId);
        break;
      }
    }
  }
  return due;
}

