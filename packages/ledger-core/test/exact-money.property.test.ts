/**
 * DESIGN §4 rule 4, exact money: amounts are two-place decimal strings in every event, no JS number is
 * ever an amount, the parts of every movement add up to its whole, and points are rounded once, at
 * accrual, by the policy's mode.
 */
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type JsonValue, type MemberEvent, type RoundingMode, Hours, Points, amountPattern, eventRegistry, maxAmountDigits, pointsForHours } from '../src/index.js';
import { approveService, centsToText, communityState, factorArb, roundingModeArb, given, levelReached, pointsArb, registered, reported, runScenario, scenarioArb } from '../src/testing/index.js';

/** Keys whose values are amounts (points or hours) wherever they appear in member event data. */
const amountKeys = new Set(['points', 'deficitSettled', 'deficitAdded', 'hours', 'hoursRecorded', 'hoursApproved', 'hoursReversed', 'thresholdHours', 'totalHours', 'activityHours']);
/** The only keys a number may sit at: whole counts and versions, never amounts. */
const integerKeys = new Set(['level', 'policyVersion', 'version', 'months', 'lockDays', 'holdHours', 'scale']);
const twoPlaces = /^-?\d+\.\d{2}$/;

function amountProblems(value: JsonValue, path: string, key: string | null, problems: string[]): void {
  if (typeof value === 'number') {
    if (key === null || !integerKeys.has(key) || !Number.isSafeInteger(value)) problems.push(`${path}: a JS number ${value}`);
    return;
  }
  if (key !== null && amountKeys.has(key) && value !== null && !(typeof value === 'string' && twoPlaces.test(value))) {
    problems.push(`${path}: amount ${JSON.stringify(value)} is not a two-place decimal string`);
  }
  if (Array.isArray(value)) value.forEach((v, i) => amountProblems(v, `${path}[${i}]`, key, problems));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) amountProblems(v, `${path}.${k}`, k, problems);
}

const sum = (parts: ReadonlyArray<{ points: string }>) => Points.sum(parts.map((p) => Points.of(p.points)));
const roundingModes = { 'half-up': Decimal.ROUND_HALF_UP, 'half-even': Decimal.ROUND_HALF_EVEN, down: Decimal.ROUND_DOWN, up: Decimal.ROUND_UP } as const;

