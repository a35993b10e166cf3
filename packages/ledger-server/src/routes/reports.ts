/** Reports for the street office: community report for a period, leaderboard, trial balance. */
import { createRoute, z } from '@hono/zod-openapi';
import { canReadAsStaff, canReadCommunity } from '../access.js';
import { Problem } from '../problems.js';
import { communityReportSchema, leaderboardSchema, trialBalanceSchema } from '../views.js';
import { type App, communityModel, communityParams, periodQuery, readHeaders, readProblemResponses, type RouteDeps, security } from './shared.js';

const tag = 'reports';

export function reportRoutes(app: App, deps: RouteDeps): void {
  const { ledger, reads } = deps;


  function checkPeriod(from: string, to: string): void {
    if (from > to) throw new Problem('validation', `the period starts (${from}) after it ends (${to})`);
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/communities/{communityId}/reports/summary',
      operationId: 'getCommunityReport',
      tags: [tag],
      description: 'For the street office, over the calendar days from `from` to `to` (both included, in the community\'s time zone). Staff only.',
      summary: 'Hours by category; points issued, spent, expired, outstanding; active members; redemptions by item (staff)',
      security,
      request: { params: communityParams, headers: readHeaders, query: periodQuery },
      responses: { 200: { description: 'The report', content: { 'application/json': { schema: communityReportSchema } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId } = c.req.valid('param');
      const { from, to } = c.req.valid('query');
      checkPeriod(from, to);
      await canReadAsStaff(ledger, c.get('principal').actor, communityId);
      await communityModel(reads, communityId);
      const report = await reads.models.communityReport(communityId, from, to);
      if (!report) throw new Problem('not-found', `community ${communityId} does not exist`);
      return c.json(report, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/communities/{communityId}/reports/leaderboard',
      operationId: 'getLeaderboard',
      tags: [tag],
      description: 'Members ranked by approved hours served in the period (by service date), member ids only: no names.',
      summary: 'Most approved hours in a period (anyone of the community; member ids only)',
      security,
      request: { params: communityParams, headers: readHeaders, query: periodQuery.extend({ limit: z.coerce.number().int().min(1).max(100).default(10) }) },
      responses: { 200: { description: 'The leaderboard', content: { 'application/json': { schema: leaderboardSchema } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId } = c.req.valid('param');
      const { from, to, limit } = c.req.valid('query');
      checkPeriod(from, to);
      await canReadCommunity(ledger, c.get('principal').actor, communityId);
      await communityModel(reads, communityId);
      return c.json({ communityId, from, to, rows: await reads.models.leaderboard(communityId, from, to, limit) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/communities/{communityId}/reports/trial-balance',
      operationId: 'getTrialBalance',
      tags: [tag],
      description: 'Every account of the double-entry books — members, the issuance, redeemed, expired and in-transit accounts — with its balance. The total is zero when the books balance. Staff only.',
      summary: 'Every account with its balance; the total is zero when the books balance (staff)',
      security,
      request: { params: communityParams, headers: readHeaders },
      responses: { 200: { description: 'The trial balance', content: { 'application/json': { schema: trialBalanceSchema } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId } = c.req.valid('param');
      await canReadAsStaff(ledger, c.get('principal').actor, communityId);
      await communityModel(reads, communityId);
      const balance = await reads.models.trialBalance(communityId);
      if (!balance) throw new Problem('not-found', `community ${communityId} does not exist`);
      return c.json(balance, 200);
    },
  );
}
