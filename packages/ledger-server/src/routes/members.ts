/** Members (志愿者 / 居民): registration, account, statement, certificate, personal data; service records (服务记录). */
import { createRoute, z } from '@hono/zod-openapi';
import { type AccountEntry, type Actor, maxStatementPageSize, profileSchema } from '@volunteer-ledger/core';
import type { Context } from 'hono';
import { canReadAccount, canReadAsStaff } from '../access.js';
import { pageSecurityPolicy } from '../certificate-pages.js';
import type { AppEnv } from '../context.js';
import { orFail, Problem } from '../problems.js';
import { accountViewSchema, certificateSchema, recordViewSchema, statementSchema } from '../views.js';
import { certificatePage, issueCertificate, publicOrigin } from './certificates.js';
import {
  type App,
  commandEndpoint,
  communityModel,
  communityParams,
  etagOf,
  memberParams,
  readHeaders,
  readProblemResponses,
  recordParams,
  type RouteDeps,
  security,
} from './shared.js';

const tag = 'members';
const recordsTag = 'service records';
const base = '/v1/communities/{communityId}/members/{memberId}';

/** Largest statement page served. */
export const maxStatementLimit = 200;
if (maxStatementLimit > maxStatementPageSize) throw new Error('maxStatementLimit must not exceed the read models\' maxStatementPageSize');

/** An account may be kept by the caller but must be revalidated (its ETag) before each use. */
const accountCacheControl = 'private, no-cache';

/** The JSON of each view object, made once: the read models hand out the same frozen view while it holds. */
const viewJson = new WeakMap<object, string>();
function jsonOf(view: object): string {
  let text = viewJson.get(view);
  if (text === undefined) {
    text = JSON.stringify(view);
    viewJson.set(view, text);
  }
  return text;
}

