/**
 * 兑换: the redemption process stream (`redemption-{community}-{id}`). It spans the member (points held,
 * then spent or released) and the item (stock reserved, then issued or released). Each step is recorded,
 * so a recovery pass can finish or compensate any redemption a crash interrupted.
 */
import { z } from 'zod';
import { defineEvent, type EventOf } from '../events.js';
import { idSchema, instantSchema, memberIdSchema } from '../ids.js';
import { pointsString } from '../policy.js';

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
/** The organiser's decision to hand the item over, recorded before the points are spent, so a crash cannot lose who gave a service. */
export const FulfilmentDecided = defineEvent(
  'FulfilmentDecided',
  z.object({ fulfilledBy: z.string(), volunteerId: memberIdSchema.nullable() }),
);
/** The spend was refused (e.g. the member fell into deficit): back to held. */
export const FulfilmentAbandoned = defineEvent('FulfilmentAbandoned', z.object({ code: z.string(), message: z.string() }));
export const RedemptionFulfilled = defineEvent(
  'RedemptionFulfilled',
  z.object({ fulfilledBy: z.string(), volunteerId: memberIdSchema.nullable() }),
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
  RedemptionCancelled,
] as const;
export type RedemptionEvent = EventOf<typeof redemptionEventDefinitions>;

export type RedemptionStatus = 'none' | 'requested' | 'held' | 'rejected' | 'fulfilling' | 'fulfilled' | 'cancelled' | 'expired';

export interface RedemptionState {
  status: RedemptionStatus;
  redemptionId: string;
  memberId: string;
  itemId: string;
  quantity: number;
  points: string;
  expiresAt: string;
  rejection: { code: string; message: string } | null;
  fulfilledBy: string | null;
  volunteerId: string | null;
  /** Who asked for it (RedemptionRequested's `requestedBy`): the member, or staff on their behalf. */
  requestedBy: string;
}

export const initialRedemptionState = (): RedemptionState => ({
  status: 'none',
  redemptionId: '',
  memberId: '',
  itemId: '',
  quantity: 0,
  points: '0.00',
  expiresAt: '',
  rejection: null,
  fulfilledBy: null,
  volunteerId: null,
  requestedBy: '',
});

export function evolveRedemption(state: RedemptionState, event: RedemptionEvent): RedemptionState {
  switch (event.type) {
    case 'RedemptionRequested':
      return { ...state, status: 'requested', ...event.data };
    case 'RedemptionHeld':
      return { ...state, status: 'held' };
    case 'RedemptionRejected':
      return { ...state, status: 'rejected', rejection: event.data };
    case 'FulfilmentDecided':
      return { ...state, status: 'fulfilling', fulfilledBy: event.data.fulfilledBy, volunteerId: event.data.volunteerId };
    case 'FulfilmentAbandoned':
      return { ...state, status: 'held', fulfilledBy: null, volunteerId: null };
    case 'RedemptionFulfilled':
      return { ...state, status: 'fulfilled' };
    case 'RedemptionCancelled':
      return { ...state, status: event.data.reason };
  }
}

export const isTerminalRedemption = (status: RedemptionStatus): boolean =>
  status === 'rejected' || status === 'fulfilled' || status === 'cancelled' || status === 'expired';
