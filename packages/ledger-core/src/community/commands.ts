import { z } from 'zod';
import { categoryIdSchema, policySchema } from '../policy.js';
import { communityIdSchema, memberIdSchema } from '../ids.js';
import { isTimeZone } from '../time.js';

const nameSchema = z.string().trim().min(1).max(200);

export const communityCommandSchemas = {
  RegisterCommunity: z
    .object({
      type: z.literal('RegisterCommunity'),
      communityId: communityIdSchema,
      name: nameSchema,
      /** IANA zone; daily caps count by calendar day here. */
      timeZone: z.string().refine(isTimeZone, 'an IANA time zone, like "Asia/Shanghai"').default('Asia/Shanghai'),
      policy: policySchema.optional(),
      /** Categories to start with; the eight defaults when omitted. */
      categories: z.array(z.object({ categoryId: categoryIdSchema, name: nameSchema }).strict()).max(100).optional(),
    })
    .strict(),
  PublishPolicy: z.object({ type: z.literal('PublishPolicy'), communityId: communityIdSchema, policy: policySchema }).strict(),
  AddCategory: z
    .object({ type: z.literal('AddCategory'), communityId: communityIdSchema, categoryId: categoryIdSchema, name: nameSchema })
    .strict(),
  RetireCategory: z
    .object({ type: z.literal('RetireCategory'), communityId: communityIdSchema, categoryId: categoryIdSchema })
    .strict(),
  AppointOrganiser: z
    .object({ type: z.literal('AppointOrganiser'), communityId: communityIdSchema, memberId: memberIdSchema })
    .strict(),
  DismissOrganiser: z
    .object({ type: z.literal('DismissOrganiser'), communityId: communityIdSchema, memberId: memberIdSchema })
    .strict(),
} as const;

type Schemas = typeof communityCommandSchemas;
export type CommunityCommand = { [K in keyof Schemas]: z.output<Schemas[K]> }[keyof Schemas];
export type CommunityCommandInput = { [K in keyof Schemas]: z.input<Schemas[K]> }[keyof Schemas];
