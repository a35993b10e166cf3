/**
 * Verifiable certificates (certificates.ts): the signed link to the printable page, the page that link
 * opens without a bearer credential, and the public verification page its QR code leads to. The
 * certificate's data comes from the read models, as for the authenticated certificate routes.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { type AccountEntry, eventRegistry, Hours, evolveMember, initialMemberState, type MemberEvent, maskIdNumber, streamNames } from '@volunteer-ledger/core';
import type { Context } from 'hono';
import { canReadAccount } from '../access.js';
import { pageSecurityPolicy, refusalPage, type VerifiedCertificate, verifiedPage } from '../certificate-pages.js';
import { type CertificateIdentity, certificateNumber, maskName, qrCodeSvg, verificationPath } from '../certificates.js';
import type { AppEnv } from '../context.js';
import { Problem } from '../problems.js';
import { type Certificate, certificateHtml } from '../views.js';
import { type App, memberParams, problemResponses, type RouteDeps, security } from './shared.js';

/** Where the public reaches this service: LEDGER_PUBLIC_URL, else the origin the request came to. */
export function publicOrigin(c: Context<AppEnv>, deps: RouteDeps): string {
  return deps.publicUrl ?? new URL(c.req.url).origin;
}

/** The member's certificate as of now, numbered, with its verification code and URL. Access is the caller's to check. */
export async function issueCertificate(
  deps: RouteDeps,
  model: AccountEntry,
  communityId: string,
  origin: string,
): Promise<{ cert: Certificate; categories: ReadonlyMap<string, { name: string }> }> {
  const models = await deps.reads.fresh();
  const [core, community] = await Promise.all([models.certificate(communityId, model.memberId, deps.ledger.vault, deps.ledger.clock.now()), models.community(communityId)]);
  if (!core || !community) throw new Problem('not-found', `member ${model.memberId} does not exist in ${communityId}; register them first`);
  const identity: CertificateIdentity = { communityId, memberId: core.member.memberId, revision: model.revision, issuedOn: core.issuedOn };
  const number = certificateNumber(identity);
  const code = deps.certificates.code(identity);
  return {
    cert: { ...core, certificateNumber: number, verificationCode: code, verificationUrl: origin + verificationPath(number, code) },
    categories: community.categories,
  };
}

/** The printable page, QR code included. */
export function certificatePage(cert: Certificate, categories: ReadonlyMap<string, { name: string }>): string {
  return certificateHtml(cert, categories, qrCodeSvg(cert.verificationUrl));
}

const linkSchema = z
  .object({
    url: z.string().describe('Opens the printable certificate in a browser, no credential needed, until expiresAt').openapi({
      example: 'http://127.0.0.1:8080/certificates/sunshine/zhang-wei?expires=1777622400&signature=3q2-7wV…',
    }),
    expiresAt: z.string().describe('When the link stops working (ISO 8601, UTC); ask for a new one after').openapi({ example: '2026-05-01T08:15:00.000Z' }),
  })
  .openapi('CertificateLink');

