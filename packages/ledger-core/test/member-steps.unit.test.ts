/**
 * The member steps redemptions and transfers send (holds, spends, debits, arrivals, refunds) and the expiry
 * run, as given / when / then specs of the member decider: each is idempotent by its process's id, refuses
 * what would break a balance rule (DESIGN §4 rules 2, 3, 5), and says so with the values involved.
 */
import { describe, expect, it } from 'vitest';
import type { Actor } from '../src/events.js';
import type { MemberCommandInput } from '../src/member/commands.js';
import type { MemberEvent, NewLot } from '../src/member/events.js';
import { accruedForGrant, approved, approvedService, clawedBack, communityState, given, historyOf, registerMember, registered, reported, reversed, specNow } from '../src/testing/index.js';

const system: Actor = { id: 'system:redemptions', role: 'system', communityId: '*' };
const on = { actor: system };
const c = 'c1';
type Input<T extends MemberCommandInput['type']> = Extract<MemberCommandInput, { type: T }>;
type Event<T extends MemberEvent['type']> = Extract<MemberEvent, { type: T }>;

const iso = (ms: number) => new Date(ms).toISOString();
const now = specNow.getTime();
const day = 86_400_000;
const holdEnds = iso(now + 3 * day);

/** A grant's accrual with its lot's dates set. */
function grantLot(grantId: string, points: string, dates: Partial<Pick<NewLot, 'accruedAt' | 'expiresAt' | 'unlocksAt'>> = {}): MemberEvent {
  const event = accruedForGrant(grantId, points) as Event<'PointsAccrued'>;
  return { ...event, data: { ...event.data, lot: { ...event.data.lot!, ...dates } } };
}

const alice = registered('alice');
const thirty = grantLot('g1', '30.00');

// ── Commands ────────────────────────────────────────────────────────────────────────────────────────

const placeHold = (holdId: string, points: string, extra: Partial<Input<'PlaceHold'>> = {}): Input<'PlaceHold'> => ({
  type: 'PlaceHold',
  communityId: c,
  memberId: 'alice',
  holdId,
  redemptionId: holdId,
  points,
  expiresAt: holdEnds,
  ...extra,
});
const releaseHold = (holdId: string, reason: 'cancelled' | 'expired' = 'cancelled'): Input<'ReleaseHold'> => ({ type: 'ReleaseHold', communityId: c, memberId: 'alice', holdId, reason });
const spendHold = (holdId: string): Input<'SpendHold'> => ({ type: 'SpendHold', communityId: c, memberId: 'alice', holdId });
const sendPoints = (transferId: string, points: string, extra: Partial<Input<'SendPoints'>> = {}): Input<'SendPoints'> => ({
  type: 'SendPoints',
  communityId: c,
  memberId: 'alice',
  transferId,
  to: 'bob',
  points,
  reason: 'gift',
  recipientHouseholdId: null,
  ...extra,
});
const expirePoints = (asOf?: string): Input<'ExpirePoints'> => ({ type: 'ExpirePoints', communityId: c, memberId: 'alice', ...(asOf ? { asOf } : {}) });

// ── Events ──────────────────────────────────────────────────────────────────────────────────────────

const held = (holdId: string, points: string, fromLots: Array<{ lotId: string; points: string }>): Event<'PointsHeld'> => ({
  type: 'PointsHeld',
  data: { holdId, redemptionId: holdId, points, fromLots, expiresAt: holdEnds },
});
const released = (holdId: string, points: string, reason: 'cancelled' | 'expired' = 'cancelled', deficitSettledFromLots: Array<{ lotId: string; points: string }> = []): Event<'HoldReleased'> => ({
  type: 'HoldReleased',
  data: { holdId, redemptionId: holdId, points, reason, deficitSettledFromLots },
});
const spent = (holdId: string, points: string, fromLots: Array<{ lotId: string; points: string }>): Event<'HeldPointsSpent'> => ({
  type: 'HeldPointsSpent',
  data: { holdId, redemptionId: holdId, points, fromLots },
});
const portion = (lotId: string, points: string, expiresAt: string | null = null, accruedAt = specNow.toISOString()) => ({ lotId, points, accruedAt, expiresAt });
const sentOut = (transferId: string, points: string, fromLots: ReturnType<typeof portion>[], extra: Partial<Event<'PointsTransferredOut'>['data']> = {}): Event<'PointsTransferredOut'> => ({
  type: 'PointsTransferredOut',
  data: { transferId, to: 'bob', reason: 'gift', day: '2026-03-10', points, fromLots, ...extra },
});

