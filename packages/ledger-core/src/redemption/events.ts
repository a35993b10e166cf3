/**
 * 兑换: events of the redemption process stream (`redemption-{community}-{id}`). It spans the member (points
 * held, then spent or released) and the item (stock reserved, then issued or released). Each phase is
 * recorded before its steps are sent and when they are done, so a recovery pass can carry on any redemption
 * a crash interrupted.
 */
import { z } from 'zod';
import { defineEvent, type EventOf } from '../events.js';
import { idSchema, instantSchema, memberIdSchema } from '../ids.js';
import { categoryIdSchema, hoursString, pointsString } from '../policy.js';
import { calendarDateText } from '../values.js';

export const RedemptionRequested = defineEvent(
  'RedemptionRequested',
  z.object({
    redemptionId: idSchema,
    memberId: memberIdSchema,
    itemId: idSchema,
    quantity: z.number().int().positive(),
    /** Price × quantity at the time of the request: what the hold sets aside. */
    points: pointsString,
    /** When the hold lapses unless fulfilled or cancelled (policy holdHours). */
    expiresAt: instantSchema,
    requestedBy: z.string(),
  }),
);
/** Stock reserved and points held: waiting at the counter. */
export const RedemptionHeld = defineEvent('RedemptionHeld', z.object({}));
/** Refused before it was held (no stock, not enough points…); anything already set aside was given back. */
export const RedemptionRejected = defineEvent('RedemptionRejected', z.object({ code: z.string(), message: z.string() }));

/** The service record a volunteer gets when a time-bank service is handed over. */
export const serviceGivenSchema = z.object({ recordId: idSchema, category: categoryIdSchema, serviceDate: calendarDateText, hours: hoursString });
export type ServiceGiven = z.output<typeof serviceGivenSchema>;

/** The organiser's decision to hand the item over, recorded before the points are spent, so a crash cannot lose who gave a service. */
export const FulfilmentDecided = defineEvent(
  'FulfilmentDecided',
  z.object({
    fulfilledBy: z.string(),
    volunteerId: memberIdSchema.nullable(),
    /** The volunteer's record for a service item (absent in events of earlier versions: no record then). */
    service: serviceGivenSchema.nullable().optional(),
  }),
);
/** The spend was refused (e.g. the member fell into deficit): back to held. */
export const FulfilmentAbandoned = defineEvent('FulfilmentAbandoned', z.object({ code: z.string(), message: z.string() }));
export const RedemptionFulfilled = defineEvent(
  'RedemptionFulfilled',
  z.object({ fulfilledBy: z.string(), volunteerId: memberIdSchema.nullable() }),
);
/** Cancelling (or lapsing) decided, recorded before the hold and the stock are released. */
export const CancellationRequested = defineEvent(
  'CancellationRequested',
  z.object({ reason: z.enum(['cancelled', 'expired']), requestedBy: z.string() }),
);
export const RedemptionCancelled = defineEvent(
  'RedemptionCancelled',
  z.object({ reason: z.enum(['cancelled', 'expired']), cancelledBy: z.string() }),
);

export const redemptionEventDefinitions = [
  RedemptionRequested,
  RedemptionHeld,
  RedemptionRejected,
  FulfilmentDecided,
  FulfilmentAbandoned,
  RedemptionFulfilled,
  CancellationRequested,
  RedemptionCancelled,
] as const;
export type RedemptionEvent = EventOf<typeof redemptionEventDefinitions>;

export { evolveRedemption, initialRedemptionState, isTerminalRedemption, type RedemptionState, type RedemptionStatus } from './state.js';
