/**
 * Activities (志愿活动), one rule per test: publishing, changing and cancelling; capacity and the wait list; check-in
 * and check-out stamped by the ledger's clock; closing, which turns each attendance into one service record; and
 * approving a closed activity's attendance in one go.
 */
import { describe, expect, it } from 'vitest';
import {
  type ActivityDeciderCommand,
  type ActivityEvent,
  type ActivityInput,
  type SealedProfile,
  activityWorkflow,
  attendedTime,
  roundedHundredths,
  domainError,
  seatsLeft,
  waitListPosition,
} from '../src/index.js';
import { communityState, givenActivity, givenWorkflow, phaseDone, phaseRefused, specAdmin, specOrganiser } from '../src/testing/index.js';

const c = 'c1';
const a = 'health-check';
const startsAt = '2026-03-11T01:00:00.000Z';
const endsAt = '2026-03-11T03:00:00.000Z';
const secret: SealedProfile = { keyId: 'c1/~kiosk.health-check', alg: 'AES-GCM-256', iv: 'aXY=', ciphertext: 'Y3Q=' };
const at = (hhmm: string) => `2026-03-11T${hhmm}:00.000Z`;
const beforeStart = new Date('2026-03-10T12:00:00.000Z');

const publish = (extra: Partial<Extract<ActivityDeciderCommand, { type: 'PublishActivity' }>> = {}): ActivityDeciderCommand => ({
  type: 'PublishActivity',
  communityId: c,
  activityId: a,
  title: '健康义诊',
  category: 'public-health',
  startsAt,
  endsAt,
  place: '社区活动室',
  capacity: 2,
  kioskSecret: secret,
  ...extra,
});
const published = (capacity = 2): ActivityEvent => ({
  type: 'ActivityPublished',
  data: { activityId: a, title: '健康义诊', category: 'public-health', startsAt, endsAt, place: '社区活动室', capacity, organisers: ['org-1'], kioskSecret: secret, publishedBy: 'org-1' },
});
const signedUp = (memberId: string, when = beforeStart.toISOString(), walkIn = false): ActivityEvent => ({ type: 'AttendeeSignedUp', data: { memberId, at: when, walkIn } });
const waitListed = (memberId: string): ActivityEvent => ({ type: 'AttendeeWaitListed', data: { memberId, at: beforeStart.toISOString() } });
const checkedIn = (memberId: string, when: string, via: 'organiser' | 'kiosk' = 'organiser', by = 'org-1', kioskStep: number | null = null): ActivityEvent => ({
  type: 'AttendeeCheckedIn',
  data: { memberId, at: when, via, by, kioskStep },
});
const checkedOut = (memberId: string, when: string): ActivityEvent => ({ type: 'AttendeeCheckedOut', data: { memberId, at: when, via: 'organiser', by: 'org-1', kioskStep: null } });
const closing = (closedAt: string, roundingMode: 'half-up' | 'down' = 'half-up'): ActivityEvent => ({ type: 'ActivityClosing', data: { closedAt, closedBy: 'org-1', roundingMode, policyVersion: 1 } });
const recorded = (memberId: string, from: string, to: string, hours: string): ActivityEvent => ({
  type: 'AttendanceRecorded',
  data: { memberId, recordId: `activity.${a}`, checkedInAt: from, checkedOutAt: to, hours },
});

const checkInInput = (memberId: string, when: string, via: 'organiser' | 'kiosk' = 'organiser', kioskStep: number | null = null): ActivityInput => ({
  type: 'CheckIn',
  communityId: c,
  activityId: a,
  memberId,
  at: when,
  by: 'org-1',
  via,
  kioskStep,
});
const recordStep = (memberId: string, from: string, to: string, hours: string, selfMarked = false) =>
  ({ type: 'RecordAttendance', communityId: c, memberId, activityId: a, recordId: `activity.${a}`, category: 'public-health', checkedInAt: from, checkedOutAt: to, hours, selfMarked }) as const;
