/**
 * Events of the member stream (`member-{community}-{member}`). Everything that moves a member's balance
 * is decided on this stream. Amounts are decimal strings; each event holds what replay needs (points
 * computed at the time, the policy version used), so replay never re-runs business rules.
 */
import { z } from 'zod';
import { defineEvent, type EventOf } from '../events.js';
import { accountIdSchema, communityIdSchema, idSchema, instantSchema, memberIdSchema, processIdSchema } from '../ids.js';
import { categoryIdSchema, factorString, hoursString, pointsString } from '../policy.js';
import { calendarDatePattern } from '../time.js';

const calendarDate = z.string().regex(calendarDatePattern);
const nullableString = z.string().nullable();

/** Points taken from one lot. */
export const lotTakeSchema = z.object({ lotId: z.string(), points: pointsString });
export type LotTake = z.output<typeof lotTakeSchema>;

/** A lot created on this account (accrual, or points arriving by transfer with their original expiry). */
export const newLotSchema = z.object({
  lotId: z.string(),
  points: pointsString,
  accruedAt: instantSchema,
  expiresAt: instantSchema.nullable(),
  unlocksAt: instantSchema.nullable(),
});
export type NewLot = z.output<typeof newLotSchema>;

export const MemberRegistered = defineEvent(
  'MemberRegistered',
  z.object({
    communityId: communityIdSchema,
    memberId: accountIdSchema,
    /** Members of one household may give each other points where the policy allows family transfers only. */
    householdId: nullableString,
    compound: nullableString,
    building: nullableString,
  }),
);

/** Personal data sealed with the member's own key (DESIGN §6); erasing the key erases the person. */
export const sealedProfileSchema = z.object({ keyId: z.string(), alg: z.literal('AES-GCM-256'), iv: z.string(), ciphertext: z.string() });
export type SealedProfile = z.output<typeof sealedProfileSchema>;
export const MemberProfileRecorded = defineEvent('MemberProfileRecorded', z.object({ sealed: sealedProfileSchema }));
export const MemberProfileErased = defineEvent('MemberProfileErased', z.object({ reason: z.string() }));

export const ServiceRecorded = defineEvent(
  'ServiceRecorded',
  z.object({
    recordId: idSchema,
    /** 签到时长 measured by sign-in/out, or 补录时长 reported afterwards. */
    kind: z.enum(['checked-in', 'reported']),
    category: categoryIdSchema,
    activityId: nullableString,
    serviceDate: calendarDate,
    hours: hoursString,
    checkedInAt: instantSchema.nullable(),
    checkedOutAt: instantSchema.nullable(),
    activityHours: hoursString.nullable(),
    recordedBy: z.string(),
  }),
);

/**
 * 信用时长 / 荣誉时长: credit hours were measured by the ledger (checked in and out), honour hours typed in afterwards.
 * Both count for levels and certificates; the policy says whether honour hours earn points.
 */
export const hoursKindSchema = z.enum(['credit', 'honour']);
export type HoursKind = z.output<typeof hoursKindSchema>;

export const ServiceApproved = defineEvent(
  'ServiceApproved',
  z.object({
    recordId: idSchema,
    /** Credit or honour hours (absent in events written before the distinction: then the record's kind says it). */
    hoursKind: hoursKindSchema.optional(),
    approvedBy: z.string(),
    /** Approved by the policy at check-in rather than by an organiser. */
    automatic: z.boolean(),
    serviceDate: calendarDate,
    hoursRecorded: hoursString,
    /** Hours counted after the daily cap: these earn points and count toward levels. */
    hoursApproved: hoursString,
    policyVersion: z.number().int().positive(),
  }),
);

export const ServiceRejected = defineEvent('ServiceRejected', z.object({ recordId: idSchema, rejectedBy: z.string(), reason: z.string() }));

export const ServiceReversed = defineEvent(
  'ServiceReversed',
  z.object({ recordId: idSchema, reversedBy: z.string(), reason: z.string(), serviceDate: calendarDate, hoursReversed: hoursString }),
);

const accrualSource = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('service'),
    recordId: idSchema,
    category: categoryIdSchema,
    hours: hoursString,
    pointsPerHour: factorString,
    multiplier: factorString,
  }),
  z.object({ kind: z.literal('grant'), grantId: idSchema, reason: z.string(), grantedBy: z.string() }),
]);

/** issuance → member. A deficit is settled first; the rest becomes a lot. */
export const PointsAccrued = defineEvent(
  'PointsAccrued',
  z.object({
    points: pointsString,
    deficitSettled: pointsString,
    /** The lot created for what is left after the deficit; null when nothing is left. */
    lot: newLotSchema.nullable(),
    policyVersion: z.number().int().positive(),
    source: accrualSource,
  }),
);

/** member → issuance, for a reversed record: free lot points first, the rest as a deficit. */
export const PointsClawedBack = defineEvent(
  'PointsClawedBack',
  z.object({ recordId: idSchema, points: pointsString, fromLots: z.array(lotTakeSchema), deficitAdded: pointsString }),
);

export const LevelReached = defineEvent(
  'LevelReached',
  z.object({ level: z.number().int().positive(), thresholdHours: hoursString, totalHours: hoursString }),
);

