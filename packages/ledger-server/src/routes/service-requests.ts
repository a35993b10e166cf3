/**
 * 点单 → 派单 → 接单 → 评单: a member posts a need (points offered held at once), an organiser dispatches it or a
 * volunteer takes it, the volunteer marks it done, the requester confirms and rates it; or it is cancelled,
 * refused or lapses, the hold released. Open requests are for every member to see (volunteers pick from them);
 * others for staff, the requester and the volunteer.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Actor } from '@volunteer-ledger/core';
import { canReadAccount, canReadAsStaff, canReadCommunity } from '../access.js';
import { Problem } from '../problems.js';
import { serviceRequestListSchema, serviceRequestViewSchema } from '../process-views.js';
import {
  type App,
  commandEndpoint,
  communityModel,
  communityParams,
  pageQuery,
  readHeaders,
  readProblemResponses,
  requestParams,
  type RouteDeps,
  security,
} from './shared.js';

const tag = 'service-requests';
const base = '/v1/communities/{communityId}/service-requests';
const requestStatuses = ['posting', 'open', 'assigned', 'done', 'confirming', 'confirmed', 'rejected', 'ending', 'cancelled', 'refused', 'expired'] as const;

export function serviceRequestRoutes(app: App, deps: RouteDeps): void {
  const { ledger, reads } = deps;

  app.openapi(
    createRoute({
      method: 'get',
      path: base,
      operationId: 'listServiceRequests',
      tags: [tag],
      summary: 'Service requests: open ones for anyone of the community; others for staff, or a member naming themself',
      description:
        'Requests in posting order. `status=open` lists those a volunteer can take now (not lapsed) and is open to every member of the community; ' +
        'any other list is for staff, or for a member who names themself in `memberId` (requests they posted or serve). A page at a time.',
      security,
      request: { params: communityParams, headers: readHeaders, query: pageQuery.extend({ status: z.enum(requestStatuses).optional(), memberId: z.string().max(64).optional() }) },
      responses: { 200: { description: 'Service requests', content: { 'application/json': { schema: serviceRequestListSchema } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId } = c.req.valid('param');
      const { status, memberId, after, limit } = c.req.valid('query');
      const actor = c.get('principal').actor;
      const page = { limit, ...(after === undefined ? {} : { afterSeq: after }) };
      if (status === 'open' && memberId === undefined) {
        await canReadCommunity(ledger, actor, communityId);
        await communityModel(reads, communityId);
        const open = await reads.models.openServiceRequests(communityId, ledger.clock.now(), page);
        return c.json({ requests: open.items, nextAfter: open.nextAfterSeq }, 200);
      }
      if (memberId !== undefined) await canReadAccount(ledger, actor, communityId, memberId);
      else await canReadAsStaff(ledger, actor, communityId);
      await communityModel(reads, communityId);
      const found = await reads.models.serviceRequests(communityId, { ...(status ? { status } : {}), ...(memberId ? { memberId } : {}) }, page);
      return c.json({ requests: found.items, nextAfter: found.nextAfterSeq }, 200);
    },
  );
  commandEndpoint(app, deps, { type: 'PostServiceRequest', path: base, tag, summary: 'Post a need (点单); points offered are held at once', fromUrl: ['communityId'], params: communityParams, created: true });

  async function readRequest(actor: Actor, communityId: string, requestId: string) {
    await canReadCommunity(ledger, actor, communityId);
    await communityModel(reads, communityId);
    const found = await reads.models.serviceRequest(communityId, requestId);
    if (!found) throw new Problem('not-found', `service request ${requestId} does not exist in ${communityId}`);
    // An open request is for every volunteer to see; after that, for its two parties and staff.
    if (found.status !== 'open' && actor.id !== found.volunteerId) await canReadAccount(ledger, actor, communityId, found.requesterId);
    return found;
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: `${base}/{requestId}`,
      operationId: 'getServiceRequest',
      tags: [tag],
      summary: 'Read a service request (anyone while open; then its requester, its volunteer or staff)',
      description: 'Where a request stands: open, assigned (and to whom, dispatched or taken), done (hours), confirmed (rating, comment, the points moved) or how it ended and why.',
      security,
      request: { params: requestParams, headers: readHeaders },
      responses: { 200: { description: 'The request', content: { 'application/json': { schema: serviceRequestViewSchema } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId, requestId } = c.req.valid('param');
      return c.json(await readRequest(c.get('principal').actor, communityId, requestId), 200);
    },
  );

  const steps = [
    ['DispatchServiceRequest', 'dispatch', 'An organiser assigns a volunteer (派单)'],
    ['TakeServiceRequest', 'take', 'A volunteer takes it (接单)'],
    ['DeclineServiceRequest', 'decline', 'The assigned volunteer hands it back: open again'],
    ['MarkServiceRequestDone', 'done', 'The volunteer marks it done, in this many hours'],
    ['ConfirmServiceRequest', 'confirm', 'The requester confirms and rates it (评单): hours recorded, points moved'],
    ['CancelServiceRequest', 'cancel', 'The requester cancels it: the hold is released'],
    ['RefuseServiceRequest', 'refuse', 'An organiser refuses it: the hold is released'],
    ['ExpireServiceRequest', 'expire', 'Lapse a request nobody served by its expiry: the hold is released'],
  ] as const;
  for (const [type, verb, summary] of steps) {
    commandEndpoint(app, deps, { type, path: `${base}/{requestId}/${verb}`, tag, summary, fromUrl: ['communityId', 'requestId'], params: requestParams });
  }
}