export function certificateRoutes(app: App, deps: RouteDeps): void {
  const { ledger, reads } = deps;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/communities/{communityId}/members/{memberId}/certificate/link',
      operationId: 'getCertificateLink',
      tags: ['certificates'],
      summary: 'A short-lived link to the printable certificate, for a browser (no credential needed to open it)',
      description: `The link is signed by the service and expires after 15 minutes. The page it opens carries the certificate's QR code, which leads to the public verification page \`/verify/{certificateNumber}?code=…\`.`,
      security,
      request: { params: memberParams },
      responses: { 200: { description: 'The link and when it expires', content: { 'application/json': { schema: linkSchema } } }, ...problemResponses },
    }),
    async (c) => {
      const { communityId, memberId } = c.req.valid('param');
      await canReadAccount(ledger, c.get('principal').actor, communityId, memberId);
      if (!(await (await reads.fresh()).member(communityId, memberId))) throw new Problem('not-found', `member ${memberId} does not exist in ${communityId}; register them first`);
      const link = deps.certificates.link(communityId, memberId, ledger.clock.now());
      c.header('cache-control', 'no-store');
      return c.json({ url: publicOrigin(c, deps) + link.path, expiresAt: link.expiresAt }, 200);
    },
  );

  // The printable page through a signed link: a browser has no bearer credential to send.
  app.get('/certificates/:communityId/:memberId', async (c) => {
    const { communityId, memberId } = c.req.param();
    c.header('content-security-policy', pageSecurityPolicy);
    c.header('cache-control', 'no-store');
    c.header('referrer-policy', 'no-referrer');
    const validity = deps.certificates.checkLink(communityId, memberId, c.req.query('expires'), c.req.query('signature'), ledger.clock.now());
    if (validity === 'expired') {
      return c.html(refusalPage('链接已过期 Link expired', '这个证明链接已过期，请在应用中重新获取。', 'This link to the certificate has expired; ask the app for a new one.'), 410);
    }
    if (validity === 'invalid') {
      return c.html(refusalPage('链接无效 Invalid link', '这个证明链接不完整或已被改动，请在应用中重新获取。', 'This link is incomplete or was altered; ask the app for a new one.'), 403);
    }
    const model = await (await reads.fresh()).member(communityId, memberId);
    if (!model) return c.html(refusalPage('未找到 Not found', '未找到该志愿者的记录。', 'No such member.'), 404);
    const { cert, categories } = await issueCertificate(deps, model, communityId, publicOrigin(c, deps));
    return c.html(certificatePage(cert, categories), 200);
  });

  // The public verification page: anyone holding the number and code, usually through the QR code.
  app.get('/verify/:certificateNumber', async (c) => {
    c.header('content-security-policy', pageSecurityPolicy);
    c.header('cache-control', 'no-store');
    const number = c.req.param('certificateNumber');
    const identity = deps.certificates.verify(number, c.req.query('code') ?? '');
    const verified = identity ? await factsAt(identity, number) : null;
    if (!verified) {
      return c.html(
        refusalPage(
          '无法核验 Not verified',
          '证明编号或核验码不正确：请核对证明上的编号和核验码，或扫描证明上的二维码。',
          'The certificate number or verification code is wrong: check both against the certificate, or scan its QR code.',
        ),
        404,
      );
    }
    return c.html(verifiedPage(verified), 200);
  });

  /**
   * The certificate's facts at the revision it was issued from, folded from the member stream itself
   * (append-only, so they never change); the name and ID number as recorded now, masked.
   */
  async function factsAt(identity: CertificateIdentity, number: string): Promise<VerifiedCertificate | null> {
    const events = await ledger.store.readStream(streamNames.member(identity.communityId, identity.memberId), { maxCount: identity.revision + 1 });
    if (events.length !== identity.revision + 1) return null;
    const state = events.reduce((s, event) => evolveMember(s, eventRegistry.decode(event) as MemberEvent), initialMemberState());
    const models = await reads.fresh();
    const [community, model] = await Promise.all([models.community(identity.communityId), models.member(identity.communityId, identity.memberId)]);
    if (!community || !model) return null;
    const profile = model.sealedProfile && !model.state.profileErased ? await ledger.vault.open(identity.communityId, identity.memberId, model.sealedProfile) : null;
    const approved = [...state.records.values()].filter((r) => r.status === 'approved');
    const dates = approved.map((r) => r.serviceDate).sort();
    const hoursOf = (checkedIn: boolean) => Hours.sum(approved.filter((r) => (r.kind === 'checked-in') === checkedIn).map((r) => r.hoursApproved)).toString();
    return {
      certificateNumber: number,
      issuedOn: identity.issuedOn,
      issuer: community.name,
      memberName: profile?.name ? maskName(profile.name) : null,
      idNumberMasked: profile?.idNumber ? maskIdNumber(profile.idNumber) : null,
      profileErased: model.state.profileErased,
      approvedHours: state.hoursTotal.toString(),
      creditHours: hoursOf(true),
      honourHours: hoursOf(false),
      approvedRecords: dates.length,
      firstServiceDate: dates[0] ?? null,
      lastServiceDate: dates.at(-1) ?? null,
      level: state.level,
    };
  }
}