// ── Holds ───────────────────────────────────────────────────────────────────────────────────────────

describe('PlaceHold: points set aside for a redemption (冻结)', () => {
  it('earmarks available lot points, oldest-expiring first', () => {
    given([alice, thirty]).when(placeHold('d1', '12.50'), on).then([held('d1', '12.50', [{ lotId: 'lot:grant:g1', points: '12.50' }])]);
  });

  it('all that is available: held', () => {
    given([alice, thirty]).when(placeHold('d1', '30.00'), on).then([held('d1', '30.00', [{ lotId: 'lot:grant:g1', points: '30.00' }])]);
  });

  it('a cent more than is available: refused, saying how much there is', () => {
    const error = given([alice, thirty]).when(placeHold('d1', '30.01'), on).thenError('insufficient-points');
    expect(error.message).toBe('insufficient points: available 30.00, needed 30.01');
    expect(error.details).toEqual({ available: '30.00', needed: '30.01' });
  });

  it('points already held are not available again', () => {
    given([alice, thirty, held('d1', '20.00', [{ lotId: 'lot:grant:g1', points: '20.00' }])]).when(placeHold('d2', '10.01'), on).thenError('insufficient-points');
    given([alice, thirty, held('d1', '20.00', [{ lotId: 'lot:grant:g1', points: '20.00' }])])
      .when(placeHold('d2', '10.00'), on)
      .then([held('d2', '10.00', [{ lotId: 'lot:grant:g1', points: '10.00' }])]);
  });

  it('locked points (policy lockDays) are not available until they unlock, and are from that instant', () => {
    const locked = grantLot('g1', '30.00', { unlocksAt: iso(now + day) });
    given([alice, locked]).when(placeHold('d1', '1.00'), on).thenError('insufficient-points');
    given([alice, locked]).when(placeHold('d1', '1.00'), { ...on, now: new Date(now + day) }).then([held('d1', '1.00', [{ lotId: 'lot:grant:g1', points: '1.00' }])]);
  });

  it('points past their expiry are not available, even before the expiry run took them', () => {
    const expiring = grantLot('g1', '30.00', { expiresAt: iso(now) });
    given([alice, expiring]).when(placeHold('d1', '1.00'), on).thenError('insufficient-points');
    given([alice, expiring]).when(placeHold('d1', '1.00'), { ...on, now: new Date(now - 1) }).then([held('d1', '1.00', [{ lotId: 'lot:grant:g1', points: '1.00' }])]);
  });

  it('repeated (same hold id): nothing more, open or ended', () => {
    const open = [alice, thirty, held('d1', '10.00', [{ lotId: 'lot:grant:g1', points: '10.00' }])];
    given(open).when(placeHold('d1', '10.00'), on).thenNothing();
    given([...open, released('d1', '10.00')]).when(placeHold('d1', '10.00'), on).thenNothing();
  });

  it('in deficit: refused with in-deficit, not insufficient points', () => {
    const inDeficit = [alice, ...approvedService('r1', '2026-03-01', '1.00', '10.00'), reversed('r1', '2026-03-01', '1.00'), clawedBack('r1', '10.00', [], '10.00'), thirty];
    // The grant settled the 10 owed first? No: the history above has the grant after the clawback as an event
    // written by hand with no settlement, so the deficit stands; the decider must refuse all spending.
    const error = given(inDeficit).when(placeHold('d1', '1.00'), on).thenError('in-deficit');
    expect(error.details).toEqual({ deficit: '10.00' });
  });

  it('a member who does not exist: not found', () => {
    given([]).when(placeHold('d1', '1.00'), on).thenError('not-found');
  });
});

