/**
 * The redemption workflow (兑换), one spec per transition: given the events on the redemption's stream, when a
 * caller's input or the result of a phase, then what it records, which steps it sends next, and whether it
 * ends in a refusal. The diagram these follow is in src/redemption/workflow.ts:
 *
 *   requested ──[ReserveStock, PlaceHold]──▶ held ──FulfilmentDecided, [RecordServiceGiven?, SpendHold, IssueStock]──▶ fulfilled
 *                                                 ──CancellationRequested, [ReleaseHold, ReleaseStock]──▶ cancelled | expired
 */
import { describe, expect, it } from 'vitest';
import { type DomainError, domainError } from '../src/errors.js';
import type { RedemptionEvent, ServiceGiven } from '../src/redemption/events.js';
import { type RedemptionStatus, isTerminalRedemption, isUnfinishedRedemption } from '../src/redemption/state.js';
import {
  type CancelRedemptionInput,
  type FulfilRedemptionInput,
  type RequestRedemptionInput,
  redemptionWorkflow,
} from '../src/redemption/workflow.js';
import type { StepCommand } from '../src/steps.js';
import { phaseDone, phaseRefused, workflowSpecFor } from '../src/testing/index.js';

const given = workflowSpecFor(redemptionWorkflow);

// ── The redemption of these specs: alice asks for 2 bags of rice at 15 points, held for a day ───────

const c = 'c1';
const redemptionId = 'd1';
const requestedAt = '2026-03-10T12:00:00.000Z';
const expiresAt = '2026-03-11T12:00:00.000Z';
const justBefore = '2026-03-11T11:59:59.999Z';
const justAfter = '2026-03-11T12:00:00.001Z';

const request = (extra: Partial<RequestRedemptionInput> = {}): RequestRedemptionInput => ({
  type: 'RequestRedemption',
  communityId: c,
  redemptionId,
  memberId: 'alice',
  itemId: 'rice',
  quantity: 2,
  points: '30.00',
  expiresAt,
  requestedBy: 'alice',
  ...extra,
});
const fulfil = (extra: Partial<FulfilRedemptionInput> = {}): FulfilRedemptionInput => ({
  type: 'FulfilRedemption',
  communityId: c,
  redemptionId,
  fulfilledBy: 'org-1',
  volunteerId: null,
  itemKind: 'goods',
  service: null,
  now: requestedAt,
  ...extra,
});
const cancel = (reason: 'cancelled' | 'expired', extra: Partial<CancelRedemptionInput> = {}): CancelRedemptionInput => ({
  type: 'CancelRedemption',
  communityId: c,
  redemptionId,
  reason,
  requestedBy: 'org-1',
  now: requestedAt,
  ...extra,
});
const resume = { type: 'ResumeRedemption', communityId: c, redemptionId } as const;

/** bob gives alice a haircut (a service item) and gets a record of 1.5 hours for it. */
const haircut: ServiceGiven = { recordId: 'redemption.d1', category: 'culture', serviceDate: '2026-03-10', hours: '1.50' };
const fulfilByBob = (extra: Partial<FulfilRedemptionInput> = {}) => fulfil({ volunteerId: 'bob', itemKind: 'service', service: haircut, ...extra });

// Events
const requested: RedemptionEvent = {
  type: 'RedemptionRequested',
  data: { redemptionId, memberId: 'alice', itemId: 'rice', quantity: 2, points: '30.00', expiresAt, requestedBy: 'alice' },
};
const held: RedemptionEvent = { type: 'RedemptionHeld', data: {} };
const rejected = (error: DomainError): RedemptionEvent => ({ type: 'RedemptionRejected', data: { code: error.code, message: error.message } });
const decided = (volunteerId: string | null = null, service: ServiceGiven | null = null, fulfilledBy = 'org-1'): RedemptionEvent => ({
  type: 'FulfilmentDecided',
  data: { fulfilledBy, volunteerId, service },
});
const abandoned = (error: DomainError): RedemptionEvent => ({ type: 'FulfilmentAbandoned', data: { code: error.code, message: error.message } });
const fulfilled = (volunteerId: string | null = null, fulfilledBy = 'org-1'): RedemptionEvent => ({ type: 'RedemptionFulfilled', data: { fulfilledBy, volunteerId } });
const cancellationRequested = (reason: 'cancelled' | 'expired', requestedBy = 'org-1'): RedemptionEvent => ({
  type: 'CancellationRequested',
  data: { reason, requestedBy },
});
const cancelled = (reason: 'cancelled' | 'expired', cancelledBy = 'org-1'): RedemptionEvent => ({ type: 'RedemptionCancelled', data: { reason, cancelledBy } });

