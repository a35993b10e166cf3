/**
 * DESIGN §4 rule 2, no overdraft: no member-initiated command makes available points negative; only a
 * clawback pushes a balance below zero; while in deficit nothing can be spent; accruals settle the deficit
 * first.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Points, availablePoints } from '../src/index.js';
import { MemberFolds, centsToText, runScenario, scenarioArb, textToCents } from '../src/testing/index.js';

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
            if (decoded.type === 'PointsHeld' || decoded.type === 'HeldPointsSpent' || decoded.type === 'HeldPointsPaid') {
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

describe('rule 2: an offer of points on a service request', () => {
  it('is held only from available points: exactly what is available is accepted, a cent more is refused, nothing while in deficit', async () => {
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(scenarioArb(), fc.array(fc.tuple(fc.nat(2), fc.constantFrom(-1, 0, 1)), { minLength: 30, maxLength: 30 }), async (scenario, offers) => {
        await runScenario(scenario, async ({ t, index }) => {
          const [who, delta] = offers[index % offers.length]!;
          const memberId = t.members[who]!;
          // Read as values: the folded state is the ledger's own, updated in place by the command below.
          const before = (await t.ledger.member(t.communityId, memberId)).state;
          const available = textToCents(availablePoints(before, t.clock.now()).toString());
          const [heldBefore, inDeficit] = [before.held, before.deficit.isPositive()];
          const offer = available + delta;
          if (offer <= 0) return;
          const result = await t.ledger.execute(
            {
              type: 'PostServiceRequest',
              communityId: t.communityId,
              requestId: `offer-${index}`,
              memberId,
              category: 'elder-care',
              description: '帮忙',
              wantedAt: new Date(t.clock.now().getTime() + 86_400_000).toISOString(),
              place: '3号楼',
              pointsOffered: centsToText(offer),
            },
            { actor: { id: memberId, role: 'member', communityId: t.communityId } },
          );
          const code = result.ok ? 'ok' : result.error.code;
          outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
          const expected = inDeficit ? 'in-deficit' : offer <= available ? 'ok' : 'insufficient-points';
          expect(code, `${memberId} offers ${centsToText(offer)} with ${centsToText(available)} available`).toBe(expected);
          const after = (await t.ledger.member(t.communityId, memberId)).state;
          expect(after.held.toString()).toBe(result.ok ? heldBefore.plus(Points.of(centsToText(offer))).toString() : heldBefore.toString());
          expect(availablePoints(after, t.clock.now()).isNegative(), 'available below zero').toBe(false);
        });
      }),
      { numRuns: 60 },
    );
    for (const code of ['ok', 'insufficient-points', 'in-deficit']) expect(outcomes.get(code) ?? 0, `${code} never happened: ${JSON.stringify([...outcomes])}`).toBeGreaterThan(0);
  });
});