const closeInput = (when: string, roundingMode: 'half-up' | 'down' = 'half-up'): ActivityInput => ({ type: 'Close', communityId: c, activityId: a, at: when, closedBy: 'org-1', roundingMode, policyVersion: 1 });

const given = givenWorkflow(activityWorkflow);

describe('publishing, changing, cancelling', () => {
  it('an organiser publishes an activity and is among its organisers', () => {
    givenActivity([]).when(publish(), { now: beforeStart }).then([published()]);
  });

  it('an activity ends after it starts, lasts at most 24 hours, has not ended, and is of an active category', () => {
    givenActivity([]).when(publish({ endsAt: startsAt }), { now: beforeStart }).thenError('validation');
    givenActivity([]).when(publish({ endsAt: '2026-03-12T01:00:00.001Z' }), { now: beforeStart }).thenError('validation');
    givenActivity([]).when(publish(), { now: new Date(endsAt) }).thenError('validation');
    givenActivity([]).when(publish({ category: 'knitting' }), { now: beforeStart }).thenError('validation');
  });

  it('an activity is published once', () => {
    givenActivity([published()]).when(publish(), { now: beforeStart }).thenError('already-exists');
  });

  it('a larger capacity moves the wait list up, in order', () => {
    givenActivity([published(1), signedUp('m1'), waitListed('m2'), waitListed('m3')])
      .when({ type: 'ChangeActivity', communityId: c, activityId: a, capacity: 2 }, { now: beforeStart })
      .then([
        { type: 'ActivityChanged', data: { capacity: 2, changedBy: 'org-1' } },
        { type: 'AttendeePromoted', data: { memberId: 'm2', at: beforeStart.toISOString() } },
      ]);
  });

  it('the capacity cannot go below the seats taken', () => {
    givenActivity([published(2), signedUp('m1'), signedUp('m2')]).when({ type: 'ChangeActivity', communityId: c, activityId: a, capacity: 1 }, { now: beforeStart }).thenError('invalid-state');
  });

  it('times no longer change once someone has checked in (check-in opens before the start)', () => {
    const early = [published(), signedUp('m1'), checkedIn('m1', at('00:45'))];
    givenActivity(early).when({ type: 'ChangeActivity', communityId: c, activityId: a, endsAt: at('02:00') }, { now: new Date(at('00:50')) }).thenError('invalid-state');
    givenActivity(early).when({ type: 'ChangeActivity', communityId: c, activityId: a, place: '二楼' }, { now: new Date(at('00:50')) }).then([{ type: 'ActivityChanged', data: { place: '二楼', changedBy: 'org-1' } }]);
  });

  it('a change names something to change, and changes only before the start', () => {
    givenActivity([published()]).when({ type: 'ChangeActivity', communityId: c, activityId: a }, { now: beforeStart }).thenError('validation');
    givenActivity([published()]).when({ type: 'ChangeActivity', communityId: c, activityId: a, title: 'x' }, { now: new Date(startsAt) }).thenError('invalid-state');
    givenActivity([published()]).when({ type: 'ChangeActivity', communityId: c, activityId: a, title: '健康义诊' }, { now: beforeStart }).thenNothing();
  });

  it('an activity with nobody checked in can be cancelled; once someone has, it is closed instead', () => {
    givenActivity([published(), signedUp('m1')]).when({ type: 'CancelActivity', communityId: c, activityId: a, reason: '下雨' }).then([{ type: 'ActivityCancelled', data: { reason: '下雨', cancelledBy: 'org-1' } }]);
    givenActivity([published(), signedUp('m1'), checkedIn('m1', at('01:00'))]).when({ type: 'CancelActivity', communityId: c, activityId: a, reason: '下雨' }).thenError('invalid-state');
  });
});