// Steps
const reserveStock: StepCommand = { type: 'ReserveStock', communityId: c, itemId: 'rice', redemptionId, memberId: 'alice', quantity: 2 };
const placeHold: StepCommand = { type: 'PlaceHold', communityId: c, memberId: 'alice', holdId: redemptionId, redemptionId, points: '30.00', expiresAt };
const recordServiceGiven: StepCommand = { type: 'RecordServiceGiven', communityId: c, memberId: 'bob', redemptionId, ...haircut };
const spendHold: StepCommand = { type: 'SpendHold', communityId: c, memberId: 'alice', holdId: redemptionId };
const issueStock: StepCommand = { type: 'IssueStock', communityId: c, itemId: 'rice', redemptionId };
const releaseHold = (reason: 'cancelled' | 'expired'): StepCommand => ({ type: 'ReleaseHold', communityId: c, memberId: 'alice', holdId: redemptionId, reason });
const releaseStock: StepCommand = { type: 'ReleaseStock', communityId: c, itemId: 'rice', redemptionId };

const requestPhase = [reserveStock, placeHold];
const fulfilPhase = [spendHold, issueStock];
const cancelPhase = (reason: 'cancelled' | 'expired') => [releaseHold(reason), releaseStock];

// Errors steps answer with
const noStock = domainError('stock-exhausted', 'rice: 0 left, 2 asked for');
const insufficient = domainError('insufficient-points', 'insufficient points: available 12.50, needed 30.00');
const inDeficit = domainError('in-deficit', 'alice owes 5.00 points after a clawback and can spend nothing until it is settled');

// Histories: one per state the redemption can be in
const history: Record<Exclude<RedemptionStatus, 'none'>, RedemptionEvent[]> = {
  requested: [requested],
  held: [requested, held],
  rejected: [requested, rejected(insufficient)],
  fulfilling: [requested, held, decided()],
  fulfilled: [requested, held, decided(), fulfilled()],
  cancelling: [requested, held, cancellationRequested('cancelled')],
  cancelled: [requested, held, cancellationRequested('cancelled'), cancelled('cancelled')],
  expired: [requested, held, cancellationRequested('expired', 'system:expiry'), cancelled('expired', 'system:expiry')],
};
const statuses = Object.keys(history) as Array<keyof typeof history>;
const except = (...excluded: RedemptionStatus[]) => statuses.filter((s) => !excluded.includes(s));

it('the histories of these specs fold to the states they are named after', () => {
  for (const status of statuses) expect(given(history[status]).state().status).toBe(status);
  expect(given([]).state().status).toBe('none');
});

// ── Requesting ──────────────────────────────────────────────────────────────────────────────────────

describe('a member requests an item', () => {
  it('records the request with its price and the hold’s end, then reserves the stock and holds the points, in that order', () => {
    given([]).when(request()).then({ record: [requested], send: requestPhase });
  });

  it('the stock and the points set aside are held → held', () => {
    given([requested]).when(phaseDone(reserveStock, placeHold)).then({ record: [held] });
  });

  it('no stock: rejected with the item’s answer, and the caller hears it', () => {
    given([requested]).when(phaseRefused(reserveStock, noStock)).then({ record: [rejected(noStock)], refusal: 'stock-exhausted' });
  });

  it('not enough points (after the stock was reserved and then released by the runner): rejected, and the caller hears it', () => {
    const then = given([requested]).when(phaseRefused(placeHold, insufficient));
    then.then({ record: [rejected(insufficient)], refusal: 'insufficient-points' });
    expect(then.decision().refusal).toEqual(insufficient);
  });

  it('a member in deficit is rejected with in-deficit', () => {
    given([requested]).when(phaseRefused(placeHold, inDeficit)).then({ record: [rejected(inDeficit)], refusal: 'in-deficit' });
  });
});

