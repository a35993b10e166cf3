/**
 * Rule 11 and "closing is recoverable" for the new processes: closing an activity, approving its attendance,
 * confirming a paid service request and fulfilling a wish from the pool, each interrupted by a crash at a random
 * append (before or after the write lands), then carried on by a fresh ledger — by the recovery's Resume command
 * and by the caller retrying the same command. Whatever the crash point: every attendance becomes exactly one
 * service record, each approved once; the request's points move once; the pool spends once; the books balance.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Actor,
  type CommandInput,
  type ExecuteResult,
  type ExpectedRevision,
  InMemoryEventStore,
  Ledger,
  ManualClock,
  type NewEvent,
  Points,
  donationPoolId,
  streamNames,
  systemActor,
} from '../src/index.js';
import { ForwardingEventStore, sumOfAccounts, trialBalance } from '../src/testing/index.js';

const C = 'c1';
const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };
const organiser: Actor = { id: 'org', role: 'organiser', communityId: C };
const asMember = (id: string): Actor => ({ id, role: 'member', communityId: C });
const attendees = ['m1', 'm2', 'm3', 'm4'];

class Crash extends Error {}

class CrashingStore extends ForwardingEventStore {
  private countdown: number | null = null;
  private writeFirst = false;
  arm(n: number, writeFirst: boolean) {
    this.countdown = n;
    this.writeFirst = writeFirst;
  }
  override async appendToStream(stream: string, events: readonly NewEvent[], options: { readonly expectedRevision: ExpectedRevision }) {
    if (this.countdown !== null && --this.countdown <= 0) {
      this.countdown = null;
      if (this.writeFirst) await this.inner.appendToStream(stream, events, options);
      throw new Crash(`crash appending to ${stream}`);
    }
    return this.inner.appendToStream(stream, events, options);
  }
}

async function setUp(store: CrashingStore, clock: ManualClock) {
  const ledger = new Ledger({ store, clock });
  const must = async (command: CommandInput, actor: Actor) => {
    const r = await ledger.execute(command, { actor });
    if (!r.ok) throw new Error(`${command.type}: ${r.error.message}`);
  };
  await must({ type: 'RegisterCommunity', communityId: C, name: 'c', policy: { autoApproveCheckedIn: false } }, admin);
  await must({ type: 'AppointOrganiser', communityId: C, memberId: 'org' }, admin);
  for (const m of [...attendees, 'li', 'wang']) await must({ type: 'RegisterMember', communityId: C, memberId: m }, admin);
  await must({ type: 'GrantPoints', communityId: C, memberId: 'li', grantId: 'g', points: '100', reason: 'start' }, admin);
  await must({ type: 'RequestTransfer', communityId: C, memberId: 'li', transferId: 'to-pool', to: donationPoolId, points: '40' }, asMember('li'));
  await must({ type: 'PublishActivity', communityId: C, activityId: 'day', title: '义诊', category: 'public-health', startsAt: '2026-06-06T01:00:00Z', endsAt: '2026-06-06T03:00:00Z', place: '站', capacity: 10 }, organiser);
  for (const m of attendees) await must({ type: 'SignUpForActivity', communityId: C, activityId: 'day', memberId: m }, asMember(m));
  await must({ type: 'PostServiceRequest', communityId: C, requestId: 'q', memberId: 'li', category: 'elder-care', description: '修', wantedAt: '2026-06-07T01:00:00Z', place: '1号楼', pointsOffered: '25' }, asMember('li'));
  await must({ type: 'TakeServiceRequest', communityId: C, requestId: 'q', memberId: 'wang' }, asMember('wang'));
  await must({ type: 'MarkServiceRequestDone', communityId: C, requestId: 'q', hours: '1.5' }, asMember('wang'));
  await must({ type: 'PostWish', communityId: C, wishId: 'w', beneficiaryId: 'm1', title: '书包', points: '30' }, organiser);
  await must({ type: 'ClaimWish', communityId: C, wishId: 'w', memberId: donationPoolId }, organiser);
  clock.set('2026-06-06T00:50:00Z');
  for (const [i, m] of attendees.entries()) {
    clock.advance(i * 60_000);
    await must({ type: 'CheckInAttendee', communityId: C, activityId: 'day', memberId: m }, organiser);
  }
  clock.set('2026-06-06T03:30:00Z');
}

const work: Array<{ command: CommandInput; actor: Actor; resume: CommandInput }> = [
  { command: { type: 'CloseActivity', communityId: C, activityId: 'day' }, actor: organiser, resume: { type: 'ResumeActivity', communityId: C, activityId: 'day' } },
  { command: { type: 'ApproveActivityAttendance', communityId: C, activityId: 'day' }, actor: organiser, resume: { type: 'ResumeActivity', communityId: C, activityId: 'day' } },
  { command: { type: 'ConfirmServiceRequest', communityId: C, requestId: 'q', rating: 5 }, actor: asMember('li'), resume: { type: 'ResumeServiceRequest', communityId: C, requestId: 'q' } },
  { command: { type: 'FulfilWish', communityId: C, wishId: 'w' }, actor: organiser, resume: { type: 'ResumeWish', communityId: C, wishId: 'w' } },
];

describe('the new processes recover from a crash anywhere', () => {
  it('closing, approving, confirming and fulfilling, crashed at any append and carried on, have the effect of once', async () => {
    let crashes = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.boolean(), fc.boolean(), async (crashAt, writeFirst, resumeFirst) => {
        const clock = new ManualClock(new Date('2026-06-05T00:00:00Z'));
        const store = new CrashingStore(new InMemoryEventStore());
        await setUp(store, clock);
        store.arm(crashAt, writeFirst);
        let ledger = new Ledger({ store, clock });
        for (const { command, actor, resume } of work) {
          let result: ExecuteResult | null = null;
          try {
            result = await ledger.execute(command, { actor });
          } catch (fault) {
            if (!(fault instanceof Crash)) throw fault;
            crashes += 1;
            // Nothing cached survives a crash. Recovery carries the process on; the caller retries its command.
            ledger = new Ledger({ store, clock });
            if (resumeFirst) expect((await ledger.execute(resume, { actor: systemActor('recovery') })).ok).toBe(true);
            result = await ledger.execute(command, { actor });
          }
          expect(result.ok ? 'ok' : `${result.error.code}: ${result.error.message}`, command.type).toBe('ok');
        }
        const fresh = new Ledger({ store: store.inner, clock });
        const events = await store.inner.readAll({ maxCount: 10_000 });
        for (const m of attendees) {
          const records = events.filter((e) => e.streamName === streamNames.member(C, m) && e.type === 'ServiceRecorded' && e.data['activityId'] === 'day');
          const approvals = events.filter((e) => e.streamName === streamNames.member(C, m) && e.type === 'ServiceApproved' && e.data['recordId'] === 'activity.day');
          expect([records.length, approvals.length], `${m}: records, approvals`).toEqual([1, 1]);
        }
        const day = await fresh.fresh.activity(C, 'day');
        expect([day.status, day.approval, day.outcomes.size]).toEqual(['closed', 'finished', attendees.length]);
        expect(events.filter((e) => e.type === 'HeldPointsPaid').length, 'paid once').toBe(1);
        expect(events.filter((e) => e.type === 'ServicePaymentReceived').length, 'received once').toBe(1);
        expect((await fresh.account(C, 'wang')).balance.toString()).toBe('25.00');
        expect((await fresh.account(C, 'li')).held.toString()).toBe('0.00');
        expect(events.filter((e) => e.type === 'HeldPointsSpent' && e.data['purpose'] === 'wish').length, 'the pool spends once').toBe(1);
        expect((await fresh.account(C, donationPoolId)).balance.toString()).toBe('10.00');
        expect((await fresh.fresh.request(C, 'q')).status).toBe('confirmed');
        expect((await fresh.fresh.wish(C, 'w')).status).toBe('fulfilled');
        const books = trialBalance(events, (accounts) => expect(sumOfAccounts(accounts).toString()).toBe('0.00'));
        expect((books.get('in-transit') ?? Points.zero).toString()).toBe('0.00');
      }),
      { numRuns: 80 },
    );
    expect(crashes).toBeGreaterThan(20);
  });
});