describe('sign-up and the wait list (never above capacity)', () => {
  const signUp = (memberId: string): ActivityDeciderCommand => ({ type: 'SignUpForActivity', communityId: c, activityId: a, memberId });
  const withdraw = (memberId: string): ActivityDeciderCommand => ({ type: 'WithdrawFromActivity', communityId: c, activityId: a, memberId });

  it('takes a seat while there is one', () => {
    givenActivity([published(2), signedUp('m1')]).when(signUp('m2'), { now: beforeStart }).then([signedUp('m2')]);
  });

  it('waits in line when the activity is full', () => {
    const spec = givenActivity([published(1), signedUp('m1')]);
    spec.when(signUp('m2'), { now: beforeStart }).then([waitListed('m2')]);
    expect(seatsLeft(spec.state())).toBe(0);
  });

  it('signs up once, and only before the start', () => {
    givenActivity([published(2), signedUp('m1')]).when(signUp('m1'), { now: beforeStart }).thenError('already-exists');
    givenActivity([published(1), signedUp('m1'), waitListed('m2')]).when(signUp('m2'), { now: beforeStart }).thenError('already-exists');
    givenActivity([published(2)]).when(signUp('m1'), { now: new Date(startsAt) }).thenError('invalid-state');
  });

  it('a seat given up goes to the first on the wait list', () => {
    const spec = givenActivity([published(1), signedUp('m1'), waitListed('m2'), waitListed('m3')]);
    spec.when(withdraw('m1'), { now: beforeStart }).then([
      { type: 'AttendeeWithdrew', data: { memberId: 'm1', at: beforeStart.toISOString(), from: 'seat' } },
      { type: 'AttendeePromoted', data: { memberId: 'm2', at: beforeStart.toISOString() } },
    ]);
    expect(waitListPosition(spec.state(), 'm3')).toBe(2);
  });

  it('leaving the wait list promotes nobody; withdrawing without a sign-up is refused', () => {
    givenActivity([published(1), signedUp('m1'), waitListed('m2')]).when(withdraw('m2'), { now: beforeStart }).then([{ type: 'AttendeeWithdrew', data: { memberId: 'm2', at: beforeStart.toISOString(), from: 'wait-list' } }]);
    givenActivity([published(1)]).when(withdraw('m9'), { now: beforeStart }).thenError('not-found');
  });

  it('the fold refuses a seat beyond capacity (corrupt history fails where it happens)', () => {
    expect(() => givenActivity([published(1), signedUp('m1'), signedUp('m2')]).state()).toThrow(/seats taken of 1/);
  });
});

