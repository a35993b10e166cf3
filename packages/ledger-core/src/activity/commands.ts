/**
 * 志愿活动: what callers ask of an activity (`activity-{community}-{id}`) — publish, change, cancel; sign up and
 * withdraw; check in and out (marked by an organiser, or by the member presenting the kiosk's code); close it,
 * which turns every attendance into a service record; approve its attendance in one go.
 */
import { z } from 'zod';
import { communityIdSchema, memberIdSchema, processIdSchema } from '../ids.js';
import { maxActivityCapacity, maxActivityOrganisers, maxActivityTextLength } from '../limits.js';
import { categoryIdSchema } from '../policy.js';
import { instantText } from '../values.js';

const target = { communityId: communityIdSchema, activityId: processIdSchema };
const text = z.string().trim().min(1).max(maxActivityTextLength);
const capacity = z.number().int().min(1).max(maxActivityCapacity);
const organisers = z.array(memberIdSchema).max(maxActivityOrganisers);
/** What the kiosk shows (see kiosk.ts): a time step and a MAC; anything longer is not one. */
const kioskCode = z.string().trim().min(1).max(100);

export const activityCommandSchemas = {
  PublishActivity: z
    .object({
      type: z.literal('PublishActivity'),
      ...target,
      title: text,
      category: categoryIdSchema,
      startsAt: instantText,
      endsAt: instantText,
      place: text,
      capacity,
      /** Members who run it (an organiser publishing it is added); the organiser's queue lists their activities. */
      organisers: organisers.optional(),
    })
    .strict(),
  /** Changes before the activity starts; a larger capacity moves the wait list up, in order. */
  ChangeActivity: z
    .object({
      type: z.literal('ChangeActivity'),
      ...target,
      title: text.optional(),
      startsAt: instantText.optional(),
      endsAt: instantText.optional(),
      place: text.optional(),
      capacity: capacity.optional(),
      organisers: organisers.optional(),
    })
    // No refinement here: the HTTP layer derives bodies with omit(), which refined objects refuse; the decider
    // refuses a change that names nothing.
    .strict(),
  CancelActivity: z.object({ type: z.literal('CancelActivity'), ...target, reason: z.string().trim().min(1).max(500) }).strict(),
  /** 报名: a seat while there is one, else a place on the wait list. */
  SignUpForActivity: z.object({ type: z.literal('SignUpForActivity'), ...target, memberId: memberIdSchema }).strict(),
  WithdrawFromActivity: z.object({ type: z.literal('WithdrawFromActivity'), ...target, memberId: memberIdSchema }).strict(),
  /** An organiser marks a member present (a walk-in takes a free seat), stamped by the ledger's clock. */
  CheckInAttendee: z.object({ type: z.literal('CheckInAttendee'), ...target, memberId: memberIdSchema }).strict(),
  CheckOutAttendee: z.object({ type: z.literal('CheckOutAttendee'), ...target, memberId: memberIdSchema }).strict(),
  /** The member presents the code the activity's kiosk shows: accepted once, only inside the window, only for its activity. */
  CheckInWithKioskCode: z.object({ type: z.literal('CheckInWithKioskCode'), ...target, memberId: memberIdSchema, code: kioskCode }).strict(),
  CheckOutWithKioskCode: z.object({ type: z.literal('CheckOutWithKioskCode'), ...target, memberId: memberIdSchema, code: kioskCode }).strict(),
  /** Turns every attendance into a checked-in service record on the member's stream; closing twice is closing once. */
  CloseActivity: z.object({ type: z.literal('CloseActivity'), ...target }).strict(),
  /** Approves every attendance record of a closed activity; what cannot be approved is left for one at a time. */
  ApproveActivityAttendance: z.object({ type: z.literal('ApproveActivityAttendance'), ...target }).strict(),
  /** The ledger's own: carries on a closing or an approval a crash interrupted (the recovery pass issues it). */
  ResumeActivity: z.object({ type: z.literal('ResumeActivity'), ...target }).strict(),
} as const;

type Schemas = typeof activityCommandSchemas;
export type ActivityCommand = { [K in keyof Schemas]: z.output<Schemas[K]> }[keyof Schemas];
export type ActivityCommandInput = { [K in keyof Schemas]: z.input<Schemas[K]> }[keyof Schemas];