/**
 * What kind of process holds points: a redemption (兑换), a service request's offer (点单), a micro-wish the pool
 * claimed (微心愿). Hold ids are unique within a purpose, so a caller's redemption id can never name a request's hold.
 */
export const holdPurposeSchema = z.enum(['redemption', 'service-request', 'wish']);
export type HoldPurpose = z.output<typeof holdPurposeSchema>;
/** Absent in events of redemptions (and in every hold event written before there were other purposes). */
const purpose = holdPurposeSchema.optional();

/** 冻结: points set aside for a process (a redemption unless `purpose` says otherwise); not available, not yet spent. */
export const PointsHeld = defineEvent(
  'PointsHeld',
  z.object({ holdId: idSchema, redemptionId: idSchema, points: pointsString, fromLots: z.array(lotTakeSchema), expiresAt: instantSchema, purpose }),
);

/** The hold ends without a spend; freed points settle any deficit first. */
export const HoldReleased = defineEvent(
  'HoldReleased',
  z.object({
    holdId: idSchema,
    redemptionId: idSchema,
    points: pointsString,
    reason: z.enum(['cancelled', 'expired']),
    deficitSettledFromLots: z.array(lotTakeSchema),
    purpose,
  }),
);

/** member → redeemed: the hold ends in a spend of exactly its points. */
export const HeldPointsSpent = defineEvent(
  'HeldPointsSpent',
  z.object({ holdId: idSchema, redemptionId: idSchema, points: pointsString, fromLots: z.array(lotTakeSchema), purpose }),
);

/** Lot portions leaving with a transfer keep their expiry, so a gift cannot launder an expiry date. */
export const transferredPortionSchema = z.object({
  lotId: z.string(),
  points: pointsString,
  accruedAt: instantSchema,
  expiresAt: instantSchema.nullable(),
});
export type TransferredPortion = z.output<typeof transferredPortionSchema>;

/** member → in-transit. */
export const PointsTransferredOut = defineEvent(
  'PointsTransferredOut',
  z.object({
    transferId: idSchema,
    to: accountIdSchema,
    reason: z.enum(['gift', 'donation', 'overflow']),
    /** The community-local calendar day, for the policy's daily transfer limit. */
    day: calendarDate,
    points: pointsString,
    fromLots: z.array(transferredPortionSchema),
  }),
);

/** in-transit → member (the recipient). */
export const PointsTransferredIn = defineEvent(
  'PointsTransferredIn',
  z.object({ transferId: idSchema, from: accountIdSchema, points: pointsString, deficitSettled: pointsString, lots: z.array(newLotSchema) }),
);

/** in-transit → member (the sender), when the transfer cannot be delivered. */
export const TransferRefunded = defineEvent(
  'TransferRefunded',
  z.object({ transferId: idSchema, points: pointsString, deficitSettled: pointsString, lots: z.array(newLotSchema), reason: z.string() }),
);

/** member → expired: one lot's remainder, once. */
export const PointsExpired = defineEvent(
  'PointsExpired',
  z.object({ lotId: z.string(), points: pointsString, expiresAt: instantSchema, asOf: instantSchema }),
);

/** 签到: present at an activity from `at`; `until` is the activity's end, past which the presence counts for nothing. */
export const PresenceBegan = defineEvent('PresenceBegan', z.object({ activityId: processIdSchema, at: instantSchema, until: instantSchema }));
/** 签退 (or the activity's closing): the presence ended at `at`. */
export const PresenceEnded = defineEvent('PresenceEnded', z.object({ activityId: processIdSchema, at: instantSchema }));

/**
 * member → in-transit: a service request's hold ends in a payment to the volunteer (点单 with points offered).
 * The lot portions leave with their expiry, as a gift's do.
 */
export const HeldPointsPaid = defineEvent(
  'HeldPointsPaid',
  z.object({ requestId: processIdSchema, holdId: idSchema, to: memberIdSchema, points: pointsString, fromLots: z.array(transferredPortionSchema) }),
);
/** in-transit → member (the volunteer): a request's payment arrives; a deficit is settled first. */
export const ServicePaymentReceived = defineEvent(
  'ServicePaymentReceived',
  z.object({ requestId: processIdSchema, from: memberIdSchema, points: pointsString, deficitSettled: pointsString, lots: z.array(newLotSchema) }),
);
/** in-transit → member (the requester): a payment the volunteer could not take comes back. */
export const ServicePaymentReturned = defineEvent(
  'ServicePaymentReturned',
  z.object({ requestId: processIdSchema, points: pointsString, deficitSettled: pointsString, lots: z.array(newLotSchema), reason: z.string() }),
);

export const memberEventDefinitions = [
  MemberRegistered,
  MemberProfileRecorded,
  MemberProfileErased,
  ServiceRecorded,
  ServiceApproved,
  ServiceRejected,
  ServiceReversed,
  PointsAccrued,
  PointsClawedBack,
  LevelReached,
  PointsHeld,
  HoldReleased,
  HeldPointsSpent,
  PointsTransferredOut,
  PointsTransferredIn,
  TransferRefunded,
  PointsExpired,
  PresenceBegan,
  PresenceEnded,
  HeldPointsPaid,
  ServicePaymentReceived,
  ServicePaymentReturned,
] as const;

export type MemberEvent = EventOf<typeof memberEventDefinitions>;
export type MemberEventType = MemberEvent['type'];
export { memberIdSchema };