describe('rule 4: exact money', () => {
  // Was a bug: a policy saying "1" recorded "1" in LevelReached. Amount schemas now canonicalise on parse.
  it('LevelReached.thresholdHours is two-place even when the policy wrote "1"', () => {
    const community = communityState({ policy: { levelThresholdsHours: ['1'] } });
    const events = given([registered('alice'), reported('r1', '2026-03-09', '2.00')]).when(approveService('alice', 'r1'), { community }).events();
    expect(events.at(-1)).toEqual(levelReached(1, '1.00', '2.00'));
  });

  it('every member event carries amounts as two-place strings, parts add up to wholes, accruals are rounded once', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(), async (scenario) => {
        await runScenario(scenario, async ({ events, t }) => {
          const { state: community } = await t.ledger.community(t.communityId);
          for (const event of events) {
            if (!event.streamName.startsWith('member-')) continue;
            const problems: string[] = [];
            amountProblems(event.data, event.type, null, problems);
            expect(problems, `${event.type} ${JSON.stringify(event.data)}`).toEqual([]);
            const e = eventRegistry.decode(event) as MemberEvent;
            switch (e.type) {
              case 'PointsAccrued': {
                const d = e.data;
                const lotPoints = d.lot === null ? Points.zero : Points.of(d.lot.points);
                expect(Points.of(d.deficitSettled).plus(lotPoints).toString(), 'deficit settled + lot = points').toBe(Points.of(d.points).toString());
                if (d.source.kind === 'service') {
                  const { hours, pointsPerHour, multiplier } = d.source;
                  const policy = community.policies[d.policyVersion - 1]!;
                  const exact = new Decimal(hours).times(pointsPerHour).times(multiplier);
                  const once = exact.toDecimalPlaces(policy.rounding.scale, roundingModes[policy.rounding.mode]).toFixed(2);
                  expect(d.points, `${hours} h × ${pointsPerHour} × ${multiplier} rounded once (${policy.rounding.mode}, ${policy.rounding.scale})`).toBe(once);
                }
                break;
              }
              case 'PointsClawedBack':
                expect(sum(e.data.fromLots).plus(Points.of(e.data.deficitAdded)).toString(), 'lots taken + deficit = clawback').toBe(Points.of(e.data.points).toString());
                break;
              case 'PointsHeld':
              case 'HeldPointsSpent':
                expect(sum(e.data.fromLots).toString(), `${e.type}: Σ lots = points`).toBe(Points.of(e.data.points).toString());
                break;
              default:
                break;
            }
          }
        });
      }),
      { numRuns: 150 },
    );
  });

  it('Points add exactly: the sum of parts equals the whole, in cents, whatever the parts', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -10_000_000, max: 10_000_000 }), { maxLength: 50 }), (cents) => {
        const whole = cents.reduce((a, b) => a + b, 0);
        expect(Points.sum(cents.map((c) => Points.of(centsToText(c)))).toString()).toBe(centsToText(whole));
        // 0.1 + 0.2 style float traps cannot happen: a running sum equals the one-shot sum.
        let running = Points.zero;
        for (const c of cents) running = running.plus(Points.of(centsToText(c)));
        expect(running.toString()).toBe(centsToText(whole));
      }),
    );
  });

  it('amounts only enter as decimal strings of at most two places', () => {
    fc.assert(
      fc.property(pointsArb({ shortForms: true }), (text) => {
        expect(Points.of(text).toString()).toMatch(twoPlaces);
        expect(Points.of(text).toJSON()).toBe(Points.of(text).toString());
      }),
    );
    expect(() => Points.of(0.1 as unknown as string)).toThrow(RangeError);
    expect(() => Points.of('0.125')).toThrow(RangeError);
    expect(() => Hours.of('1e3')).toThrow(RangeError);
    expect(JSON.stringify({ p: Points.of('0.10').plus(Points.of('0.20')) })).toBe('{"p":"0.30"}');
  });
});

/**
 * The representation inside Points and Hours (integer hundredths) checked against decimal.js as the
 * reference, on random values that include the edges of the range: any slip — a float quotient, a lost
 * sign, a missing range check, a fraction digit read as tens — shows up as a different string or a
 * missing RangeError.
 */