describe('check-in and check-out (workflow)', () => {
  it('an organiser checks a seated member in: recorded, and the presence claimed on the member stream', () => {
    given([published(), signedUp('m1')])
      .when(checkInInput('m1', at('00:55')))
      .then({ record: [checkedIn('m1', at('00:55'))], send: [{ type: 'BeginPresence', communityId: c, memberId: 'm1', activityId: a, at: at('00:55'), until: endsAt }] });
  });

  it('a walk-in takes a free seat when an organiser checks them in; a full activity refuses them', () => {
    given([published(2), signedUp('m1')])
      .when(checkInInput('m9', at('01:10')))
      .then({ record: [signedUp('m9', at('01:10'), true), checkedIn('m9', at('01:10'))], send: [{ type: 'BeginPresence', communityId: c, memberId: 'm9', activityId: a, at: at('01:10'), until: endsAt }] });
    given([published(1), signedUp('m1')]).when(checkInInput('m9', at('01:10'))).thenError('limit-reached');
  });

  it('a kiosk code checks in only a member with a seat', () => {
    given([published(1), signedUp('m1'), waitListed('m2')]).when(checkInInput('m2', at('01:10'), 'kiosk', 1)).thenError('invalid-state');
    given([published(1), signedUp('m1')]).when(checkInInput('m7', at('01:10'), 'kiosk', 1)).thenError('invalid-state');
  });

  it('check-in is open from 30 minutes before the start until the end', () => {
    given([published(), signedUp('m1')]).when(checkInInput('m1', at('00:29'))).thenError('invalid-state');
    given([published(), signedUp('m1')]).when(checkInInput('m1', endsAt)).thenError('invalid-state');
  });

  it('a kiosk code shown outside the window is refused even inside it', () => {
    const longAgo = Math.floor(Date.parse(at('00:00')) / 30_000);
    given([published(), signedUp('m1')]).when(checkInInput('m1', at('01:10'), 'kiosk', longAgo)).thenError('invalid-state');
  });

  it('a member checks in once per activity', () => {
    const step = Math.floor(Date.parse(at('01:05')) / 30_000);
    given([published(), signedUp('m1'), checkedIn('m1', at('01:00'))]).when(checkInInput('m1', at('01:05'), 'kiosk', step)).thenError('already-exists');
  });

  it('a presence refused on the member stream (present elsewhere) undoes the check-in and refuses it', () => {
    const step = { type: 'BeginPresence', communityId: c, memberId: 'm1', activityId: a, at: at('01:00'), until: endsAt } as const;
    const error = domainError('invalid-state', 'm1 is present at activity haircut');
    given([published(), signedUp('m1'), checkedIn('m1', at('01:00'))])
      .when(phaseRefused(step, error))
      .then({ record: [{ type: 'CheckInUndone', data: { memberId: 'm1', code: 'invalid-state', message: error.message } }], refusal: 'invalid-state' });
    given([published(), signedUp('m1'), checkedIn('m1', at('01:00'))]).when(phaseDone(step)).thenNothing();
  });

  it('check-out is stamped and ends the presence; once (a repeat only ends the presence again), and only after a check-in', () => {
    given([published(), signedUp('m1'), checkedIn('m1', at('01:00'))])
      .when({ type: 'CheckOut', communityId: c, activityId: a, memberId: 'm1', at: at('02:00'), by: 'org-1', via: 'organiser', kioskStep: null })
      .then({ record: [checkedOut('m1', at('02:00'))], send: [{ type: 'EndPresence', communityId: c, memberId: 'm1', activityId: a, at: at('02:00') }] });
    given([published(), signedUp('m1'), checkedIn('m1', at('01:00')), checkedOut('m1', at('02:00'))])
      .when({ type: 'CheckOut', communityId: c, activityId: a, memberId: 'm1', at: at('02:10'), by: 'org-1', via: 'organiser', kioskStep: null })
      .then({ record: [], send: [{ type: 'EndPresence', communityId: c, memberId: 'm1', activityId: a, at: at('02:00') }], refusal: 'already-exists' });
    given([published(), signedUp('m1')]).when({ type: 'CheckOut', communityId: c, activityId: a, memberId: 'm1', at: at('02:10'), by: 'org-1', via: 'organiser', kioskStep: null }).thenError('invalid-state');
  });
});

