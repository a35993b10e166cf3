/**
 * The member decider's rules about points: approval by someone else, earning once, reversal and deficit,
 * deficit settlement, levels, policy versions and rounding (DESIGN §4 rules 2, 4, 6, 7; §5).
 */
import { describe, expect, it } from 'vitest';
import type { Actor, MemberEvent } from '../src/index.js';
import { defaultPolicy } from '../src/index.js';
import {
  accruedForGrant,
  accruedForService,
  approveService,
  approved,
  approvedService,
  clawedBack,
  communityState,
  given,
  grantPoints,
  historyOf,
  levelReached,
  registerMember,
  registered,
  rejectService,
  reportHours,
  reported,
  reverseService,
  reversed,
  specAdmin,
  specOrganiser,
} from '../src/testing/index.js';

const alice = registered('alice');
const aliceAsOrganiser: Actor = { id: 'alice', role: 'organiser', communityId: 'c1' };
const system: Actor = { id: 'system:redemptions', role: 'system', communityId: '*' };

describe('an organiser decides on the hours of others, never their own', () => {
  const pending = [alice, reported('r1', '2026-03-09', '2.00')];

  it('refuses self-approval', () => {
    given(pending).when(approveService('alice', 'r1'), { actor: aliceAsOrganiser }).thenError('not-allowed');
  });

  it('refuses self-rejection', () => {
    given(pending).when(rejectService('alice', 'r1'), { actor: aliceAsOrganiser }).thenError('not-allowed');
  });

  it('refuses self-reversal', () => {
    given([alice, ...approvedService('r1', '2026-03-09', '2.00', '20.00')]).when(reverseService('alice', 'r1'), { actor: aliceAsOrganiser }).thenError('not-allowed');
  });

  it('lets another organiser reject, with the reason', () => {
    given(pending)
      .when(rejectService('alice', 'r1', 'no such activity'))
      .then([{ type: 'ServiceRejected', data: { recordId: 'r1', rejectedBy: specOrganiser.id, reason: 'no such activity' } }]);
  });
});

describe('the same record cannot earn twice (rule 6)', () => {
  const approvedR1 = [alice, ...approvedService('r1', '2026-03-09', '2.00', '20.00')];

  it('refuses to approve an approved record again', () => {
    given(approvedR1).when(approveService('alice', 'r1')).thenError('invalid-state');
  });

  it('refuses to approve a rejected record', () => {
    given([alice, reported('r1', '2026-03-09', '2.00'), { type: 'ServiceRejected', data: { recordId: 'r1', rejectedBy: 'org-1', reason: 'x' } }])
      .when(approveService('alice', 'r1'))
      .thenError('invalid-state');
  });

  it('refuses to approve a reversed record', () => {
    given([...approvedR1, reversed('r1', '2026-03-09', '2.00'), clawedBack('r1', '20.00', [{ lotId: 'lot:r1', points: '20.00' }], '0.00')])
      .when(approveService('alice', 'r1'))
      .thenError('invalid-state');
  });

  it('refuses to reject an approved record', () => {
    given(approvedR1).when(rejectService('alice', 'r1')).thenError('invalid-state');
  });

  it('refuses to approve a record that does not exist', () => {
    given([alice]).when(approveService('alice', 'nope')).thenError('not-found');
  });
});