describe('ReleaseHold: the hold ends without a spend (cancelled or lapsed)', () => {
  const open = [alice, thirty, held('d1', '10.00', [{ lotId: 'lot:grant:g1', points: '10.00' }])];

  it('releases exactly the points held, for the reason given', () => {
    given(open).when(releaseHold('d1'), on).then([released('d1', '10.00')]);
    given(open).when(releaseHold('d1', 'expired'), on).then([released('d1', '10.00', 'expired')]);
  });

  it('repeated after it ended: nothing more', () => {
    given([...open, released('d1', '10.00')]).when(releaseHold('d1'), on).thenNothing();
    given([...open, spent('d1', '10.00', [{ lotId: 'lot:grant:g1', points: '10.00' }])]).when(releaseHold('d1'), on).thenNothing();
  });

  it('a hold never placed: not found', () => {
    given([alice, thirty]).when(releaseHold('d9'), on).thenError('not-found');
  });

  it('in deficit, the freed points settle the deficit first, lot by lot (rule 2)', () => {
    // alice: r1 earns 20 (lot:r1), g1 grants 10 (lot:grant:g1); 25 are held (20 of r1, 5 of g1); r1 is reversed:
    // the 5 free points of g1 are clawed back and 15 become a deficit.
    const history = historyOf([registerMember('alice')]).concat([
      ...approvedService('r1', '2026-03-01', '2.00', '20.00'),
      grantLot('g1', '10.00', { accruedAt: iso(now + 1) }),
      held('d1', '25.00', [{ lotId: 'lot:r1', points: '20.00' }, { lotId: 'lot:grant:g1', points: '5.00' }]),
      reversed('r1', '2026-03-01', '2.00'),
      clawedBack('r1', '20.00', [{ lotId: 'lot:grant:g1', points: '5.00' }], '15.00'),
    ]);
    given(history)
      .when(releaseHold('d1'), on)
      .then([released('d1', '25.00', 'cancelled', [{ lotId: 'lot:r1', points: '15.00' }])]);
    expect(given([...history, released('d1', '25.00', 'cancelled', [{ lotId: 'lot:r1', points: '15.00' }])]).state().deficit.toString()).toBe('0.00');
  });

  it('a deficit larger than the hold takes all of it, from every lot it held', () => {
    const history = [
      alice,
      ...approvedService('r1', '2026-03-01', '4.00', '40.00'),
      grantLot('g1', '10.00', { accruedAt: iso(now + 1) }),
      held('d1', '12.00', [{ lotId: 'lot:r1', points: '8.00' }, { lotId: 'lot:grant:g1', points: '4.00' }]),
      reversed('r1', '2026-03-01', '4.00'),
      clawedBack('r1', '40.00', [{ lotId: 'lot:r1', points: '32.00' }, { lotId: 'lot:grant:g1', points: '6.00' }], '2.00'),
    ];
    given(history).when(releaseHold('d1'), on).then([released('d1', '12.00', 'cancelled', [{ lotId: 'lot:r1', points: '2.00' }])]);
  });
});

describe('SpendHold: the hold ends in a spend of exactly its points (member → redeemed)', () => {
  const open = [alice, thirty, held('d1', '10.00', [{ lotId: 'lot:grant:g1', points: '10.00' }])];

  it('spends the lots the hold earmarked', () => {
    given(open).when(spendHold('d1'), on).then([spent('d1', '10.00', [{ lotId: 'lot:grant:g1', points: '10.00' }])]);
  });

  it('repeated after it was spent: nothing more', () => {
    given([...open, spent('d1', '10.00', [{ lotId: 'lot:grant:g1', points: '10.00' }])]).when(spendHold('d1'), on).thenNothing();
  });

  it('a hold that was cancelled or lapsed cannot be spent', () => {
    const error = given([...open, released('d1', '10.00')]).when(spendHold('d1'), on).thenError('invalid-state');
    expect(error.message).toBe('hold d1 was cancelled; it cannot be spent');
    given([...open, released('d1', '10.00', 'expired')]).when(spendHold('d1'), on).thenError('invalid-state');
  });

  it('a hold never placed: not found', () => {
    given([alice, thirty]).when(spendHold('d9'), on).thenError('not-found');
  });

  it('in deficit: refused (the spend would leave the books owing)', () => {
    const history = [
      alice,
      ...approvedService('r1', '2026-03-01', '2.00', '20.00'),
      held('d1', '15.00', [{ lotId: 'lot:r1', points: '15.00' }]),
      reversed('r1', '2026-03-01', '2.00'),
      clawedBack('r1', '20.00', [{ lotId: 'lot:r1', points: '5.00' }], '15.00'),
    ];
    given(history).when(spendHold('d1'), on).thenError('in-deficit');
  });
});