describe('closing: every attendance becomes exactly one service record', () => {
  const attended = [published(), signedUp('m1'), signedUp('m2'), checkedIn('m1', at('00:50')), checkedIn('m2', at('01:30')), checkedOut('m2', at('02:15'))];

  it('records the closing, then sends the first attendance: time within the window only (not before the start)', () => {
    given(attended)
      .when(closeInput(at('03:30')))
      .then({ record: [closing(at('03:30'))], send: [recordStep('m1', startsAt, endsAt, '2.00')] });
  });

  it('each attendance recorded leads to the next; the last one closes the activity with its totals', () => {
    given([...attended, closing(at('03:30'))])
      .when(phaseDone(recordStep('m1', startsAt, endsAt, '2.00')))
      .then({ record: [recorded('m1', startsAt, endsAt, '2.00')], send: [recordStep('m2', at('01:30'), at('02:15'), '0.75')] });
    given([...attended, closing(at('03:30')), recorded('m1', startsAt, endsAt, '2.00')])
      .when(phaseDone(recordStep('m2', at('01:30'), at('02:15'), '0.75')))
      .then({ record: [recorded('m2', at('01:30'), at('02:15'), '0.75'), { type: 'ActivityClosed', data: { attended: 2, voided: 0, hours: '2.75' } }] });
  });

  it('an attendance the member stream refuses is voided, and closing goes on', () => {
    const error = domainError('invalid-state', 'm1 is present at activity haircut');
    given([...attended, closing(at('03:30'))])
      .when(phaseRefused(recordStep('m1', startsAt, endsAt, '2.00'), error))
      .then({ record: [{ type: 'AttendanceVoided', data: { memberId: 'm1', code: 'invalid-state', message: error.message } }], send: [recordStep('m2', at('01:30'), at('02:15'), '0.75')] });
  });

  it('an attendance with no time within the window is voided on the spot', () => {
    given([published(), signedUp('m1'), checkedIn('m1', at('00:40')), checkedOut('m1', at('00:55'))])
      .when(closeInput(at('03:30')))
      .then({
        record: [
          closing(at('03:30')),
          { type: 'AttendanceVoided', data: { memberId: 'm1', code: 'hours-out-of-range', message: `m1 was present for no time within ${startsAt}–${endsAt} (checked in ${at('00:40')}, out ${at('00:55')}, closed ${at('03:30')})` } },
          { type: 'ActivityClosed', data: { attended: 0, voided: 1, hours: '0.00' } },
        ],
      });
  });

  it('closing early counts time only up to the closing', () => {
    given(attended).when(closeInput(at('02:00'))).then({ record: [closing(at('02:00'))], send: [recordStep('m1', startsAt, at('02:00'), '1.00')] });
  });

  it('an organiser who marked their own check-in is never approved without another organiser', () => {
    given([published(), signedUp('org-1'), checkedIn('org-1', at('01:00'), 'organiser', 'org-1')])
      .when(closeInput(at('03:00')))
      .then({ record: [closing(at('03:00'))], send: [recordStep('org-1', startsAt, endsAt, '2.00', true)] });
  });

  it('closing twice is closing once; a closing interrupted carries on from where it stands', () => {
    const closed = [...attended, closing(at('03:30')), recorded('m1', startsAt, endsAt, '2.00'), recorded('m2', at('01:30'), at('02:15'), '0.75'), { type: 'ActivityClosed', data: { attended: 2, voided: 0, hours: '2.75' } } as ActivityEvent];
    given(closed).when(closeInput(at('04:00'))).thenNothing();
    given([...attended, closing(at('03:30')), recorded('m1', startsAt, endsAt, '2.00')]).when(closeInput(at('05:00'))).then({ record: [], send: [recordStep('m2', at('01:30'), at('02:15'), '0.75')] });
    given([...attended, closing(at('03:30'))]).when({ type: 'ResumeActivity', communityId: c, activityId: a }).then({ record: [], send: [recordStep('m1', startsAt, endsAt, '2.00')] });
  });

  it('an activity closes once it has started; a cancelled one does not close', () => {
    given(attended).when(closeInput(at('00:59'))).thenError('invalid-state');
    given([published(), { type: 'ActivityCancelled', data: { reason: 'x', cancelledBy: 'org-1' } }]).when(closeInput(at('03:30'))).thenError('invalid-state');
  });

  it('no check-in or check-out once closing has begun', () => {
    given([...attended, closing(at('03:30'))]).when(checkInInput('m1', at('02:00'))).thenError('invalid-state');
    given([...attended, closing(at('03:30'))]).when({ type: 'CheckOut', communityId: c, activityId: a, memberId: 'm1', at: at('03:40'), by: 'org-1', via: 'organiser', kioskStep: null }).thenError('invalid-state');
  });
});

