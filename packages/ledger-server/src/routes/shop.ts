/** The rewards catalogue (积分超市), redemptions (兑换) and transfers / donations (转赠 / 爱心积分池). */
import { createRoute, z } from '@hono/zod-openapi';
import type { Actor } from '@volunteer-ledger/core';
import { canReadAccount, canReadAsStaff, canReadCommunity } from '../access.js';
import { Problem } from '../problems.js';
import { catalogueItemSchema, redemptionViewSchema, transferViewSchema } from '../views.js';
import {
  type App,
  commandEndpoint,
  communityModel,
  communityParams,
  itemParams,
  memberParams,
  readHeaders,
  readProblemResponses,
  redemptionParams,
  type RouteDeps,
  security,
} from './shared.js';

const redemptionStatuses = ['requested', 'held', 'rejected', 'fulfilling', 'fulfilled', 'cancelled', 'expired'] as const;

export function shopRoutes(app: App, deps: RouteDeps): void {
  const { ledger, reads } = deps;


  // ── Catalogue ──
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/communities/{communityId}/catalogue',
      operationId: 'listCatalogue',
      tags: ['catalogue'],
      summary: 'Items with cost and stock (anyone of the community)',
      description: 'The rewards shop: each item\'s point cost and, for goods, the stock on the shelf, reserved by open redemptions and issued.',
      security,
      request: { params: communityParams, headers: readHeaders, query: z.object({ includeDelisted: z.enum(['true', 'false']).default('false') }) },
      responses: { 200: { description: 'The catalogue', content: { 'application/json': { schema: z.object({ items: z.array(catalogueItemSchema) }) } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId } = c.req.valid('param');
      await canReadCommunity(ledger, c.get('principal').actor, communityId);
      await communityModel(reads, communityId);
      return c.json({ items: await reads.models.catalogue(communityId, { includeDelisted: c.req.valid('query').includeDelisted === 'true' }) }, 200);
    },
  );
  commandEndpoint(app, deps, { type: 'ListItem', path: '/v1/communities/{communityId}/catalogue', tag: 'catalogue', summary: 'List an item (goods with stock, or a service)', fromUrl: ['communityId'], params: communityParams, created: true });
  for (const [type, verb, summary] of [
    ['RepriceItem', 'reprice', 'Change the point cost (open redemptions keep their price)'],
    ['RestockItem', 'restock', 'Add stock'],
    ['DelistItem', 'delist', 'Take the item off the shelf'],
  ] as const) {
    commandEndpoint(app, deps, { type, path: `/v1/communities/{communityId}/catalogue/{itemId}/${verb}`, tag: 'catalogue', summary, fromUrl: ['communityId', 'itemId'], params: itemParams });
  }

  // ── Redemptions ──
  commandEndpoint(app, deps, {
    type: 'RequestRedemption',
    path: '/v1/communities/{communityId}/members/{memberId}/redemptions',
    tag: 'redemptions',
    summary: 'Redeem points for an item: points are held and stock reserved until fulfilled, cancelled or expired',
    fromUrl: ['communityId', 'memberId'],
    params: memberParams,
    created: true,
  });

  const listed = z.object({ redemptions: z.array(redemptionViewSchema) });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/communities/{communityId}/redemptions',
      operationId: 'listRedemptions',
      tags: ['redemptions'],
      summary: 'Redemptions by status (staff); a member sees their own with memberId',
      description: 'Redemptions of the community, filtered by status and member. Staff see all; a member must name themself in `memberId`. In request order, at most 10,000.',
      security,
      request: { params: communityParams, headers: readHeaders, query: z.object({ status: z.enum(redemptionStatuses).optional(), memberId: z.string().max(64).optional() }) },
      responses: { 200: { description: 'Redemptions', content: { 'application/json': { schema: listed } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId } = c.req.valid('param');
      const { status, memberId } = c.req.valid('query');
      const actor = c.get('principal').actor;
      if (memberId !== undefined) await canReadAccount(ledger, actor, communityId, memberId);
      else await canReadAsStaff(ledger, actor, communityId);
      const filter = { ...(status ? { status } : {}), ...(memberId ? { memberId } : {}) };
      await communityModel(reads, communityId);
      return c.json({ redemptions: await reads.models.redemptions(communityId, filter) }, 200);
    },
  );

  async function readRedemption(actor: Actor, communityId: string, redemptionId: string) {
    await canReadCommunity(ledger, actor, communityId);
    await communityModel(reads, communityId);
    const found = await reads.models.redemption(communityId, redemptionId);
    if (!found) throw new Problem('not-found', `redemption ${redemptionId} does not exist in ${communityId}`);
    await canReadAccount(ledger, actor, communityId, found.memberId);
    return found;
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/communities/{communityId}/redemptions/{redemptionId}',
      operationId: 'getRedemption',
      tags: ['redemptions'],
      summary: 'Read a redemption (its member or staff)',
      description: 'Where a redemption stands: requested, held, fulfilled, cancelled, expired or rejected (with the reason).',
      security,
      request: { params: redemptionParams, headers: readHeaders },
      responses: { 200: { description: 'The redemption', content: { 'application/json': { schema: redemptionViewSchema } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId, redemptionId } = c.req.valid('param');
      return c.json(await readRedemption(c.get('principal').actor, communityId, redemptionId), 200);
    },
  );
  commandEndpoint(app, deps, {
    type: 'FulfilRedemption',
    path: '/v1/communities/{communityId}/redemptions/{redemptionId}/fulfil',
    tag: 'redemptions',
    summary: 'Hand the item over: held points are spent, reserved stock issued',
    fromUrl: ['communityId', 'redemptionId'],
    params: redemptionParams,
  });
  commandEndpoint(app, deps, {
    type: 'CancelRedemption',
    path: '/v1/communities/{communityId}/redemptions/{redemptionId}/cancel',
    tag: 'redemptions',
    summary: 'Cancel: held points and reserved stock are released',
    fromUrl: ['communityId', 'redemptionId'],
    params: redemptionParams,
  });

  // ── Transfers and donations ──
  commandEndpoint(app, deps, {
    type: 'RequestTransfer',
    path: '/v1/communities/{communityId}/members/{memberId}/transfers',
    tag: 'transfers',
    summary: 'Give points to another member, or donate them to the pool (to: "_pool")',
    fromUrl: ['communityId', 'memberId'],
    params: memberParams,
    created: true,
  });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/communities/{communityId}/members/{memberId}/transfers',
      operationId: 'listTransfers',
      tags: ['transfers'],
      summary: 'Transfers from or to a member',
      description: 'Gifts and donations the member sent or received, with their status (the member themself and staff). In request order, at most 10,000.',
      security,
      request: { params: memberParams, headers: readHeaders },
      responses: { 200: { description: 'Transfers', content: { 'application/json': { schema: z.object({ transfers: z.array(transferViewSchema) }) } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId, memberId } = c.req.valid('param');
      await canReadAccount(ledger, c.get('principal').actor, communityId, memberId);
      await communityModel(reads, communityId);
      return c.json({ transfers: await reads.models.transfers(communityId, { memberId }) }, 200);
    },
  );
}
