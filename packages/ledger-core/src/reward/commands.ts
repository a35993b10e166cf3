import { z } from 'zod';
import { communityIdSchema, idSchema, memberIdSchema } from '../ids.js';
import { categoryIdSchema, hoursString, positivePointsString } from '../policy.js';
import { memberLimitSchema } from './events.js';

const target = { communityId: communityIdSchema, itemId: idSchema };

export const rewardCommandSchemas = {
  ListItem: z
    .object({
      type: z.literal('ListItem'),
      ...target,
      name: z.string().trim().min(1).max(200),
      kind: z.enum(['goods', 'service']),
      pointsCost: positivePointsString,
      /** Goods only: units on the shelf. */
      stock: z.number().int().min(0).max(1_000_000).optional(),
      limitPerMember: memberLimitSchema.optional(),
      serviceHours: hoursString.optional(),
      serviceCategory: categoryIdSchema.optional(),
    })
    .strict(),
  RepriceItem: z.object({ type: z.literal('RepriceItem'), ...target, pointsCost: positivePointsString }).strict(),
  RestockItem: z.object({ type: z.literal('RestockItem'), ...target, quantity: z.number().int().min(1).max(1_000_000) }).strict(),
  DelistItem: z.object({ type: z.literal('DelistItem'), ...target, reason: z.string().trim().min(1).max(500).default('delisted') }).strict(),
  // Steps of a redemption, issued by the ledger itself; each is idempotent by redemption id.
  ReserveStock: z
    .object({ type: z.literal('ReserveStock'), ...target, redemptionId: idSchema, memberId: memberIdSchema, quantity: z.number().int().min(1).max(1000) })
    .strict(),
  ReleaseStock: z.object({ type: z.literal('ReleaseStock'), ...target, redemptionId: idSchema }).strict(),
  IssueStock: z.object({ type: z.literal('IssueStock'), ...target, redemptionId: idSchema }).strict(),
} as const;

type Schemas = typeof rewardCommandSchemas;
export type RewardCommand = { [K in keyof Schemas]: z.output<Schemas[K]> }[keyof Schemas];