describe('reversal claws back free lot points first, the rest becomes a deficit (rule 2)', () => {
  // r1 earns 20 (lot:r1), r2 earns 10 (lot:r2); 15 of lot:r1 are then spent through a redemption hold.
  const spent = historyOf([
    registerMember('alice'),
    reportHours('alice', 'r1', '2026-03-01', '2.00'),
    approveService('alice', 'r1'),
    reportHours('alice', 'r2', '2026-03-02', '1.00'),
    approveService('alice', 'r2'),
    [{ type: 'PlaceHold', communityId: 'c1', memberId: 'alice', holdId: 'h1', redemptionId: 'd1', points: '15.00', expiresAt: '2026-03-20T00:00:00Z' }, { actor: system }],
    [{ type: 'SpendHold', communityId: 'c1', memberId: 'alice', holdId: 'h1' }, { actor: system }],
  ]);
  const inDeficit = [...spent, reversed('r1', '2026-03-01', '2.00'), clawedBack('r1', '20.00', [{ lotId: 'lot:r1', points: '5.00' }, { lotId: 'lot:r2', points: '10.00' }], '5.00')];

  it('takes the record’s own lot first, then other free lots, and records the shortfall as a deficit', () => {
    given(spent)
      .when(reverseService('alice', 'r1'))
      .then([reversed('r1', '2026-03-01', '2.00'), clawedBack('r1', '20.00', [{ lotId: 'lot:r1', points: '5.00' }, { lotId: 'lot:r2', points: '10.00' }], '5.00')]);
  });

  it('leaves a balance of minus the deficit', () => {
    const state = given(inDeficit).state();
    expect([state.balance.toString(), state.deficit.toString(), state.hoursTotal.toString()]).toEqual(['-5.00', '5.00', '1.00']);
  });

  it('claws back without a deficit when the lot is intact', () => {
    given(spent)
      .when(reverseService('alice', 'r2'))
      .then([reversed('r2', '2026-03-02', '1.00'), clawedBack('r2', '10.00', [{ lotId: 'lot:r2', points: '10.00' }], '0.00')]);
  });

  it('refuses to reverse a record that is only pending', () => {
    given([alice, reported('r1', '2026-03-09', '2.00')]).when(reverseService('alice', 'r1')).thenError('invalid-state');
  });

  it('refuses to reverse a record twice', () => {
    given(inDeficit).when(reverseService('alice', 'r1')).thenError('invalid-state');
  });

  it('while in deficit nothing can be spent', () => {
    given(inDeficit)
      .when({ type: 'PlaceHold', communityId: 'c1', memberId: 'alice', holdId: 'h2', redemptionId: 'd2', points: '0.01', expiresAt: '2026-03-20T00:00:00Z' }, { actor: system })
      .thenError('in-deficit');
  });

  it('an accrual settles the deficit first; the rest becomes a lot', () => {
    given([...inDeficit, reported('r3', '2026-03-03', '1.00')])
      .when(approveService('alice', 'r3'))
      .then([approved('r3', '2026-03-03', '1.00'), accruedForService('r3', '10.00', '1.00', { deficitSettled: '5.00', lotPoints: '5.00' })]);
  });

  it('an accrual smaller than the deficit creates no lot', () => {
    given([...inDeficit, reported('r3', '2026-03-03', '0.25')])
      .when(approveService('alice', 'r3'))
      .then([approved('r3', '2026-03-03', '0.25'), accruedForService('r3', '2.50', '0.25', { deficitSettled: '2.50', lotPoints: null })]);
  });

  it('a grant settles the deficit first too', () => {
    given(inDeficit)
      .when(grantPoints('alice', 'g1', '8.00', 'flood relief'), { actor: specAdmin })
      .then([accruedForGrant('g1', '8.00', { reason: 'flood relief', deficitSettled: '5.00', lotPoints: '3.00' })]);
  });
});

describe('every point is explained (rule 7)', () => {
  it('a grant names its id, reason and who granted it', () => {
    given([alice]).when(grantPoints('alice', 'g1', '15.50', 'festival volunteers'), { actor: specAdmin }).then([accruedForGrant('g1', '15.50', { reason: 'festival volunteers' })]);
  });

  it('the same grant id cannot grant twice', () => {
    given([alice, accruedForGrant('g1', '15.50')]).when(grantPoints('alice', 'g1', '15.50'), { actor: specAdmin }).thenError('already-exists');
  });
});

