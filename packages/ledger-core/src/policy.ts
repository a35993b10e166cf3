/**
 * 积分规则: a community's points policy (DESIGN §5). Versioned: every change is a new version, and every
 * decision records the version it used, so replay never re-runs rules against today's policy.
 */
import { z } from 'zod';
import { Hours, Points, amountPattern, pointsForHours } from './money.js';
import { factorText, hoursText, pointsText, positivePointsText } from './values.js';

/**
 * Amounts are parsed once, to their canonical two-place form ("50" → "50.00"), so no short form ever reaches
 * an event (rule 4) and no malformed one reaches a rule (values.ts never throws).
 */
export const pointsString = pointsText;
export const positivePointsString = positivePointsText;
export const hoursString = hoursText;
export const factorString = factorText;
export const categoryIdSchema = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes, like "elder-care"');

/** The national star-volunteer thresholds in cumulative hours (一星 … 五星). */
export const starVolunteerThresholdsHours = ['100.00', '300.00', '600.00', '1000.00', '1500.00'];

const expirySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('never') }).strict(),
  z.object({ kind: z.literal('months-after-accrual'), months: z.number().int().min(1).max(120) }).strict(),
]);

export const policySchema = z
  .object({
    basePointsPerHour: factorString.default('10'),
    /** Multiplier per category id; a category not named here counts ×1. */
    categoryMultipliers: z.record(categoryIdSchema, factorString).default({}),
    rounding: z
      .object({ mode: z.enum(['half-up', 'half-even', 'down', 'up']), scale: z.union([z.literal(0), z.literal(1), z.literal(2)]) })
      .strict()
      .default({ mode: 'half-up', scale: 2 }),
    /** Most hours counted per member per calendar day (community time zone). */
    dailyHoursCap: hoursString.default('8.00'),
    /** Shortest service that can be recorded. */
    minimumServiceHours: hoursString.default('0.00'),
    /** Checked-in hours (measured by sign-in/out) are approved at once when true. */
    autoApproveCheckedIn: z.boolean().default(true),
    /**
     * 信用时长 / 荣誉时长: whether reported hours (typed in afterwards: honour hours) earn points once approved.
     * Checked-in hours (measured by the ledger: credit hours) always do. Both kinds count for levels and
     * certificates. True keeps the behaviour from before the distinction.
     */
    reportedHoursEarnPoints: z.boolean().default(true),
    /** A service request's hours are approved when the requester confirms it (else they wait for an organiser). */
    autoApproveConfirmedRequests: z.boolean().default(false),
    /** Points accrued are not spendable for this many days. */
    lockDays: z.number().int().min(0).max(3650).default(0),
    expiry: expirySchema.default({ kind: 'never' }),
    /** A time-bank storage cap; above it accruals are refused or the excess goes to the donation pool. */
    maxBalance: z.object({ points: pointsString, overflow: z.enum(['refuse', 'donate']) }).strict().nullable().default(null),
    transfers: z
      .object({
        allowed: z.boolean(),
        recipients: z.enum(['anyone', 'family', 'pool']),
        dailyLimit: pointsString.nullable(),
      })
      .strict()
      .default({ allowed: true, recipients: 'anyone', dailyLimit: null }),
    /** A redemption's hold expires after this many hours unless fulfilled or cancelled. */
    holdHours: z.number().int().min(1).max(24 * 90).default(72),
    /** Cumulative approved hours for each level, strictly increasing. */
    levelThresholdsHours: z.array(hoursString).max(20).default(starVolunteerThresholdsHours),
  })
  .strict()
  .superRefine((policy, ctx) => {
    // Cross-field rules run only on fields that parsed; a field's own issue is already reported.
    if ([policy.dailyHoursCap, policy.minimumServiceHours, ...policy.levelThresholdsHours].some((h) => !isAmountText(h))) return;
    if (policy.maxBalance && !isAmountText(policy.maxBalance.points)) return;
    const cap = Hours.of(policy.dailyHoursCap);
    if (!cap.isPositive() || cap.gt(Hours.of('24.00'))) {
      ctx.addIssue({ code: 'custom', path: ['dailyHoursCap'], message: 'must be more than 0 and at most 24 hours' });
    }
    if (Hours.of(policy.minimumServiceHours).gt(cap)) {
      ctx.addIssue({ code: 'custom', path: ['minimumServiceHours'], message: 'must not exceed the daily cap' });
    }
    const levels = policy.levelThresholdsHours.map((h) => Hours.of(h));
    levels.forEach((level, i) => {
      const previous = levels[i - 1];
      if (!level.isPositive() || (previous && !level.gt(previous))) {
        ctx.addIssue({ code: 'custom', path: ['levelThresholdsHours', i], message: 'thresholds must be positive and strictly increasing' });
      }
    });
    if (policy.maxBalance && !Points.of(policy.maxBalance.points).isPositive()) {
      ctx.addIssue({ code: 'custom', path: ['maxBalance', 'points'], message: 'must be greater than zero' });
    }
  });

const isAmountText = (text: unknown): text is string => typeof text === 'string' && amountPattern.test(text);

export type PolicyInput = z.input<typeof policySchema>;
export type Policy = z.output<typeof policySchema>;

export const defaultPolicy: Policy = policySchema.parse({});

/** Points a service earns under `policy`: rounded once, here. */
export function pointsEarned(policy: Policy, category: string, hours: Hours): Points {
  const multiplier = policy.categoryMultipliers[category] ?? '1';
  return pointsForHours(hours, policy.basePointsPerHour, multiplier, policy.rounding);
}

/**
 * The levels (1-based) above `reached` whose thresholds `total` meets. Measured against the total, not
 * against what this approval crossed, so a member already past a threshold a new policy lowered reaches
 * that level at their next approval.
 */
export function levelsReached(policy: Policy, reached: number, total: Hours): Array<{ level: number; thresholdHours: string }> {
  const levels: Array<{ level: number; thresholdHours: string }> = [];
  policy.levelThresholdsHours.forEach((threshold, index) => {
    if (index + 1 > reached && total.gte(Hours.of(threshold))) levels.push({ level: index + 1, thresholdHours: Hours.of(threshold).toString() });
  });
  return levels;
}

/** 服务类别 defaults: the categories a new community starts with, unless it names its own. */
export const defaultCategories: ReadonlyArray<{ categoryId: string; name: string }> = [
  { categoryId: 'elder-care', name: '助老服务' },
  { categoryId: 'public-health', name: '卫生健康' },
  { categoryId: 'safety', name: '平安巡逻' },
  { categoryId: 'mediation', name: '矛盾调解' },
  { categoryId: 'culture', name: '文化体育' },
  { categoryId: 'fitness', name: '健身指导' },
  { categoryId: 'environment', name: '环境保护' },
  { categoryId: 'emergency', name: '应急救援' },
];
