import { z } from 'zod';
import { accountIdSchema, communityIdSchema, idSchema, memberIdSchema, processIdSchema } from '../ids.js';
import { categoryIdSchema, hoursString, pointsString, positivePointsString } from '../policy.js';
import { calendarDateText, instantText } from '../values.js';
import type { SealedProfile } from './events.js';
import { holdPurposeSchema, transferredPortionSchema } from './events.js';

const reason = z.string().trim().min(1).max(500);
const optionalText = z.string().trim().min(1).max(100).optional();
const target = { communityId: communityIdSchema, memberId: memberIdSchema };

/** Personal data: only ever stored sealed by the vault (DESIGN §6). */
export const profileSchema = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    phone: z.string().trim().regex(/^\+?[0-9 -]{5,20}$/, 'digits, spaces and dashes, optionally starting with +').optional(),
    /** 身份证号 or another identity document number; certificates show it masked. */
    idNumber: z.string().trim().regex(/^[0-9A-Za-z]{6,32}$/, '6 to 32 letters or digits').optional(),
  })
  .strict();
export type Profile = z.output<typeof profileSchema>;

export const memberCommandSchemas = {
  RegisterMember: z
    .object({
      type: z.literal('RegisterMember'),
      ...target,
      householdId: idSchema.optional(),
      compound: optionalText,
      building: optionalText,
      profile: profileSchema.optional(),
    })
    .strict(),
  RecordProfile: z.object({ type: z.literal('RecordProfile'), ...target, profile: profileSchema }).strict(),
  ErasePersonalData: z.object({ type: z.literal('ErasePersonalData'), ...target, reason }).strict(),
  RecordCheckedInHours: z
    .object({
      type: z.literal('RecordCheckedInHours'),
      ...target,
      recordId: idSchema,
      category: categoryIdSchema,
      activityId: idSchema.optional(),
      checkedInAt: instantText,
      checkedOutAt: instantText,
    })
    .strict(),
  ReportHours: z
    .object({
      type: z.literal('ReportHours'),
      ...target,
      recordId: idSchema,
      category: categoryIdSchema,
      activityId: idSchema.optional(),
      serviceDate: calendarDateText,
      hours: hoursString,
      /** The activity's scheduled length: reported hours cannot exceed it. */
      activityHours: hoursString,
    })
    .strict(),
  ApproveService: z.object({ type: z.literal('ApproveService'), ...target, recordId: idSchema }).strict(),
  RejectService: z.object({ type: z.literal('RejectService'), ...target, recordId: idSchema, reason }).strict(),
  ReverseService: z.object({ type: z.literal('ReverseService'), ...target, recordId: idSchema, reason }).strict(),
  GrantPoints: z
    .object({ type: z.literal('GrantPoints'), ...target, grantId: idSchema, points: positivePointsString, reason })
    .strict(),
  /** The donation pool's points expire like anyone's, so the pool's reserved id is accepted here. */
  ExpirePoints: z
    .object({ type: z.literal('ExpirePoints'), communityId: communityIdSchema, memberId: accountIdSchema, asOf: instantText.optional() })
    .strict(),

  // Steps of the redemption and transfer processes, issued by the ledger itself. Each is idempotent:
  // repeating a step that already happened decides nothing, so recovery can replay any of them.
  PlaceHold: z
    .object({
      type: z.literal('PlaceHold'),
      communityId: communityIdSchema,
      /** The donation pool holds points too, for a micro-wish it claimed. */
      memberId: accountIdSchema,
      holdId: idSchema,
      /** The process the hold belongs to: a redemption, unless `purpose` says otherwise. */
      redemptionId: idSchema,
      points: positivePointsString,
      expiresAt: instantText,
      /** Which kind of process holds the points; hold ids are unique per purpose (a redemption when absent). */
      purpose: holdPurposeSchema.optional(),
    })
    .strict(),
  ReleaseHold: z
    .object({
      type: z.literal('ReleaseHold'),
      communityId: communityIdSchema,
      memberId: accountIdSchema,
      holdId: idSchema,
      reason: z.enum(['cancelled', 'expired']),
      purpose: holdPurposeSchema.optional(),
    })
    .strict(),
  SpendHold: z
    .object({ type: z.literal('SpendHold'), communityId: communityIdSchema, memberId: accountIdSchema, holdId: idSchema, purpose: holdPurposeSchema.optional() })
    .strict(),
  SendPoints: z
    .object({
      type: z.literal('SendPoints'),
      communityId: communityIdSchema,
      memberId: accountIdSchema,
      transferId: idSchema,
      to: accountIdSchema,
      points: positivePointsString,
      reason: z.enum(['gift', 'donation', 'overflow']),
      /** The recipient's household, looked up by the transfer process, for family-only policies. */
      recipientHouseholdId: z.string().nullable(),
    })
    .strict(),
  ReceivePoints: z
    .object({
      type: z.literal('ReceivePoints'),
      communityId: communityIdSchema,
      memberId: accountIdSchema,
      transferId: idSchema,
      from: accountIdSchema,
      points: pointsString,
      portions: z.array(transferredPortionSchema),
    })
    .strict(),
  RefundTransfer: z
    .object({
      type: z.literal('RefundTransfer'),
      communityId: communityIdSchema,
      memberId: accountIdSchema,
      transferId: idSchema,
      reason,
      /** Why the recipient could not take the points (a domain error code), for the transfer's record. */
      code: z.string().optional(),
    })
    .strict(),
  /** 时间银行: a volunteer's service given through a redemption, recorded for an organiser to approve. */
  RecordServiceGiven: z
    .object({
      type: z.literal('RecordServiceGiven'),
      ...target,
      recordId: idSchema,
      redemptionId: idSchema,
      category: categoryIdSchema,
      serviceDate: calendarDateText,
      hours: hoursString,
    })
    .strict(),
  /** Compensation: the record made for a redemption that was not fulfilled is rejected by the ledger. */
  WithdrawServiceGiven: z.object({ type: z.literal('WithdrawServiceGiven'), ...target, recordId: idSchema, reason }).strict(),

  // Steps of activities, service requests and micro-wishes (issued by the ledger itself, idempotent like the rest).
  /** 签到: the member is present at an activity from `at`, at most until the activity's end; refused while present at another. */
  BeginPresence: z
    .object({ type: z.literal('BeginPresence'), ...target, activityId: processIdSchema, at: instantText, until: instantText })
    .strict(),
  /** 签退: the member's presence at the activity ends at `at`. */
  EndPresence: z.object({ type: z.literal('EndPresence'), ...target, activityId: processIdSchema, at: instantText }).strict(),
  /** Closing an activity: the member's attendance becomes a checked-in service record (approved at once where the policy says). */
  RecordAttendance: z
    .object({
      type: z.literal('RecordAttendance'),
      ...target,
      activityId: processIdSchema,
      recordId: idSchema,
      category: categoryIdSchema,
      /** The time present within the activity's window. */
      checkedInAt: instantText,
      checkedOutAt: instantText,
      /** Measured hours, rounded by the policy when the activity was closed. */
      hours: hoursString,
      /** The member's check-in was marked by themselves as an organiser: never approved without another organiser. */
      selfMarked: z.boolean(),
    })
    .strict(),
  /** Approves a pending record as the process's actor (an activity's bulk approval, a confirmed request); nothing if already approved. */
  ApproveRecord: z.object({ type: z.literal('ApproveRecord'), ...target, recordId: idSchema, automatic: z.boolean() }).strict(),
  /** A service request's hours, recorded for the volunteer when the requester confirms it; pending until approved. */
  RecordRequestService: z
    .object({
      type: z.literal('RecordRequestService'),
      ...target,
      recordId: idSchema,
      requestId: processIdSchema,
      category: categoryIdSchema,
      serviceDate: calendarDateText,
      hours: hoursString,
    })
    .strict(),
  /** The requester's hold for a service request ends in a payment to the volunteer: member → in-transit. */
  PayHold: z.object({ type: z.literal('PayHold'), ...target, requestId: processIdSchema, to: memberIdSchema }).strict(),
  /** The volunteer receives a request's payment, lot portions and expiry as the payer's stream recorded them: in-transit → member. */
  ReceivePayment: z.object({ type: z.literal('ReceivePayment'), ...target, requestId: processIdSchema, from: memberIdSchema }).strict(),
  /** The payment could not be delivered: it goes back to the payer, in-transit → member. */
  ReturnPayment: z.object({ type: z.literal('ReturnPayment'), ...target, requestId: processIdSchema, reason }).strict(),
} as const;

type Schemas = typeof memberCommandSchemas;
type Parsed = { [K in keyof Schemas]: z.output<Schemas[K]> }[keyof Schemas];
export type MemberCommandInput = { [K in keyof Schemas]: z.input<Schemas[K]> }[keyof Schemas];

/**
 * What the member decider receives: the parsed command, where personal data has already been sealed by
 * the vault (the decider never sees it in the clear, and the clear text never reaches an event).
 */
export type MemberCommand = Parsed extends infer C
  ? C extends { type: 'RegisterMember' | 'RecordProfile' }
    ? Omit<C, 'profile'> & { sealedProfile?: SealedProfile }
    : C
  : never;