describe('the same request again (same id)', () => {
  it('while its first phase is unfinished (a crash or a conflict): sends the phase again, recording nothing', () => {
    given(history.requested).when(request()).then({ send: requestPhase });
  });

  it('while unfinished, with another price or hold end: the recorded price and hold end stand', () => {
    given(history.requested).when(request({ points: '99.00', expiresAt: justAfter, requestedBy: 'org-1' })).then({ send: requestPhase });
  });

  it('after it was rejected: the same refusal again, with the code and message first given', () => {
    const error = given(history.rejected).when(request()).thenError('insufficient-points');
    expect(error.message).toBe(insufficient.message);
  });

  it.each(except('requested', 'rejected'))('when %s: nothing to do (the caller gets the redemption as it stands)', (status) => {
    given(history[status]).when(request()).thenNothing();
  });

  it.each(statuses)('when %s, for another member: refused, the id is taken', (status) => {
    given(history[status]).when(request({ memberId: 'bob' })).thenError('already-exists');
  });

  it.each(statuses)('when %s, for another item: refused, the id is taken', (status) => {
    given(history[status]).when(request({ itemId: 'oil' })).thenError('already-exists');
  });

  it.each(statuses)('when %s, for another quantity: refused, the id is taken', (status) => {
    given(history[status]).when(request({ quantity: 3 })).thenError('already-exists');
  });
});

// ── Fulfilling ──────────────────────────────────────────────────────────────────────────────────────

describe('an organiser hands the item over', () => {
  it('goods: records who decided it, then spends the hold and issues the stock', () => {
    given(history.held).when(fulfil()).then({ record: [decided()], send: fulfilPhase });
  });

  it('spent and issued → fulfilled, naming who handed it over', () => {
    given(history.fulfilling).when(phaseDone(spendHold, issueStock)).then({ record: [fulfilled()] });
  });

  it('a hold that lapses at 12:00 can still be handed over at 11:59:59.999', () => {
    given(history.held).when(fulfil({ now: justBefore })).then({ record: [decided()], send: fulfilPhase });
  });

  it('a hold that lapses at 12:00 cannot be handed over at 12:00 or after: the member asks again', () => {
    const error = given(history.held).when(fulfil({ now: expiresAt })).thenError('invalid-state');
    expect(error.message).toContain(`lapsed at ${expiresAt}`);
    given(history.held).when(fulfil({ now: justAfter })).thenError('invalid-state');
  });

  it('the spend refused (the member fell into deficit since): abandoned, back to held, and the caller hears it', () => {
    given(history.fulfilling).when(phaseRefused(spendHold, inDeficit)).then({ record: [abandoned(inDeficit)], refusal: 'in-deficit' });
    expect(given([...history.fulfilling, abandoned(inDeficit)]).state().status).toBe('held');
  });

  it('after an abandoned fulfilment the organiser can try again', () => {
    given([...history.fulfilling, abandoned(inDeficit)]).when(fulfil({ fulfilledBy: 'org-2' })).then({ record: [decided(null, null, 'org-2')], send: fulfilPhase });
  });

  it('does not exist: not found', () => {
    given([]).when(fulfil()).thenError('not-found');
  });

  it.each(['requested', 'rejected', 'cancelling', 'cancelled', 'expired'] as const)('when %s: refused, only a held redemption can be fulfilled', (status) => {
    const error = given(history[status]).when(fulfil()).thenError('invalid-state');
    expect(error.message).toContain(`is ${status}`);
  });

  it('when fulfilled: nothing to do (a repeat)', () => {
    given(history.fulfilled).when(fulfil()).thenNothing();
    given(history.fulfilled).when(fulfilByBob()).thenNothing();
  });

  it('when fulfilling (interrupted): sends the recorded phase again, whoever asks and whatever they name', () => {
    given(history.fulfilling).when(fulfil({ fulfilledBy: 'org-2' })).then({ send: fulfilPhase });
    given(history.fulfilling).when(fulfilByBob()).then({ send: fulfilPhase });
  });

  it('a lapsed hold that is already being fulfilled is finished, not refused', () => {
    given(history.fulfilling).when(fulfil({ now: justAfter })).then({ send: fulfilPhase });
  });
});

