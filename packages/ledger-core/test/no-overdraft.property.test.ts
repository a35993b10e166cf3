/**
 * DESIGN §4 rule 2, no overdraft: no member-initiated command makes available points negative; only a
 * clawback pushes a balance below zero; while in deficit nothing can be spent; accruals settle the deficit
 * first.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Points } from '../src/index.js';
import { MemberFolds, runScenario, scenarioArb } from '../src/testing/index.js';

const system = { id: 'system:probe', role: 'system', communityId: '*' } as const;

describe('rule 2: no overdraft', () => {
  it('only a clawback takes a balance below zero, in-deficit accounts cannot spend, accruals settle the deficit first', async () => {
    let probes = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArb(), async (scenario) => {
        const folds = new MemberFolds();
        await runScenario(scenario, async ({ events, t, index }) => {
          for (const event of events) {
            const before = folds.stateOf(event.streamName);
            const [balanceBefore, deficitBefore] = [before.balance, before.deficit];
            const decoded = folds.apply(event);
            if (!decoded) continue;
            const after = folds.stateOf(event.streamName);
            if (decoded.type !== 'PointsClawedBack' && after.balance.isNegative()) {
              expect(after.balance.gte(balanceBefore), `${decoded.type} lowered a negative balance ${balanceBefore} → ${after.balance}`).toBe(true);
            }
            if (decoded.type === 'PointsAccrued') {
              const points = Points.of(decoded.data.points);
              expect(decoded.data.deficitSettled, 'an accrual settles min(deficit, points) first').toBe(deficitBefore.min(points).toString());
            }
            if (decoded.type === 'PointsHeld' || decoded.type === 'HeldPointsSpent') {
              expect(deficitBefore.toString(), `${decoded.type} while in deficit`).toBe('0.00');
            }
          }
          for (const memberId of t.members) {
            const state = folds.stateOf(t.memberStream(memberId));
            if (!state.deficit.isPositive()) {
              expect(state.balance.minus(state.held).isNegative(), `${memberId}: available ${state.balance} − ${state.held} < 0`).toBe(false);
            } else {
              // Probe: in deficit, not even one cent may be held.
              probes += 1;
              const probe = await t.ledger.execute(
                { type: 'PlaceHold', communityId: t.communityId, memberId, holdId: `probe-${index}`, redemptionId: `probe-${index}`, points: '0.01', expiresAt: '2030-01-01T00:00:00Z' },
                { actor: system },
              );
              expect(probe.ok ? 'accepted' : probe.error.code).toBe('in-deficit');
            }
          }
        });
      }),
      { numRuns: 150 },
    );
    // The property is only meaningful if deficits happen.
    expect(probes).toBeGreaterThan(0);
  });
});
