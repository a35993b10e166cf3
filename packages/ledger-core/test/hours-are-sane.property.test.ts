/**
 * DESIGN §4 rule 6, hours are sane: every record's hours are > 0 and ≤ 24 (and at least the minimum);
 * checked-in hours fall on the check-in's calendar day in the community's time zone; approved hours per
 * member per local day never exceed the daily cap; a record is approved, and earns, at most once.
 * Tallied from the events alone, independently of the ledger's own state.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Hours, type MemberEvent, calendarDateIn, eventRegistry, policySchema } from '../src/index.js';
import { runScenario, scenarioArb } from '../src/testing/index.js';

describe('rule 6: hours are sane', () => {
  it('records are within bounds, approved hours per local day stay under the cap, a record earns once', async () => {
    let capped = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArb(), async (scenario) => {
        const policy = policySchema.parse(scenario.policy);
        const cap = Hours.of(policy.dailyHoursCap);
        const perDay = new Map<string, Hours>();
        const recorded = new Map<string, Hours>();
        const approvals = new Map<string, number>();
        const accruals = new Map<string, number>();
        await runScenario(scenario, ({ events }) => {
          for (const event of events) {
            if (!event.streamName.startsWith('member-')) continue;
            const e = eventRegistry.decode(event) as MemberEvent;
            const record = (id: string) => `${event.streamName}/${id}`;
            switch (e.type) {
              case 'ServiceRecorded': {
                const hours = Hours.of(e.data.hours);
                expect(hours.isPositive() && hours.lte(Hours.of('24.00')), `hours ${e.data.hours}`).toBe(true);
                expect(hours.gte(Hours.of(policy.minimumServiceHours)), `hours ${e.data.hours} ≥ minimum ${policy.minimumServiceHours}`).toBe(true);
                if (e.data.kind === 'checked-in') {
                  expect(e.data.serviceDate).toBe(calendarDateIn(new Date(e.data.checkedInAt!), scenario.timeZone));
                } else {
                  expect(hours.lte(Hours.of(e.data.activityHours!)), 'reported ≤ activity length').toBe(true);
                }
                recorded.set(record(e.data.recordId), hours);
                break;
              }
              case 'ServiceApproved': {
                approvals.set(record(e.data.recordId), (approvals.get(record(e.data.recordId)) ?? 0) + 1);
                expect(Hours.of(e.data.hoursApproved).lte(recorded.get(record(e.data.recordId)) ?? Hours.zero), 'approved ≤ recorded').toBe(true);
                if (!Hours.of(e.data.hoursApproved).eq(Hours.of(e.data.hoursRecorded))) capped += 1;
                const day = `${event.streamName}/${e.data.serviceDate}`;
                const total = (perDay.get(day) ?? Hours.zero).plus(Hours.of(e.data.hoursApproved));
                expect(total.lte(cap), `${day}: ${total} approved hours, cap ${cap}`).toBe(true);
                perDay.set(day, total);
                break;
              }
              case 'ServiceReversed': {
                const day = `${event.streamName}/${e.data.serviceDate}`;
                perDay.set(day, (perDay.get(day) ?? Hours.zero).minus(Hours.of(e.data.hoursReversed)));
                break;
              }
              case 'PointsAccrued':
                if (e.data.source.kind === 'service') accruals.set(record(e.data.source.recordId), (accruals.get(record(e.data.source.recordId)) ?? 0) + 1);
                break;
              default:
                break;
            }
          }
        });
        for (const [id, n] of approvals) expect(n, `${id} approved ${n} times`).toBe(1);
        for (const [id, n] of accruals) expect(n, `${id} earned ${n} times`).toBe(1);
      }),
      { numRuns: 150 },
    );
    expect(capped, 'some approvals were cut by the cap').toBeGreaterThan(0);
  });
});