// ── Transfers ───────────────────────────────────────────────────────────────────────────────────────

describe('SendPoints: the sender’s debit (member → in-transit)', () => {
  it('takes usable lots oldest-expiring first and keeps each portion’s dates, on the community’s calendar day', () => {
    const history = [alice, grantLot('g1', '30.00'), grantLot('g2', '10.00', { expiresAt: iso(now + 30 * day), accruedAt: iso(now - day) })];
    given(history)
      .when(sendPoints('t1', '15.00'), on)
      .then([
        sentOut('t1', '15.00', [portion('lot:grant:g2', '10.00', iso(now + 30 * day), iso(now - day)), portion('lot:grant:g1', '5.00')]),
      ]);
  });

  it('the calendar day is the community’s: 20:00 in Shanghai is still the 10th, 01:00 the next day is the 11th', () => {
    const late = new Date('2026-03-10T17:30:00.000Z');
    const [event] = given([alice, thirty]).when(sendPoints('t1', '1.00'), { ...on, now: late }).events();
    expect(event?.type === 'PointsTransferredOut' && event.data.day).toBe('2026-03-11');
  });

  it('repeated (same transfer id): nothing more', () => {
    given([alice, thirty, sentOut('t1', '5.00', [portion('lot:grant:g1', '5.00')])]).when(sendPoints('t1', '5.00'), on).thenNothing();
  });

  it('to oneself: refused', () => {
    given([alice, thirty]).when(sendPoints('t1', '5.00', { to: 'alice' }), on).thenError('validation');
  });

  it('not enough available: refused with the amounts', () => {
    expect(given([alice, thirty]).when(sendPoints('t1', '30.01'), on).thenError('insufficient-points').details).toEqual({ available: '30.00', needed: '30.01' });
  });

  it('in deficit: refused', () => {
    const history = [alice, ...approvedService('r1', '2026-03-01', '1.00', '10.00'), reversed('r1', '2026-03-01', '1.00'), clawedBack('r1', '10.00', [], '10.00')];
    given(history).when(sendPoints('t1', '1.00'), on).thenError('in-deficit');
  });

  describe('the policy’s transfer rules', () => {
    const policy = (transfers: { allowed: boolean; recipients: 'anyone' | 'family' | 'pool'; dailyLimit: string | null }) => ({ community: communityState({ policy: { transfers } }) });

    it('switched off: refused, whoever the recipient', () => {
      given([alice, thirty]).when(sendPoints('t1', '5.00'), { ...on, ...policy({ allowed: false, recipients: 'anyone', dailyLimit: null }) }).thenError('transfer-not-allowed');
      given([alice, thirty]).when(sendPoints('t1', '5.00', { to: '_pool' }), { ...on, ...policy({ allowed: false, recipients: 'anyone', dailyLimit: null }) }).thenError('transfer-not-allowed');
    });

    it('pool only: a gift to a member is refused, a donation to the pool goes', () => {
      const poolOnly = policy({ allowed: true, recipients: 'pool', dailyLimit: null });
      given([alice, thirty]).when(sendPoints('t1', '5.00'), { ...on, ...poolOnly }).thenError('transfer-not-allowed');
      given([alice, thirty]).when(sendPoints('t1', '5.00', { to: '_pool', reason: 'donation' }), { ...on, ...poolOnly }).then([
        sentOut('t1', '5.00', [portion('lot:grant:g1', '5.00')], { to: '_pool', reason: 'donation' }),
      ]);
    });

    describe('family only', () => {
      const familyOnly = policy({ allowed: true, recipients: 'family', dailyLimit: null });
      const aliceAtHome: MemberEvent = { type: 'MemberRegistered', data: { communityId: c, memberId: 'alice', householdId: 'h1', compound: null, building: null } };

      it('to someone of the same household: goes', () => {
        given([aliceAtHome, thirty]).when(sendPoints('t1', '5.00', { recipientHouseholdId: 'h1' }), { ...on, ...familyOnly }).then([sentOut('t1', '5.00', [portion('lot:grant:g1', '5.00')])]);
      });

      it('to another household, or to someone with none: refused', () => {
        given([aliceAtHome, thirty]).when(sendPoints('t1', '5.00', { recipientHouseholdId: 'h2' }), { ...on, ...familyOnly }).thenError('transfer-not-allowed');
        given([aliceAtHome, thirty]).when(sendPoints('t1', '5.00', { recipientHouseholdId: null }), { ...on, ...familyOnly }).thenError('transfer-not-allowed');
      });

      it('a sender with no household has no family: refused, even to someone with none', () => {
        given([alice, thirty]).when(sendPoints('t1', '5.00', { recipientHouseholdId: null }), { ...on, ...familyOnly }).thenError('transfer-not-allowed');
      });

      it('a donation to the pool goes, household or not', () => {
        given([alice, thirty]).when(sendPoints('t1', '5.00', { to: '_pool', reason: 'donation' }), { ...on, ...familyOnly }).then([
          sentOut('t1', '5.00', [portion('lot:grant:g1', '5.00')], { to: '_pool', reason: 'donation' }),
        ]);
      });
    });

    describe('a daily limit of 10.00', () => {
      const limited = policy({ allowed: true, recipients: 'anyone', dailyLimit: '10.00' });
      const sentToday = sentOut('t0', '6.00', [portion('lot:grant:g1', '6.00')]);

      it('up to the limit in a day: goes', () => {
        given([alice, thirty, sentToday]).when(sendPoints('t1', '4.00'), { ...on, ...limited }).then([sentOut('t1', '4.00', [portion('lot:grant:g1', '4.00')])]);
      });

      it('a cent past it: refused, saying what was sent today', () => {
        const error = given([alice, thirty, sentToday]).when(sendPoints('t1', '4.01'), { ...on, ...limited }).thenError('limit-reached');
        expect(error.details).toEqual({ dailyLimit: '10.00', sentToday: '6.00' });
      });

      it('what was sent on another day does not count', () => {
        const yesterday = sentOut('t0', '6.00', [portion('lot:grant:g1', '6.00')], { day: '2026-03-09' });
        given([alice, thirty, yesterday]).when(sendPoints('t1', '10.00'), { ...on, ...limited }).then([sentOut('t1', '10.00', [portion('lot:grant:g1', '10.00')])]);
      });

      it('points that overflowed to the pool (a donate cap) do not count', () => {
        const overflow = sentOut('overflow-r1', '6.00', [portion('lot:grant:g1', '6.00')], { to: '_pool', reason: 'overflow' });
        given([alice, thirty, overflow]).when(sendPoints('t1', '10.00'), { ...on, ...limited }).then([sentOut('t1', '10.00', [portion('lot:grant:g1', '10.00')])]);
      });

      it('a single transfer over the limit: refused', () => {
        given([alice, thirty]).when(sendPoints('t1', '10.01'), { ...on, ...limited }).thenError('limit-reached');
      });
    });
  });
});

