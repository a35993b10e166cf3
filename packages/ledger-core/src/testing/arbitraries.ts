/**
 * fast-check arbitraries shared by the property, model and store tests: amounts and hours as the wire
 * carries them (decimal strings, sometimes in their short forms "2.5" / "3"), factors, valid policies and
 * sequences of ledger operations.
 */
import fc from 'fast-check';
import { type PolicyInput, policySchema } from '../policy.js';
import type { RoundingMode } from '../money.js';
import type { LedgerOp, Scenario } from './harness.js';

/** Cents as a two-place decimal string: 1250 → "12.50", -5 → "-0.05". */
export function centsToText(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`not a whole number of cents: ${cents}`);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** "12.50" → 1250. Only for strings already known to be two-place amounts (in the model, not the ledger). */
export function textToCents(text: string): number {
  const match = /^(-?)(\d+)\.(\d{2})$/.exec(text);
  if (!match) throw new RangeError(`not a two-place amount: ${text}`);
  const cents = Number(match[2]) * 100 + Number(match[3]);
  return match[1] === '-' ? -cents : cents;
}

/** The same amount in each textual form the schemas accept: "2.50", and "2.5" or "2" where exact. */
function textForms(cents: number): string[] {
  const full = centsToText(cents);
  const forms = [full];
  if (full.endsWith('0')) forms.push(full.slice(0, -1));
  if (full.endsWith('.00')) forms.push(full.slice(0, -3));
  return forms;
}

const inShortForms = (cents: fc.Arbitrary<number>) => cents.chain((c) => fc.constantFrom(...textForms(c)));

/** A points amount as a decimal string of at most two places, between min and max cents. */
export const pointsArb = (options: { minCents?: number; maxCents?: number; shortForms?: boolean } = {}): fc.Arbitrary<string> => {
  const cents = fc.integer({ min: options.minCents ?? 1, max: options.maxCents ?? 100_000 });
  return options.shortForms ? inShortForms(cents) : cents.map(centsToText);
};

/** Hours of a service record: 0.01 to 24.00 by default. */
export const hoursArb = (options: { minCents?: number; maxCents?: number; shortForms?: boolean } = {}): fc.Arbitrary<string> => {
  const cents = fc.integer({ min: options.minCents ?? 1, max: options.maxCents ?? 2_400 });
  return options.shortForms ? inShortForms(cents) : cents.map(centsToText);
};

/** A policy factor (points per hour, multiplier), up to 4 decimal places: "10", "1.5", "0.3333". */
export const factorArb = (options: { min?: number; max?: number } = {}): fc.Arbitrary<string> =>
  fc.tuple(fc.integer({ min: options.min ?? 0, max: options.max ?? 50 }), fc.integer({ min: 0, max: 9_999 }), fc.integer({ min: 0, max: 4 })).map(([whole, fraction, places]) => {
    const digits = String(fraction).padStart(4, '0').slice(0, places).replace(/0+$/, '');
    return digits ? `${whole}.${digits}` : String(whole);
  });

export const roundingModeArb: fc.Arbitrary<RoundingMode> = fc.constantFrom('half-up', 'half-even', 'down', 'up');

/** Categories of the default community, with a multiplier sometimes set by the policy. */
export const categoryArb = fc.constantFrom('elder-care', 'public-health', 'safety', 'culture');

/**
 * A valid points policy as an admin would send it: factors, a rounding mode and scale, a daily cap and
 * minimum, and level thresholds low enough that short scenarios reach levels.
 */
export const policyArb = (options: { autoApprove?: boolean } = {}): fc.Arbitrary<PolicyInput> =>
  fc
    .record({
      basePointsPerHour: factorArb({ min: 1, max: 30 }),
      categoryMultipliers: fc.dictionary(categoryArb, factorArb({ max: 3 }), { maxKeys: 3 }),
      rounding: fc.record({ mode: roundingModeArb, scale: fc.constantFrom(0 as const, 1 as const, 2 as const) }),
      dailyHoursCap: hoursArb({ minCents: 100, maxCents: 2_400, shortForms: true }),
      minimumServiceHours: hoursArb({ minCents: 0, maxCents: 100, shortForms: true }),
      autoApproveCheckedIn: options.autoApprove === undefined ? fc.boolean() : fc.constant(options.autoApprove),
      levelThresholdsHours: fc
        .uniqueArray(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 5 })
        .map((hours) => hours.sort((a, b) => a - b).map((h) => String(h))),
    })
    .filter((policy) => policySchema.safeParse(policy).success);

/** Operations of a random scenario over `memberCount` members (see OpDriver). */
export const ledgerOpArb = (options: { memberCount?: number; organiserCount?: number } = {}): fc.Arbitrary<LedgerOp> => {
  const member = fc.nat({ max: (options.memberCount ?? 3) - 1 });
  const by = fc.nat({ max: (options.organiserCount ?? 2) - 1 });
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('checkIn' as const), member, endedMinutesAgo: fc.nat({ max: 3 * 24 * 60 }), minutes: fc.integer({ min: 1, max: 11 * 60 }), category: categoryArb }) },
    {
      weight: 3,
      // Mostly within the activity's length; sometimes beyond it, to be refused.
      arbitrary: fc
        .record({ member, daysAgo: fc.nat({ max: 3 }), cents: fc.integer({ min: 1, max: 1_000 }), slack: fc.integer({ min: -50, max: 400 }), category: categoryArb })
        .chain(({ cents, slack, ...rest }) =>
          fc.constantFrom(...textForms(cents)).map((hours) => ({ kind: 'report' as const, ...rest, hours, activityHours: centsToText(Math.max(1, cents + slack)) })),
        ),
    },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('approve' as const), member, pick: fc.nat(), by }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('reject' as const), member, pick: fc.nat(), by }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('reverse' as const), member, pick: fc.nat(), by }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('grant' as const), member, points: pointsArb({ maxCents: 20_000 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('spend' as const), member, percent: fc.integer({ min: 1, max: 110 }), keepOpen: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), member, pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), minutes: fc.integer({ min: 1, max: 36 * 60 }) }) },
  );
};

/** A command sequence: `ledgerOpArb` repeated. */
export const ledgerOpsArb = (options: { memberCount?: number; organiserCount?: number; maxLength?: number } = {}): fc.Arbitrary<LedgerOp[]> =>
  fc.array(ledgerOpArb(options), { minLength: 1, maxLength: options.maxLength ?? 30, size: 'max' });

export const timeZoneArb = fc.constantFrom('Asia/Shanghai', 'UTC', 'America/Los_Angeles', 'Asia/Kolkata');

/** A policy, a time zone and up to `maxLength` operations on three members. */
export const scenarioArb = (options: { maxLength?: number; autoApprove?: boolean } = {}): fc.Arbitrary<Scenario> =>
  fc.record({ policy: policyArb(options.autoApprove === undefined ? {} : { autoApprove: options.autoApprove }), timeZone: timeZoneArb, ops: ledgerOpsArb({ maxLength: options.maxLength ?? 30 }) });