describe('a volunteer’s service handed over (时间银行)', () => {
  it('records the volunteer and their service record, then makes the record before the point of no return (the spend)', () => {
    given(history.held).when(fulfilByBob()).then({ record: [decided('bob', haircut)], send: [recordServiceGiven, ...fulfilPhase] });
  });

  it('fulfilled names the volunteer', () => {
    given([...history.held, decided('bob', haircut)]).when(phaseDone(recordServiceGiven, spendHold, issueStock)).then({ record: [fulfilled('bob')] });
  });

  it('the spend refused after the record was made (and withdrawn by the runner): abandoned, the volunteer forgotten', () => {
    const fulfilling = [...history.held, decided('bob', haircut)];
    given(fulfilling).when(phaseRefused(spendHold, inDeficit)).then({ record: [abandoned(inDeficit)], refusal: 'in-deficit' });
    // Tried again without naming bob: no service record is made.
    given([...fulfilling, abandoned(inDeficit)]).when(fulfil()).then({ record: [decided()], send: fulfilPhase });
  });

  // Was a bug (found by workflow-crashes.unit.test.ts): the next attempt sent the same record id, which the
  // volunteer's stream already held (withdrawn), so the service they then gave was never recorded.
  it('tried again naming the volunteer: a record of its own, the withdrawn one stays withdrawn', () => {
    const abandonedOnce = [...history.held, decided('bob', haircut), abandoned(inDeficit)];
    const second = { ...haircut, recordId: 'redemption.d1.2' };
    given(abandonedOnce).when(fulfilByBob()).then({ record: [decided('bob', second)], send: [{ ...recordServiceGiven, recordId: 'redemption.d1.2' } as StepCommand, ...fulfilPhase] });
    const third = { ...haircut, recordId: 'redemption.d1.3' };
    given([...abandonedOnce, decided('bob', second), abandoned(inDeficit)]).when(fulfilByBob()).then({ record: [decided('bob', third)], send: [{ ...recordServiceGiven, recordId: 'redemption.d1.3' } as StepCommand, ...fulfilPhase] });
  });

  it('a later attempt’s record id stays within the 64 characters an id may hold', () => {
    const long = { ...haircut, recordId: `redemption.${'x'.repeat(53)}` };
    const [event] = given([...history.held, decided('bob', long), abandoned(inDeficit)]).when(fulfilByBob({ service: long })).decision().record;
    expect(event?.type === 'FulfilmentDecided' && event.data.service?.recordId).toBe(`redemption.${'x'.repeat(51)}.2`);
  });

  it('an abandoned attempt that named nobody still counts: the next record id is fresh all the same', () => {
    const abandonedOnce = [...history.fulfilling, abandoned(inDeficit)];
    given(abandonedOnce).when(fulfilByBob()).then({ record: [decided('bob', { ...haircut, recordId: 'redemption.d1.2' })], send: [{ ...recordServiceGiven, recordId: 'redemption.d1.2' } as StepCommand, ...fulfilPhase] });
  });

  it('a volunteer is named only for a service item, not for goods', () => {
    given(history.held).when(fulfilByBob({ itemKind: 'goods' })).thenError('validation');
  });

  it('the member cannot be their own volunteer', () => {
    const error = given(history.held).when(fulfilByBob({ volunteerId: 'alice' })).thenError('validation');
    expect(error.message).toContain('cannot be the member');
  });

  it('a service item handed over without a volunteer makes no record, whatever record the input carries', () => {
    given(history.held).when(fulfil({ itemKind: 'service', service: haircut })).then({ record: [decided()], send: fulfilPhase });
  });

  it('a volunteer named without a service record gets none (the spend and the issue only)', () => {
    given(history.held).when(fulfilByBob({ service: null })).then({ record: [decided('bob', null)], send: fulfilPhase });
  });

  it('a lapsed hold is refused before the volunteer is checked', () => {
    given(history.held).when(fulfilByBob({ itemKind: 'goods', now: expiresAt })).thenError('invalid-state');
  });

  it('resumed while fulfilling: the volunteer’s record is sent again with the spend (each step is idempotent)', () => {
    given([...history.held, decided('bob', haircut)]).when(resume).then({ send: [recordServiceGiven, ...fulfilPhase] });
  });

  it('a fulfilment recorded before services were recorded (no `service` in the event) resumes without a record', () => {
    const older: RedemptionEvent = { type: 'FulfilmentDecided', data: { fulfilledBy: 'org-1', volunteerId: 'bob' } };
    given([...history.held, older]).when(resume).then({ send: fulfilPhase });
  });
});

