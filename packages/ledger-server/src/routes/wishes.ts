/**
 * 微心愿: a resident's small wish, posted by an organiser on their behalf, claimed by a member (who fulfils it in
 * kind) or for the donation pool (whose points pay for it), fulfilled once an organiser confirms it. Wishes are for
 * every member of the community to see: that is how they find a claimant.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { canReadCommunity } from '../access.js';
import { Problem } from '../problems.js';
import { wishListSchema, wishViewSchema } from '../process-views.js';
import { type App, commandEndpoint, communityModel, communityParams, pageQuery, readHeaders, readProblemResponses, type RouteDeps, security, wishParams } from './shared.js';

const tag = 'wishes';
const base = '/v1/communities/{communityId}/wishes';
const wishStatuses = ['posted', 'claiming', 'claimed', 'fulfilling', 'fulfilled', 'cancelling', 'cancelled'] as const;

export function wishRoutes(app: App, deps: RouteDeps): void {
  const { ledger, reads } = deps;

  app.openapi(
    createRoute({
      method: 'get',
      path: base,
      operationId: 'listWishes',
      tags: [tag],
      summary: 'Micro-wishes, by status (anyone of the community)',
      description: 'Wishes in posting order; `status=posted` lists those waiting for someone to claim them. A page at a time.',
      security,
      request: { params: communityParams, headers: readHeaders, query: pageQuery.extend({ status: z.enum(wishStatuses).optional() }) },
      responses: { 200: { description: 'Micro-wishes', content: { 'application/json': { schema: wishListSchema } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId } = c.req.valid('param');
      const { status, after, limit } = c.req.valid('query');
      await canReadCommunity(ledger, c.get('principal').actor, communityId);
      await communityModel(reads, communityId);
      const page = await reads.models.wishes(communityId, status ? { status } : {}, { limit, ...(after === undefined ? {} : { afterSeq: after }) });
      return c.json({ wishes: page.items, nextAfter: page.nextAfterSeq }, 200);
    },
  );
  commandEndpoint(app, deps, { type: 'PostWish', path: base, tag, summary: "Post a resident's micro-wish (微心愿) on their behalf", fromUrl: ['communityId'], params: communityParams, created: true });

  app.openapi(
    createRoute({
      method: 'get',
      path: `${base}/{wishId}`,
      operationId: 'getWish',
      tags: [tag],
      summary: 'Read a micro-wish (anyone of the community)',
      description: 'Where a wish stands: posted, claimed (by whom: a member, or `_pool` for the donation pool), fulfilled or cancelled.',
      security,
      request: { params: wishParams, headers: readHeaders },
      responses: { 200: { description: 'The wish', content: { 'application/json': { schema: wishViewSchema } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId, wishId } = c.req.valid('param');
      await canReadCommunity(ledger, c.get('principal').actor, communityId);
      await communityModel(reads, communityId);
      const found = await reads.models.wish(communityId, wishId);
      if (!found) throw new Problem('not-found', `wish ${wishId} does not exist in ${communityId}`);
      return c.json(found, 200);
    },
  );

  const steps = [
    ['ClaimWish', 'claim', 'Claim it: a member to fulfil it, or `_pool` for the donation pool (its points are held)'],
    ['FulfilWish', 'fulfil', 'An organiser confirms it was fulfilled: the pool\'s points are spent'],
    ['CancelWish', 'cancel', 'Cancel it: the pool\'s hold, if any, is released'],
  ] as const;
  for (const [type, verb, summary] of steps) {
    commandEndpoint(app, deps, { type, path: `${base}/{wishId}/${verb}`, tag, summary, fromUrl: ['communityId', 'wishId'], params: wishParams });
  }
}