describe('rule 4: integer hundredths agree with decimal arithmetic', () => {
  /** The reference: decimal.js with room for any product of in-range values, untouched by the ledger's settings. */
  const Reference = Decimal.clone({ precision: 80, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -80, toExpPos: 80 });
  const limitHundredths = 10n ** BigInt(maxAmountDigits + 2);
  const limit = new Reference(10).pow(maxAmountDigits);
  const inRange = (value: Decimal) => value.abs().lt(limit);
  /** Text of a whole number of hundredths, built with bigint so it cannot share a bug with the code under test. */
  const hundredthsText = (h: bigint) => `${h < 0n ? '-' : ''}${(h < 0n ? -h : h) / 100n}.${String((h < 0n ? -h : h) % 100n).padStart(2, '0')}`;
  /** Hundredths anywhere in range, with the edges (0, ±1 cent, ±1 unit, ±largest) drawn often. */
  const hundredthsArb = fc.oneof(
    fc.bigInt({ min: -(limitHundredths - 1n), max: limitHundredths - 1n }),
    fc.constantFrom(0n, 1n, -1n, 99n, -99n, 100n, -100n, limitHundredths - 1n, -(limitHundredths - 1n), limitHundredths / 2n, -(limitHundredths / 2n)),
    fc.bigInt({ min: -100_000n, max: 100_000n }),
  );
  const textArb = hundredthsArb.map(hundredthsText);
  const twoPlacesOnly = /^-?(0|[1-9]\d*)\.\d{2}$/;

  /** Either the exact reference result as text, or a RangeError when it leaves the range. */
  function expectSameAs(actual: () => { toString(): string }, reference: Decimal): void {
    if (inRange(reference)) {
      const result = actual().toString();
      expect(result).toBe(reference.toFixed(2));
      expect(result).toMatch(twoPlacesOnly);
      expect(result).not.toBe('-0.00');
    } else {
      expect(actual).toThrow(RangeError);
    }
  }

  it('text → amount → text is the identity on canonical text, across the whole range', () => {
    fc.assert(
      fc.property(textArb, (text) => {
        expect(Points.of(text).toString()).toBe(text === '-0.00' ? '0.00' : text);
        expect(Hours.of(text).toJSON()).toBe(text === '-0.00' ? '0.00' : text);
        expect(Number.isSafeInteger(Points.of(text).hundredths)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('any string is accepted exactly when it matches amountPattern, and then means what decimal.js reads', () => {
    const candidateArb = fc.oneof(
      fc.string({ unit: fc.constantFrom('0', '1', '5', '9', '.', '-', 'e', '+', ' ') }),
      fc.tuple(fc.constantFrom('', '-', '+'), fc.bigInt({ min: 0n, max: 10n ** 16n }), fc.constantFrom('', '.', '.0', '.5', '.05', '.50', '.123', '.00')).map(([sign, whole, fraction]) => `${sign}${whole}${fraction}`),
    );
    fc.assert(
      fc.property(candidateArb, (text) => {
        if (amountPattern.test(text)) expect(Points.of(text).toString()).toBe(new Reference(text).toFixed(2));
        else expect(() => Points.of(text)).toThrow(RangeError);
      }),
      { numRuns: 1_000 },
    );
    for (const notText of [0.1, 12, null, undefined, {}, 12n, ['1.00'], Symbol('1.00')]) expect(() => Points.of(notText as unknown as string)).toThrow(RangeError);
    const tooLong = `1${'0'.repeat(maxAmountDigits)}`;
    expect(() => Points.of(tooLong)).toThrow(RangeError);
    expect(() => Hours.of(`-${tooLong}.00`)).toThrow(RangeError);
  });

  it('plus, minus, negated and times equal the decimal reference, and leaving the range is a RangeError', () => {
    const countArb = fc.oneof(fc.integer({ min: -1_000, max: 1_000 }), fc.maxSafeInteger().map((n) => n), fc.constantFrom(0, 1, -1, 2, 100, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER));
    fc.assert(
      fc.property(textArb, textArb, countArb, (a, b, count) => {
        const [ra, rb] = [new Reference(a), new Reference(b)];
        expectSameAs(() => Points.of(a).plus(Points.of(b)), ra.plus(rb));
        expectSameAs(() => Hours.of(a).minus(Hours.of(b)), ra.minus(rb));
        expectSameAs(() => Points.of(a).negated(), ra.negated());
        expectSameAs(() => Points.of(a).times(count), ra.times(count));
      }),
      { numRuns: 1_000 },
    );
    expect(() => Points.of('1.00').times(0.5)).toThrow(RangeError);
    expect(() => Points.of('1.00').times(Number.MAX_SAFE_INTEGER + 1)).toThrow(RangeError);
  });

  it('comparisons and signs equal the decimal reference', () => {
    fc.assert(
      fc.property(textArb, textArb, (a, b) => {
        const [pa, pb, ra, rb] = [Points.of(a), Points.of(b), new Reference(a), new Reference(b)];
        expect(pa.compare(pb)).toBe(ra.comparedTo(rb));
        expect([pa.eq(pb), pa.lt(pb), pa.lte(pb), pa.gt(pb), pa.gte(pb)]).toEqual([ra.eq(rb), ra.lt(rb), ra.lte(rb), ra.gt(rb), ra.gte(rb)]);
        expect([pa.isZero(), pa.isNegative(), pa.isPositive()]).toEqual([ra.isZero(), ra.lt(0), ra.gt(0)]);
        expect(pa.min(pb).toString()).toBe(Reference.min(ra, rb).toFixed(2));
        expect(pa.max(pb).toString()).toBe(Reference.max(ra, rb).toFixed(2));
      }),
      { numRuns: 1_000 },
    );
  });

  it('a sum equals the running decimal sum, and is refused as soon as a partial sum leaves the range', () => {
    fc.assert(
      fc.property(fc.array(textArb, { maxLength: 20 }), (texts) => {
        let running = new Reference(0);
        let overflowed = false;
        for (const text of texts) {
          running = running.plus(text);
          if (!inRange(running)) overflowed = true;
        }
        const sum = () => Points.sum(texts.map((text) => Points.of(text)));
        if (overflowed) expect(sum).toThrow(RangeError);
        else expect(sum().toString()).toBe(running.toFixed(2));
      }),
      { numRuns: 500 },
    );
  });

  it('a long chain of operations never leaves a float artefact: every intermediate is whole hundredths and prints like the reference', () => {
    const stepArb = fc.oneof(
      fc.record({ op: fc.constant('plus' as const), text: textArb }),
      fc.record({ op: fc.constant('minus' as const), text: fc.constantFrom('0.01', '0.10', '0.20', '0.30', '0.07', '1.10', '2.20') }),
      fc.record({ op: fc.constant('times' as const), count: fc.integer({ min: -3, max: 3 }) }),
      fc.record({ op: fc.constant('negated' as const) }),
    );
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 60 }), (steps) => {
        let amount = Points.zero;
        let reference = new Reference(0);
        for (const step of steps) {
          const next =
            step.op === 'plus' ? reference.plus(step.text) : step.op === 'minus' ? reference.minus(step.text) : step.op === 'times' ? reference.times(step.count) : reference.negated();
          if (!inRange(next)) continue; // refusal of out-of-range results is proven above
          amount =
            step.op === 'plus' ? amount.plus(Points.of(step.text)) : step.op === 'minus' ? amount.minus(Points.of(step.text)) : step.op === 'times' ? amount.times(step.count) : amount.negated();
          reference = next;
          expect(Number.isSafeInteger(amount.hundredths)).toBe(true);
          expect(Object.is(amount.hundredths, -0)).toBe(false);
          expect(amount.toString()).toBe(reference.toFixed(2));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('Hours.fromMilliseconds rounds toward zero to the hundredth exactly as decimal division would', () => {
    const msArb = fc.oneof(fc.integer({ min: -100 * 3_600_000, max: 100 * 3_600_000 }), fc.maxSafeInteger(), fc.constantFrom(0, 35_999, 36_000, -35_999, -36_000, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER));
    fc.assert(
      fc.property(msArb, (ms) => {
        expect(Hours.fromMilliseconds(ms).toString()).toBe(new Reference(ms).div(3_600_000).toDecimalPlaces(2, Decimal.ROUND_DOWN).toFixed(2));
      }),
      { numRuns: 1_000 },
    );
    for (const notWhole of [0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1]) expect(() => Hours.fromMilliseconds(notWhole)).toThrow(RangeError);
  });

  it('pointsForHours multiplies by the factors and rounds once, by the mode and scale, like decimal.js; an out-of-range result is a RangeError', () => {
    const modes: Record<RoundingMode, Decimal.Rounding> = roundingModes;
    fc.assert(
      fc.property(textArb, factorArb({ max: 999_999 }), factorArb(), roundingModeArb, fc.constantFrom(0 as const, 1 as const, 2 as const), (hours, pointsPerHour, multiplier, mode, scale) => {
        const reference = new Reference(hours).times(pointsPerHour).times(multiplier).toDecimalPlaces(scale, modes[mode]);
        expectSameAs(() => pointsForHours(Hours.of(hours), pointsPerHour, multiplier, { mode, scale }), reference);
      }),
      { numRuns: 1_000 },
    );
  });
});