describe('ReceivePoints: the points arrive (in-transit → member), keeping their expiry', () => {
  const receive = (memberId: string, transferId: string, points: string, portions: ReturnType<typeof portion>[]): Input<'ReceivePoints'> => ({
    type: 'ReceivePoints',
    communityId: c,
    memberId,
    transferId,
    from: 'carol',
    points,
    portions,
  });
  const arrived = (transferId: string, points: string, lots: NewLot[], deficitSettled = '0.00'): Event<'PointsTransferredIn'> => ({
    type: 'PointsTransferredIn',
    data: { transferId, from: 'carol', points, deficitSettled, lots },
  });
  const soon = iso(now + 10 * day);
  const later = iso(now + 40 * day);

  // Was a bug (found by these specs): portions were sorted with localeCompare and '~' standing for "never",
  // but locale collation puts '~' before digits, so never-expiring points settled a deficit first and the
  // soonest-expiring ones were kept, to expire.
  it('each portion becomes a lot of the recipient with the sender’s dates, soonest-expiring first, never locked', () => {
    given([alice])
      .when(receive('alice', 't1', '15.00', [portion('lot:x', '5.00', null), portion('lot:y', '4.00', later), portion('lot:z', '6.00', soon)]), on)
      .then([
        arrived('t1', '15.00', [
          { lotId: 'in:t1:lot:z', points: '6.00', accruedAt: specNow.toISOString(), expiresAt: soon, unlocksAt: null },
          { lotId: 'in:t1:lot:y', points: '4.00', accruedAt: specNow.toISOString(), expiresAt: later, unlocksAt: null },
          { lotId: 'in:t1:lot:x', points: '5.00', accruedAt: specNow.toISOString(), expiresAt: null, unlocksAt: null },
        ]),
      ]);
  });

  it('repeated (same transfer id): nothing more', () => {
    const once = arrived('t1', '5.00', [{ lotId: 'in:t1:lot:x', points: '5.00', accruedAt: specNow.toISOString(), expiresAt: null, unlocksAt: null }]);
    given([alice, once]).when(receive('alice', 't1', '5.00', [portion('lot:x', '5.00')]), on).thenNothing();
  });

  it('a recipient who is not a member: not found', () => {
    given([]).when(receive('alice', 't1', '5.00', [portion('lot:x', '5.00')]), on).thenError('not-found');
  });

  it('the donation pool opens with its first donation', () => {
    given([])
      .when(receive('_pool', 't1', '5.00', [portion('lot:x', '5.00')]), on)
      .then([
        { type: 'MemberRegistered', data: { communityId: c, memberId: '_pool', householdId: null, compound: null, building: null } },
        arrived('t1', '5.00', [{ lotId: 'in:t1:lot:x', points: '5.00', accruedAt: specNow.toISOString(), expiresAt: null, unlocksAt: null }]),
      ]);
  });

  it('in deficit: the arrival settles it first, soonest-expiring portions first; the rest become lots', () => {
    const inDeficit = [alice, ...approvedService('r1', '2026-03-01', '1.00', '10.00'), reversed('r1', '2026-03-01', '1.00'), clawedBack('r1', '10.00', [], '7.00')];
    given(inDeficit)
      .when(receive('alice', 't1', '15.00', [portion('lot:x', '10.00', null), portion('lot:z', '5.00', soon)]), on)
      .then([arrived('t1', '15.00', [{ lotId: 'in:t1:lot:x', points: '8.00', accruedAt: specNow.toISOString(), expiresAt: null, unlocksAt: null }], '7.00')]);
  });

  describe('a maximum balance of 50.00', () => {
    const capped = (overflow: 'refuse' | 'donate') => ({ ...on, community: communityState({ policy: { maxBalance: { points: '50.00', overflow } } }) });
    const forty = [alice, grantLot('g1', '40.00')];

    it('up to the cap: arrives', () => {
      given(forty).when(receive('alice', 't1', '10.00', [portion('lot:x', '10.00')]), capped('refuse')).events();
    });

    it('a cent past the cap: refused, whatever the policy does with accruals above it', () => {
      given(forty).when(receive('alice', 't1', '10.01', [portion('lot:x', '10.01')]), capped('refuse')).thenError('max-balance-exceeded');
      given(forty).when(receive('alice', 't1', '10.01', [portion('lot:x', '10.01')]), capped('donate')).thenError('max-balance-exceeded');
    });

    it('the donation pool has no cap', () => {
      given([{ ...registered('_pool'), data: { ...registered('_pool').data, memberId: '_pool' } }, grantLot('g1', '40.00')])
        .when(receive('_pool', 't1', '100.00', [portion('lot:x', '100.00')]), capped('refuse'))
        .events();
    });
  });
});

