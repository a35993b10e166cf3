/**
 * DESIGN §4 rule 3, lots add up: Σ lot.remaining − deficit = balance; 0 ≤ held ≤ remaining ≤ original for
 * every lot; no free lot points while in deficit — after every single event, in the ledger's own state and
 * in a replay from scratch.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemberFolds, memberInvariantViolations, runScenario, scenarioArb } from '../src/testing/index.js';

describe('rule 3: lots add up', () => {
  it('holds after every event of a replay and after every command in the ledger', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(), async (scenario) => {
        const folds = new MemberFolds();
        await runScenario(scenario, async ({ events, t }) => {
          for (const event of events) {
            if (!folds.apply(event)) continue;
            expect(memberInvariantViolations(folds.stateOf(event.streamName)), `after ${event.type} at ${event.streamName}@${event.revision}`).toEqual([]);
          }
          for (const memberId of t.members) {
            const { state } = await t.ledger.member(t.communityId, memberId);
            expect(memberInvariantViolations(state), memberId).toEqual([]);
          }
        });
      }),
      { numRuns: 150 },
    );
  });
});
