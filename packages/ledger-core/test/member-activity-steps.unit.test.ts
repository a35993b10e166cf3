/**
 * The member stream's side of activities, service requests and micro-wishes (steps the ledger issues itself):
 * presence at activities never overlaps, an attendance becomes one checked-in record, process approvals, credit
 * and honour hours, hold purposes kept apart, and a request's payment (held → paid → received or returned).
 */
import { describe, expect, it } from 'vitest';
import { type Actor, type MemberCommand, type MemberDecisionContext, type MemberEvent, type TransferredPortion, Points, decideMember, evolveMember, initialMemberState } from '../src/index.js';
import {
  accruedForGrant,
  accruedForService,
  approved,
  communityState,
  given,
  grantPoints,
  historyOf,
  lot,
  memberCommand,
  memberSnapshot,
  registerMember,
  registered,
  reportHours,
  reported,
  specFor,
  specNow,
  specOrganiser,
} from '../src/testing/index.js';

const c = 'c1';
const m = { communityId: c, memberId: 'alice' };
const alice = registered('alice');
const t = (hhmm: string) => `2026-03-10T${hhmm}:00.000Z`;
const aliceAsOrganiser: Actor = { id: 'alice', role: 'organiser', communityId: c };

const begin = (activityId: string, at: string, until: string): MemberCommand => ({ type: 'BeginPresence', ...m, activityId, at, until });
const began = (activityId: string, at: string, until: string): MemberEvent => ({ type: 'PresenceBegan', data: { activityId, at, until } });
const ended = (activityId: string, at: string): MemberEvent => ({ type: 'PresenceEnded', data: { activityId, at } });
const attendance = (activityId: string, from: string, to: string, hours: string, selfMarked = false): MemberCommand => ({
  type: 'RecordAttendance',
  ...m,
  activityId,
  recordId: `activity.${activityId}`,
  category: 'public-health',
  checkedInAt: from,
  checkedOutAt: to,
  hours,
  selfMarked,
});
const attended = (activityId: string, from: string, to: string, hours: string): MemberEvent => ({
  type: 'ServiceRecorded',
  data: {
    recordId: `activity.${activityId}`,
    kind: 'checked-in',
    category: 'public-health',
    activityId,
    serviceDate: '2026-03-10',
    hours,
    checkedInAt: from,
    checkedOutAt: to,
    activityHours: null,
    recordedBy: 'org-1',
  },
});

describe('presence: a member is at one activity at a time', () => {
  it('a check-in claims the time from its stamp until the activity\'s end', () => {
    given([alice]).when(begin('a1', t('09:00'), t('11:00'))).then([began('a1', t('09:00'), t('11:00'))]);
  });

  it('refuses a presence that overlaps one at another activity, naming it', () => {
    const error = given([alice, began('a1', t('09:00'), t('11:00'))]).when(begin('a2', t('10:00'), t('12:00'))).thenError('invalid-state');
    expect(error.message).toMatch(/present at activity a1 .* check out of a1 first/);
  });

  it('after checking out there, or once that activity has ended, the member may check in elsewhere', () => {
    given([alice, began('a1', t('09:00'), t('11:00')), ended('a1', t('10:00'))]).when(begin('a2', t('10:00'), t('12:00'))).then([began('a2', t('10:00'), t('12:00'))]);
    given([alice, began('a1', t('09:00'), t('11:00'))]).when(begin('a2', t('11:00'), t('12:00'))).then([began('a2', t('11:00'), t('12:00'))]);
  });

  it('an early check-in elsewhere overlaps a presence that runs until its end', () => {
    given([alice, began('a1', t('09:00'), t('11:00'))]).when(begin('a2', t('10:40'), t('13:00'))).thenError('invalid-state');
  });

  it('is claimed once per activity; ending is once, and nothing without a presence', () => {
    given([alice, began('a1', t('09:00'), t('11:00'))]).when(begin('a1', t('09:30'), t('11:00'))).thenNothing();
    given([alice, began('a1', t('09:00'), t('11:00'))]).when({ type: 'EndPresence', ...m, activityId: 'a1', at: t('10:00') }).then([ended('a1', t('10:00'))]);
    given([alice, began('a1', t('09:00'), t('11:00')), ended('a1', t('10:00'))]).when({ type: 'EndPresence', ...m, activityId: 'a1', at: t('10:30') }).thenNothing();
    given([alice]).when({ type: 'EndPresence', ...m, activityId: 'a1', at: t('10:30') }).thenNothing();
  });
});

