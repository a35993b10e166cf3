/**
 * DESIGN §4 rule 9, replay is the truth: folding a stream from scratch yields the state the decider saw
 * (the Ledger's cached state), also when two Ledgers on one store take turns on the same members; a stale
 * expected revision is refused by the store and writes nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InMemoryEventStore, Ledger, WrongExpectedRevisionError } from '../src/index.js';
import { MemberFolds, OpDriver, type TestLedger, createTestLedger, ledgerOpsArb, memberSnapshot, policyArb, runScenario, scenarioArb } from '../src/testing/index.js';

async function foldedFromScratch(t: TestLedger): Promise<MemberFolds> {
  const folds = new MemberFolds();
  for (const event of await t.store.readAll({ maxCount: 10_000 })) folds.apply(event);
  return folds;
}

describe('rule 9: replay is the truth', () => {
  it("folding each member stream from scratch equals the ledger's cached state, after every command", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(), async (scenario) => {
        await runScenario(scenario, async ({ t }) => {
          const folds = await foldedFromScratch(t);
          for (const memberId of t.members) {
            const cached = (await t.ledger.member(t.communityId, memberId)).state;
            expect(memberSnapshot(cached), memberId).toEqual(memberSnapshot(folds.stateOf(t.memberStream(memberId))));
          }
        });
      }),
      { numRuns: 100 },
    );
  });

  it('two ledgers on one store, taking turns at random: no conflict reaches the caller, and both agree with a replay', async () => {
    await fc.assert(
      fc.asyncProperty(policyArb(), ledgerOpsArb({ maxLength: 30 }), fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }), async (policy, ops, turns) => {
        const a = await createTestLedger({ policy });
        const b = new Ledger({ store: a.store, clock: a.clock });
        let turn = 0;
        const alternating: TestLedger = {
          ...a,
          execute: (command, actor = a.organisers[0]!, idempotencyKey) => {
            const ledger = turns[turn++ % turns.length] ? b : a.ledger;
            return ledger.execute(command, idempotencyKey === undefined ? { actor } : { actor, idempotencyKey });
          },
        };
        const steps = await new OpDriver(alternating).run(ops);
        for (const step of steps) if (step.result && !step.result.ok) expect(step.result.error.code).not.toBe('conflict');
        const folds = await foldedFromScratch(a);
        for (const memberId of a.members) {
          const expected = memberSnapshot(folds.stateOf(a.memberStream(memberId)));
          expect(memberSnapshot((await a.ledger.member('c1', memberId)).state)).toEqual(expected);
          expect(memberSnapshot((await b.member('c1', memberId)).state)).toEqual(expected);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('a stale expected revision is refused by the store, and nothing is written', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 20 }), fc.nat(), async (length, pick) => {
        const store = new InMemoryEventStore();
        const event = (i: number) => ({ eventId: `e${i}`, type: 'Noted', schemaVersion: 1, data: { i }, metadata: { actor: 'a', correlationId: 'c', causationId: null, idempotencyKey: null, requestHash: null, recordedAt: '2026-01-01T00:00:00.000Z' } });
        for (let i = 0; i < length; i += 1) await store.appendToStream('s-1', [event(i)], { expectedRevision: i === 0 ? 'no_stream' : i - 1 });
        const stale = pick % (length + 1) === length ? ('no_stream' as const) : pick % length === length - 1 ? length - 2 : pick % length;
        if (stale === -1) return;
        await expect(store.appendToStream('s-1', [event(99)], { expectedRevision: stale })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.streamRevision('s-1')).toBe(length - 1);
      }),
    );
  });
});