describe('RefundTransfer: an undeliverable transfer comes back to the sender (in-transit → member)', () => {
  const refund = (transferId: string): Input<'RefundTransfer'> => ({ type: 'RefundTransfer', communityId: c, memberId: 'alice', transferId, reason: 'bob is over his cap', code: 'max-balance-exceeded' });
  const debited = [alice, thirty, sentOut('t1', '12.00', [portion('lot:grant:g1', '12.00')])];

  it('credits the portions back as lots with their own dates, with the reason', () => {
    given(debited)
      .when(refund('t1'), on)
      .then([
        {
          type: 'TransferRefunded',
          data: {
            transferId: 't1',
            points: '12.00',
            deficitSettled: '0.00',
            lots: [{ lotId: 'refund:t1:lot:grant:g1', points: '12.00', accruedAt: specNow.toISOString(), expiresAt: null, unlocksAt: null }],
            reason: 'bob is over his cap',
          },
        },
      ]);
  });

  it('repeated: nothing more', () => {
    const refunded = given(debited).when(refund('t1'), on).events();
    given([...debited, ...refunded]).when(refund('t1'), on).thenNothing();
  });

  it('a transfer the member never sent: not found', () => {
    given([alice, thirty]).when(refund('t9'), on).thenError('not-found');
  });
});

