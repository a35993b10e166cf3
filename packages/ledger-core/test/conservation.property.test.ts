/**
 * DESIGN §4 rule 1, conservation: every movement is double-entry. Postings are derived from the events
 * alone (PointsAccrued issuance → member, PointsClawedBack member → issuance, spends member → redeemed …);
 * each event's postings sum to zero, the sum over all accounts is zero after every event, and each
 * member's account in the books equals the balance the ledger folded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Points } from '../src/index.js';
import { memberAccount, postingsOf, runScenario, scenarioArb, sumOfAccounts, systemAccounts, trialBalance } from '../src/testing/index.js';

describe('rule 1: conservation', () => {
  it('every event posts to zero, all accounts sum to zero after every event, and the books equal the folded balances', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(), async (scenario) => {
        const books = new Map<string, Points>();
        const { t } = await runScenario(scenario, async ({ events, t }) => {
          for (const event of events) {
            if (!event.streamName.startsWith('member-')) continue;
            const postings = postingsOf(event, event.streamName);
            expect(Points.sum(postings.map((p) => p.amount)).toString(), `${event.type} posts to zero`).toBe('0.00');
            for (const p of postings) books.set(p.account, (books.get(p.account) ?? Points.zero).plus(p.amount));
            expect(sumOfAccounts(books).toString(), `accounts sum to zero after ${event.type}`).toBe('0.00');
          }
          for (const memberId of t.members) {
            const { state } = await t.ledger.member(t.communityId, memberId);
            const inBooks = books.get(memberAccount(t.memberStream(memberId))) ?? Points.zero;
            expect(inBooks.toString(), `${memberId}: books vs folded balance`).toBe(state.balance.toString());
          }
        });
        // The same books rebuilt in one pass over the store agree with the incremental ones.
        const rebuilt = trialBalance(await t.store.readAll({ maxCount: 10_000 }));
        expect([...rebuilt].map(([a, p]) => [a, p.toString()]).sort()).toEqual([...books].map(([a, p]) => [a, p.toString()]).sort());
        // Issuance is exactly what members (and redeemed) hold, negated.
        const issued = (rebuilt.get(systemAccounts.issuance) ?? Points.zero).negated();
        const held = Points.sum([...rebuilt].filter(([a]) => a !== systemAccounts.issuance).map(([, p]) => p));
        expect(issued.toString()).toBe(held.toString());
      }),
      { numRuns: 200 },
    );
  });
});
