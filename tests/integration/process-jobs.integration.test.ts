/**
 * The jobs over the new processes, through the read models as the service runs them: the recovery pass carries on
 * an activity's closing and approval, a service request's confirmation and a wish's fulfilment that a crash left
 * half done (found by the read models, resumed with the ledger's own Resume commands), and the expiry job lapses
 * service requests nobody served, releasing the points they held. Each is checked against the ledger's own state.
 */
import { describe, expect, it } from 'vitest';
import {
  type Actor,
  type CommandInput,
  type ExpectedRevision,
  InMemoryEventStore,
  Ledger,
  ManualClock,
  type NewEvent,
  ReadModels,
  donationPoolId,
  expireDue,
  recoverUnfinished,
} from '../../packages/ledger-core/src/index.js';
import { ForwardingEventStore } from '../../packages/ledger-core/src/testing/index.js';

const C = 'c1';
const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };
const org: Actor = { id: 'org', role: 'organiser', communityId: C };
const asMember = (id: string): Actor => ({ id, role: 'member', communityId: C });

class Crash extends Error {}

/** Lands the `n`th append from now, then throws as if the process died right after it. */
class CrashingStore extends ForwardingEventStore {
  private countdown: number | null = null;
  crashAfter(n: number) {
    this.countdown = n;
  }
  override async appendToStream(stream: string, events: readonly NewEvent[], options: { readonly expectedRevision: ExpectedRevision }) {
    const appended = await this.inner.appendToStream(stream, events, options);
    if (this.countdown !== null && --this.countdown <= 0) {
      this.countdown = null;
      throw new Crash(`crash after appending to ${stream}`);
    }
    return appended;
  }
}

async function day() {
  const inner = new InMemoryEventStore();
  const store = new CrashingStore(inner);
  const clock = new ManualClock(new Date('2026-06-05T12:00:00Z'));
  const ledger = new Ledger({ store, clock });
  const must = async (command: CommandInput, actor: Actor) => {
    const r = await ledger.execute(command, { actor });
    if (!r.ok) throw new Error(`${command.type}: ${r.error.message}`);
  };
  await must({ type: 'RegisterCommunity', communityId: C, name: 'c', policy: { autoApproveCheckedIn: false } }, admin);
  await must({ type: 'AppointOrganiser', communityId: C, memberId: 'org' }, admin);
  for (const m of ['m1', 'm2', 'm3', 'li', 'wang', 'org']) await must({ type: 'RegisterMember', communityId: C, memberId: m }, admin);
  await must({ type: 'GrantPoints', communityId: C, memberId: 'li', grantId: 'g', points: '100', reason: 'start' }, admin);
  await must({ type: 'RequestTransfer', communityId: C, memberId: 'li', transferId: 'to-pool', to: donationPoolId, points: '40' }, asMember('li'));
  await must({ type: 'PublishActivity', communityId: C, activityId: 'day', title: '义诊', category: 'public-health', startsAt: '2026-06-06T01:00:00Z', endsAt: '2026-06-06T03:00:00Z', place: '站', capacity: 10 }, org);
  for (const m of ['m1', 'm2', 'm3']) await must({ type: 'SignUpForActivity', communityId: C, activityId: 'day', memberId: m }, asMember(m));
  await must({ type: 'PostServiceRequest', communityId: C, requestId: 'served', memberId: 'li', category: 'elder-care', description: '修', wantedAt: '2026-06-06T06:00:00Z', place: '1号楼', pointsOffered: '25' }, asMember('li'));
  await must({ type: 'TakeServiceRequest', communityId: C, requestId: 'served', memberId: 'wang' }, asMember('wang'));
  await must({ type: 'MarkServiceRequestDone', communityId: C, requestId: 'served', hours: '1.5' }, asMember('wang'));
  await must({ type: 'PostServiceRequest', communityId: C, requestId: 'lapses', memberId: 'li', category: 'elder-care', description: '陪同', wantedAt: '2026-06-06T06:00:00Z', place: '1号楼', pointsOffered: '10', expiresAt: '2026-06-07T00:00:00Z' }, asMember('li'));
  await must({ type: 'PostWish', communityId: C, wishId: 'w', beneficiaryId: 'm1', title: '书包', points: '30' }, org);
  await must({ type: 'ClaimWish', communityId: C, wishId: 'w', memberId: donationPoolId }, org);
  clock.set('2026-06-06T00:50:00Z');
  for (const m of ['m1', 'm2', 'm3']) await must({ type: 'CheckInAttendee', communityId: C, activityId: 'day', memberId: m }, org);
  clock.set('2026-06-06T03:30:00Z');
  return { inner, store, clock, ledger };
}

