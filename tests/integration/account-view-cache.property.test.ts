/**
 * `ReadModels.account` keeps the view of an unchanged account and gives it again while the time asked for
 * crosses none of its lots' unlock or expiry instants. Whatever the order of the instants asked for
 * (forwards, backwards, exactly on a boundary, a millisecond either side) and however the account changes
 * between reads, the answer equals a view built afresh from the account row at that instant.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountView, InMemoryEventStore, ReadModels } from '../../packages/ledger-core/src/index.js';
import { runScenario, scenarioArb } from '../../packages/ledger-core/src/testing/index.js';
import { allMembers } from '../support/read-models.js';

const dayMs = 86_400_000;

describe('account views kept between reads', () => {
  it('equal a view built afresh, at any instant, after any change', async () => {
    let boundariesAsked = 0;
    await fc.assert(
      fc.asyncProperty(
        // Policies with locks and expiry, so lots have instants at which the view changes.
        scenarioArb({ maxLength: 30 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 2 }),
        fc.array(fc.integer({ min: -400 * dayMs, max: 400 * dayMs }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.constantFrom(-1, 0, 1), { minLength: 1, maxLength: 8 }),
        async (scenario, lockDays, expiryMonths, offsetsMs, nudgesMs) => {
          const policy = { ...scenario.policy, lockDays, expiry: { kind: 'months-after-accrual' as const, months: expiryMonths } };
          const store = new InMemoryEventStore();
          const models = await new ReadModels(store).open();
          const check = async (now: number) => {
            for (const communityId of await models.communityIds()) {
              for (const member of await allMembers(models, communityId)) {
                // Every lot boundary, a millisecond either side, in an order drawn by the property; then random instants.
                const boundaries = [...member.state.lots.values()].flatMap((lot) => [lot.unlocksAt, lot.expiresAt]).filter((b): b is string => b !== null);
                const instants = [
                  ...boundaries.flatMap((b, i) => [Date.parse(b) + nudgesMs[i % nudgesMs.length]!, Date.parse(b)]),
                  ...offsetsMs.map((offset) => now + offset),
                ];
                boundariesAsked += boundaries.length;
                for (const instant of instants) {
                  const asOf = new Date(instant);
                  const fresh = await models.member(communityId, member.memberId);
                  expect(await models.account(communityId, member.memberId, asOf)).toEqual(accountView(fresh!, asOf));
                }
              }
            }
          };
          await runScenario(
            { ...scenario, policy },
            async ({ t }) => {
              await models.catchUp();
              await check(t.clock.now().getTime());
            },
            { store },
          );
        },
      ),
      { numRuns: 30 },
    );
    // The runs asked about lots that lock and expire, not only accounts without time in them.
    expect(boundariesAsked).toBeGreaterThan(100);
  });
});
