/** Events of the micro-wish stream (`wish-{community}-{id}`); the pool's points move on its own member stream. */
import { z } from 'zod';
import { defineEvent, type EventOf } from '../events.js';
import { accountIdSchema, instantSchema, memberIdSchema, processIdSchema } from '../ids.js';
import { pointsString } from '../policy.js';

const refusal = { code: z.string(), message: z.string() };

export const WishPosted = defineEvent(
  'WishPosted',
  z.object({ wishId: processIdSchema, beneficiaryId: memberIdSchema, title: z.string(), description: z.string().nullable(), points: pointsString, postedBy: z.string() }),
);
/** Claimed; for the pool, its points are held next (WishPointsHeld). */
export const WishClaimed = defineEvent(
  'WishClaimed',
  z.object({ claimantId: accountIdSchema, by: z.string(), /** Until when the pool's hold stands; null for a member's claim. */ holdExpiresAt: instantSchema.nullable() }),
);
export const WishPointsHeld = defineEvent('WishPointsHeld', z.object({}));
/** The pool could not hold the points (not enough donated): back to posted. */
export const WishClaimRejected = defineEvent('WishClaimRejected', z.object(refusal));
/** The organiser's confirmation, recorded before the pool's points are spent. */
export const WishFulfilling = defineEvent('WishFulfilling', z.object({ by: z.string() }));
export const WishFulfilmentAbandoned = defineEvent('WishFulfilmentAbandoned', z.object(refusal));
export const WishFulfilled = defineEvent('WishFulfilled', z.object({ claimantId: accountIdSchema, by: z.string(), pointsSpent: pointsString }));
export const WishCancelling = defineEvent('WishCancelling', z.object({ by: z.string(), reason: z.string() }));
export const WishCancelled = defineEvent('WishCancelled', z.object({ by: z.string(), reason: z.string() }));

export const wishEventDefinitions = [
  WishPosted,
  WishClaimed,
  WishPointsHeld,
  WishClaimRejected,
  WishFulfilling,
  WishFulfilmentAbandoned,
  WishFulfilled,
  WishCancelling,
  WishCancelled,
] as const;
export type WishEvent = EventOf<typeof wishEventDefinitions>;
