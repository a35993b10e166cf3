/**
 * The member fold (evolve) states the account's invariants where they can break (STYLE: TigerBeetle): a
 * history that could only come from corruption — a lot made twice, a hold ended twice, more points taken
 * from a lot than it has — throws InvariantViolation at the event that breaks it, and a sound history
 * folds to the balances the events say.
 */
import { describe, expect, it } from 'vitest';
import { InvariantViolation } from '../src/errors.js';
import type { MemberEvent } from '../src/member/events.js';
import { lotsBalance } from '../src/member/state.js';
import {
  accruedForGrant,
  accruedForService,
  approved,
  approvedService,
  clawedBack,
  foldMember,
  levelReached,
  registered,
  reported,
  reversed,
  specNow,
} from '../src/testing/index.js';

type Event<T extends MemberEvent['type']> = Extract<MemberEvent, { type: T }>;
const alice = registered('alice');
const grant = accruedForGrant('g1', '30.00');
const held = (holdId: string, points: string, fromLots: Array<{ lotId: string; points: string }>): Event<'PointsHeld'> => ({
  type: 'PointsHeld',
  data: { holdId, redemptionId: holdId, points, fromLots, expiresAt: '2026-03-13T12:00:00.000Z' },
});
const released = (holdId: string, points: string, deficitSettledFromLots: Array<{ lotId: string; points: string }> = []): Event<'HoldReleased'> => ({
  type: 'HoldReleased',
  data: { holdId, redemptionId: holdId, points, reason: 'cancelled', deficitSettledFromLots },
});
const spent = (holdId: string, points: string, fromLots: Array<{ lotId: string; points: string }>): Event<'HeldPointsSpent'> => ({
  type: 'HeldPointsSpent',
  data: { holdId, redemptionId: holdId, points, fromLots },
});
const arrived = (transferId: string, points: string, deficitSettled = '0.00'): Event<'PointsTransferredIn'> => ({
  type: 'PointsTransferredIn',
  data: {
    transferId,
    from: 'bob',
    points,
    deficitSettled,
    lots: Number(points) > Number(deficitSettled) ? [{ lotId: `in:${transferId}`, points: (Number(points) - Number(deficitSettled)).toFixed(2), accruedAt: specNow.toISOString(), expiresAt: null, unlocksAt: null }] : [],
  },
});
const sentOut = (transferId: string, points: string): Event<'PointsTransferredOut'> => ({
  type: 'PointsTransferredOut',
  data: { transferId, to: 'bob', reason: 'gift', day: '2026-03-10', points, fromLots: [{ lotId: 'lot:grant:g1', points, accruedAt: specNow.toISOString(), expiresAt: null }] },
});
const refunded = (transferId: string, points: string): Event<'TransferRefunded'> => ({
  type: 'TransferRefunded',
  data: { transferId, points, deficitSettled: '0.00', lots: [{ lotId: `refund:${transferId}`, points, accruedAt: specNow.toISOString(), expiresAt: null, unlocksAt: null }], reason: 'over cap' },
});
const expired = (lotId: string, points: string): Event<'PointsExpired'> => ({
  type: 'PointsExpired',
  data: { lotId, points, expiresAt: '2026-03-01T00:00:00.000Z', asOf: specNow.toISOString() },
});
const rejected = (recordId: string): Event<'ServiceRejected'> => ({ type: 'ServiceRejected', data: { recordId, rejectedBy: 'org-1', reason: 'no' } });

function corrupt(events: MemberEvent[], message: RegExp): void {
  expect(() => foldMember(events)).toThrow(InvariantViolation);
  expect(() => foldMember(events)).toThrow(message);
}

