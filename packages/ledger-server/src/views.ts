/**
 * Response schemas for the core's read-model views (projections/views.ts), so the OpenAPI document
 * describes what is sent, plus the two views the core leaves to the edge: a community's set-up and the
 * certificate's printable page. Amounts are decimal strings (DESIGN §4 rule 4).
 */
import { type CommunityState, currentPolicy, policySchema, type ReadModels } from '@volunteer-ledger/core';
import { z } from 'zod';

export const amount = z.string().describe('a decimal string with 2 places, like "12.50"');

export const accountViewSchema = z.object({
  communityId: z.string(),
  memberId: z.string(),
  householdId: z.string().nullable(),
  registeredAt: z.string(),
  balance: amount,
  available: amount.describe('spendable now: balance less held, locked and expired points; zero while in deficit'),
  held: amount,
  locked: amount,
  deficit: amount,
  hoursTotal: amount,
  pointsAccruedTotal: amount,
  pointsSpentTotal: amount,
  level: z.number().int(),
  lots: z.array(
    z.object({
      lotId: z.string(),
      original: amount,
      remaining: amount,
      held: amount,
      accruedAt: z.string(),
      expiresAt: z.string().nullable(),
      unlocksAt: z.string().nullable(),
    }),
  ),
  revision: z.number().int().describe('the member stream revision; also the ETag'),
  profileErased: z.boolean(),
});

export const statementSchema = z.object({
  order: z.enum(['newest', 'oldest']).describe('the order of `entries`: newest first (the default) or oldest first'),
  entries: z.array(
    z.object({
      seq: z.number().int().describe("the line's number in the member's statement, 0 for the first line ever"),
      position: z.string().describe('global position of the event behind the line'),
      recordedAt: z.string(),
      type: z.string(),
      amount: amount.describe('signed: points in (+) or out (−) of the balance'),
      runningBalance: amount,
      reference: z.string().describe('the record, redemption, transfer, lot or grant the line is about'),
      description: z.string().describe('what happened, in Chinese, with category and item names: "助老服务 荣誉时长 2.00 小时，审核通过（每小时 10 积分）"'),
      descriptionEn: z.string().describe('the same line in English, with ids: "2.00 h of elder-care (record r1, policy v1)"'),
    }),
  ),
  nextCursor: z.string().nullable().describe('opaque: pass as `cursor` (with the same `order`) for the next page; null on the last page'),
});

export const recordViewSchema = z.object({
  memberId: z.string(),
  recordId: z.string(),
  kind: z.string(),
  category: z.string(),
  serviceDate: z.string(),
  hours: amount,
  status: z.string(),
  hoursApproved: amount,
  points: amount,
  recordedAt: z.string(),
  decidedBy: z.string().nullable(),
});

export const catalogueItemSchema = z.object({
  itemId: z.string(),
  name: z.string(),
  kind: z.enum(['goods', 'service']),
  pointsCost: amount,
  active: z.boolean(),
  stocked: z.number().int().nullable(),
  reserved: z.number().int(),
  issued: z.number().int(),
  available: z.number().int().nullable().describe('null for services without stock'),
  limitPerMember: z.object({ count: z.number().int(), period: z.string() }).nullable(),
  serviceHours: z.string().nullable(),
  revision: z.number().int(),
});

export const redemptionViewSchema = z.object({
  status: z.string(),
  redemptionId: z.string(),
  memberId: z.string(),
  itemId: z.string(),
  quantity: z.number().int(),
  points: amount,
  expiresAt: z.string(),
  rejection: z.object({ code: z.string(), message: z.string() }).nullable(),
  fulfilledBy: z.string().nullable(),
  volunteerId: z.string().nullable(),
  requestedBy: z.string().describe('Who asked for it: the member, or staff on their behalf'),
  requestedAt: z.string(),
  updatedAt: z.string(),
});

export const transferViewSchema = z.object({
  status: z.string(),
  transferId: z.string(),
  from: z.string(),
  to: z.string(),
  points: amount,
  reason: z.enum(['gift', 'donation', 'overflow']),
  problem: z.object({ code: z.string(), message: z.string() }).nullable(),
  requestedAt: z.string(),
  updatedAt: z.string(),
});

export const communityReportSchema = z.object({
  communityId: z.string(),
  from: z.string(),
  to: z.string(),
  hoursByCategory: z.record(z.string(), amount),
  hoursTotal: amount,
  points: z.object({
    issued: amount,
    clawedBack: amount,
    spent: amount,
    expired: amount,
    donated: amount,
    outstanding: amount,
    donationPool: amount,
  }),
  activeMembers: z.number().int(),
  redemptionsByItem: z.record(z.string(), z.number().int()),
  activitiesHeld: z.number().int(),
  volunteerTurns: z.number().int(),
  requestsFulfilled: z.number().int(),
  ratings: z.array(z.object({ volunteerId: z.string(), ratings: z.number().int(), averageRating: amount })),
});