describe('an attendance becomes one checked-in (credit) record', () => {
  it('recorded and approved at once by the default policy; the presence ends where the attendance does', () => {
    given([alice, began('a1', t('08:50'), t('11:00'))])
      .when(attendance('a1', t('09:00'), t('11:00'), '2.00'))
      .then([
        attended('a1', t('09:00'), t('11:00'), '2.00'),
        approved('activity.a1', '2026-03-10', '2.00', { automatic: true }),
        accruedForService('activity.a1', '20.00', '2.00', { category: 'public-health' }),
        ended('a1', t('11:00')),
      ]);
  });

  it('is recorded once; a record of another kind under the same id is refused', () => {
    const done = historyOf([registerMember('alice'), attendance('a1', t('09:00'), t('11:00'), '2.00') as never]);
    given(done).when(attendance('a1', t('09:00'), t('11:00'), '2.00')).thenNothing();
    given([alice, reported('activity.a1', '2026-03-10', '1.00')]).when(attendance('a1', t('09:00'), t('11:00'), '2.00')).thenError('already-exists');
  });

  it('claims the presence a crash kept from being recorded — unless that time was spent at another activity', () => {
    const events = given([alice]).when(attendance('a1', t('09:00'), t('10:00'), '1.00')).events();
    expect(events.map((e) => e.type)).toEqual(['PresenceBegan', 'ServiceRecorded', 'ServiceApproved', 'PointsAccrued', 'PresenceEnded']);
    expect(events[0]).toEqual(began('a1', t('09:00'), t('10:00')));
    given([alice, began('a2', t('09:30'), t('12:00'))]).when(attendance('a1', t('09:00'), t('10:00'), '1.00')).thenError('invalid-state');
  });

  it('an organiser\'s own check-in, or a closing by the attendee, is never approved at once', () => {
    const events = given([alice, began('a1', t('09:00'), t('11:00'))]).when(attendance('a1', t('09:00'), t('11:00'), '2.00', true)).events();
    expect(events.map((e) => e.type)).toEqual(['ServiceRecorded', 'PresenceEnded']);
    const closedByHer = given([alice, began('a1', t('09:00'), t('11:00'))]).when(attendance('a1', t('09:00'), t('11:00'), '2.00'), { actor: aliceAsOrganiser }).events();
    expect(closedByHer.map((e) => e.type)).toEqual(['ServiceRecorded', 'PresenceEnded']);
  });

  it('hours are sane and the category active', () => {
    given([alice]).when(attendance('a1', t('09:00'), t('11:00'), '0.00')).thenError('hours-out-of-range');
    given([alice]).when({ ...(attendance('a1', t('09:00'), t('11:00'), '2.00') as object), category: 'knitting' } as MemberCommand).thenError('validation');
  });
});

