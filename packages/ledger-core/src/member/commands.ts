import { z } from 'zod';
import { accountIdSchema, communityIdSchema, idSchema, memberIdSchema } from '../ids.js';
import { categoryIdSchema, hoursString, pointsString, positivePointsString } from '../policy.js';
import { calendarDateText, instantText } from '../values.js';
import type { SealedProfile } from './events.js';
import { transferredPortionSchema } from './events.js';

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
      ...target,
      holdId: idSchema,
      redemptionId: idSchema,
      points: positivePointsString,
      expiresAt: instantText,
    })
    .strict(),
  ReleaseHold: z
    .object({ type: z.literal('ReleaseHold'), ...target, holdId: idSchema, reason: z.enum(['cancelled', 'expired']) })
    .strict(),
  SpendHold: z.object({ type: z.literal('SpendHold'), ...target, holdId: idSchema }).strict(),
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
