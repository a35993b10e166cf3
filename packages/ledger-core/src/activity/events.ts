/**
 * Events of the activity stream (`activity-{community}-{id}`): its set-up, sign-ups and the wait list,
 * attendance stamped by the ledger's clock, and the closing process that turns each attendance into a
 * service record on the member's stream (and, later, approves them in one go).
 */
import { z } from 'zod';
import { defineEvent, type EventOf } from '../events.js';
import { idSchema, instantSchema, memberIdSchema, processIdSchema } from '../ids.js';
import { sealedProfileSchema } from '../member/events.js';
import { categoryIdSchema, hoursString } from '../policy.js';

const roundingModeSchema = z.enum(['half-up', 'half-even', 'down', 'up']);
const refusal = { code: z.string(), message: z.string() };

export const ActivityPublished = defineEvent(
  'ActivityPublished',
  z.object({
    activityId: processIdSchema,
    title: z.string(),
    category: categoryIdSchema,
    startsAt: instantSchema,
    endsAt: instantSchema,
    place: z.string(),
    capacity: z.number().int().positive(),
    organisers: z.array(memberIdSchema),
    /**
     * The secret the kiosk's codes are signed with, sealed by the ledger's vault under a key of the activity's
     * own: the key lives with member keys, outside the event store, so the events alone cannot forge a code.
     */
    kioskSecret: sealedProfileSchema,
    publishedBy: z.string(),
  }),
);

/** Only what changed is named. */
export const ActivityChanged = defineEvent(
  'ActivityChanged',
  z.object({
    title: z.string().optional(),
    startsAt: instantSchema.optional(),
    endsAt: instantSchema.optional(),
    place: z.string().optional(),
    capacity: z.number().int().positive().optional(),
    organisers: z.array(memberIdSchema).optional(),
    changedBy: z.string(),
  }),
);
export const ActivityCancelled = defineEvent('ActivityCancelled', z.object({ reason: z.string(), cancelledBy: z.string() }));

/** A seat taken (a walk-in takes one when an organiser checks them in). */
export const AttendeeSignedUp = defineEvent('AttendeeSignedUp', z.object({ memberId: memberIdSchema, at: instantSchema, walkIn: z.boolean() }));
/** No seat left: the member waits, in order. */
export const AttendeeWaitListed = defineEvent('AttendeeWaitListed', z.object({ memberId: memberIdSchema, at: instantSchema }));
/** The first on the wait list takes a seat that came free. */
export const AttendeePromoted = defineEvent('AttendeePromoted', z.object({ memberId: memberIdSchema, at: instantSchema }));
export const AttendeeWithdrew = defineEvent('AttendeeWithdrew', z.object({ memberId: memberIdSchema, at: instantSchema, from: z.enum(['seat', 'wait-list']) }));

const via = z.enum(['organiser', 'kiosk']);
/** 签到, stamped by the ledger's clock. `kioskStep` is the time step of the kiosk code presented, if one was. */
export const AttendeeCheckedIn = defineEvent(
  'AttendeeCheckedIn',
  z.object({ memberId: memberIdSchema, at: instantSchema, via, by: z.string(), kioskStep: z.number().int().nonnegative().nullable() }),
);
/** The member's own stream refused the presence (present at another activity): the check-in does not stand. */
export const CheckInUndone = defineEvent('CheckInUndone', z.object({ memberId: memberIdSchema, ...refusal }));
/** 签退, stamped by the ledger's clock. */
export const AttendeeCheckedOut = defineEvent(
  'AttendeeCheckedOut',
  z.object({ memberId: memberIdSchema, at: instantSchema, via, by: z.string(), kioskStep: z.number().int().nonnegative().nullable() }),
);

/** Closing decided: attendance counts up to `closedAt` at most, hours rounded by the policy's mode of the time. */
export const ActivityClosing = defineEvent(
  'ActivityClosing',
  z.object({ closedAt: instantSchema, closedBy: z.string(), roundingMode: roundingModeSchema, policyVersion: z.number().int().positive() }),
);
/** One attendance became the member's service record. */
export const AttendanceRecorded = defineEvent(
  'AttendanceRecorded',
  z.object({ memberId: memberIdSchema, recordId: idSchema, checkedInAt: instantSchema, checkedOutAt: instantSchema, hours: hoursString }),
);
/** One attendance could not become a record (no time present, or the member's stream refused it): for an organiser to look at. */
export const AttendanceVoided = defineEvent('AttendanceVoided', z.object({ memberId: memberIdSchema, ...refusal }));
export const ActivityClosed = defineEvent('ActivityClosed', z.object({ attended: z.number().int().nonnegative(), voided: z.number().int().nonnegative(), hours: hoursString }));

export const AttendanceApprovalStarted = defineEvent('AttendanceApprovalStarted', z.object({ approvedBy: z.string() }));
export const AttendanceApproved = defineEvent('AttendanceApproved', z.object({ memberId: memberIdSchema, recordId: idSchema }));
/** Could not be approved in bulk (the approver's own record, the daily cap…): left pending, for one at a time. */
export const AttendanceLeftPending = defineEvent('AttendanceLeftPending', z.object({ memberId: memberIdSchema, recordId: idSchema, ...refusal }));
export const AttendanceApprovalFinished = defineEvent(
  'AttendanceApprovalFinished',
  z.object({ approved: z.number().int().nonnegative(), leftPending: z.number().int().nonnegative() }),
);

export const activityEventDefinitions = [
  ActivityPublished,
  ActivityChanged,
  ActivityCancelled,
  AttendeeSignedUp,
  AttendeeWaitListed,
  AttendeePromoted,
  AttendeeWithdrew,
  AttendeeCheckedIn,
  CheckInUndone,
  AttendeeCheckedOut,
  ActivityClosing,
  AttendanceRecorded,
  AttendanceVoided,
  ActivityClosed,
  AttendanceApprovalStarted,
  AttendanceApproved,
  AttendanceLeftPending,
  AttendanceApprovalFinished,
] as const;
export type ActivityEvent = EventOf<typeof activityEventDefinitions>;