// ── Expiry ──────────────────────────────────────────────────────────────────────────────────────────

describe('ExpirePoints: each lot past its expiry gives up its free remainder, once (rule 3)', () => {
  const expiresAt = iso(now - day);
  const expiring = [alice, grantLot('g1', '30.00', { expiresAt }), grantLot('g2', '5.00')];
  const expired = (lotId: string, points: string, asOf = specNow.toISOString()): Event<'PointsExpired'> => ({ type: 'PointsExpired', data: { lotId, points, expiresAt, asOf } });

  it('takes the free points of lots past their expiry, and leaves the others', () => {
    given(expiring).when(expirePoints(), on).then([expired('lot:grant:g1', '30.00')]);
  });

  it('a lot expiring at exactly the instant asked about is taken', () => {
    given(expiring).when(expirePoints(expiresAt), on).then([expired('lot:grant:g1', '30.00', expiresAt)]);
  });

  it('a millisecond before its expiry, it is not', () => {
    given(expiring).when(expirePoints(iso(now - day - 1)), on).thenNothing();
  });

  it('held points wait until their hold ends', () => {
    given([...expiring, held('d1', '12.00', [{ lotId: 'lot:grant:g1', points: '12.00' }])]).when(expirePoints(), on).then([expired('lot:grant:g1', '18.00')]);
  });

  it('a lot wholly held gives up nothing', () => {
    given([...expiring, held('d1', '30.00', [{ lotId: 'lot:grant:g1', points: '30.00' }])]).when(expirePoints(), on).thenNothing();
  });

  it('run again: nothing more (the lot is gone)', () => {
    given([...expiring, expired('lot:grant:g1', '30.00')]).when(expirePoints(), on).thenNothing();
  });

  it('as of a moment after now: refused, the future has not happened', () => {
    given(expiring).when(expirePoints(iso(now + 1)), on).thenError('validation');
    given(expiring).when(expirePoints(specNow.toISOString()), on).then([expired('lot:grant:g1', '30.00')]);
  });
});

// ── Accruals: lock, expiry, maximum balance ─────────────────────────────────────────────────────────

describe('an accrual’s lot follows the policy in force', () => {
  const grant = (grantId: string, points: string): MemberCommandInput => ({ type: 'GrantPoints', communityId: c, memberId: 'alice', grantId, points, reason: 'award' });
  const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };

  it('locked for lockDays from now, expiring months after accrual', () => {
    const community = communityState({ policy: { lockDays: 7, expiry: { kind: 'months-after-accrual', months: 12 } } });
    const [event] = given([alice]).when(grant('g1', '10.00'), { actor: admin, community }).events();
    expect(event?.type === 'PointsAccrued' && event.data.lot).toEqual({
      lotId: 'lot:grant:g1',
      points: '10.00',
      accruedAt: specNow.toISOString(),
      expiresAt: '2027-03-10T12:00:00.000Z',
      unlocksAt: '2026-03-17T12:00:00.000Z',
    });
  });

  it('no lock and no expiry by default', () => {
    const [event] = given([alice]).when(grant('g1', '10.00'), { actor: admin }).events();
    expect(event?.type === 'PointsAccrued' && [event.data.lot?.expiresAt, event.data.lot?.unlocksAt]).toEqual([null, null]);
  });

  describe("a maximum balance of 50.00 that 'refuse's", () => {
    const community = communityState({ policy: { maxBalance: { points: '50.00', overflow: 'refuse' } } });

    it('an accrual up to the cap: accrued', () => {
      given([alice, grantLot('g0', '40.00')]).when(grant('g1', '10.00'), { actor: admin, community }).then([accruedForGrant('g1', '10.00')]);
    });

    it('a cent past it: refused with the balance, the points and the cap', () => {
      const error = given([alice, grantLot('g0', '40.00')]).when(grant('g1', '10.01'), { actor: admin, community }).thenError('max-balance-exceeded');
      expect(error.details).toEqual({ balance: '40.00', points: '10.01', maxBalance: '50.00' });
    });
  });

  describe("a maximum balance of 50.00 that 'donate's the excess to the pool", () => {
    const community = communityState({ policy: { maxBalance: { points: '50.00', overflow: 'donate' } } });

    it('the excess leaves at once for the pool, from the new lot, as an overflow transfer', () => {
      given([alice, grantLot('g0', '45.00')])
        .when(grant('g1', '10.00'), { actor: admin, community })
        .then([
          accruedForGrant('g1', '10.00'),
          sentOut('overflow-grant:g1', '5.00', [portion('lot:grant:g1', '5.00')], { to: '_pool', reason: 'overflow' }),
        ]);
    });

    it('up to the cap: nothing leaves', () => {
      given([alice, grantLot('g0', '40.00')]).when(grant('g1', '10.00'), { actor: admin, community }).then([accruedForGrant('g1', '10.00')]);
    });

    it('already over the cap (a lowered cap): at most the new lot leaves', () => {
      given([alice, grantLot('g0', '80.00')])
        .when(grant('g1', '10.00'), { actor: admin, community })
        .then([accruedForGrant('g1', '10.00'), sentOut('overflow-grant:g1', '10.00', [portion('lot:grant:g1', '10.00')], { to: '_pool', reason: 'overflow' })]);
    });
  });
});