describe('a corrupt history throws at the event that breaks an invariant', () => {
  it('a lot created twice', () => corrupt([alice, grant, grant], /lot lot:grant:g1 created twice/));
  it('points taken from a lot that does not exist', () => corrupt([alice, held('d1', '5.00', [{ lotId: 'lot:nope', points: '5.00' }])], /unknown lot lot:nope/));
  it('a take of zero points', () => corrupt([alice, grant, held('d1', '0.00', [{ lotId: 'lot:grant:g1', points: '0.00' }])], /take of 0.00/));
  it('more held than a lot has', () => corrupt([alice, grant, held('d1', '30.01', [{ lotId: 'lot:grant:g1', points: '30.01' }])], /out of bounds/));
  it('more spent than a lot has', () => corrupt([alice, grant, expired('lot:grant:g1', '30.01')], /out of bounds/));
  it('spending points another hold has earmarked', () =>
    corrupt([alice, grant, held('d1', '20.00', [{ lotId: 'lot:grant:g1', points: '20.00' }]), expired('lot:grant:g1', '20.00')], /out of bounds/));
  it('a hold released more than it held from a lot', () =>
    corrupt([alice, grant, held('d1', '5.00', [{ lotId: 'lot:grant:g1', points: '5.00' }]), held('d2', '5.00', [{ lotId: 'lot:grant:g1', points: '5.00' }]), { ...released('d1', '5.00'), data: { ...released('d1', '5.00').data, holdId: 'd3' } }], /hold d3 is not open/));
  it('a hold placed twice, open or ended', () => {
    const once = [alice, grant, held('d1', '5.00', [{ lotId: 'lot:grant:g1', points: '5.00' }])];
    corrupt([...once, held('d1', '5.00', [{ lotId: 'lot:grant:g1', points: '5.00' }])], /hold d1 placed twice/);
    corrupt([...once, released('d1', '5.00'), held('d1', '5.00', [{ lotId: 'lot:grant:g1', points: '5.00' }])], /hold d1 placed twice/);
  });
  it('a hold ended twice', () => {
    const once = [alice, grant, held('d1', '5.00', [{ lotId: 'lot:grant:g1', points: '5.00' }]), released('d1', '5.00')];
    corrupt([...once, released('d1', '5.00')], /hold d1 is not open/);
    corrupt([...once, spent('d1', '5.00', [{ lotId: 'lot:grant:g1', points: '5.00' }])], /hold d1 is not open/);
  });
  it('a deficit settled beyond what was owed', () => corrupt([alice, accruedForGrant('g2', '10.00', { deficitSettled: '1.00', lotPoints: '9.00' })], /deficit settled beyond what was owed/));
  it('a record recorded twice', () => corrupt([alice, reported('r1', '2026-03-01', '1.00'), reported('r1', '2026-03-01', '1.00')], /record r1 recorded twice/));
  it('an approval of a record that is not pending (unknown, approved, rejected)', () => {
    corrupt([alice, approved('r1', '2026-03-01', '1.00')], /approval of r1 which is not pending/);
    corrupt([alice, reported('r1', '2026-03-01', '1.00'), approved('r1', '2026-03-01', '1.00'), approved('r1', '2026-03-01', '1.00')], /approval of r1 which is not pending/);
    corrupt([alice, reported('r1', '2026-03-01', '1.00'), rejected('r1'), approved('r1', '2026-03-01', '1.00')], /approval of r1 which is not pending/);
  });
  it('a rejection of a record that is not pending', () => {
    corrupt([alice, rejected('r1')], /rejection of r1 which is not pending/);
    corrupt([alice, reported('r1', '2026-03-01', '1.00'), rejected('r1'), rejected('r1')], /rejection of r1 which is not pending/);
  });
  it('a reversal of a record that is not approved', () => {
    corrupt([alice, reversed('r1', '2026-03-01', '1.00')], /reversal of r1 which is not approved/);
    corrupt([alice, reported('r1', '2026-03-01', '1.00'), reversed('r1', '2026-03-01', '1.00')], /reversal of r1 which is not approved/);
  });
  it('a record that earns twice, or earns without being recorded', () => {
    corrupt([alice, ...approvedService('r1', '2026-03-01', '1.00', '10.00'), { ...accruedForService('r1', '10.00', '1.00'), data: { ...accruedForService('r1', '10.00', '1.00').data, lot: null } }], /record r1 earned twice/);
    corrupt([alice, accruedForService('r9', '10.00', '1.00')], /record r9 earned twice/);
  });
  it('a level reached again, or below one already reached', () => {
    corrupt([alice, levelReached(1, '100.00', '100.00'), levelReached(1, '100.00', '101.00')], /level 1 reached after 1/);
    corrupt([alice, levelReached(2, '300.00', '300.00'), levelReached(1, '100.00', '301.00')], /level 1 reached after 2/);
  });
  it('a transfer that arrives twice, or is refunded twice', () => {
    corrupt([alice, arrived('t1', '5.00'), arrived('t1', '5.00')], /transfer t1 arrived twice/);
    corrupt([alice, grant, sentOut('t1', '5.00'), refunded('t1', '5.00'), refunded('t1', '5.00')], /transfer t1 refunded twice/);
  });
});

