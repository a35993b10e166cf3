/** Events of a catalogue item stream (`reward-{community}-{item}`): the rewards shop, 积分超市. */
import { z } from 'zod';
import { defineEvent, type EventOf } from '../events.js';
import { idSchema, memberIdSchema } from '../ids.js';
import { categoryIdSchema, hoursString, pointsString } from '../policy.js';
import { calendarDatePattern } from '../time.js';

export const limitPeriods = ['day', 'week', 'month', 'year', 'ever'] as const;
export const memberLimitSchema = z.object({ count: z.number().int().min(1).max(10_000), period: z.enum(limitPeriods) }).strict();

export const ItemListed = defineEvent(
  'ItemListed',
  z.object({
    itemId: idSchema,
    name: z.string(),
    /** Goods come from stock; a service is given by a volunteer (the time-bank exchange) and has no stock. */
    kind: z.enum(['goods', 'service']),
    pointsCost: pointsString,
    initialStock: z.number().int().min(0).nullable(),
    limitPerMember: memberLimitSchema.nullable(),
    /** For services: the hours a volunteer gives and their category, for the volunteer's service record. */
    serviceHours: hoursString.nullable(),
    serviceCategory: categoryIdSchema.nullable(),
  }),
);
export const ItemRepriced = defineEvent('ItemRepriced', z.object({ pointsCost: pointsString }));
export const ItemRestocked = defineEvent('ItemRestocked', z.object({ quantity: z.number().int().positive() }));
export const ItemDelisted = defineEvent('ItemDelisted', z.object({ reason: z.string() }));
export const StockReserved = defineEvent(
  'StockReserved',
  z.object({
    redemptionId: idSchema,
    memberId: memberIdSchema,
    quantity: z.number().int().positive(),
    /** Community-local day of the reservation, for per-member limits by period. */
    day: z.string().regex(calendarDatePattern),
  }),
);
export const StockReleased = defineEvent('StockReleased', z.object({ redemptionId: idSchema, quantity: z.number().int().positive() }));
export const StockIssued = defineEvent('StockIssued', z.object({ redemptionId: idSchema, quantity: z.number().int().positive() }));

export const rewardEventDefinitions = [ItemListed, ItemRepriced, ItemRestocked, ItemDelisted, StockReserved, StockReleased, StockIssued] as const;
export type RewardEvent = EventOf<typeof rewardEventDefinitions>;