describe('a policy that pays nothing for a category (×0)', () => {
  const community = communityState({ policy: { categoryMultipliers: { 'elder-care': '0' } } });
  const organiser: Actor = { id: 'org-1', role: 'organiser', communityId: c };

  it('approval counts the hours and accrues nothing: no zero-point lot', () => {
    given([alice, reported('r1', '2026-03-09', '2.00')])
      .when({ type: 'ApproveService', communityId: c, memberId: 'alice', recordId: 'r1' }, { actor: organiser, community })
      .then([approved('r1', '2026-03-09', '2.00')]);
  });

  it('reversing such a record takes back the hours and claws back nothing', () => {
    given([alice, reported('r1', '2026-03-09', '2.00'), approved('r1', '2026-03-09', '2.00')])
      .when({ type: 'ReverseService', communityId: c, memberId: 'alice', recordId: 'r1', reason: 'wrong day' }, { actor: organiser, community })
      .then([reversed('r1', '2026-03-09', '2.00', organiser.id, 'wrong day')]);
  });
});

// ── Registration and personal data ──────────────────────────────────────────────────────────────────

describe('registration', () => {
  it('records the member with household and address attributes', () => {
    given([])
      .when({ type: 'RegisterMember', communityId: c, memberId: 'alice', householdId: 'h1', compound: '幸福小区', building: '3栋' }, { actor: system })
      .then([{ type: 'MemberRegistered', data: { communityId: c, memberId: 'alice', householdId: 'h1', compound: '幸福小区', building: '3栋' } }]);
  });

  it('twice: refused', () => {
    given([alice]).when(registerMember('alice'), { actor: system }).thenError('already-exists');
  });

  it('with a sealed profile: records the profile too', () => {
    const sealedProfile = { keyId: 'k1', alg: 'AES-GCM-256' as const, iv: 'aXY=', ciphertext: 'Y3Q=' };
    given([])
      .when({ type: 'RegisterMember', communityId: c, memberId: 'alice', sealedProfile } as never, { actor: system })
      .then([alice, { type: 'MemberProfileRecorded', data: { sealed: sealedProfile } }]);
  });

  it('a profile or an erasure for a member who does not exist: not found', () => {
    given([]).when({ type: 'ErasePersonalData', communityId: c, memberId: 'alice', reason: 'asked' }, { actor: system }).thenError('not-found');
  });

  it('erasure is recorded with its reason, and counts the erasures', () => {
    given([alice]).when({ type: 'ErasePersonalData', communityId: c, memberId: 'alice', reason: 'asked' }, { actor: system }).then([{ type: 'MemberProfileErased', data: { reason: 'asked' } }]);
    expect(given([alice, { type: 'MemberProfileErased', data: { reason: 'a' } }, { type: 'MemberProfileErased', data: { reason: 'b' } }]).state()).toMatchObject({ erasures: 2, profileErased: true, hasProfile: false });
  });
});