// ── Cancelling and lapsing ──────────────────────────────────────────────────────────────────────────

describe('the member or an organiser cancels', () => {
  it('records who asked, then releases the hold and the stock', () => {
    given(history.held).when(cancel('cancelled')).then({ record: [cancellationRequested('cancelled')], send: cancelPhase('cancelled') });
  });

  it('released → cancelled, naming who asked', () => {
    given(history.cancelling).when(phaseDone(...cancelPhase('cancelled'))).then({ record: [cancelled('cancelled')] });
  });

  it('may cancel after the hold lapsed (nobody has expired it yet)', () => {
    given(history.held).when(cancel('cancelled', { now: justAfter })).then({ record: [cancellationRequested('cancelled')], send: cancelPhase('cancelled') });
  });

  it('does not exist: not found', () => {
    given([]).when(cancel('cancelled')).thenError('not-found');
  });

  it.each(['requested', 'rejected', 'fulfilling', 'fulfilled', 'expired'] as const)('when %s: refused, only a held redemption can be cancelled', (status) => {
    const error = given(history[status]).when(cancel('cancelled')).thenError('invalid-state');
    expect(error.message).toContain(`can be cancelled`);
  });

  it('when cancelled: nothing to do (a repeat)', () => {
    given(history.cancelled).when(cancel('cancelled')).thenNothing();
  });

  it('when cancelling (interrupted): sends the release again, recording nothing', () => {
    given(history.cancelling).when(cancel('cancelled', { requestedBy: 'alice' })).then({ send: cancelPhase('cancelled') });
  });

  it('when being expired: refused, it is not cancelling for that reason', () => {
    given([...history.held, cancellationRequested('expired')]).when(cancel('cancelled')).thenError('invalid-state');
  });
});

describe('the hold lapses (expiry)', () => {
  const expire = (now: string) => cancel('expired', { requestedBy: 'system:expiry', now });

  it('at the moment it lapses: records the lapse, then releases the hold and the stock as expired', () => {
    given(history.held).when(expire(expiresAt)).then({ record: [cancellationRequested('expired', 'system:expiry')], send: cancelPhase('expired') });
  });

  it('after it lapsed: the same', () => {
    given(history.held).when(expire(justAfter)).then({ record: [cancellationRequested('expired', 'system:expiry')], send: cancelPhase('expired') });
  });

  it('a millisecond before it lapses: refused, it holds until then', () => {
    const error = given(history.held).when(expire(justBefore)).thenError('invalid-state');
    expect(error.message).toContain(`holds until ${expiresAt}`);
  });

  it('released → expired', () => {
    given([...history.held, cancellationRequested('expired', 'system:expiry')]).when(phaseDone(...cancelPhase('expired'))).then({ record: [cancelled('expired', 'system:expiry')] });
  });

  it('when expired: nothing to do (a repeat)', () => {
    given(history.expired).when(expire(justAfter)).thenNothing();
  });

  it('when being expired (interrupted): sends the release again', () => {
    given([...history.held, cancellationRequested('expired', 'system:expiry')]).when(expire(justAfter)).then({ send: cancelPhase('expired') });
  });

  it('when cancelled, or being cancelled: refused (it ended, or is ending, for another reason)', () => {
    given(history.cancelled).when(expire(justAfter)).thenError('invalid-state');
    given(history.cancelling).when(expire(justAfter)).thenError('invalid-state');
  });

  it.each(['requested', 'rejected', 'fulfilling', 'fulfilled'] as const)('when %s: refused', (status) => {
    given(history[status]).when(expire(justAfter)).thenError('invalid-state');
  });

  it('does not exist: not found', () => {
    given([]).when(expire(justAfter)).thenError('not-found');
  });
});

// ── Resuming (the recovery pass, or a retry after a conflict) ───────────────────────────────────────

