/**
 * Response schemas for the core's views of activities, service requests and micro-wishes
 * (projections/process-views.ts), so the OpenAPI document describes exactly what is sent.
 */
import { z } from '@hono/zod-openapi';
import { amount } from './views.js';

const instant = z.string();

export const activityViewSchema = z.object({
  activityId: z.string(),
  title: z.string(),
  category: z.string(),
  startsAt: instant,
  endsAt: instant,
  place: z.string(),
  capacity: z.number().int(),
  seatsTaken: z.number().int(),
  seatsLeft: z.number().int(),
  waitListLength: z.number().int(),
  organisers: z.array(z.string()),
  status: z.enum(['published', 'cancelled', 'closing', 'closed', 'approving', 'approved']),
  checkedIn: z.number().int(),
  closing: z.object({ closedAt: instant, recorded: z.number().int(), voided: z.number().int() }).nullable(),
}).openapi('Activity');

export const attendeeViewSchema = z.object({
  memberId: z.string(),
  signUp: z.enum(['seat', 'wait-list', 'none']),
  waitListPosition: z.number().int().nullable(),
  walkIn: z.boolean(),
  checkedInAt: instant.nullable(),
  checkedOutAt: instant.nullable(),
  outcome: z
    .union([
      z.object({ kind: z.literal('recorded'), recordId: z.string(), hours: amount }),
      z.object({ kind: z.literal('voided'), code: z.string(), message: z.string() }),
    ])
    .nullable(),
  approval: z.enum(['approved', 'left-pending']).nullable(),
}).openapi('Attendee');

const nextAfter = z.number().int().nullable();

export const activityListSchema = z.object({ activities: z.array(activityViewSchema), nextAfter });
export const attendeeListSchema = z.object({ activityId: z.string(), attendees: z.array(attendeeViewSchema) });
export const memberActivitiesSchema = z.object({ memberId: z.string(), activities: z.array(z.object({ activity: activityViewSchema, attendance: attendeeViewSchema })), nextAfter });
export const kioskCodeSchema = z.object({ activityId: z.string(), code: z.string(), step: z.number().int(), showUntil: instant });

export const serviceRequestViewSchema = z.object({
  requestId: z.string(),
  status: z.enum(['posting', 'open', 'assigned', 'done', 'confirming', 'confirmed', 'rejected', 'ending', 'cancelled', 'refused', 'expired']),
  requesterId: z.string(),
  category: z.string(),
  description: z.string(),
  wantedAt: instant,
  place: z.string(),
  pointsOffered: amount.nullable(),
  expiresAt: instant,
  volunteerId: z.string().nullable(),
  assignedVia: z.enum(['dispatch', 'take']).nullable(),
  hours: amount.nullable(),
  doneAt: instant.nullable(),
  rating: z.number().int().nullable(),
  comment: z.string().nullable(),
  payment: z.enum(['none', 'paid', 'delivered', 'returned']),
  ended: z.enum(['confirmed', 'rejected', 'cancelled', 'refused', 'expired']).nullable(),
  reason: z.string().nullable(),
  postedAt: instant,
  updatedAt: instant,
}).openapi('ServiceRequest');
export const serviceRequestListSchema = z.object({ requests: z.array(serviceRequestViewSchema), nextAfter });

export const wishViewSchema = z.object({
  wishId: z.string(),
  status: z.enum(['posted', 'claiming', 'claimed', 'fulfilling', 'fulfilled', 'cancelling', 'cancelled']),
  beneficiaryId: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  points: amount,
  claimantId: z.string().nullable(),
  postedBy: z.string(),
  fulfilledBy: z.string().nullable(),
  cancelReason: z.string().nullable(),
  postedAt: instant,
  updatedAt: instant,
}).openapi('Wish');
export const wishListSchema = z.object({ wishes: z.array(wishViewSchema), nextAfter });

export const organiserQueueSchema = z.object({
  communityId: z.string(),
  activitiesToClose: z.array(activityViewSchema),
  activitiesToApprove: z.array(activityViewSchema),
  requestsToDispatch: z.array(serviceRequestViewSchema),
});
