/** What callers ask of a redemption (兑换): request it, hand the item over, cancel it, or let it lapse. */
import { z } from 'zod';
import { communityIdSchema, idSchema, memberIdSchema } from '../ids.js';

export const redemptionCommandSchemas = {
  RequestRedemption: z
    .object({
      type: z.literal('RequestRedemption'),
      communityId: communityIdSchema,
      memberId: memberIdSchema,
      redemptionId: idSchema,
      itemId: idSchema,
      quantity: z.number().int().min(1).max(1000).default(1),
    })
    .strict(),
  FulfilRedemption: z
    .object({
      type: z.literal('FulfilRedemption'),
      communityId: communityIdSchema,
      redemptionId: idSchema,
      /** For a service item: the volunteer who gave it; they get a service record for its hours. */
      volunteerId: memberIdSchema.optional(),
    })
    .strict(),
  CancelRedemption: z.object({ type: z.literal('CancelRedemption'), communityId: communityIdSchema, redemptionId: idSchema }).strict(),
  ExpireRedemption: z.object({ type: z.literal('ExpireRedemption'), communityId: communityIdSchema, redemptionId: idSchema }).strict(),
} as const;

type Schemas = typeof redemptionCommandSchemas;
export type RedemptionCommand = { [K in keyof Schemas]: z.output<Schemas[K]> }[keyof Schemas];
