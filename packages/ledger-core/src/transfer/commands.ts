/** What callers ask of a transfer (转赠): give points to a member, or donate them to the pool (爱心积分池). */
import { z } from 'zod';
import { accountIdSchema, communityIdSchema, idSchema, memberIdSchema } from '../ids.js';
import { positivePointsString } from '../policy.js';

export const transferCommandSchemas = {
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

type Schemas = typeof transferCommandSchemas;
export type TransferCommand = { [K in keyof Schemas]: z.output<Schemas[K]> }[keyof Schemas];
