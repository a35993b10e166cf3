/**
 * JSON views of folded state, until the core's read models serve them: an account from the member's
 * stream, a community's set-up, a service certificate. Amounts are decimal strings (DESIGN §4 rule 4).
 */
import {
  type CommunityState,
  type EventStore,
  freePoints,
  isUsable,
  maskIdNumber,
  type MemberState,
  type Profile,
  type ProfileVault,
  sealedProfileSchema,
  streamNames,
} from '@volunteer-ledger/core';
import { z } from 'zod';

export const amount = z.string().describe('a decimal string with 2 places, like "12.50"');

export const lotViewSchema = z.object({
  lotId: z.string(),
  original: amount,
  remaining: amount,
  held: amount,
  accruedAt: z.string(),
  expiresAt: z.string().nullable(),
  unlocksAt: z.string().nullable(),
});

export const serviceRecordViewSchema = z.object({
  recordId: z.string(),
  kind: z.enum(['checked-in', 'reported']),
  category: z.string(),
  serviceDate: z.string(),
  hours: amount,
  status: z.enum(['pending', 'approved', 'rejected', 'reversed']),
  hoursApproved: amount,
  points: amount,
});

export const accountViewSchema = z.object({
  communityId: z.string(),
  memberId: z.string(),
  revision: z.number().int(),
  balance: amount,
  available: amount.describe('balance less held points, locked and expired lots; zero while in deficit'),
  held: amount,
  deficit: amount,
  hoursTotal: amount,
  pointsAccruedTotal: amount,
  level: z.number().int(),
  householdId: z.string().nullable(),
  compound: z.string().nullable(),
  building: z.string().nullable(),
  hasProfile: z.boolean(),
  profileErased: z.boolean(),
  lots: z.array(lotViewSchema),
  records: z.array(serviceRecordViewSchema),
});
export type AccountView = z.output<typeof accountViewSchema>;

export function accountView(state: MemberState, revision: number, now: Date): AccountView {
  const asOf = now.toISOString();
  const available = state.deficit.isPositive() ? '0.00' : freePoints(state.lots.values(), (lot) => isUsable(lot, asOf)).toString();
  return {
    communityId: state.communityId,
    memberId: state.memberId,
    revision,
    balance: state.balance.toString(),
    available,
    held: state.held.toString(),
    deficit: state.deficit.toString(),
    hoursTotal: state.hoursTotal.toString(),
    pointsAccruedTotal: state.pointsAccruedTotal.toString(),
    level: state.level,
    householdId: state.householdId,
    compound: state.compound,
    building: state.building,
    hasProfile: state.hasProfile,
    profileErased: state.profileErased,
    lots: [...state.lots.values()].map((lot) => ({
      lotId: lot.lotId,
      original: lot.original.toString(),
      remaining: lot.remaining.toString(),
      held: lot.held.toString(),
      accruedAt: lot.accruedAt,
      expiresAt: lot.expiresAt,
      unlocksAt: lot.unlocksAt,
    })),
    records: [...state.records.values()].map((record) => ({
      recordId: record.recordId,
      kind: record.kind,
      category: record.category,
      serviceDate: record.serviceDate,
      hours: record.hours.toString(),
      status: record.status,
      hoursApproved: record.hoursApproved.toString(),
      points: record.points.toString(),
    })),
  };
}

export const communityViewSchema = z.object({
  communityId: z.string(),
  name: z.string(),
  timeZone: z.string(),
  revision: z.number().int(),
  policyVersion: z.number().int(),
  policy: z.record(z.string(), z.unknown()),
  categories: z.array(z.object({ categoryId: z.string(), name: z.string(), active: z.boolean() })),
  organisers: z.array(z.string()),
});
export type CommunityView = z.output<typeof communityViewSchema>;

export function communityView(state: CommunityState, revision: number): CommunityView {
  return {
    communityId: state.communityId,
    name: state.name,
    timeZone: state.timeZone,
    revision,
    policyVersion: state.policies.length,
    policy: (state.policies.at(-1) ?? {}) as Record<string, unknown>,
    categories: [...state.categories.entries()].map(([categoryId, c]) => ({ categoryId, name: c.name, active: c.active })),
    organisers: [...state.organisers].sort(),
  };
}

