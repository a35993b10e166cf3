/**
 * 志愿活动: activities with sign-ups and a wait list, check-in and check-out (an organiser marking a member, or the
 * member presenting the kiosk's rotating code), closing into service records and approving the attendance in one
 * go; and the reads an app needs around them: open activities, one activity and its attendees, the kiosk's code,
 * a member's activities, an organiser's queue.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { currentKioskCode } from '@volunteer-ledger/core';
import { canReadAccount, canReadAsStaff, canReadCommunity } from '../access.js';
import { Problem } from '../problems.js';
import { activityListSchema, activityViewSchema, attendeeListSchema, kioskCodeSchema, memberActivitiesSchema, organiserQueueSchema } from '../process-views.js';
import {
  activityParams,
  type App,
  commandEndpoint,
  communityModel,
  communityParams,
  memberParams,
  pageQuery,
  readHeaders,
  readProblemResponses,
  type RouteDeps,
  security,
} from './shared.js';

const tag = 'activities';
const base = '/v1/communities/{communityId}/activities';

export function activityRoutes(app: App, deps: RouteDeps): void {
  const { ledger, reads } = deps;

  app.openapi(
    createRoute({
      method: 'get',
      path: base,
      operationId: 'listActivities',
      tags: [tag],
      summary: 'Open activities: published, not yet ended (anyone of the community)',
      description:
        'Activities members can still sign up for or attend, in publishing order, with seats taken and left and the wait list\'s length. ' +
        '`withSeatsLeft=true` lists only those with a seat free. A page at a time: pass `nextAfter` as `after` for the next.',
      security,
      request: { params: communityParams, headers: readHeaders, query: pageQuery.extend({ withSeatsLeft: z.enum(['true', 'false']).default('false') }) },
      responses: { 200: { description: 'Open activities', content: { 'application/json': { schema: activityListSchema } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId } = c.req.valid('param');
      const { after, limit, withSeatsLeft } = c.req.valid('query');
      await canReadCommunity(ledger, c.get('principal').actor, communityId);
      await communityModel(reads, communityId);
      const page = await reads.models.openActivities(communityId, ledger.clock.now(), { withSeatsLeft: withSeatsLeft === 'true', limit, ...(after === undefined ? {} : { afterSeq: after }) });
      return c.json({ activities: page.items, nextAfter: page.nextAfterSeq }, 200);
    },
  );
  commandEndpoint(app, deps, { type: 'PublishActivity', path: base, tag, summary: 'Publish an activity: title, category, time window, place, capacity, organisers', fromUrl: ['communityId'], params: communityParams, created: true });

  app.openapi(
    createRoute({
      method: 'get',
      path: `${base}/{activityId}`,
      operationId: 'getActivity',
      tags: [tag],
      summary: 'Read an activity (anyone of the community)',
      description: 'The activity as it stands: window, place, seats taken and left, the wait list\'s length, who organises it, how many checked in, and once closed how many attendances became records.',
      security,
      request: { params: activityParams, headers: readHeaders },
      responses: { 200: { description: 'The activity', content: { 'application/json': { schema: activityViewSchema } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId, activityId } = c.req.valid('param');
      await canReadCommunity(ledger, c.get('principal').actor, communityId);
      await communityModel(reads, communityId);
      const found = await reads.models.activity(communityId, activityId);
      if (!found) throw new Problem('not-found', `activity ${activityId} does not exist in ${communityId}`);
      return c.json(found, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: `${base}/{activityId}/attendees`,
      operationId: 'listActivityAttendees',
      tags: [tag],
      summary: 'Who holds a seat, waits or checked in, and what closing made of it (staff)',
      description: 'Every member with a seat, on the wait list (with their place) or checked in: arrival and departure, the service record closing made (or why it was voided) and the approval. Staff only.',
      security,
      request: { params: activityParams, headers: readHeaders },
      responses: { 200: { description: 'The attendees', content: { 'application/json': { schema: attendeeListSchema } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId, activityId } = c.req.valid('param');
      await canReadAsStaff(ledger, c.get('principal').actor, communityId);
      await communityModel(reads, communityId);
      const attendees = await reads.models.activityAttendees(communityId, activityId);
      if (!attendees) throw new Problem('not-found', `activity ${activityId} does not exist in ${communityId}`);
      return c.json({ activityId, attendees }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: `${base}/{activityId}/kiosk-code`,
      operationId: 'getActivityKioskCode',
      tags: [tag],
      summary: 'The code the activity\'s kiosk shows now (staff)',
      description:
        'What the kiosk (签到码) displays for members to scan: HMAC-signed, turning over every 30 seconds, accepted once per member and only for this activity while current or one step old. ' +
        'Only while check-in is open (from 30 minutes before the start until the end). Staff only.',
      security,
      request: { params: activityParams, headers: readHeaders },
      responses: { 200: { description: 'The current code', content: { 'application/json': { schema: kioskCodeSchema } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId, activityId } = c.req.valid('param');
      const shown = await currentKioskCode(ledger, c.get('principal').actor, communityId, activityId);
      if (!shown.ok) throw Problem.fromDomain(shown.error);
      return c.json({ activityId, ...shown.value }, 200);
    },
  );

  const steps = [
    ['ChangeActivity', 'change', 'Change title, times, place, capacity or organisers before it starts (a larger capacity moves the wait list up)', false],
    ['CancelActivity', 'cancel', 'Cancel an activity nobody has checked in at', false],
    ['SignUpForActivity', 'sign-ups', 'Sign a member up (报名): a seat while there is one, else the wait list', true],
    ['WithdrawFromActivity', 'withdraw', 'Withdraw a sign-up: the first on the wait list takes the seat', false],
    ['CheckInAttendee', 'check-ins', 'An organiser marks a member present (签到), stamped by the ledger\'s clock', true],
    ['CheckOutAttendee', 'check-outs', 'An organiser marks a member leaving (签退), stamped by the ledger\'s clock', true],
    ['CheckInWithKioskCode', 'kiosk-check-ins', 'A member checks in with the code the kiosk shows', true],
    ['CheckOutWithKioskCode', 'kiosk-check-outs', 'A member checks out with the code the kiosk shows', true],
    ['CloseActivity', 'close', 'Close it: every attendance becomes a service record (closing twice is closing once)', false],
    ['ApproveActivityAttendance', 'approve-attendance', 'Approve the whole attendance in one go; exceptions are left pending, with why', false],
  ] as const;
  for (const [type, verb, summary, created] of steps) {
    commandEndpoint(app, deps, { type, path: `${base}/{activityId}/${verb}`, tag, summary, fromUrl: ['communityId', 'activityId'], params: activityParams, created });
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/communities/{communityId}/members/{memberId}/activities',
      operationId: 'listMemberActivities',
      tags: [tag],
      summary: "A member's sign-ups and attendance (the member or staff)",
      description:
        'Every activity the member signed up for or walked in to, in publishing order: whether they hold a seat or wait (and where), when they checked in and out, ' +
        'and the service record closing made of it. A page at a time.',
      security,
      request: { params: memberParams, headers: readHeaders, query: pageQuery },
      responses: { 200: { description: "The member's activities", content: { 'application/json': { schema: memberActivitiesSchema } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId, memberId } = c.req.valid('param');
      const { after, limit } = c.req.valid('query');
      await canReadAccount(ledger, c.get('principal').actor, communityId, memberId);
      await communityModel(reads, communityId);
      const page = await reads.models.memberActivities(communityId, memberId, { limit, ...(after === undefined ? {} : { afterSeq: after }) });
      return c.json({ memberId, activities: page.items, nextAfter: page.nextAfterSeq }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/communities/{communityId}/organiser-queue',
      operationId: 'getOrganiserQueue',
      tags: [tag],
      summary: "An organiser's queue: activities to close, attendance to approve, requests to dispatch (staff)",
      description:
        'What waits for an organiser now: activities that started and are not closed, closed ones whose attendance is not yet approved ' +
        '(only those `organiserId` runs, when given), and open service requests nobody has taken (派单). At most 200 of each, oldest first.',
      security,
      request: { params: communityParams, headers: readHeaders, query: z.object({ organiserId: z.string().max(64).optional() }) },
      responses: { 200: { description: 'The queue', content: { 'application/json': { schema: organiserQueueSchema } } }, ...readProblemResponses },
    }),
    async (c) => {
      const { communityId } = c.req.valid('param');
      const { organiserId } = c.req.valid('query');
      await canReadAsStaff(ledger, c.get('principal').actor, communityId);
      await communityModel(reads, communityId);
      return c.json({ communityId, ...(await reads.models.organiserQueue(communityId, ledger.clock.now(), organiserId)) }, 200);
    },
  );
}