describe('the recovery pass and the expiry job over activities, requests and wishes', () => {
  it('carries on a closing, an approval, a confirmation and a fulfilment a crash interrupted, each once', async () => {
    const { inner, store, clock, ledger } = await day();
    // Each process dies right after its first step lands.
    const crashes: Array<[CommandInput, Actor]> = [
      [{ type: 'CloseActivity', communityId: C, activityId: 'day' }, org],
      [{ type: 'ConfirmServiceRequest', communityId: C, requestId: 'served', rating: 4 }, asMember('li')],
      [{ type: 'FulfilWish', communityId: C, wishId: 'w' }, org],
    ];
    for (const [command, actor] of crashes) {
      store.crashAfter(2);
      await expect(ledger.execute(command, { actor })).rejects.toBeInstanceOf(Crash);
    }
    // A fresh service instance on the same store: its read models see the half-done processes.
    const restarted = new Ledger({ store: inner, clock });
    const models = await new ReadModels(inner).open();
    expect((await models.unfinishedProcesses('activity', C, clock.now())).map((p) => p.processId)).toEqual(['day']);
    expect((await models.unfinishedProcesses('service-request', C, clock.now())).map((p) => p.processId)).toEqual(['served']);
    expect((await models.unfinishedProcesses('wish', C, clock.now())).map((p) => p.processId)).toEqual(['w']);
    // Within the grace period the pass leaves them alone (a request may still be at work on them).
    const early = await recoverUnfinished(restarted, models);
    expect(early.visited).toBe(0);

    clock.advance(60 * 60_000);
    const report = await recoverUnfinished(restarted, models, 0);
    expect(report.failures).toEqual([]);
    expect(report.changed).toBe(3);
    const activity = await restarted.fresh.activity(C, 'day');
    expect(activity.status).toBe('closed');
    expect([...activity.outcomes.values()].map((o) => o.kind)).toEqual(['recorded', 'recorded', 'recorded']);
    for (const m of ['m1', 'm2', 'm3']) expect([...(await restarted.fresh.member(C, m)).records.keys()]).toEqual(['activity.day']);
    const request = await restarted.fresh.request(C, 'served');
    expect([request.ended, request.payment]).toEqual(['confirmed', 'delivered']);
    expect((await restarted.account(C, 'wang')).balance.toString()).toBe('25.00');
    expect((await restarted.account(C, 'li')).held.toString()).toBe('10.00'); // the lapsing request's hold only
    expect((await restarted.fresh.wish(C, 'w')).status).toBe('fulfilled');
    expect((await restarted.account(C, donationPoolId)).balance.toString()).toBe('10.00');

    // Approval in bulk, interrupted too, then carried on.
    const resumedStore = new CrashingStore(inner);
    const third = new Ledger({ store: resumedStore, clock });
    resumedStore.crashAfter(2);
    await expect(third.execute({ type: 'ApproveActivityAttendance', communityId: C, activityId: 'day' }, { actor: org })).rejects.toBeInstanceOf(Crash);
    clock.advance(60 * 60_000);
    const again = await recoverUnfinished(restarted, models, 0);
    expect(again.failures).toEqual([]);
    const approved = await restarted.fresh.activity(C, 'day');
    expect([approved.approval, [...approved.approvals.values()]]).toEqual(['finished', ['approved', 'approved', 'approved']]);
    for (const m of ['m1', 'm2', 'm3']) expect((await restarted.fresh.member(C, m)).records.get('activity.day')!.status).toBe('approved');
    // Nothing is left for another pass, and the read models say so.
    expect((await recoverUnfinished(restarted, models, 0)).visited).toBe(0);
    expect((await models.activity(C, 'day'))!.status).toBe('approved');
  });

  it('lapses a request nobody served once its expiry passed, releasing its hold; not a moment before', async () => {
    const { clock, ledger } = await day();
    const models = await new ReadModels(ledger.store).open();
    const before = await expireDue(ledger, models);
    expect(before.failures).toEqual([]);
    expect((await ledger.fresh.request(C, 'lapses')).status).toBe('open');
    expect((await ledger.account(C, 'li')).held.toString()).toBe('35.00');

    clock.set('2026-06-07T00:00:00Z');
    const report = await expireDue(ledger, models);
    expect(report.failures).toEqual([]);
    const lapsed = await ledger.fresh.request(C, 'lapses');
    expect(lapsed.ended).toBe('expired');
    // Only the lapsed request's 10 points came free; the request that was done and awaits confirmation keeps its 25.
    expect((await ledger.account(C, 'li')).held.toString()).toBe('25.00');
    expect((await ledger.fresh.request(C, 'served')).status).toBe('done');
    await models.catchUp();
    expect((await models.serviceRequest(C, 'lapses'))!.ended).toBe('expired');
    expect(await models.serviceRequestsPastExpiry(C, clock.now())).toEqual([]);
  });
});
