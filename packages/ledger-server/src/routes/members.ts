/** Members (志愿者 / 居民): registration, account, statement, certificate, personal data; service records (服务记录). */
import { createRoute, z } from '@hono/zod-openapi';
import { profileSchema } from '@volunteer-ledger/core';
import { canReadAccount } from '../access.js';
import { Problem } from '../problems.js';
import { memberStatement, statementQuerySchema, statementSchema } from '../statement.js';
import { accountView, accountViewSchema, certificate, certificateHtml, certificateSchema, openProfile } from '../views.js';
import { type App, commandEndpoint, communityParams, etagOf, memberParams, problemResponses, recordParams, type RouteDeps, security } from './shared.js';

const tag = 'members';
const recordsTag = 'service records';
const base = '/v1/communities/{communityId}/members/{memberId}';

export function memberRoutes(app: App, deps: RouteDeps): void {
  const { ledger } = deps;

  async function readMember(actor: Parameters<typeof canReadAccount>[1], communityId: string, memberId: string) {
    await canReadAccount(ledger, actor, communityId, memberId);
    const member = await ledger.member(communityId, memberId);
    if (!member.state.exists) throw new Problem('not-found', `member ${memberId} does not exist in ${communityId}; register them first`);
    return member;
  }

  commandEndpoint(app, deps, {
    type: 'RegisterMember',
    path: '/v1/communities/{communityId}/members',
    tag,
    summary: 'Register a member (profile sealed by the vault; only its ciphertext is recorded)',
    fromUrl: ['communityId'],
    params: communityParams,
    created: true,
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: base,
      tags: [tag],
      summary: 'Read an account: balance, available, held, deficit, hours, level, lots, records',
      description: 'The ETag is the account stream revision: send it back in If-Match on a command to refuse it if the account changed.',
      security,
      request: { params: memberParams, headers: z.object({ 'if-none-match': z.string().optional() }) },
      responses: {
        200: { description: 'The account', headers: z.object({ etag: z.string() }), content: { 'application/json': { schema: accountViewSchema } } },
        304: { description: 'Unchanged since the ETag in If-None-Match' },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { communityId, memberId } = c.req.valid('param');
      const { state, revision } = await readMember(c.get('principal').actor, communityId, memberId);
      const etag = etagOf(revision);
      c.header('etag', etag);
      c.header('cache-control', 'private, no-cache');
      if (c.req.header('if-none-match') === etag) return c.body(null, 304);
      return c.json(accountView(state, revision, ledger.clock.now()), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: `${base}/statement`,
      tags: [tag],
      summary: 'Statement: balance movements with running balance, cursor-paged',
      security,
      request: { params: memberParams, query: statementQuerySchema },
      responses: { 200: { description: 'One page', content: { 'application/json': { schema: statementSchema } } }, ...problemResponses },
    }),
    async (c) => {
      const { communityId, memberId } = c.req.valid('param');
      await readMember(c.get('principal').actor, communityId, memberId);
      return c.json(await memberStatement(ledger.store, communityId, memberId, c.req.valid('query')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: `${base}/profile`,
      tags: [tag],
      summary: 'Personal data in the clear (the member, organisers, admins); null once erased',
      security,
      request: { params: memberParams },
      responses: {
        200: { description: 'The profile', content: { 'application/json': { schema: z.object({ profile: profileSchema.nullable(), erased: z.boolean() }) } } },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { communityId, memberId } = c.req.valid('param');
      const { state } = await readMember(c.get('principal').actor, communityId, memberId);
      const profile = await openProfile(ledger.store, ledger.vault, state);
      c.header('cache-control', 'no-store');
      return c.json({ profile, erased: state.profileErased }, 200);
    },
  );

  async function certificateFor(actor: Parameters<typeof canReadAccount>[1], communityId: string, memberId: string) {
    const { state, revision } = await readMember(actor, communityId, memberId);
    const community = (await ledger.community(communityId)).state;
    const profile = await openProfile(ledger.store, ledger.vault, state);
    return certificate(state, revision, community, profile, ledger.clock.now());
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: `${base}/certificate`,
      tags: [tag],
      summary: '志愿服务记录证明: service certificate data (ID number masked)',
      security,
      request: { params: memberParams },
      responses: { 200: { description: 'The certificate', content: { 'application/json': { schema: certificateSchema } } }, ...problemResponses },
    }),
    async (c) => {
      const { communityId, memberId } = c.req.valid('param');
      return c.json(await certificateFor(c.get('principal').actor, communityId, memberId), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: `${base}/certificate.html`,
      tags: [tag],
      summary: 'The service certificate as a printable HTML page',
      security,
      request: { params: memberParams },
      responses: { 200: { description: 'A printable page', content: { 'text/html': { schema: z.string() } } }, ...problemResponses },
    }),
    async (c) => {
      const { communityId, memberId } = c.req.valid('param');
      const cert = await certificateFor(c.get('principal').actor, communityId, memberId);
      c.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
      return c.html(certificateHtml(cert), 200);
    },
  );

  commandEndpoint(app, deps, { type: 'RecordProfile', path: `${base}/profile`, tag, summary: 'Record or replace personal data (sealed by the vault)', fromUrl: ['communityId', 'memberId'], params: memberParams });
  commandEndpoint(app, deps, {
    type: 'ErasePersonalData',
    path: `${base}/erasure`,
    tag,
    summary: 'Erase personal data: the member key is destroyed; balances still reconcile',
    fromUrl: ['communityId', 'memberId'],
    params: memberParams,
  });
  commandEndpoint(app, deps, { type: 'GrantPoints', path: `${base}/grants`, tag, summary: 'Grant points with a reason (admin)', fromUrl: ['communityId', 'memberId'], params: memberParams, created: true });
  commandEndpoint(app, deps, { type: 'ExpirePoints', path: `${base}/expiry`, tag, summary: "Expire the member's lots that are due", fromUrl: ['communityId', 'memberId'], params: memberParams });

  // Service records
  commandEndpoint(app, deps, {
    type: 'RecordCheckedInHours',
    path: `${base}/service-records/checked-in`,
    tag: recordsTag,
    summary: '签到时长: record hours measured by sign-in and sign-out',
    fromUrl: ['communityId', 'memberId'],
    params: memberParams,
    created: true,
  });
  commandEndpoint(app, deps, {
    type: 'ReportHours',
    path: `${base}/service-records/reported`,
    tag: recordsTag,
    summary: '补录时长: report hours afterwards (always needs an organiser)',
    fromUrl: ['communityId', 'memberId'],
    params: memberParams,
    created: true,
  });
  for (const [type, verb, summary] of [
    ['ApproveService', 'approve', '审核通过: approve a record; its points accrue'],
    ['RejectService', 'reject', 'Reject a pending record, with a reason'],
    ['ReverseService', 'reverse', '撤销: reverse an approved record; its points are clawed back'],
  ] as const) {
    commandEndpoint(app, deps, { type, path: `${base}/service-records/{recordId}/${verb}`, tag: recordsTag, summary, fromUrl: ['communityId', 'memberId', 'recordId'], params: recordParams });
  }
}
