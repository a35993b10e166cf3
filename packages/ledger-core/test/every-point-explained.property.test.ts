/**
 * DESIGN §4 rule 7, every point is explained: each accrual names the service record approved by the same
 * command (and exactly its approved hours) or an admin grant with a reason; each clawback names a reversed
 * record and takes back what it earned; each spend names its redemption's hold.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type MemberEvent, type RecordedEvent, eventRegistry } from '../src/index.js';
import { runScenario, scenarioArb } from '../src/testing/index.js';

describe('rule 7: every point is explained', () => {
  it('accruals, clawbacks and spends each name their cause', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(), async (scenario) => {
        const earned = new Map<string, string>();
        const grants = new Set<string>();
        const holds = new Map<string, string>();
        await runScenario(scenario, ({ events, t }) => {
          const decoded = events.map((event) => [event, eventRegistry.decode(event) as MemberEvent] as const);
          decoded.forEach(([event, e], i) => {
            const key = (id: string) => `${event.streamName}/${id}`;
            const sameCommand = (other: RecordedEvent) => other.metadata.correlationId === event.metadata.correlationId && other.streamName === event.streamName;
            switch (e.type) {
              case 'PointsAccrued':
                if (e.data.source.kind === 'service') {
                  const { recordId, hours } = e.data.source;
                  const approval = decoded.slice(0, i).find(([o, a]) => sameCommand(o) && a.type === 'ServiceApproved' && a.data.recordId === recordId);
                  expect(approval, `accrual for ${recordId} follows its approval in the same command`).toBeDefined();
                  expect(approval?.[1].type === 'ServiceApproved' && approval[1].data.hoursApproved).toBe(hours);
                  earned.set(key(recordId), e.data.points);
                } else {
                  expect(e.data.source.reason.trim().length, 'a grant has a reason').toBeGreaterThan(0);
                  expect(e.data.source.grantedBy).toBe(t.admin.id);
                  expect(grants.has(key(e.data.source.grantId)), `grant ${e.data.source.grantId} once`).toBe(false);
                  grants.add(key(e.data.source.grantId));
                }
                break;
              case 'PointsClawedBack': {
                const reversal = decoded.slice(0, i).find(([o, a]) => sameCommand(o) && a.type === 'ServiceReversed' && a.data.recordId === e.data.recordId);
                expect(reversal, `clawback of ${e.data.recordId} follows its reversal`).toBeDefined();
                expect(e.data.points, 'a clawback takes back what the record earned').toBe(earned.get(key(e.data.recordId)));
                break;
              }
              case 'PointsHeld':
                holds.set(key(e.data.holdId), e.data.redemptionId);
                break;
              case 'HeldPointsSpent':
                expect(e.data.redemptionId.length).toBeGreaterThan(0);
                expect(holds.get(key(e.data.holdId)), 'a spend names the redemption of its hold').toBe(e.data.redemptionId);
                break;
              default:
                break;
            }
          });
        });
      }),
      { numRuns: 150 },
    );
  });
});
