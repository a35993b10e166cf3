/**
 * 微心愿: a resident's small wish (`wish-{community}-{id}`), posted by an organiser on their behalf, claimed by a
 * member (who fulfils it in kind) or by the donation pool (whose points pay for it), fulfilled once an organiser
 * confirms it.
 */
import { z } from 'zod';
import { accountIdSchema, communityIdSchema, memberIdSchema, processIdSchema } from '../ids.js';
import { maxActivityTextLength, maxDescriptionLength } from '../limits.js';
import { positivePointsString } from '../policy.js';

const target = { communityId: communityIdSchema, wishId: processIdSchema };

export const wishCommandSchemas = {
  PostWish: z
    .object({
      type: z.literal('PostWish'),
      ...target,
      /** The resident the wish is for. */
      beneficiaryId: memberIdSchema,
      title: z.string().trim().min(1).max(maxActivityTextLength),
      description: z.string().trim().min(1).max(maxDescriptionLength).optional(),
      /** What it costs if the donation pool pays for it. */
      points: positivePointsString,
    })
    .strict(),
  /** A member claims it to fulfil it themselves, or an organiser claims it for the donation pool (`_pool`). */
  ClaimWish: z.object({ type: z.literal('ClaimWish'), ...target, memberId: accountIdSchema }).strict(),
  /** The organiser confirms it was fulfilled; the pool's points are spent then. */
  FulfilWish: z.object({ type: z.literal('FulfilWish'), ...target }).strict(),
  CancelWish: z.object({ type: z.literal('CancelWish'), ...target, reason: z.string().trim().min(1).max(maxDescriptionLength) }).strict(),
  /** The ledger's own: carries on a claim, a fulfilment or a cancellation a crash interrupted. */
  ResumeWish: z.object({ type: z.literal('ResumeWish'), ...target }).strict(),
} as const;

type Schemas = typeof wishCommandSchemas;
export type WishCommand = { [K in keyof Schemas]: z.output<Schemas[K]> }[keyof Schemas];
export type WishCommandInput = { [K in keyof Schemas]: z.input<Schemas[K]> }[keyof Schemas];
