/**
 * 时间银行: the member steps a redemption of a volunteer's service sends. RecordServiceGiven gives the
 * volunteer a reported service record, pending an organiser, made once however often the step is repeated;
 * WithdrawServiceGiven, its compensation, rejects that record while it is still pending, and does nothing
 * when there is nothing left to withdraw.
 */
import { describe, expect, it } from 'vitest';
import type { Actor } from '../src/events.js';
import type { MemberCommandInput } from '../src/member/commands.js';
import {
  accruedForService,
  approved,
  communityState,
  given,
  registered,
  reported,
  reversed,
  clawedBack,
} from '../src/testing/index.js';

const system: Actor = { id: 'system:redemptions', role: 'system', communityId: '*' };
const bob = registered('bob');

const recordServiceGiven = (extra: Partial<Extract<MemberCommandInput, { type: 'RecordServiceGiven' }>> = {}): MemberCommandInput => ({
  type: 'RecordServiceGiven',
  communityId: 'c1',
  memberId: 'bob',
  recordId: 'redemption.d1',
  redemptionId: 'd1',
  category: 'culture',
  serviceDate: '2026-03-10',
  hours: '1.5',
  ...extra,
});
const withdrawServiceGiven = (recordId = 'redemption.d1', reason = 'the redemption it was given for was not fulfilled'): MemberCommandInput => ({
  type: 'WithdrawServiceGiven',
  communityId: 'c1',
  memberId: 'bob',
  recordId,
  reason,
});

/** The record RecordServiceGiven makes: reported, for the redemption as its activity, the hours as the activity's length. */
const serviceGiven = (recordedBy = system.id) =>
  reported('redemption.d1', '2026-03-10', '1.50', { category: 'culture', activityHours: '1.50', recordedBy });
const givenRecord = { ...serviceGiven(), data: { ...serviceGiven().data, activityId: 'redemption.d1' } };

describe('RecordServiceGiven: the volunteer gets a record of the service they gave', () => {
  it('a reported record pending an organiser, naming the redemption as its activity, recorded by whoever ran the step', () => {
    given([bob]).when(recordServiceGiven(), { actor: system }).then([givenRecord]);
  });

  it('repeated (a resumed phase): nothing more', () => {
    given([bob, givenRecord]).when(recordServiceGiven(), { actor: system }).thenNothing();
  });

  it('repeated after an organiser approved the record: nothing more', () => {
    given([bob, givenRecord, approved('redemption.d1', '2026-03-10', '1.50')]).when(recordServiceGiven(), { actor: system }).thenNothing();
  });

  it('repeated after it was withdrawn: refused, so its fulfilment attempt is abandoned (the id is spent; the next attempt has its own)', () => {
    // Answering "nothing more" here let a fulfilment retried after a crash go on with the volunteer's record withdrawn.
    const withdrawn = { type: 'ServiceRejected' as const, data: { recordId: 'redemption.d1', rejectedBy: system.id, reason: 'not fulfilled' } };
    given([bob, givenRecord, withdrawn]).when(recordServiceGiven(), { actor: system }).thenError('invalid-state');
  });

  it('a volunteer who is not a member: not found', () => {
    given([]).when(recordServiceGiven(), { actor: system }).thenError('not-found');
  });

  it('a category the community does not run: refused, naming the ones it does', () => {
    const error = given([bob]).when(recordServiceGiven({ category: 'astrology' }), { actor: system }).thenError('validation');
    expect(error.message).toContain('unknown service category astrology');
  });

  it('a category the community retired: refused', () => {
    const community = communityState();
    const retired = new Map(community.categories);
    retired.set('culture', { name: 'culture', active: false });
    given([bob]).when(recordServiceGiven(), { actor: system, community: { ...community, categories: retired } }).thenError('validation');
  });

  it.each(['0.00', '24.01', '-1.00'])('hours out of range (%s): refused', (hours) => {
    given([bob]).when(recordServiceGiven({ hours }), { actor: system }).thenError('hours-out-of-range');
  });

  it('24 hours, the most one record may hold: recorded', () => {
    const events = given([bob]).when(recordServiceGiven({ hours: '24' }), { actor: system }).events();
    expect(events.map((e) => e.type === 'ServiceRecorded' && e.data.hours)).toEqual(['24.00']);
  });

  it('fewer hours than the policy’s minimum service: refused', () => {
    const community = communityState({ policy: { minimumServiceHours: '2.00' } });
    given([bob]).when(recordServiceGiven(), { actor: system, community }).thenError('hours-out-of-range');
  });

  it('a long redemption id is cut to the 64 characters an activity id may hold', () => {
    const redemptionId = 'x'.repeat(60);
    const [event] = given([bob]).when(recordServiceGiven({ redemptionId }), { actor: system }).events();
    expect(event?.type === 'ServiceRecorded' && event.data.activityId).toBe(`redemption.${redemptionId}`.slice(0, 64));
  });
});

describe('WithdrawServiceGiven: the record made for a redemption that was not fulfilled is rejected', () => {
  it('a pending record: rejected by whoever ran the step, with the reason', () => {
    given([bob, givenRecord])
      .when(withdrawServiceGiven(), { actor: system })
      .then([{ type: 'ServiceRejected', data: { recordId: 'redemption.d1', rejectedBy: system.id, reason: 'the redemption it was given for was not fulfilled' } }]);
  });

  it('already withdrawn (a repeat): nothing more', () => {
    const withdrawn = { type: 'ServiceRejected' as const, data: { recordId: 'redemption.d1', rejectedBy: system.id, reason: 'not fulfilled' } };
    given([bob, givenRecord, withdrawn]).when(withdrawServiceGiven(), { actor: system }).thenNothing();
  });

  it('never made (the phase was refused before its step): nothing to withdraw', () => {
    given([bob]).when(withdrawServiceGiven(), { actor: system }).thenNothing();
  });

  it('approved by an organiser meanwhile: refused, an approved record is reversed, not withdrawn', () => {
    const error = given([bob, givenRecord, approved('redemption.d1', '2026-03-10', '1.50'), accruedForService('redemption.d1', '15.00', '1.50', { category: 'culture' })])
      .when(withdrawServiceGiven(), { actor: system })
      .thenError('invalid-state');
    expect(error.message).toContain('already approved');
  });

  it('reversed: refused', () => {
    given([
      bob,
      givenRecord,
      approved('redemption.d1', '2026-03-10', '1.50'),
      accruedForService('redemption.d1', '15.00', '1.50', { category: 'culture' }),
      reversed('redemption.d1', '2026-03-10', '1.50'),
      clawedBack('redemption.d1', '15.00', [{ lotId: 'lot:redemption.d1', points: '15.00' }], '0.00'),
    ])
      .when(withdrawServiceGiven(), { actor: system })
      .thenError('invalid-state');
  });

  it('a volunteer who is not a member: not found', () => {
    given([]).when(withdrawServiceGiven(), { actor: system }).thenError('not-found');
  });
});