describe('approval by a process; credit and honour hours', () => {
  const pending = [alice, reported('r1', '2026-03-09', '2.00')];

  it('approves a pending record as the process\'s actor; nothing when already approved; never the approver\'s own', () => {
    given(pending).when({ type: 'ApproveRecord', ...m, recordId: 'r1', automatic: false }).then([approved('r1', '2026-03-09', '2.00'), accruedForService('r1', '20.00', '2.00')]);
    given([...pending, approved('r1', '2026-03-09', '2.00'), accruedForService('r1', '20.00', '2.00')]).when({ type: 'ApproveRecord', ...m, recordId: 'r1', automatic: false }).thenNothing();
    given(pending).when({ type: 'ApproveRecord', ...m, recordId: 'r1', automatic: false }, { actor: aliceAsOrganiser }).thenError('not-allowed');
    given([alice]).when({ type: 'ApproveRecord', ...m, recordId: 'r9', automatic: false }).thenError('not-found');
  });

  it('honour hours earn no points where the policy says so, yet count for levels', () => {
    const community = communityState({ policy: { reportedHoursEarnPoints: false, levelThresholdsHours: ['2'] } });
    given(pending)
      .when({ type: 'ApproveService', ...m, recordId: 'r1' }, { community })
      .then([approved('r1', '2026-03-09', '2.00'), { type: 'LevelReached', data: { level: 1, thresholdHours: '2.00', totalHours: '2.00' } }]);
  });

  it('credit (checked-in) hours earn points under that policy all the same, and say they are credit hours', () => {
    const community = communityState({ policy: { reportedHoursEarnPoints: false } });
    const events = given([alice, began('a1', t('09:00'), t('11:00'))]).when(attendance('a1', t('09:00'), t('11:00'), '2.00'), { community }).events();
    expect(events.find((e) => e.type === 'ServiceApproved')?.data).toMatchObject({ hoursKind: 'credit' });
    expect(events.find((e) => e.type === 'PointsAccrued')?.data).toMatchObject({ points: '20.00' });
  });
});

describe('holds of different purposes never meet', () => {
  it('a request\'s hold and a redemption\'s hold under the same id are two holds', () => {
    const held = historyOf([registerMember('alice'), grantPoints('alice', 'g', '50'), { type: 'PlaceHold', ...m, holdId: 'x1', redemptionId: 'x1', points: '10', expiresAt: t('23:00') }]);
    const state = given(held).state();
    expect(state.openHolds.size).toBe(1);
    const both = given(held).when({ type: 'PlaceHold', ...m, holdId: 'x1', redemptionId: 'x1', points: '5', expiresAt: t('23:00'), purpose: 'service-request' }).events();
    expect(both[0]).toMatchObject({ type: 'PointsHeld', data: { holdId: 'x1', points: '5.00', purpose: 'service-request' } });
    given(held).when({ type: 'SpendHold', ...m, holdId: 'x1', purpose: 'service-request' }).thenError('not-found');
  });
});

/** The member decider with the whole context (a payment the runtime looked up on the payer's stream included). */
const givenWithPayment = (events: readonly MemberEvent[]) => {
  const spec = specFor<MemberCommand, ReturnType<typeof initialMemberState>, MemberEvent, MemberDecisionContext>({ decide: decideMember, evolve: evolveMember, initialState: initialMemberState })(events);
  return { when: (command: MemberCommand, context: Partial<MemberDecisionContext>) => spec.when(memberCommand(command), { now: specNow, actor: specOrganiser, community: communityState(), ...context }) };
};

