/** Commands that start or move a process spanning two streams (redemptions, transfers). */
import { z } from 'zod';
import { accountIdSchema, communityIdSchema, idSchema, memberIdSchema } from '../ids.js';
import { positivePointsString } from '../policy.js';

export const processCommandSchemas = {
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
  RequestTransfer: z
    .object({
      type: z.literal('RequestTransfer'),
      communityId: communityIdSchema,
      memberId: memberIdSchema,
      transferId: idSchema,
      to: accountIdSchema,
      points: positivePointsString,
      reason: z.enum(['gift', 'donation']).optional(),
    })
    .strict(),
} as const;

type Schemas = typeof processCommandSchemas;
export type ProcessCommand = { [K in keyof Schemas]: z.output<Schemas[K]> }[keyof Schemas];
