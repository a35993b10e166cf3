/**
 * The member decider's rules about hours (DESIGN §4 rule 6, §5): one given / when / then per rule.
 * specNow is 2026-03-10T12:00Z, which is 20:00 on 2026-03-10 in Shanghai.
 */
import { describe, expect, it } from 'vitest';
import { specNow } from '../src/testing/index.js';
import {
  accruedForService,
  approveService,
  approved,
  approvedService,
  checkIn,
  checkedIn,
  communityState,
  given,
  registered,
  reportHours,
  reported,
} from '../src/testing/index.js';

const alice = registered('alice');

describe('hours are sane (rule 6)', () => {
  it('refuses zero reported hours', () => {
    given([alice]).when(reportHours('alice', 'r1', '2026-03-09', '0.00')).thenError('hours-out-of-range');
  });

  it('refuses more than 24 hours in one record', () => {
    given([alice]).when(reportHours('alice', 'r1', '2026-03-09', '24.01', '30.00')).thenError('hours-out-of-range');
  });

  it('accepts exactly 24 reported hours (pending, for an organiser)', () => {
    given([alice]).when(reportHours('alice', 'r1', '2026-03-09', '24.00')).then([reported('r1', '2026-03-09', '24.00')]);
  });

  it("refuses hours below the policy's minimum service length", () => {
    const community = communityState({ policy: { minimumServiceHours: '0.50' } });
    given([alice]).when(reportHours('alice', 'r1', '2026-03-09', '0.25'), { community }).thenError('hours-out-of-range');
  });

  it("refuses reported hours longer than the activity's scheduled length", () => {
    given([alice]).when(reportHours('alice', 'r1', '2026-03-09', '3.00', '2.50')).thenError('hours-out-of-range');
  });

  it('refuses a service date in the future of the community-local day', () => {
    given([alice]).when(reportHours('alice', 'r1', '2026-03-11', '1.00')).thenError('hours-out-of-range');
  });

  it("accepts today's local date even where it is still yesterday in UTC", () => {
    // 2026-03-10T17:00Z is 2026-03-11 01:00 in Shanghai.
    given([alice])
      .when(reportHours('alice', 'r1', '2026-03-11', '1.00'), { now: new Date('2026-03-10T17:00:00Z') })
      .then([reported('r1', '2026-03-11', '1.00')]);
  });

  it('refuses a check-out in the future beyond the clock-skew tolerance', () => {
    given([alice]).when(checkIn('alice', 'r1', '2026-03-10T11:00:00Z', '2026-03-10T12:06:00Z')).thenError('hours-out-of-range');
  });

  it('tolerates a check-out a few minutes ahead of the clock (device drift)', () => {
    expect(given([alice]).when(checkIn('alice', 'r1', '2026-03-10T11:00:00Z', '2026-03-10T12:04:00Z')).events()[0]?.type).toBe('ServiceRecorded');
  });

  it('refuses a check-out that is not after the check-in', () => {
    given([alice]).when(checkIn('alice', 'r1', '2026-03-10T11:00:00Z', '2026-03-10T11:00:00Z')).thenError('hours-out-of-range');
  });

  it('refuses a check-in longer than 24 hours (24 h 36 s = 24.01 h)', () => {
    given([alice]).when(checkIn('alice', 'r1', '2026-03-08T11:00:00Z', '2026-03-09T11:00:36Z')).thenError('hours-out-of-range');
  });

  it('measures checked-in hours rounded down to the hundredth: nobody is credited time not served', () => {
    // 1 h 0 min 35 s = 1.0097… h → 1.00
    const events = given([alice]).when(checkIn('alice', 'r1', '2026-03-10T01:00:00Z', '2026-03-10T02:00:35Z')).events();
    expect(events[0]).toMatchObject({ type: 'ServiceRecorded', data: { hours: '1.00' } });
  });

  it('refuses an unknown service category', () => {
    given([alice]).when(reportHours('alice', 'r1', '2026-03-09', '1.00', '2.00', 'knitting')).thenError('validation');
  });

  it('refuses a record id already used', () => {
    given([alice, reported('r1', '2026-03-09', '1.00')]).when(reportHours('alice', 'r1', '2026-03-08', '2.00')).thenError('already-exists');
  });

  it('refuses hours for a member who is not registered', () => {
    given([]).when(reportHours('bob', 'r1', '2026-03-09', '1.00')).thenError('not-found');
  });
});