describe('approving a closed activity in one go; one record at a time only for exceptions', () => {
  const closed: ActivityEvent[] = [
    published(),
    signedUp('m1'),
    signedUp('m2'),
    checkedIn('m1', at('01:00')),
    checkedIn('m2', at('01:00')),
    closing(at('03:00')),
    recorded('m1', startsAt, endsAt, '2.00'),
    recorded('m2', startsAt, endsAt, '2.00'),
    { type: 'ActivityClosed', data: { attended: 2, voided: 0, hours: '4.00' } },
  ];
  const approve = (memberId: string) => ({ type: 'ApproveRecord', communityId: c, memberId, recordId: `activity.${a}`, automatic: false }) as const;
  const approveInput: ActivityInput = { type: 'ApproveAttendance', communityId: c, activityId: a, approvedBy: 'org-1' };

  it('starts with the first record', () => {
    given(closed).when(approveInput).then({ record: [{ type: 'AttendanceApprovalStarted', data: { approvedBy: 'org-1' } }], send: [approve('m1')] });
  });

  it('a record that cannot be approved (the approver\'s own, the daily cap) is left pending, and the rest go on', () => {
    const started = [...closed, { type: 'AttendanceApprovalStarted', data: { approvedBy: 'org-1' } } as ActivityEvent];
    given(started)
      .when(phaseRefused(approve('m1'), domainError('daily-cap-reached', 'cap')))
      .then({ record: [{ type: 'AttendanceLeftPending', data: { memberId: 'm1', recordId: `activity.${a}`, code: 'daily-cap-reached', message: 'cap' } }], send: [approve('m2')] });
    given([...started, { type: 'AttendanceLeftPending', data: { memberId: 'm1', recordId: `activity.${a}`, code: 'daily-cap-reached', message: 'cap' } }])
      .when(phaseDone(approve('m2')))
      .then({ record: [{ type: 'AttendanceApproved', data: { memberId: 'm2', recordId: `activity.${a}` } }, { type: 'AttendanceApprovalFinished', data: { approved: 1, leftPending: 1 } }] });
  });

  it('only a closed activity is approved, and approving twice is approving once', () => {
    given(closed.slice(0, 6)).when(approveInput).thenError('invalid-state');
    given([...closed, { type: 'AttendanceApprovalStarted', data: { approvedBy: 'org-1' } }, { type: 'AttendanceApprovalFinished', data: { approved: 0, leftPending: 0 } }]).when(approveInput).thenNothing();
  });
});

describe('attended hours: time present within the window, rounded by the policy, never above the window', () => {
  const window = { startsAt, endsAt };
  const present = (checkedInAt: string, checkedOutAt: string | null) => ({ checkedInAt, checkedOutAt, checkedInVia: 'kiosk' as const, checkedInBy: 'm1', checkedOutVia: null });

  it('rounds hundredths of an hour by the mode, in whole numbers', () => {
    expect(roundedHundredths(18_000, 'half-up')).toBe(1); // 0.5 of a hundredth
    expect(roundedHundredths(18_000, 'half-even')).toBe(0);
    expect(roundedHundredths(54_000, 'half-even')).toBe(2);
    expect(roundedHundredths(1, 'up')).toBe(1);
    expect(roundedHundredths(35_999, 'down')).toBe(0);
  });

  it('never counts before the start or after the end, and never more than the window', () => {
    expect(attendedTime(window, present(at('00:30'), null), at('05:00'), 'up')).toEqual({ checkedInAt: startsAt, checkedOutAt: endsAt, hours: '2.00' });
    expect(attendedTime(window, present(at('01:00'), at('01:20')), at('05:00'), 'half-up')).toEqual({ checkedInAt: startsAt, checkedOutAt: at('01:20'), hours: '0.33' });
    expect(attendedTime(window, present(at('01:00'), at('01:20')), at('05:00'), 'up')).toEqual({ checkedInAt: startsAt, checkedOutAt: at('01:20'), hours: '0.34' });
    const odd = { startsAt, endsAt: '2026-03-11T03:00:20.000Z' };
    expect(attendedTime(odd, present(at('00:30'), null), at('05:00'), 'up').hours, 'capped at the window rounded down').toBe('2.00');
  });
});

it('the spec community has the categories these specs use', () => {
  expect(communityState().categories.get('public-health')?.active).toBe(true);
  expect(specAdmin.role).toBe('admin');
  expect(specOrganiser.id).toBe('org-1');
});