export const leaderboardSchema = z.object({
  communityId: z.string(),
  from: z.string(),
  to: z.string(),
  rows: z.array(z.object({ rank: z.number().int(), memberId: z.string(), hours: amount })),
});

export const trialBalanceSchema = z.object({
  communityId: z.string(),
  accounts: z.array(z.object({ account: z.string(), balance: amount })),
  total: amount,
  balanced: z.boolean().describe('true when every account sums to zero (DESIGN §4 rule 1)'),
});

export const certificateSchema = z.object({
  certificateNumber: z.string(),
  verificationCode: z.string(),
  verificationUrl: z.string(),
  issuedOn: z.string(),
  issuingCommunity: z.object({ communityId: z.string(), name: z.string() }),
  member: z.object({
    memberId: z.string(),
    name: z.string().nullable(),
    idNumberMasked: z.string().nullable().describe('身份证号 with all but the first 3 and last 4 characters masked'),
  }),
  approvedHours: amount,
  creditHours: amount.describe('信用时长: approved hours measured by check-in and check-out at activities'),
  honourHours: amount.describe('荣誉时长: approved hours typed in afterwards (reported, or a service request\'s)'),
  level: z.number().int(),
  records: z.array(z.object({ recordId: z.string(), serviceDate: z.string(), category: z.string(), hours: amount, hoursKind: z.enum(['credit', 'honour']) })),
});
/** The read models' certificate with what makes it verifiable: its number, code and public verification URL (certificates.ts). */
export type Certificate = NonNullable<Awaited<ReturnType<ReadModels['certificate']>>> & { readonly verificationCode: string; readonly verificationUrl: string };

export const communityViewSchema = z.object({
  communityId: z.string(),
  name: z.string(),
  timeZone: z.string(),
  revision: z.number().int(),
  policyVersion: z.number().int(),
  policy: policySchema,
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
    policy: currentPolicy(state).policy,
    categories: [...state.categories.entries()].map(([categoryId, c]) => ({ categoryId, name: c.name, active: c.active })),
    organisers: [...state.organisers].sort(),
  };
}

export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/**
 * 志愿服务记录证明 as a printable page: one A4 sheet, no scripts, no outside assets; the QR code (an
 * inline SVG) leads to the public verification page.
 */
export function certificateHtml(cert: Certificate, categoryNames: ReadonlyMap<string, { name: string }>, qrSvg: string): string {
  const who = cert.member.name ?? cert.member.memberId;
  const rows = cert.records
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.serviceDate)}</td><td>${escapeHtml(categoryNames.get(r.category)?.name ?? r.category)}</td><td>${r.hoursKind === 'credit' ? '信用时长 credit' : '荣誉时长 honour'}</td><td class="n">${escapeHtml(r.hours)}</td></tr>`,
    )
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
.verify { display: flex; gap: 1em; align-items: center; margin-top: 2em; font-size: 0.9em; }
.qr svg { width: 32mm; height: 32mm; display: block; } .url { word-break: break-all; }
</style></head><body>
<h1>志愿服务记录证明</h1>
<p class="meta"><span>证明编号 No. ${escapeHtml(cert.certificateNumber)}</span><span>出具日期 ${escapeHtml(cert.issuedOn)}</span></p>
<p>兹证明 <strong>${escapeHtml(who)}</strong>${cert.member.idNumberMasked ? `（证件号 ${escapeHtml(cert.member.idNumberMasked)}）` : ''}
在 ${escapeHtml(cert.issuingCommunity.name)} 累计参加志愿服务 <strong>${escapeHtml(cert.approvedHours)}</strong> 小时${cert.level > 0 ? `（星级 ${cert.level}）` : ''}。
其中信用时长（签到签退记录）<strong>${escapeHtml(cert.creditHours)}</strong> 小时，荣誉时长（事后补录）<strong>${escapeHtml(cert.honourHours)}</strong> 小时。</p>
<p>This certifies that ${escapeHtml(who)} has ${escapeHtml(cert.approvedHours)} approved hours of volunteer service with ${escapeHtml(cert.issuingCommunity.name)}:
${escapeHtml(cert.creditHours)} credit hours (measured by check-in and check-out) and ${escapeHtml(cert.honourHours)} honour hours (reported afterwards).</p>
<table><thead><tr><th>服务日期 Date</th><th>服务类别 Category</th><th>类型 Kind</th><th>时长 Hours</th></tr></thead><tbody>
${rows}
</tbody></table>
<div class="verify"><div class="qr">${qrSvg}</div><p>核验码 Verification code <strong>${escapeHtml(cert.verificationCode)}</strong><br>
扫码或访问以下网址核验本证明 Scan or visit to verify:<br><span class="url">${escapeHtml(cert.verificationUrl)}</span></p></div>
<p style="margin-top:3em;text-align:right">${escapeHtml(cert.issuingCommunity.name)}（盖章）</p>
</body></html>`;
}