export function memberRoutes(app: App, deps: RouteDeps): void {
  const { ledger, reads } = deps;

  const noMember = (communityId: string, memberId: string) => new Problem('not-found', `member ${memberId} does not exist in ${communityId}; register them first`);

  async function readMember(actor: Actor, communityId: string, memberId: string): Promise<AccountEntry> {
    await canReadAccount(ledger, actor, communityId, memberId);
    const model = await (await reads.fresh()).member(communityId, memberId);
    if (!model) throw noMember(communityId, memberId);
    return model;
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
      operationId: 'getMemberAccount',
      tags: [tag],
      summary: 'Read an account: balance, available, held, locked, deficit, hours, level, lots',
      description: 'The member\'s points account (the member themself and staff). The ETag is the account stream revision: send it back in If-Match on a command to refuse it if the account changed.',
      security,
      request: { params: memberParams, headers: readHeaders.extend({ 'if-none-match': z.string().optional() }) },
      responses: {
        200: { description: 'The account', headers: z.object({ etag: z.string() }), content: { 'application/json': { schema: accountViewSchema } } },
        304: { description: 'Unchanged since the ETag in If-None-Match' },
        ...readProblemResponses,
      },
    }),
    async (c) => {
      const { communityId, memberId } = c.req.valid('param');
      await canReadAccount(ledger, c.get('principal').actor, communityId, memberId);
      // The read models give the same (frozen) view again while the account is unchanged, so its JSON is kept with it.
      const view = await (await reads.fresh()).account(communityId, memberId, ledger.clock.now());
      if (!view) throw noMember(communityId, memberId);
      const etag = etagOf(view.revision);
      // Plain header objects: through c.header() Hono builds and copies a WHATWG Headers object per response.
      if (c.req.header('if-none-match') === etag) return new Response(null, { status: 304, headers: { etag, 'cache-control': accountCacheControl } });
      return new Response(jsonOf(view), { status: 200, headers: { 'content-type': 'application/json', etag, 'cache-control': accountCacheControl } });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: `${base}/statement`,
      operationId: 'getStatement',
      tags: [tag],
      summary: 'Statement: balance movements with running balance, newest first, cursor-paged',
      description:
        'Each line says in Chinese what happened (`description`, with category and item names, e.g. "助老服务 荣誉时长 2.00 小时，审核通过（每小时 10 积分）"), ' +
        'with the same line in English in `descriptionEn`. Newest first unless `order=oldest`; pass `nextCursor` back as `cursor`, with the same order, for the next page.',
      security,
      request: {
        params: memberParams,
        headers: readHeaders,
        query: z.object({
          order: z.enum(['newest', 'oldest']).default('newest').describe('newest first (the default) or oldest first'),
          cursor: z.string().max(64).optional().describe('nextCursor of the previous page (opaque; only valid with the same order)'),
          limit: z.coerce.number().int().min(1).max(maxStatementLimit).default(50),
        }),
      },
      responses: { 200: { description: 'One page', content: { 'application/json': { schema: statementSchema } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId, memberId } = c.req.valid('param');
      const { order, cursor, limit } = c.req.valid('query');
      await canReadAccount(ledger, c.get('principal').actor, communityId, memberId);
      const page = orFail(await (await reads.fresh()).statement(communityId, memberId, { order, limit, ...(cursor === undefined ? {} : { cursor }) }));
      if (!page) throw noMember(communityId, memberId);
      return c.json(page, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: `${base}/service-records`,
      operationId: 'listMemberServiceRecords',
      tags: [recordsTag],
      summary: "A member's service records",
      description: 'Every service record of the member, whatever its status, oldest first (the member themself and staff).',
      security,
      request: { params: memberParams, headers: readHeaders },
      responses: { 200: { description: 'Records, oldest first', content: { 'application/json': { schema: z.object({ records: z.array(recordViewSchema) }) } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId, memberId } = c.req.valid('param');
      await readMember(c.get('principal').actor, communityId, memberId);
      return c.json({ records: await reads.models.serviceRecords(communityId, { memberId }) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/communities/{communityId}/service-records',
      operationId: 'listServiceRecords',
      tags: [recordsTag],
      summary: 'Service records of the community by status (e.g. the pending queue for organisers)',
      description: 'The organisers\' queue: records awaiting approval by default, or those approved, rejected or reversed (staff only). Oldest first, at most 10,000 records.',
      security,
      request: { params: communityParams, headers: readHeaders, query: z.object({ status: z.enum(['pending', 'approved', 'rejected', 'reversed']).default('pending') }) },
      responses: { 200: { description: 'Records, oldest first', content: { 'application/json': { schema: z.object({ records: z.array(recordViewSchema) }) } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId } = c.req.valid('param');
      await canReadAsStaff(ledger, c.get('principal').actor, communityId);
      await communityModel(reads, communityId);
      return c.json({ records: await reads.models.serviceRecords(communityId, { status: c.req.valid('query').status }) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: `${base}/profile`,
      operationId: 'getProfile',
      tags: [tag],
      summary: 'Personal data in the clear (the member, organisers, admins); null once erased',
      description: 'Opens the member\'s sealed profile with their key. Never cached (`Cache-Control: no-store`). After an erasure the profile is null for good.',
      security,
      request: { params: memberParams, headers: readHeaders },
      responses: {
        200: { description: 'The profile', content: { 'application/json': { schema: z.object({ profile: profileSchema.nullable(), erased: z.boolean() }) } } },
        ...readProblemResponses,
      },
    }),
    async (c) => {
      const { communityId, memberId } = c.req.valid('param');
      const model = await readMember(c.get('principal').actor, communityId, memberId);
      const profile = model.sealedProfile && !model.state.profileErased ? await ledger.vault.open(communityId, memberId, model.sealedProfile) : null;
      c.header('cache-control', 'no-store');
      return c.json({ profile, erased: model.state.profileErased }, 200);
    },
  );

  async function certificateFor(c: Context<AppEnv>, communityId: string, memberId: string) {
    const model = await readMember(c.get('principal').actor, communityId, memberId);
    return issueCertificate(deps, model, communityId, publicOrigin(c, deps));
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: `${base}/certificate`,
      operationId: 'getCertificate',
      tags: ['certificates'],
      summary: '志愿服务记录证明: service certificate data (ID number masked)',
      description: 'The member\'s approved hours and records as a certificate issued today, with its number, verification code and the public URL anyone can check it at (no credential needed there).',
      security,
      request: { params: memberParams, headers: readHeaders },
      responses: { 200: { description: 'The certificate', content: { 'application/json': { schema: certificateSchema } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId, memberId } = c.req.valid('param');
      return c.json((await certificateFor(c, communityId, memberId)).cert, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: `${base}/certificate.html`,
      operationId: 'getCertificatePage',
      tags: ['certificates'],
      summary: 'The service certificate as a printable HTML page',
      description: 'One A4 page with a QR code of the verification URL. A browser cannot send a bearer credential: give it the link from `GET …/certificate/link` instead.',
      security,
      request: { params: memberParams, headers: readHeaders },
      responses: { 200: { description: 'A printable page', content: { 'text/html': { schema: z.string() } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId, memberId } = c.req.valid('param');
      const { cert, categories } = await certificateFor(c, communityId, memberId);
      c.header('content-security-policy', pageSecurityPolicy);
      return c.html(certificatePage(cert, categories), 200);
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