describe('checked-in hours are approved at once by the default policy', () => {
  it('records, approves (automatic) and accrues 10 points an hour', () => {
    given([alice])
      .when(checkIn('alice', 'r1', '2026-03-10T01:00:00Z', '2026-03-10T03:30:00Z'))
      .then([
        checkedIn('r1', '2026-03-10', '2.50', '2026-03-10T01:00:00.000Z', '2026-03-10T03:30:00.000Z'),
        approved('r1', '2026-03-10', '2.50', { automatic: true }),
        accruedForService('r1', '25.00', '2.50'),
      ]);
  });

  it('only records them when the policy turns auto-approval off', () => {
    const community = communityState({ policy: { autoApproveCheckedIn: false } });
    given([alice])
      .when(checkIn('alice', 'r1', '2026-03-10T01:00:00Z', '2026-03-10T03:30:00Z'), { community })
      .then([checkedIn('r1', '2026-03-10', '2.50', '2026-03-10T01:00:00.000Z', '2026-03-10T03:30:00.000Z')]);
  });

  it('applies the category multiplier of the policy', () => {
    const community = communityState({ policy: { categoryMultipliers: { safety: '1.5' } } });
    const events = given([alice]).when(checkIn('alice', 'r1', '2026-03-10T01:00:00Z', '2026-03-10T03:00:00Z', 'safety'), { community }).events();
    expect(events[2]).toMatchObject({ type: 'PointsAccrued', data: { points: '30.00', source: { multiplier: '1.5', pointsPerHour: '10' } } });
  });

  it('an organiser checking in their own hours waits for another organiser: auto-approval is no way round self-approval', () => {
    const alicesOwnCredential = { id: 'alice', role: 'organiser' as const, communityId: 'c1' };
    given([alice])
      .when(checkIn('alice', 'r1', '2026-03-10T01:00:00Z', '2026-03-10T03:30:00Z'), { actor: alicesOwnCredential })
      .then([{ ...checkedIn('r1', '2026-03-10', '2.50', '2026-03-10T01:00:00.000Z', '2026-03-10T03:30:00.000Z'), data: { ...checkedIn('r1', '2026-03-10', '2.50', '2026-03-10T01:00:00.000Z', '2026-03-10T03:30:00.000Z').data, recordedBy: 'alice' } }]);
  });

  it('reported hours always wait for an organiser', () => {
    given([alice]).when(reportHours('alice', 'r1', '2026-03-09', '2.00')).then([reported('r1', '2026-03-09', '2.00')]);
  });

  it('an organiser approves reported hours; they earn points', () => {
    given([alice, reported('r1', '2026-03-09', '2.00')])
      .when(approveService('alice', 'r1'))
      .then([approved('r1', '2026-03-09', '2.00'), accruedForService('r1', '20.00', '2.00')]);
  });
});

describe('daily cap counts per calendar day in the community time zone (rule 6)', () => {
  const eightHoursOnMarch1 = approvedService('r0', '2026-03-01', '8.00', '80.00');

  it('a check-in at 17:00Z on 03-01 is on 03-02 in Shanghai, so a full 03-01 does not cap it', () => {
    given([alice, ...eightHoursOnMarch1])
      .when(checkIn('alice', 'r1', '2026-03-01T17:00:00Z', '2026-03-01T19:00:00Z'))
      .then([
        checkedIn('r1', '2026-03-02', '2.00', '2026-03-01T17:00:00.000Z', '2026-03-01T19:00:00.000Z'),
        approved('r1', '2026-03-02', '2.00', { automatic: true }),
        accruedForService('r1', '20.00', '2.00'),
      ]);
  });

  it('a check-in at 10:00Z on 03-01 is on 03-01 in Shanghai: over the cap it stays pending', () => {
    given([alice, ...eightHoursOnMarch1])
      .when(checkIn('alice', 'r1', '2026-03-01T10:00:00Z', '2026-03-01T12:00:00Z'))
      .then([checkedIn('r1', '2026-03-01', '2.00', '2026-03-01T10:00:00.000Z', '2026-03-01T12:00:00.000Z')]);
  });

  it('the same instant falls on 03-01 in a community on UTC', () => {
    const community = communityState({ timeZone: 'UTC' });
    const events = given([alice, ...eightHoursOnMarch1]).when(checkIn('alice', 'r1', '2026-03-01T17:00:00Z', '2026-03-01T19:00:00Z'), { community }).events();
    expect(events.map((e) => e.type)).toEqual(['ServiceRecorded']);
  });

  it('counts only the hours that fit under the cap and earns points for those', () => {
    given([alice, ...approvedService('r0', '2026-03-05', '7.00', '70.00'), reported('r1', '2026-03-05', '3.00')])
      .when(approveService('alice', 'r1'))
      .then([approved('r1', '2026-03-05', '3.00', { hoursApproved: '1.00' }), accruedForService('r1', '10.00', '1.00')]);
  });

  it('refuses an approval on a day already at the cap', () => {
    given([alice, ...eightHoursOnMarch1, reported('r1', '2026-03-01', '1.00')]).when(approveService('alice', 'r1')).thenError('daily-cap-reached');
  });

  it("uses the policy's own cap", () => {
    const community = communityState({ policy: { dailyHoursCap: '4' } });
    given([alice, reported('r1', '2026-03-05', '6.00')])
      .when(approveService('alice', 'r1'), { community })
      .then([approved('r1', '2026-03-05', '6.00', { hoursApproved: '4.00' }), accruedForService('r1', '40.00', '4.00')]);
  });
});
