/**
 * Workflows interrupted by a crash and carried on by a new ledger on the same store (DESIGN §3: "after a
 * crash between steps a recovery pass finishes or compensates every unfinished process"; rule 11: "a process
 * id whose attempt failed can be retried and finishes"). The crash is an append that throws, once, on the
 * stream and event named; everything else is the real ledger on the in-memory store.
 */
import { describe, expect, it } from 'vitest';
import { domainErrorCodes } from '../src/errors.js';
import type { Actor } from '../src/events.js';
import { Ledger } from '../src/ledger.js';
import type { ExecuteResult } from '../src/outcome.js';
import type { AppendResult, EventStore, ExpectedRevision, NewEvent } from '../src/store/port.js';
import { InMemoryEventStore } from '../src/store/in-memory.js';
import { ForwardingEventStore, createTestLedger, mustOk } from '../src/testing/index.js';

class Crash extends Error {}

/** Throws once, instead of appending, when an append to `streamName` carries an event of `eventType`. */
class CrashOnce extends ForwardingEventStore {
  private armed = true;
  constructor(
    inner: EventStore,
    private readonly streamName: string,
    private readonly eventType: string,
  ) {
    super(inner);
  }
  override appendToStream(streamName: string, events: readonly NewEvent[], options: { readonly expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    if (this.armed && streamName === this.streamName && events.some((e) => e.type === this.eventType)) {
      this.armed = false;
      return Promise.reject(new Crash(`crash before appending ${this.eventType} to ${streamName}`));
    }
    return super.appendToStream(streamName, events, options);
  }
}

/** Runs `meanwhile` once, just before an append to `streamName` carrying an event of `eventType`: another command landing between two steps. */
class Meanwhile extends ForwardingEventStore {
  meanwhile: (() => Promise<void>) | null = null;
  constructor(
    inner: EventStore,
    private readonly streamName: string,
    private readonly eventType: string,
  ) {
    super(inner);
  }
  override async appendToStream(streamName: string, events: readonly NewEvent[], options: { readonly expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    const meanwhile = this.meanwhile;
    if (meanwhile && streamName === this.streamName && events.some((e) => e.type === this.eventType)) {
      this.meanwhile = null;
      await meanwhile();
    }
    return super.appendToStream(streamName, events, options);
  }
}

const errorOf = (result: ExecuteResult) => (result.ok ? null : result.error);

/** A test ledger (alice, bob) whose store runs `meanwhile` just before one append and crashes instead of another. */
async function ledgerThatCrashes(before: readonly [stream: string, eventType: string], crashAt: readonly [stream: string, eventType: string]) {
  const inner = new InMemoryEventStore();
  const meanwhile = new Meanwhile(inner, ...before);
  const t = await createTestLedger({ store: new CrashOnce(meanwhile, ...crashAt), members: ['alice', 'bob'] });
  const alice: Actor = { id: 'alice', role: 'member', communityId: 'c1' };
  return { inner, meanwhile, t, alice };
}

describe('a transfer the recipient refused, refunded just before a crash', () => {
  async function refundedThenCrashed() {
    const inner = new InMemoryEventStore();
    const meanwhile = new Meanwhile(inner, 'transfer-c1-t1', 'TransferDebited');
    const crashing = new CrashOnce(meanwhile, 'transfer-c1-t1', 'TransferReturned');
    const t = await createTestLedger({ store: crashing, members: ['alice', 'bob'], policy: { maxBalance: { points: '50.00', overflow: 'refuse' } } });
    const admin = t.admin;
    mustOk(await t.execute({ type: 'GrantPoints', communityId: 'c1', memberId: 'alice', grantId: 'g1', points: '30.00', reason: 'seed' }, admin));
    mustOk(await t.execute({ type: 'GrantPoints', communityId: 'c1', memberId: 'bob', grantId: 'g2', points: '25.00', reason: 'seed' }, admin));
    const alice: Actor = { id: 'alice', role: 'member', communityId: 'c1' };
    const give = { type: 'RequestTransfer', communityId: 'c1', memberId: 'alice', transferId: 't1', to: 'bob', points: '20.00' } as const;
    // When alice asks, bob could take 20 more (25 + 20 ≤ 50), so the transfer starts. Between the debit and the
    // delivery bob is granted 15 more: 40 + 20 would pass his cap, the delivery is refused, the points go back
    // to alice, and the ledger crashes before the transfer's stream records the return.
    meanwhile.meanwhile = async () => {
      mustOk(await t.execute({ type: 'GrantPoints', communityId: 'c1', memberId: 'bob', grantId: 'g3', points: '15.00', reason: 'seed' }, admin));
    };
    await expect(t.execute(give, alice)).rejects.toThrow(Crash);
    const restarted = new Ledger({ store: inner, clock: t.clock });
    return { restarted, give, alice };
  }

  it('the points are back with the sender', async () => {
    const { restarted } = await refundedThenCrashed();
    expect((await restarted.account('c1', 'alice')).balance.toString()).toBe('30.00');
    expect((await restarted.account('c1', 'bob')).balance.toString()).toBe('40.00');
  });

  it('the same request retried is refused, as the first attempt would have been, with a code the service knows', async () => {
    const { restarted, give, alice } = await refundedThenCrashed();
    const first = errorOf(await restarted.execute(give, { actor: alice }));
    const again = errorOf(await restarted.execute(give, { actor: alice }));
    expect(first).not.toBeNull();
    expect(domainErrorCodes).toContain(first!.code);
    expect(again?.code).toBe(first!.code);
    expect((await restarted.transfer('c1', 't1')).status).toBe('returned');
  });

  it('the recovery pass finishes it as returned', async () => {
    const { restarted } = await refundedThenCrashed();
    const resumed = errorOf(await restarted.resumeTransfer('c1', 't1'));
    expect(resumed === null || domainErrorCodes.includes(resumed.code)).toBe(true);
    expect((await restarted.transfer('c1', 't1')).status).toBe('returned');
  });
});

describe('a volunteer’s service whose first fulfilment was abandoned', () => {
  it('is recorded for the volunteer when the redemption is fulfilled at last', async () => {
    const inner = new InMemoryEventStore();
    // The first fulfilment crashes after it was decided, before bob's record was made.
    const crashing = new CrashOnce(inner, 'member-c1-bob', 'ServiceRecorded');
    const t = await createTestLedger({ store: crashing, members: ['alice', 'bob'] });
    const organiser = t.organisers[0]!;
    const alice: Actor = { id: 'alice', role: 'member', communityId: 'c1' };
    const today = '2026-03-01';
    mustOk(await t.execute({ type: 'ListItem', communityId: 'c1', itemId: 'haircut', name: '理发', kind: 'service', pointsCost: '15.00', serviceHours: '1.00', serviceCategory: 'culture' }));
    mustOk(await t.execute({ type: 'ReportHours', communityId: 'c1', memberId: 'alice', recordId: 'r1', category: 'elder-care', serviceDate: today, hours: '2.00', activityHours: '2.00' }));
    mustOk(await t.execute({ type: 'ApproveService', communityId: 'c1', memberId: 'alice', recordId: 'r1' }));
    mustOk(await t.execute({ type: 'RequestRedemption', communityId: 'c1', memberId: 'alice', redemptionId: 'd1', itemId: 'haircut' }, alice));
    await expect(t.execute({ type: 'FulfilRedemption', communityId: 'c1', redemptionId: 'd1', volunteerId: 'bob' })).rejects.toThrow(Crash);

    const ledger = new Ledger({ store: inner, clock: t.clock });
    const run = (command: Parameters<Ledger['execute']>[0], actor: Actor = organiser) => ledger.execute(command, { actor });
    // r1 is reversed meanwhile: 5 free points are clawed back, 15 become a deficit, so the spend is refused
    // when the recovery pass carries the fulfilment on, and the fulfilment is abandoned (bob's record withdrawn).
    mustOk(await run({ type: 'ReverseService', communityId: 'c1', memberId: 'alice', recordId: 'r1', reason: 'wrong day' }));
    expect(errorOf(await ledger.resumeRedemption('c1', 'd1'))?.code).toBe('in-deficit');
    expect((await ledger.redemption('c1', 'd1')).status).toBe('held');
    // alice earns again (the deficit is settled), and the organiser hands the haircut over, naming bob.
    mustOk(await run({ type: 'ReportHours', communityId: 'c1', memberId: 'alice', recordId: 'r2', category: 'elder-care', serviceDate: today, hours: '2.00', activityHours: '2.00' }));
    mustOk(await run({ type: 'ApproveService', communityId: 'c1', memberId: 'alice', recordId: 'r2' }));
    mustOk(await run({ type: 'FulfilRedemption', communityId: 'c1', redemptionId: 'd1', volunteerId: 'bob' }));
    expect((await ledger.redemption('c1', 'd1')).status).toBe('fulfilled');

    const bob = await ledger.account('c1', 'bob');
    const pending = [...bob.records.values()].filter((record) => record.status === 'pending');
    expect(pending.map((record) => [record.category, record.hours.toString()])).toEqual([['culture', '1.00']]);
  });
});

describe('a check-out a crash cut short after the activity recorded it, before the member’s presence ended', () => {
  async function checkedOutThenCrashed() {
    const inner = new InMemoryEventStore();
    const crashing = new CrashOnce(inner, 'member-c1-alice', 'PresenceEnded');
    const t = await createTestLedger({ store: crashing, members: ['alice'] });
    const alice: Actor = { id: 'alice', role: 'member', communityId: 'c1' };
    // Two activities at the same time: the square's patrol, then the clinic's health check once alice has left it.
    for (const activityId of ['patrol', 'clinic']) {
      mustOk(await t.execute({ type: 'PublishActivity', communityId: 'c1', activityId, title: activityId, category: 'elder-care', startsAt: '2026-03-01T01:00:00.000Z', endsAt: '2026-03-01T03:00:00.000Z', place: '广场', capacity: 5 }));
      mustOk(await t.execute({ type: 'SignUpForActivity', communityId: 'c1', activityId, memberId: 'alice' }, alice));
    }
    t.clock.set('2026-03-01T00:50:00.000Z');
    mustOk(await t.execute({ type: 'CheckInAttendee', communityId: 'c1', activityId: 'patrol', memberId: 'alice' }));
    t.clock.set('2026-03-01T00:55:00.000Z');
    await expect(t.execute({ type: 'CheckOutAttendee', communityId: 'c1', activityId: 'patrol', memberId: 'alice' })).rejects.toThrow(Crash);
    const restarted = new Ledger({ store: inner, clock: t.clock });
    const run = (command: Parameters<Ledger['execute']>[0], actor: Actor = t.organisers[0]!) => restarted.execute(command, { actor });
    return { restarted, run, inner };
  }

  it('leaves alice present at the patrol, so the clinic cannot check her in', async () => {
    const { restarted, run } = await checkedOutThenCrashed();
    expect((await restarted.member('c1', 'alice')).state.presences.get('patrol')?.endedAt).toBeNull();
    expect(errorOf(await run({ type: 'CheckInAttendee', communityId: 'c1', activityId: 'clinic', memberId: 'alice' }))?.code).toBe('invalid-state');
  });

  it('a check-out repeated, as that refusal advises, is refused as done already and ends her presence, at the time first recorded', async () => {
    const { restarted, run } = await checkedOutThenCrashed();
    expect(errorOf(await run({ type: 'CheckOutAttendee', communityId: 'c1', activityId: 'patrol', memberId: 'alice' }))?.code).toBe('already-exists');
    expect((await restarted.member('c1', 'alice')).state.presences.get('patrol')?.endedAt).toBe('2026-03-01T00:55:00.000Z');
    mustOk(await run({ type: 'CheckInAttendee', communityId: 'c1', activityId: 'clinic', memberId: 'alice' }));
  });

  it('once her presence has ended, a repeated check-out writes nothing', async () => {
    const { run, inner } = await checkedOutThenCrashed();
    expect(errorOf(await run({ type: 'CheckOutAttendee', communityId: 'c1', activityId: 'patrol', memberId: 'alice' }))?.code).toBe('already-exists');
    const events = (await inner.readAll({ maxCount: 10_000 })).length;
    expect(errorOf(await run({ type: 'CheckOutAttendee', communityId: 'c1', activityId: 'patrol', memberId: 'alice' }))?.code).toBe('already-exists');
    expect((await inner.readAll({ maxCount: 10_000 })).length).toBe(events);
  });
});

describe('a redemption whose hold was refused and its unit given back, then a crash before the rejection was recorded', () => {
  it('retried once the member can pay, holds the points and a unit of stock again: never points held for a unit not reserved', async () => {
    const { inner, meanwhile, t, alice } = await ledgerThatCrashes(['reward-c1-rice', 'StockReserved'], ['redemption-c1-d1', 'RedemptionRejected']);
    mustOk(await t.execute({ type: 'ListItem', communityId: 'c1', itemId: 'rice', name: '大米', kind: 'goods', pointsCost: '30.00', stock: 5 }));
    mustOk(await t.execute({ type: 'GrantPoints', communityId: 'c1', memberId: 'alice', grantId: 'g1', points: '40.00', reason: 'seed' }, t.admin));
    // alice can pay when she asks (the preview passes); while her unit is being reserved she gives 20 points to bob,
    // so the hold is refused, the unit given back — and the ledger crashes before the redemption records the rejection.
    meanwhile.meanwhile = async () => {
      mustOk(await t.execute({ type: 'RequestTransfer', communityId: 'c1', memberId: 'alice', transferId: 't1', to: 'bob', points: '20.00' }, alice));
    };
    const request = { type: 'RequestRedemption', communityId: 'c1', memberId: 'alice', redemptionId: 'd1', itemId: 'rice' } as const;
    await expect(t.execute(request, alice)).rejects.toThrow(Crash);

    const ledger = new Ledger({ store: inner, clock: t.clock });
    expect((await ledger.item('c1', 'rice')).reserved).toBe(0);
    mustOk(await ledger.execute({ type: 'GrantPoints', communityId: 'c1', memberId: 'alice', grantId: 'g2', points: '20.00', reason: 'seed' }, { actor: t.admin }));
    mustOk(await ledger.execute(request, { actor: alice }));
    expect((await ledger.redemption('c1', 'd1')).status).toBe('held');
    expect((await ledger.item('c1', 'rice')).reserved).toBe(1);
    expect((await ledger.account('c1', 'alice')).held.toString()).toBe('30.00');
    mustOk(await ledger.execute({ type: 'FulfilRedemption', communityId: 'c1', redemptionId: 'd1' }, { actor: t.organisers[0]! }));
    const item = await ledger.item('c1', 'rice');
    expect([item.reserved, item.issued]).toEqual([0, 1]);
  });
});

describe('a fulfilment abandoned (its spend refused, the volunteer’s record withdrawn), then a crash before the abandonment was recorded', () => {
  it('is refused when retried, and the next fulfilment records the volunteer’s service under an id of its own', async () => {
    const { inner, meanwhile, t, alice } = await ledgerThatCrashes(['member-c1-bob', 'ServiceRecorded'], ['redemption-c1-d1', 'FulfilmentAbandoned']);
    const today = '2026-03-01';
    mustOk(await t.execute({ type: 'ListItem', communityId: 'c1', itemId: 'haircut', name: '理发', kind: 'service', pointsCost: '15.00', serviceHours: '1.00', serviceCategory: 'culture' }));
    mustOk(await t.execute({ type: 'ReportHours', communityId: 'c1', memberId: 'alice', recordId: 'r1', category: 'elder-care', serviceDate: today, hours: '2.00', activityHours: '2.00' }));
    mustOk(await t.execute({ type: 'ApproveService', communityId: 'c1', memberId: 'alice', recordId: 'r1' }));
    mustOk(await t.execute({ type: 'RequestRedemption', communityId: 'c1', memberId: 'alice', redemptionId: 'd1', itemId: 'haircut' }, alice));
    // The fulfilment passes its preview; while bob's record is being made, r1 is reversed, alice falls into deficit,
    // the spend is refused, bob's record withdrawn — and the ledger crashes before the abandonment is recorded.
    meanwhile.meanwhile = async () => {
      mustOk(await t.execute({ type: 'ReverseService', communityId: 'c1', memberId: 'alice', recordId: 'r1', reason: 'wrong day' }));
    };
    const fulfil = { type: 'FulfilRedemption', communityId: 'c1', redemptionId: 'd1', volunteerId: 'bob' } as const;
    await expect(t.execute(fulfil)).rejects.toThrow(Crash);

    const ledger = new Ledger({ store: inner, clock: t.clock });
    const run = (command: Parameters<Ledger['execute']>[0], actor: Actor = t.organisers[0]!) => ledger.execute(command, { actor });
    mustOk(await run({ type: 'ReportHours', communityId: 'c1', memberId: 'alice', recordId: 'r2', category: 'elder-care', serviceDate: today, hours: '2.00', activityHours: '2.00' }));
    mustOk(await run({ type: 'ApproveService', communityId: 'c1', memberId: 'alice', recordId: 'r2' }));
    // Retried: the withdrawn record refuses this attempt, and the redemption is held again, nothing spent.
    expect(errorOf(await run(fulfil))?.code).toBe('invalid-state');
    expect((await ledger.redemption('c1', 'd1')).status).toBe('held');
    mustOk(await run(fulfil));
    expect((await ledger.redemption('c1', 'd1')).status).toBe('fulfilled');
    const records = [...(await ledger.account('c1', 'bob')).records.values()].map((r) => [r.recordId, r.status, r.hours.toString()]);
    expect(records).toEqual([
      ['redemption.d1', 'rejected', '1.00'],
      ['redemption.d1.2', 'pending', '1.00'],
    ]);
  });
});

describe('a time-bank confirmation whose payment was refused (the requester fell into deficit meanwhile), confirmed again', () => {
  /** alice asks for help offering 5 points, bob does it; while alice confirms, her earlier record is reversed. */
  async function confirmationAbandoned(crashAt: readonly [string, string]) {
    const { inner, meanwhile, t, alice } = await ledgerThatCrashes(['member-c1-bob', 'ServiceRecorded'], crashAt);
    const bob: Actor = { id: 'bob', role: 'member', communityId: 'c1' };
    const today = '2026-03-01';
    const report = (recordId: string) => ({ type: 'ReportHours', communityId: 'c1', memberId: 'alice', recordId, category: 'elder-care', serviceDate: today, hours: '2.00', activityHours: '2.00' }) as const;
    mustOk(await t.execute(report('r1')));
    mustOk(await t.execute({ type: 'ApproveService', communityId: 'c1', memberId: 'alice', recordId: 'r1' }));
    mustOk(await t.execute({ type: 'PostServiceRequest', communityId: 'c1', requestId: 'q1', memberId: 'alice', category: 'elder-care', description: '陪同就医', wantedAt: '2026-03-01T10:00:00Z', place: '家', pointsOffered: '5.00' }, alice));
    mustOk(await t.execute({ type: 'TakeServiceRequest', communityId: 'c1', requestId: 'q1', memberId: 'bob' }, bob));
    mustOk(await t.execute({ type: 'MarkServiceRequestDone', communityId: 'c1', requestId: 'q1', hours: '1.00' }, bob));
    meanwhile.meanwhile = async () => {
      mustOk(await t.execute({ type: 'ReverseService', communityId: 'c1', memberId: 'alice', recordId: 'r1', reason: 'wrong day' }));
    };
    const confirm = { type: 'ConfirmServiceRequest', communityId: 'c1', requestId: 'q1', rating: 5 } as const;
    const first = await t.execute(confirm, alice).catch((fault: unknown) => fault);
    const ledger = new Ledger({ store: inner, clock: t.clock });
    // alice earns again, settling the deficit.
    mustOk(await ledger.execute(report('r2'), { actor: t.organisers[0]! }));
    mustOk(await ledger.execute({ type: 'ApproveService', communityId: 'c1', memberId: 'alice', recordId: 'r2' }, { actor: t.organisers[0]! }));
    const bobsRecords = async () => [...(await ledger.account('c1', 'bob')).records.values()].map((r) => [r.recordId, r.status, r.hours.toString()]);
    return { first, ledger, confirm, alice, bobsRecords };
  }

  it('records bob’s service anew when it is confirmed again: he is paid and his hour counts (it was paid with his record withdrawn)', async () => {
    const { first, ledger, confirm, alice, bobsRecords } = await confirmationAbandoned(['nowhere', 'nothing']);
    expect(errorOf(first as ExecuteResult)?.code).toBe('in-deficit');
    mustOk(await ledger.execute(confirm, { actor: alice }));
    expect(await bobsRecords()).toEqual([
      ['request.q1', 'rejected', '1.00'],
      ['request.q1.2', 'pending', '1.00'],
    ]);
    expect((await ledger.account('c1', 'bob')).balance.toString()).toBe('5.00');
  });

  it('after a crash before the abandonment was recorded: the retry is refused and abandons it, and the next confirmation records anew', async () => {
    const { first, ledger, confirm, alice, bobsRecords } = await confirmationAbandoned(['request-c1-q1', 'ConfirmationAbandoned']);
    expect(first).toBeInstanceOf(Crash);
    expect(errorOf(await ledger.execute(confirm, { actor: alice }))?.code).toBe('invalid-state');
    mustOk(await ledger.execute(confirm, { actor: alice }));
    expect(await bobsRecords()).toEqual([
      ['request.q1', 'rejected', '1.00'],
      ['request.q1.2', 'pending', '1.00'],
    ]);
    expect((await ledger.account('c1', 'bob')).balance.toString()).toBe('5.00');
  });
});
