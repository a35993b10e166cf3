/**
 * 点单 → 派单 → 接单 → 评单: what callers ask of a service request (`request-{community}-{id}`). A member posts a
 * need (points offered are held at once); an organiser dispatches it, or a volunteer takes it; the volunteer
 * marks it done; the requester confirms and rates it — or it is cancelled, refused or lapses, the hold released.
 */
import { z } from 'zod';
import { communityIdSchema, memberIdSchema, processIdSchema } from '../ids.js';
import { maxActivityTextLength, maxDescriptionLength } from '../limits.js';
import { categoryIdSchema, hoursString, positivePointsString } from '../policy.js';
import { instantText } from '../values.js';

const target = { communityId: communityIdSchema, requestId: processIdSchema };
const reason = z.string().trim().min(1).max(maxDescriptionLength);

export const serviceRequestCommandSchemas = {
  PostServiceRequest: z
    .object({
      type: z.literal('PostServiceRequest'),
      ...target,
      /** The requester (居民). */
      memberId: memberIdSchema,
      category: categoryIdSchema,
      description: z.string().trim().min(1).max(maxDescriptionLength),
      /** When the service is wanted. */
      wantedAt: instantText,
      place: z.string().trim().min(1).max(maxActivityTextLength),
      /** Points offered to the volunteer: held from the requester's account at once, moved on confirmation. */
      pointsOffered: positivePointsString.optional(),
      /** When an unserved request lapses (default: a week after it was wanted for). */
      expiresAt: instantText.optional(),
    })
    .strict(),
  /** 派单: an organiser assigns a volunteer. */
  DispatchServiceRequest: z.object({ type: z.literal('DispatchServiceRequest'), ...target, volunteerId: memberIdSchema }).strict(),
  /** 接单: a volunteer takes it. */
  TakeServiceRequest: z.object({ type: z.literal('TakeServiceRequest'), ...target, memberId: memberIdSchema }).strict(),
  /** The assigned volunteer hands it back: open again for someone else. */
  DeclineServiceRequest: z.object({ type: z.literal('DeclineServiceRequest'), ...target, reason: reason.optional() }).strict(),
  /** The volunteer did it, in this many hours. */
  MarkServiceRequestDone: z.object({ type: z.literal('MarkServiceRequestDone'), ...target, hours: hoursString }).strict(),
  /** 评单: the requester confirms and rates it, once. */
  ConfirmServiceRequest: z
    .object({
      type: z.literal('ConfirmServiceRequest'),
      ...target,
      rating: z.number().int().min(1).max(5),
      comment: z.string().trim().min(1).max(maxDescriptionLength).optional(),
    })
    .strict(),
  CancelServiceRequest: z.object({ type: z.literal('CancelServiceRequest'), ...target, reason: reason.optional() }).strict(),
  /** An organiser refuses it (out of scope, a dispute): it ends, the hold released. */
  RefuseServiceRequest: z.object({ type: z.literal('RefuseServiceRequest'), ...target, reason }).strict(),
  /** Lapses a request nobody served by its expiry. */
  ExpireServiceRequest: z.object({ type: z.literal('ExpireServiceRequest'), ...target }).strict(),
  /** The ledger's own: carries on a posting, a confirmation or an ending a crash interrupted. */
  ResumeServiceRequest: z.object({ type: z.literal('ResumeServiceRequest'), ...target }).strict(),
} as const;

type Schemas = typeof serviceRequestCommandSchemas;
export type ServiceRequestCommand = { [K in keyof Schemas]: z.output<Schemas[K]> }[keyof Schemas];
export type ServiceRequestCommandInput = { [K in keyof Schemas]: z.input<Schemas[K]> }[keyof Schemas];
