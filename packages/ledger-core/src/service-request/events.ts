/**
 * Events of the service-request stream (`request-{community}-{id}`). Points offered are held on the requester's
 * stream from posting to the end; a confirmation moves them once (requester → in-transit → volunteer), and every
 * other end releases them. Each request ends once: confirmed, cancelled, refused, expired — or rejected when its
 * points could not be held at all.
 */
import { z } from 'zod';
import { defineEvent, type EventOf } from '../events.js';
import { idSchema, instantSchema, memberIdSchema, processIdSchema } from '../ids.js';
import { categoryIdSchema, hoursString, pointsString } from '../policy.js';
import { calendarDateText } from '../values.js';

const refusal = { code: z.string(), message: z.string() };
export const requestEndingSchema = z.enum(['cancelled', 'refused', 'expired']);
export type RequestEnding = z.output<typeof requestEndingSchema>;

export const ServiceRequestPosted = defineEvent(
  'ServiceRequestPosted',
  z.object({
    requestId: processIdSchema,
    requesterId: memberIdSchema,
    category: categoryIdSchema,
    description: z.string(),
    wantedAt: instantSchema,
    place: z.string(),
    pointsOffered: pointsString.nullable(),
    expiresAt: instantSchema,
    postedBy: z.string(),
  }),
);
/** The requester's points are held for the volunteer. */
export const OfferedPointsHeld = defineEvent('OfferedPointsHeld', z.object({}));
/** The points offered could not be held (not enough available): the request never opened. */
export const ServiceRequestRejected = defineEvent('ServiceRequestRejected', z.object(refusal));
export const ServiceRequestAssigned = defineEvent(
  'ServiceRequestAssigned',
  z.object({ volunteerId: memberIdSchema, via: z.enum(['dispatch', 'take']), by: z.string() }),
);
export const ServiceRequestDeclined = defineEvent('ServiceRequestDeclined', z.object({ volunteerId: memberIdSchema, by: z.string(), reason: z.string().nullable() }));
export const ServiceRequestDone = defineEvent('ServiceRequestDone', z.object({ hours: hoursString, doneAt: instantSchema, by: z.string() }));

/** The volunteer's record a confirmation makes. */
export const requestServiceSchema = z.object({ recordId: idSchema, category: categoryIdSchema, serviceDate: calendarDateText, hours: hoursString });
/** 评单 decided, recorded before any step, so a crash cannot lose the rating or make the record twice. */
export const ConfirmationDecided = defineEvent(
  'ConfirmationDecided',
  z.object({
    confirmedBy: z.string(),
    rating: z.number().int().min(1).max(5),
    comment: z.string().nullable(),
    service: requestServiceSchema,
    /** The policy approves the volunteer's hours on confirmation. */
    autoApprove: z.boolean(),
  }),
);
/** The record or the payment was refused (the requester fell into deficit, say): back to done, nothing kept. */
export const ConfirmationAbandoned = defineEvent('ConfirmationAbandoned', z.object(refusal));
/** requester → in-transit: the hold ended in the payment. */
export const OfferedPointsPaid = defineEvent('OfferedPointsPaid', z.object({}));
/** in-transit → volunteer. */
export const OfferedPointsDelivered = defineEvent('OfferedPointsDelivered', z.object({}));
/** The volunteer could not take them (over a maximum balance): back to the requester; the service stands. */
export const OfferedPointsReturned = defineEvent('OfferedPointsReturned', z.object({ reason: z.string() }));
export const ServiceRequestConfirmed = defineEvent(
  'ServiceRequestConfirmed',
  z.object({
    volunteerId: memberIdSchema,
    rating: z.number().int().min(1).max(5),
    hours: hoursString,
    /** What reached the volunteer: the points offered, or 0.00 (none offered, or returned). */
    pointsMoved: pointsString,
    /** The volunteer's record was approved with the confirmation (else it waits for an organiser). */
    recordApproved: z.boolean(),
  }),
);
/** Cancelling, refusing or lapsing decided, recorded before the hold is released. */
export const ServiceRequestEnding = defineEvent('ServiceRequestEnding', z.object({ outcome: requestEndingSchema, by: z.string(), reason: z.string().nullable() }));
export const ServiceRequestEnded = defineEvent('ServiceRequestEnded', z.object({ outcome: requestEndingSchema }));

export const serviceRequestEventDefinitions = [
  ServiceRequestPosted,
  OfferedPointsHeld,
  ServiceRequestRejected,
  ServiceRequestAssigned,
  ServiceRequestDeclined,
  ServiceRequestDone,
  ConfirmationDecided,
  ConfirmationAbandoned,
  OfferedPointsPaid,
  OfferedPointsDelivered,
  OfferedPointsReturned,
  ServiceRequestConfirmed,
  ServiceRequestEnding,
  ServiceRequestEnded,
] as const;
export type ServiceRequestEvent = EventOf<typeof serviceRequestEventDefinitions>;