describe('levels at 100 / 300 / 600 / 1000 / 1500 hours, each reached once', () => {
  const day = (i: number) => new Date(Date.UTC(2025, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
  const eightHourDays = (count: number, from = 0) =>
    Array.from({ length: count }, (_, i) => [reportHours('alice', `r${from + i}`, day(from + i), '8.00'), approveService('alice', `r${from + i}`)]).flat();

  it('are the national star-volunteer thresholds by default', () => {
    expect(defaultPolicy.levelThresholdsHours).toEqual(['100.00', '300.00', '600.00', '1000.00', '1500.00']);
  });

  it('crossing 100 hours reaches level 1', () => {
    // 12 × 8 h + 3 h = 99 h
    const at99 = historyOf([registerMember('alice'), ...eightHourDays(12), reportHours('alice', 'x', day(12), '3.00'), approveService('alice', 'x')]);
    given([...at99, reported('y', day(13), '2.00')])
      .when(approveService('alice', 'y'))
      .then([approved('y', day(13), '2.00'), accruedForService('y', '20.00', '2.00'), levelReached(1, '100.00', '101.00')]);
  });

  it('a level is not reached again after a reversal takes the hours below it and back', () => {
    const at104 = historyOf([registerMember('alice'), ...eightHourDays(13)]);
    expect(at104.filter((e) => e.type === 'LevelReached')).toHaveLength(1);
    const below = historyOf([registerMember('alice'), ...eightHourDays(13), reverseService('alice', 'r0')]);
    const events = given([...below, reported('z', day(20), '8.00')]).when(approveService('alice', 'z')).events();
    expect(events.map((e) => e.type)).toEqual(['ServiceApproved', 'PointsAccrued']);
  });

  it('walking up to 1,504 hours reaches each of the five levels exactly once, at its threshold', () => {
    const events: MemberEvent[] = historyOf([registerMember('alice'), ...eightHourDays(188)]);
    const levels = events.filter((e): e is Extract<MemberEvent, { type: 'LevelReached' }> => e.type === 'LevelReached').map((e) => e.data);
    expect(levels).toEqual([
      { level: 1, thresholdHours: '100.00', totalHours: '104.00' },
      { level: 2, thresholdHours: '300.00', totalHours: '304.00' },
      { level: 3, thresholdHours: '600.00', totalHours: '600.00' },
      { level: 4, thresholdHours: '1000.00', totalHours: '1000.00' },
      { level: 5, thresholdHours: '1500.00', totalHours: '1504.00' },
    ]);
  });

  it('one approval crossing two thresholds reaches both levels', () => {
    const community = communityState({ policy: { levelThresholdsHours: ['1.00', '2.00', '5.00'] } });
    given([alice, reported('r1', '2026-03-09', '2.50')])
      .when(approveService('alice', 'r1'), { community })
      .then([approved('r1', '2026-03-09', '2.50'), accruedForService('r1', '25.00', '2.50'), levelReached(1, '1.00', '2.50'), levelReached(2, '2.00', '2.50')]);
  });
});

describe('approvals record the policy version they used', () => {
  const community = communityState({ laterPolicies: [{ basePointsPerHour: '20' }] });

  it('an organiser approval under version 2 earns by version 2 and says so', () => {
    given([alice, reported('r1', '2026-03-09', '2.00')])
      .when(approveService('alice', 'r1'), { community })
      .then([approved('r1', '2026-03-09', '2.00', { policyVersion: 2 }), accruedForService('r1', '40.00', '2.00', { pointsPerHour: '20', policyVersion: 2 })]);
  });

  it('an automatic approval records the version too', () => {
    const events = given([alice]).when({ type: 'RecordCheckedInHours', communityId: 'c1', memberId: 'alice', recordId: 'r1', category: 'culture', checkedInAt: '2026-03-10T01:00:00Z', checkedOutAt: '2026-03-10T02:00:00Z' }, { community }).events();
    expect(events.slice(1).map((e) => (e.data as { policyVersion?: number }).policyVersion)).toEqual([2, 2]);
  });
});

describe("points are rounded once, at accrual, by the policy's mode (rule 4)", () => {
  const cases: Array<[mode: 'half-up' | 'half-even' | 'down' | 'up', hours: string, points: string]> = [
    ['half-up', '0.25', '0.30'],
    ['half-even', '0.25', '0.20'],
    ['down', '0.25', '0.20'],
    ['up', '0.25', '0.30'],
    ['half-up', '0.35', '0.40'],
    ['half-even', '0.35', '0.40'],
    ['down', '0.35', '0.30'],
    ['up', '0.31', '0.40'],
  ];
  it.each(cases)('%s: %s h × 1 point/h to one place = %s', (mode, hours, points) => {
    const community = communityState({ policy: { basePointsPerHour: '1', rounding: { mode, scale: 1 } } });
    given([alice, reported('r1', '2026-03-09', hours)])
      .when(approveService('alice', 'r1'), { community })
      .then([approved('r1', '2026-03-09', hours), accruedForService('r1', points, hours, { pointsPerHour: '1' })]);
  });

  it('rounds the exact product once: 0.75 h × 3.3332 = 2.4999 → 2 (rounding to cents first would give 2.50 → 3)', () => {
    const community = communityState({ policy: { basePointsPerHour: '3.3332', rounding: { mode: 'half-up', scale: 0 } } });
    given([alice, reported('r1', '2026-03-09', '0.75')])
      .when(approveService('alice', 'r1'), { community })
      .then([approved('r1', '2026-03-09', '0.75'), accruedForService('r1', '2.00', '0.75', { pointsPerHour: '3.3332' })]);
  });
});

describe('levels after a policy lowers its thresholds', () => {
  // Was a bug (found by this test): levels were granted only when an approval crossed a threshold, so
  // lowering a threshold below a member's total never gave them the level. Now levels follow the total.
  it('a member already past a lowered threshold reaches that level at the next approval', () => {
    const community = communityState({ laterPolicies: [{ levelThresholdsHours: ['40.00', '80.00'] }] });
    // 5 × 8 h = 40 h approved under version 1 (levels at 100, 300 …); version 2 puts level 1 at 40 h.
    const fortyHours = historyOf(
      [registerMember('alice'), ...Array.from({ length: 5 }, (_, i) => [reportHours('alice', `r${i}`, `2026-02-0${i + 1}`, '8.00'), approveService('alice', `r${i}`)]).flat()],
      { community: communityState() },
    );
    const events = given([...fortyHours, reported('x', '2026-02-10', '1.00')]).when(approveService('alice', 'x'), { community }).events();
    expect(events.filter((e) => e.type === 'LevelReached')).toEqual([levelReached(1, '40.00', '41.00')]);
  });
});