export const certificateSchema = z.object({
  certificateNumber: z.string(),
  issuedAt: z.string(),
  community: z.object({ communityId: z.string(), name: z.string() }),
  member: z.object({
    memberId: z.string(),
    name: z.string().nullable(),
    idNumberMasked: z.string().nullable().describe('身份证号 with all but the first 3 and last 4 characters masked'),
    level: z.number().int(),
  }),
  hoursTotal: amount,
  records: z.array(z.object({ recordId: z.string(), serviceDate: z.string(), category: z.string(), categoryName: z.string(), hours: amount })),
});
export type Certificate = z.output<typeof certificateSchema>;

/** 志愿服务记录证明: approved (and not reversed) records; the ID number only ever masked. */
export async function certificate(
  member: MemberState,
  revision: number,
  community: CommunityState,
  profile: Profile | null,
  now: Date,
): Promise<Certificate> {
  const records = [...member.records.values()]
    .filter((r) => r.status === 'approved')
    .sort((a, b) => (a.serviceDate < b.serviceDate ? -1 : a.serviceDate > b.serviceDate ? 1 : a.recordId < b.recordId ? -1 : 1));
  return {
    certificateNumber: `${community.communityId}-${member.memberId}-${revision}`,
    issuedAt: now.toISOString(),
    community: { communityId: community.communityId, name: community.name },
    member: {
      memberId: member.memberId,
      name: profile?.name ?? null,
      idNumberMasked: profile?.idNumber ? maskIdNumber(profile.idNumber) : null,
      level: member.level,
    },
    hoursTotal: member.hoursTotal.toString(),
    records: records.map((r) => ({
      recordId: r.recordId,
      serviceDate: r.serviceDate,
      category: r.category,
      categoryName: community.categories.get(r.category)?.name ?? r.category,
      hours: r.hoursApproved.toString(),
    })),
  };
}

/** The member's latest profile in the clear, or null when there is none or it was erased. */
export async function openProfile(store: EventStore, vault: ProfileVault, state: MemberState): Promise<Profile | null> {
  if (!state.hasProfile || state.profileErased) return null;
  const events = await store.readStream(streamNames.member(state.communityId, state.memberId));
  const recorded = events.findLast((e) => e.type === 'MemberProfileRecorded');
  if (!recorded) return null;
  const sealed = sealedProfileSchema.parse(recorded.data.sealed);
  return vault.open(state.communityId, state.memberId, sealed);
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/** A printable page: one A4 sheet, no scripts, no outside assets. */
export function certificateHtml(cert: Certificate): string {
  const rows = cert.records
    .map((r) => `<tr><td>${escapeHtml(r.serviceDate)}</td><td>${escapeHtml(r.categoryName)}</td><td class="n">${escapeHtml(r.hours)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>志愿服务记录证明 ${escapeHtml(cert.certificateNumber)}</title>
<style>
@page { size: A4; margin: 20mm; }
body { font-family: "Noto Serif CJK SC", "Songti SC", serif; max-width: 170mm; margin: 0 auto; color: #111; }
h1 { text-align: center; letter-spacing: .3em; }
table { width: 100%; border-collapse: collapse; margin-top: 1em; }
th, td { border: 1px solid #444; padding: 4px 8px; } td.n { text-align: right; }
.meta { display: flex; justify-content: space-between; }
</style></head><body>
<h1>志愿服务记录证明</h1>
<p class="meta"><span>证明编号 No. ${escapeHtml(cert.certificateNumber)}</span><span>出具日期 ${escapeHtml(cert.issuedAt.slice(0, 10))}</span></p>
<p>兹证明 <strong>${escapeHtml(cert.member.name ?? cert.member.memberId)}</strong>${cert.member.idNumberMasked ? `（证件号 ${escapeHtml(cert.member.idNumberMasked)}）` : ''}
在 ${escapeHtml(cert.community.name)} 累计参加志愿服务 <strong>${escapeHtml(cert.hoursTotal)}</strong> 小时（星级 ${cert.member.level}）。</p>
<p>This certifies that ${escapeHtml(cert.member.name ?? cert.member.memberId)} has ${escapeHtml(cert.hoursTotal)} approved hours of volunteer service with ${escapeHtml(cert.community.name)}.</p>
<table><thead><tr><th>服务日期 Date</th><th>服务类别 Category</th><th>时长 Hours</th></tr></thead><tbody>
${rows}
</tbody></table>
<p style="margin-top:3em;text-align:right">${escapeHtml(cert.community.name)}（盖章）</p>
</body></html>`;
}