describe('resuming an interrupted redemption sends the phase it recorded, and nothing else', () => {
  it('requested: reserve and hold again', () => {
    given(history.requested).when(resume).then({ send: requestPhase });
  });

  it('fulfilling: spend and issue again', () => {
    given(history.fulfilling).when(resume).then({ send: fulfilPhase });
  });

  it('cancelling: release again, for the reason recorded', () => {
    given(history.cancelling).when(resume).then({ send: cancelPhase('cancelled') });
    given([...history.held, cancellationRequested('expired')]).when(resume).then({ send: cancelPhase('expired') });
  });

  it.each(['held', 'rejected', 'fulfilled', 'cancelled', 'expired'] as const)('%s: nothing to do', (status) => {
    given(history[status]).when(resume).thenNothing();
  });

  it('a redemption that was never requested: nothing to do', () => {
    given([]).when(resume).thenNothing();
  });

  it('after an abandoned fulfilment (back to held): nothing to do', () => {
    given([...history.fulfilling, abandoned(inDeficit)]).when(resume).thenNothing();
  });
});

// ── Results the workflow cannot have caused: corruption, thrown ─────────────────────────────────────

describe('a phase result in a state with no phase under way is an invariant violation', () => {
  it.each(['held', 'rejected', 'fulfilled', 'cancelled', 'expired'] as const)('a phase done while %s', (status) => {
    given(history[status]).when(phaseDone(spendHold)).thenThrows(new RegExp(`a phase ended while ${status}`));
  });

  it('a phase done before anything was requested', () => {
    given([]).when(phaseDone(reserveStock)).thenThrows(/a phase ended while none/);
  });

  it('releasing what a redemption set aside cannot be refused: a refused cancel phase throws', () => {
    given(history.cancelling).when(phaseRefused(releaseHold('cancelled'), domainError('not-found', 'hold d1 does not exist'))).thenThrows(/a cancelling step was refused: hold d1/);
  });

  it.each(['held', 'rejected', 'fulfilled', 'cancelled', 'expired'] as const)('a phase refused while %s', (status) => {
    given(history[status]).when(phaseRefused(spendHold, inDeficit)).thenThrows(new RegExp(`a ${status} step was refused`));
  });
});

// ── The states a recovery pass looks for ────────────────────────────────────────────────────────────

describe('terminal and unfinished states', () => {
  const terminal: RedemptionStatus[] = ['rejected', 'fulfilled', 'cancelled', 'expired'];
  const unfinished: RedemptionStatus[] = ['requested', 'fulfilling', 'cancelling'];

  it.each(['none', ...statuses] as RedemptionStatus[])('%s', (status) => {
    expect({ terminal: isTerminalRedemption(status), unfinished: isUnfinishedRedemption(status) }).toEqual({
      terminal: terminal.includes(status),
      unfinished: unfinished.includes(status),
    });
  });
});

describe('what the state remembers', () => {
  it('a fulfilment abandoned forgets who handed over and the volunteer’s record, and counts the attempt', () => {
    const state = given([...history.held, decided('bob', haircut), abandoned(inDeficit)]).state();
    expect({ fulfilledBy: state.fulfilledBy, volunteerId: state.volunteerId, service: state.service, abandoned: state.fulfilmentsAbandoned }).toEqual({
      fulfilledBy: null,
      volunteerId: null,
      service: null,
      abandoned: 1,
    });
  });

  it('fulfilled keeps who handed over and the volunteer, and lets go of the record sent', () => {
    const state = given([...history.held, decided('bob', haircut), fulfilled('bob')]).state();
    expect({ fulfilledBy: state.fulfilledBy, volunteerId: state.volunteerId, service: state.service }).toEqual({ fulfilledBy: 'org-1', volunteerId: 'bob', service: null });
  });

  it('cancelled lets go of the cancellation under way; a rejection keeps its reason', () => {
    expect(given(history.cancelled).state().cancellation).toBeNull();
    expect(given(history.cancelling).state().cancellation).toEqual({ reason: 'cancelled', requestedBy: 'org-1' });
    expect(given(history.rejected).state().rejection).toEqual({ code: insufficient.code, message: insufficient.message });
  });
});
