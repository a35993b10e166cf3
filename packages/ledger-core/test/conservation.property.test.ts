/**
 * DESIGN §4 rule 1, conservation: every movement is double-entry. Postings are derived from the events
 * alone (PointsAccrued issuance → member, PointsClawedBack member → issuance, spends member → redeemed …);
 * each event's postings sum to zero, the sum over all accounts is zero after every event, and each
 * member's account in the books equals the balance the ledger folded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Actor,
  type CommandInput,
  type ExecuteResult,
  InMemoryEventStore,
  Ledger,
  ManualClock,
  Points,
  donationPoolId,
  postingsOf as ledgerPostings,
  streamNames,
} from '../src/index.js';
import { SchedulerYieldingStore, memberAccount, postingsOf, runScenario, scenarioArb, sumOfAccounts, systemAccounts, trialBalance } from '../src/testing/index.js';

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

describe('rule 1: conservation over the movements of service requests and micro-wishes', () => {
  const C = 'c1';
  const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };
  const organiser: Actor = { id: 'org', role: 'organiser', communityId: C };
  const asMember = (id: string): Actor => ({ id, role: 'member', communityId: C });

  it('payments (requester → in-transit → volunteer, or back), pool spends on wishes, grants racing them: every event posts to zero, accounts sum to zero, nothing stays in transit', async () => {
    const paths = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.record({ points: fc.integer({ min: 1, max: 60 }), hours: fc.integer({ min: 1, max: 4 }) }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 3 }),
        fc.array(fc.record({ points: fc.integer({ min: 1, max: 30 }), fulfil: fc.boolean() }), { maxLength: 3 }),
        async (s, requests, grants, wishes) => {
          const store = new InMemoryEventStore();
          const clock = new ManualClock(new Date('2026-06-06T02:00:00.000Z'));
          const setup = new Ledger({ store, clock });
          const must = async (command: CommandInput, actor: Actor) => {
            const r = await setup.execute(command, { actor });
            if (!r.ok) throw new Error(`${command.type}: ${r.error.message}`);
          };
          // The volunteer sits near a maximum balance, so a racing grant can make a payment impossible mid-way.
          await must({ type: 'RegisterCommunity', communityId: C, name: 'c', policy: { maxBalance: { points: '100', overflow: 'refuse' }, autoApproveConfirmedRequests: true, basePointsPerHour: '1' } }, admin);
          await must({ type: 'AppointOrganiser', communityId: C, memberId: 'org' }, admin);
          for (const m of ['li', 'wang']) await must({ type: 'RegisterMember', communityId: C, memberId: m }, admin);
          await must({ type: 'GrantPoints', communityId: C, memberId: 'li', grantId: 'start', points: '100', reason: 'start' }, admin);
          await must({ type: 'GrantPoints', communityId: C, memberId: 'wang', grantId: 'start', points: '40', reason: 'start' }, admin);
          await must({ type: 'RequestTransfer', communityId: C, memberId: 'li', transferId: 'to-pool', to: donationPoolId, points: '30' }, asMember('li'));
          const posted: string[] = [];
          for (const [i, r] of requests.entries()) {
            const id = `q${i}`;
            const post = await setup.execute({ type: 'PostServiceRequest', communityId: C, requestId: id, memberId: 'li', category: 'elder-care', description: '帮忙', wantedAt: '2026-06-07T02:00:00Z', place: '3号楼', pointsOffered: String(r.points) }, { actor: asMember('li') });
            if (!post.ok) continue;
            await must({ type: 'TakeServiceRequest', communityId: C, requestId: id, memberId: 'wang' }, asMember('wang'));
            await must({ type: 'MarkServiceRequestDone', communityId: C, requestId: id, hours: String(r.hours) }, asMember('wang'));
            posted.push(id);
          }
          const ledger = new Ledger({ store: new SchedulerYieldingStore(store, s), clock });
          const run = (command: CommandInput, actor: Actor): Promise<ExecuteResult> => s.schedule(Promise.resolve()).then(() => ledger.execute(command, { actor }));
          const work = [
            ...posted.map((id) => run({ type: 'ConfirmServiceRequest', communityId: C, requestId: id, rating: 5 }, asMember('li'))),
            ...grants.map((g, i) => run({ type: 'GrantPoints', communityId: C, memberId: 'wang', grantId: `race${i}`, points: String(g), reason: 'race' }, admin)),
            ...wishes.map(async (w, i) => {
              const wishId = `w${i}`;
              await run({ type: 'PostWish', communityId: C, wishId, beneficiaryId: 'li', title: '书包', points: String(w.points) }, organiser);
              const claimed = await run({ type: 'ClaimWish', communityId: C, wishId, memberId: donationPoolId }, organiser);
              return claimed.ok ? run(w.fulfil ? { type: 'FulfilWish', communityId: C, wishId } : { type: 'CancelWish', communityId: C, wishId, reason: 'x' }, organiser) : claimed;
            }),
          ];
          await s.waitFor(Promise.all(work));
          const events = await store.readAll({ maxCount: 10_000 });
          for (const e of events) {
            if (e.type === 'OfferedPointsReturned') paths.set('returned', (paths.get('returned') ?? 0) + 1);
            if (e.type === 'OfferedPointsDelivered') paths.set('delivered', (paths.get('delivered') ?? 0) + 1);
            if (e.type === 'WishFulfilled' && e.data['pointsSpent'] !== '0.00') paths.set('wish paid', (paths.get('wish paid') ?? 0) + 1);
            if (!e.streamName.startsWith('member-')) continue;
            const posting = postingsOf(e, e.streamName);
            expect(Points.sum(posting.map((p) => p.amount)).toString(), `${e.type} posts to zero`).toBe('0.00');
            expect(ledgerPostings(e, e.streamName).map((p) => `${p.account} ${p.amount}`), `${e.type}: accounting.ts agrees`).toEqual(posting.map((p) => `${p.account} ${p.amount}`));
          }
          const books = trialBalance(events, (accounts, e) => expect(sumOfAccounts(accounts).toString(), `accounts sum to zero after ${e.type}`).toBe('0.00'));
          expect((books.get(systemAccounts.inTransit) ?? Points.zero).toString(), 'nothing stays in transit').toBe('0.00');
          const fresh = new Ledger({ store, clock });
          for (const m of ['li', 'wang', donationPoolId]) {
            const state = await fresh.account(C, m);
            expect((books.get(memberAccount(streamNames.member(C, m))) ?? Points.zero).toString(), `${m}: books vs folded balance`).toBe(state.balance.toString());
            expect(state.balance.minus(state.held).isNegative(), `${m} overdrawn`).toBe(false);
          }
        },
      ),
      { numRuns: 150 },
    );
    for (const path of ['delivered', 'returned', 'wish paid']) expect(paths.get(path) ?? 0, `the ${path} path never ran: ${JSON.stringify([...paths])}`).toBeGreaterThan(0);
  });
});