describe('a sound history folds to what its events say', () => {
  it('holds, spends and releases move held and balance; a lot taken to zero is gone', () => {
    const state = foldMember([
      alice,
      grant,
      held('d1', '10.00', [{ lotId: 'lot:grant:g1', points: '10.00' }]),
      held('d2', '20.00', [{ lotId: 'lot:grant:g1', points: '20.00' }]),
      spent('d1', '10.00', [{ lotId: 'lot:grant:g1', points: '10.00' }]),
    ]);
    expect([state.balance.toString(), state.held.toString(), state.lots.get('lot:grant:g1')?.remaining.toString(), state.lots.get('lot:grant:g1')?.held.toString()]).toEqual(['20.00', '20.00', '20.00', '20.00']);
    expect([...state.closedHolds]).toEqual([['d1', 'spent']]);
    const after = foldMember([
      alice,
      grant,
      held('d2', '30.00', [{ lotId: 'lot:grant:g1', points: '30.00' }]),
      spent('d2', '30.00', [{ lotId: 'lot:grant:g1', points: '30.00' }]),
    ]);
    expect([after.lots.size, after.balance.toString(), after.held.toString()]).toEqual([0, '0.00', '0.00']);
  });

  it('a release ends the hold as cancelled and frees its points', () => {
    const state = foldMember([alice, grant, held('d1', '10.00', [{ lotId: 'lot:grant:g1', points: '10.00' }]), released('d1', '10.00')]);
    expect([state.held.toString(), state.lots.get('lot:grant:g1')?.held.toString(), state.closedHolds.get('d1'), state.openHolds.size]).toEqual(['0.00', '0.00', 'cancelled', 0]);
  });

  it('approvals and reversals move hours by day and in total; a clawback moves balance and deficit', () => {
    const state = foldMember([
      alice,
      ...approvedService('r1', '2026-03-01', '2.00', '20.00'),
      ...approvedService('r2', '2026-03-01', '1.50', '15.00'),
      reversed('r1', '2026-03-01', '2.00'),
      clawedBack('r1', '20.00', [{ lotId: 'lot:r1', points: '20.00' }], '0.00'),
    ]);
    expect([state.hoursTotal.toString(), state.approvedHoursByDay.get('2026-03-01')?.toString(), state.balance.toString(), state.records.get('r1')?.status]).toEqual(['1.50', '1.50', '15.00', 'reversed']);
    expect(state.records.get('r2')).toMatchObject({ status: 'approved', lotId: 'lot:r2' });
    expect(state.records.get('r2')?.points.toString()).toBe('15.00');
  });

  it('a clawback beyond the free points leaves a deficit, and the balance is minus it', () => {
    const state = foldMember([
      alice,
      ...approvedService('r1', '2026-03-01', '1.00', '10.00'),
      held('d1', '8.00', [{ lotId: 'lot:r1', points: '8.00' }]),
      spent('d1', '8.00', [{ lotId: 'lot:r1', points: '8.00' }]),
      reversed('r1', '2026-03-01', '1.00'),
      clawedBack('r1', '10.00', [{ lotId: 'lot:r1', points: '2.00' }], '8.00'),
    ]);
    expect([state.balance.toString(), state.deficit.toString(), lotsBalance(state).toString(), state.lots.size]).toEqual(['-8.00', '8.00', '-8.00', 0]);
  });

  it('a release in deficit settles it from the freed lot points', () => {
    const state = foldMember([
      alice,
      ...approvedService('r1', '2026-03-01', '1.00', '10.00'),
      held('d1', '8.00', [{ lotId: 'lot:r1', points: '8.00' }]),
      reversed('r1', '2026-03-01', '1.00'),
      clawedBack('r1', '10.00', [{ lotId: 'lot:r1', points: '2.00' }], '8.00'),
      released('d1', '8.00', [{ lotId: 'lot:r1', points: '8.00' }]),
    ]);
    expect([state.deficit.toString(), state.balance.toString(), state.held.toString(), state.lots.size]).toEqual(['0.00', '0.00', '0.00', 0]);
  });

  it('arrivals and refunds settle a deficit and credit the rest; transfers out are remembered with their portions', () => {
    const state = foldMember([alice, grant, sentOut('t1', '5.00'), refunded('t1', '5.00'), arrived('t2', '7.00')]);
    expect([state.balance.toString(), state.refunds.has('t1'), state.transfersIn.has('t2'), state.transfersOut.get('t1')?.points.toString()]).toEqual(['37.00', true, true, '5.00']);
    expect(state.transfersOut.get('t1')).toMatchObject({ to: 'bob', day: '2026-03-10', reason: 'gift' });
  });

  it('grants are remembered; accrued points add up over a life, spending never lowers them', () => {
    const state = foldMember([alice, grant, accruedForGrant('g2', '5.00'), expired('lot:grant:g1', '30.00')]);
    expect([state.grants.has('g1'), state.grants.has('g2'), state.pointsAccruedTotal.toString(), state.balance.toString()]).toEqual([true, true, '35.00', '5.00']);
  });

  it('profiles: recorded, erased, recorded again', () => {
    const sealed = { keyId: 'k', alg: 'AES-GCM-256' as const, iv: 'a', ciphertext: 'b' };
    const recorded: MemberEvent = { type: 'MemberProfileRecorded', data: { sealed } };
    const erased: MemberEvent = { type: 'MemberProfileErased', data: { reason: 'asked' } };
    expect(foldMember([alice, recorded])).toMatchObject({ hasProfile: true, profileErased: false, erasures: 0 });
    expect(foldMember([alice, recorded, erased])).toMatchObject({ hasProfile: false, profileErased: true, erasures: 1 });
    expect(foldMember([alice, recorded, erased, recorded])).toMatchObject({ hasProfile: true, profileErased: false, erasures: 1 });
  });

  it('registration sets who the member is', () => {
    expect(foldMember([{ type: 'MemberRegistered', data: { communityId: 'c1', memberId: 'alice', householdId: 'h1', compound: 'A', building: '3' } }])).toMatchObject({
      exists: true,
      communityId: 'c1',
      memberId: 'alice',
      householdId: 'h1',
      compound: 'A',
      building: '3',
    });
  });
});