describe('a request\'s payment: held → paid (in transit) → received by the volunteer, or returned', () => {
  const grant = accruedForGrant('g', '50.00');
  const heldForRequest: MemberEvent = { type: 'PointsHeld', data: { holdId: 'q1', redemptionId: 'q1', points: '20.00', fromLots: [{ lotId: 'lot:grant:g', points: '20.00' }], expiresAt: t('23:00'), purpose: 'service-request' } };
  const portions: TransferredPortion[] = [{ lotId: 'lot:grant:g', points: '20.00', accruedAt: specNow.toISOString(), expiresAt: null }];
  const paid: MemberEvent = { type: 'HeldPointsPaid', data: { requestId: 'q1', holdId: 'q1', to: 'bob', points: '20.00', fromLots: portions } };

  it('the hold ends in a payment of exactly its points, lot portions and expiry kept', () => {
    given([alice, grant, heldForRequest]).when({ type: 'PayHold', ...m, requestId: 'q1', to: 'bob' }).then([paid]);
    const after = given([alice, grant, heldForRequest, paid]).state();
    expect([after.balance.toString(), after.held.toString()]).toEqual(['30.00', '0.00']);
  });

  it('is paid once; without a hold, or in deficit, it is refused', () => {
    given([alice, grant, heldForRequest, paid]).when({ type: 'PayHold', ...m, requestId: 'q1', to: 'bob' }).thenNothing();
    given([alice, grant]).when({ type: 'PayHold', ...m, requestId: 'q1', to: 'bob' }).thenError('not-found');
    const inDeficit: MemberEvent = { type: 'PointsClawedBack', data: { recordId: 'r', points: '40.00', fromLots: [{ lotId: 'lot:grant:g', points: '30.00' }], deficitAdded: '10.00' } };
    given([alice, grant, heldForRequest, inDeficit]).when({ type: 'PayHold', ...m, requestId: 'q1', to: 'bob' }).thenError('in-deficit');
  });

  it('the volunteer receives it as the payer recorded it; once', () => {
    const bob = registered('bob');
    const payment = { to: 'bob', points: Points.of('20.00'), portions, returned: false };
    givenWithPayment([bob])
      .when({ type: 'ReceivePayment', communityId: c, memberId: 'bob', requestId: 'q1', from: 'alice' }, { payment })
      .then([{ type: 'ServicePaymentReceived', data: { requestId: 'q1', from: 'alice', points: '20.00', deficitSettled: '0.00', lots: [{ ...lot('pay:q1:lot:grant:g', '20.00'), unlocksAt: null }] } }]);
    const received: MemberEvent = { type: 'ServicePaymentReceived', data: { requestId: 'q1', from: 'alice', points: '20.00', deficitSettled: '0.00', lots: [lot('pay:q1:lot:grant:g', '20.00')] } };
    givenWithPayment([bob, received]).when({ type: 'ReceivePayment', communityId: c, memberId: 'bob', requestId: 'q1', from: 'alice' }, { payment }).thenNothing();
  });

  it('no payment to receive, a payment returned, one for someone else, or one past the maximum balance is refused', () => {
    const bob = registered('bob');
    const receive: MemberCommand = { type: 'ReceivePayment', communityId: c, memberId: 'bob', requestId: 'q1', from: 'alice' };
    const payment = { to: 'bob', points: Points.of('20.00'), portions, returned: false };
    givenWithPayment([bob]).when(receive, { payment: null }).thenError('not-found');
    givenWithPayment([bob]).when(receive, { payment: { ...payment, returned: true } }).thenError('invalid-state');
    givenWithPayment([bob]).when(receive, { payment: { ...payment, to: 'carol' } }).thenError('invalid-state');
    givenWithPayment([bob]).when(receive, { payment, community: communityState({ policy: { maxBalance: { points: '10', overflow: 'refuse' } } }) }).thenError('max-balance-exceeded');
  });

  it('a payment returned comes back to the payer with its expiry, once', () => {
    const returned: MemberEvent = { type: 'ServicePaymentReturned', data: { requestId: 'q1', points: '20.00', deficitSettled: '0.00', lots: [lot('return:q1:lot:grant:g', '20.00')], reason: 'over the cap' } };
    given([alice, grant, heldForRequest, paid]).when({ type: 'ReturnPayment', ...m, requestId: 'q1', reason: 'over the cap' }).then([returned]);
    given([alice, grant, heldForRequest, paid, returned]).when({ type: 'ReturnPayment', ...m, requestId: 'q1', reason: 'again' }).thenNothing();
    expect(given([alice, grant, heldForRequest, paid, returned]).state().balance.toString()).toBe('50.00');
  });
});

describe('a request\'s hours for the volunteer', () => {
  const record: MemberCommand = { type: 'RecordRequestService', ...m, recordId: 'request.q1', requestId: 'q1', category: 'elder-care', serviceDate: '2026-03-10', hours: '1.50' };

  it('are honour hours recorded once, pending an organiser (or the policy on confirmation)', () => {
    const events = given([alice]).when(record).events();
    expect(events).toEqual([{ type: 'ServiceRecorded', data: expect.objectContaining({ recordId: 'request.q1', kind: 'reported', activityId: 'request.q1', hours: '1.50' }) }]);
    given([alice, ...events]).when(record).thenNothing();
    given([alice, reported('request.q1', '2026-03-10', '1.00')]).when(record).thenError('already-exists');
  });
});

it('snapshots see the new parts of the account', () => {
  const state = given([alice, began('a1', t('09:00'), t('11:00'))]).state();
  expect(JSON.stringify(memberSnapshot(state))).toContain('"a1"');
  expect(reportHours('alice', 'r', '2026-03-10', '1.00').type).toBe('ReportHours');
});
