/**
 * DESIGN §4 rule 4, exact money: amounts are two-place decimal strings in every event, no JS number is
 * ever an amount, the parts of every movement add up to its whole, and points are rounded once, at
 * accrual, by the policy's mode.
 */
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type JsonValue, type MemberEvent, Hours, Points, eventRegistry } from '../src/index.js';
import { approveService, centsToText, communityState, given, levelReached, pointsArb, registered, reported, runScenario, scenarioArb } from '../src/testing/index.js';

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
