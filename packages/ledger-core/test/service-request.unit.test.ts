/**
 * Service requests (点单 → 派单 → 接单 → 评单), one rule per test: points offered are held at posting and released
 * at every end but a confirmation, which moves them once (requester → in-transit → volunteer); each request ends
 * once; a rating is given once.
 */
import { describe, expect, it } from 'vitest';
import { type ServiceRequestEvent, type ServiceRequestInput, type StepCommand, domainError, isEndedServiceRequest, pointsHeldFor, serviceRequestWorkflow } from '../src/index.js';
import { givenRequest, givenWorkflow, phaseDone, phaseRefused } from '../src/testing/index.js';

const c = 'c1';
const q = 'fix-tap';
const now = new Date('2026-03-10T12:00:00.000Z');
const expiresAt = '2026-03-20T00:00:00.000Z';
const given = givenWorkflow(serviceRequestWorkflow);

const postInput = (pointsOffered: string | null = '20.00'): ServiceRequestInput => ({
  type: 'PostServiceRequest',
  communityId: c,
  requestId: q,
  requesterId: 'li',
  category: 'elder-care',
  description: '厨房水龙头漏水',
  wantedAt: '2026-03-12T02:00:00.000Z',
  place: '3号楼201',
  pointsOffered,
  expiresAt,
  postedBy: 'li',
});
const posted = (pointsOffered: string | null = '20.00'): ServiceRequestEvent => {
  const { type: _t, communityId: _c, ...data } = postInput(pointsOffered) as Extract<ServiceRequestInput, { type: 'PostServiceRequest' }>;
  return { type: 'ServiceRequestPosted', data };
};
const held: ServiceRequestEvent = { type: 'OfferedPointsHeld', data: {} };
const assigned = (volunteerId = 'wang', via: 'dispatch' | 'take' = 'take'): ServiceRequestEvent => ({ type: 'ServiceRequestAssigned', data: { volunteerId, via, by: volunteerId } });
const done: ServiceRequestEvent = { type: 'ServiceRequestDone', data: { hours: '1.50', doneAt: now.toISOString(), by: 'wang' } };
const service = { recordId: `request.${q}`, category: 'elder-care', serviceDate: '2026-03-10', hours: '1.50' };
const decided = (autoApprove = false, rating = 5): ServiceRequestEvent => ({ type: 'ConfirmationDecided', data: { confirmedBy: 'li', rating, comment: '很及时', service, autoApprove } });
const confirmInput = (autoApprove = false, rating = 5): ServiceRequestInput => ({
  type: 'ConfirmServiceRequest',
  communityId: c,
  requestId: q,
  confirmedBy: 'li',
  rating,
  comment: '很及时',
  serviceDate: '2026-03-10',
  autoApprove,
});
const endInput = (outcome: 'cancelled' | 'refused' | 'expired', when = now.toISOString()): ServiceRequestInput => ({ type: 'EndServiceRequest', communityId: c, requestId: q, outcome, by: 'li', reason: null, now: when });

const hold: StepCommand = { type: 'PlaceHold', communityId: c, memberId: 'li', holdId: q, redemptionId: q, points: '20.00', expiresAt, purpose: 'service-request' };
const recordStep: StepCommand = { type: 'RecordRequestService', communityId: c, memberId: 'wang', requestId: q, ...service };
const pay: StepCommand = { type: 'PayHold', communityId: c, memberId: 'li', requestId: q, to: 'wang' };
const receive: StepCommand = { type: 'ReceivePayment', communityId: c, memberId: 'wang', requestId: q, from: 'li' };
const approve: StepCommand = { type: 'ApproveRecord', communityId: c, memberId: 'wang', recordId: `request.${q}`, automatic: true };
const release = (reason: 'cancelled' | 'expired' = 'cancelled'): StepCommand => ({ type: 'ReleaseHold', communityId: c, memberId: 'li', holdId: q, reason, purpose: 'service-request' });
const confirmed = (pointsMoved: string, recordApproved: boolean): ServiceRequestEvent => ({ type: 'ServiceRequestConfirmed', data: { volunteerId: 'wang', rating: 5, hours: '1.50', pointsMoved, recordApproved } });

describe('点单: posting holds the points offered at once', () => {
  it('records the request and holds the points on the requester\'s account', () => {
    given([]).when(postInput()).then({ record: [posted()], send: [hold] });
    given([posted()]).when(phaseDone(hold)).then({ record: [held] });
  });

  it('without points offered the request is open at once', () => {
    given([]).when(postInput(null)).then({ record: [posted(null)] });
    expect(given([posted(null)]).state().status).toBe('open');
  });

  it('points that cannot be held (no overdraft) reject the request: it never opens', () => {
    const error = domainError('insufficient-points', 'insufficient points: available 5.00, needed 20.00');
    given([posted()]).when(phaseRefused(hold, error)).then({ record: [{ type: 'ServiceRequestRejected', data: { code: error.code, message: error.message } }], refusal: 'insufficient-points' });
  });

  it('the same request again is nothing new; another under its id is refused', () => {
    given([posted(), held]).when(postInput()).thenNothing();
    given([posted()]).when(postInput()).then({ record: [], send: [hold] });
    given([posted(), held]).when(postInput('30.00')).thenError('already-exists');
  });
});

describe('派单 / 接单 / done (single-stream decisions)', () => {
  it('an organiser dispatches an open request to a volunteer, or a volunteer takes it', () => {
    givenRequest([posted(), held]).when({ type: 'DispatchServiceRequest', communityId: c, requestId: q, volunteerId: 'wang' }, { now }).then([{ type: 'ServiceRequestAssigned', data: { volunteerId: 'wang', via: 'dispatch', by: 'org-1' } }]);
    givenRequest([posted(), held]).when({ type: 'TakeServiceRequest', communityId: c, requestId: q, memberId: 'wang' }, { now, actor: { id: 'wang', role: 'member', communityId: c } }).then([assigned()]);
  });

  it('only an open request is assigned, not to its requester, and not after it lapsed', () => {
    givenRequest([posted(), held, assigned()]).when({ type: 'TakeServiceRequest', communityId: c, requestId: q, memberId: 'zhao' }, { now }).thenError('invalid-state');
    givenRequest([posted()]).when({ type: 'TakeServiceRequest', communityId: c, requestId: q, memberId: 'zhao' }, { now }).thenError('invalid-state');
    givenRequest([posted(), held]).when({ type: 'TakeServiceRequest', communityId: c, requestId: q, memberId: 'li' }, { now }).thenError('validation');
    givenRequest([posted(), held]).when({ type: 'TakeServiceRequest', communityId: c, requestId: q, memberId: 'wang' }, { now: new Date(expiresAt) }).thenError('invalid-state');
  });

  it('the volunteer hands it back (open again), or marks it done with sane hours', () => {
    givenRequest([posted(), held, assigned()]).when({ type: 'DeclineServiceRequest', communityId: c, requestId: q }, { now }).then([{ type: 'ServiceRequestDeclined', data: { volunteerId: 'wang', by: 'org-1', reason: null } }]);
    givenRequest([posted(), held, assigned()]).when({ type: 'MarkServiceRequestDone', communityId: c, requestId: q, hours: '1.50' }, { now, actor: { id: 'wang', role: 'member', communityId: c } }).then([done]);
    givenRequest([posted(), held, assigned()]).when({ type: 'MarkServiceRequestDone', communityId: c, requestId: q, hours: '24.01' }, { now }).thenError('hours-out-of-range');
    givenRequest([posted(), held]).when({ type: 'MarkServiceRequestDone', communityId: c, requestId: q, hours: '1.00' }, { now }).thenError('invalid-state');
  });
});

describe('评单: confirming records the hours and moves the points once', () => {
  const ready = [posted(), held, assigned(), done];

  it('decides the confirmation, previews the volunteer\'s side, records the hours and pays from the hold', () => {
    given(ready).when(confirmInput()).then({
      record: [decided()],
      send: [recordStep, pay],
      check: [{ type: 'ReceivePoints', communityId: c, memberId: 'wang', transferId: `request.${q}`, from: 'li', points: '20.00', portions: [] }],
    });
  });

  it('paid → delivered to the volunteer → confirmed (hours left for an organiser under the default policy)', () => {
    given([...ready, decided()]).when(phaseDone(recordStep, pay)).then({ record: [{ type: 'OfferedPointsPaid', data: {} }], send: [receive] });
    given([...ready, decided(), { type: 'OfferedPointsPaid', data: {} }]).when(phaseDone(receive)).then({ record: [{ type: 'OfferedPointsDelivered', data: {} }, confirmed('20.00', false)] });
  });

  it('where the policy approves on confirmation, the hours are approved last; a refusal leaves them pending', () => {
    const delivered = [...ready, decided(true), { type: 'OfferedPointsPaid', data: {} } as ServiceRequestEvent];
    given(delivered).when(phaseDone(receive)).then({ record: [{ type: 'OfferedPointsDelivered', data: {} }], send: [approve] });
    given([...delivered, { type: 'OfferedPointsDelivered', data: {} }]).when(phaseDone(approve)).then({ record: [confirmed('20.00', true)] });
    given([...delivered, { type: 'OfferedPointsDelivered', data: {} }]).when(phaseRefused(approve, domainError('daily-cap-reached', 'cap'))).then({ record: [confirmed('20.00', false)] });
  });

  it('a volunteer who cannot take the points: they go back to the requester; the service stands, nothing moved', () => {
    const paid = [...ready, decided(), { type: 'OfferedPointsPaid', data: {} } as ServiceRequestEvent];
    const error = domainError('max-balance-exceeded', 'wang holds 995.00');
    given(paid).when(phaseRefused(receive, error)).then({ record: [], send: [{ type: 'ReturnPayment', communityId: c, memberId: 'li', requestId: q, reason: error.message }] });
    given(paid)
      .when(phaseDone({ type: 'ReturnPayment', communityId: c, memberId: 'li', requestId: q, reason: error.message }))
      .then({ record: [{ type: 'OfferedPointsReturned', data: { reason: error.message } }, confirmed('0.00', false)] });
  });

  it('a record or payment refused (the requester in deficit) abandons the confirmation: back to done, nothing kept', () => {
    const error = domainError('in-deficit', 'li owes 3.00');
    given([...ready, decided()]).when(phaseRefused(pay, error)).then({ record: [{ type: 'ConfirmationAbandoned', data: { code: 'in-deficit', message: error.message } }], refusal: 'in-deficit' });
    expect(given([...ready, decided(), { type: 'ConfirmationAbandoned', data: { code: 'in-deficit', message: error.message } }]).state().status).toBe('done');
  });

  it('without points offered a confirmation records the hours only', () => {
    const free = [posted(null), assigned(), done];
    given(free).when(confirmInput()).then({ record: [decided()], send: [recordStep] });
    given([...free, decided()]).when(phaseDone(recordStep)).then({ record: [confirmed('0.00', false)] });
  });

  it('rated once: the same confirmation again is nothing; another rating is refused; an unfinished one carries on', () => {
    const all = [...ready, decided(), { type: 'OfferedPointsPaid', data: {} }, { type: 'OfferedPointsDelivered', data: {} }, confirmed('20.00', false)] as ServiceRequestEvent[];
    given(all).when(confirmInput()).thenNothing();
    given(all).when(confirmInput(false, 3)).thenError('invalid-state');
    given([...ready, decided()]).when(confirmInput()).then({ record: [], send: [recordStep, pay] });
    given([...ready, decided(), { type: 'OfferedPointsPaid', data: {} }]).when({ type: 'ResumeServiceRequest', communityId: c, requestId: q }).then({ record: [], send: [receive] });
  });

  it('only a request marked done is confirmed', () => {
    given([posted(), held, assigned()]).when(confirmInput()).thenError('invalid-state');
  });
});

describe('cancel, refuse, expire: each releases the hold; each request ends once', () => {
  const open = [posted(), held];
  const ending = (outcome: 'cancelled' | 'refused' | 'expired'): ServiceRequestEvent => ({ type: 'ServiceRequestEnding', data: { outcome, by: 'li', reason: null } });

  it('cancelling an open request releases the held points', () => {
    given(open).when(endInput('cancelled')).then({ record: [ending('cancelled')], send: [release()] });
    given([...open, ending('cancelled')]).when(phaseDone(release())).then({ record: [{ type: 'ServiceRequestEnded', data: { outcome: 'cancelled' } }] });
  });

  it('a request lapses only after its expiry, releasing the hold as expired', () => {
    given(open).when(endInput('expired')).thenError('invalid-state');
    given(open).when(endInput('expired', expiresAt)).then({ record: [ending('expired')], send: [release('expired')] });
  });

  it('a request done cannot be cancelled (confirm it, or an organiser refuses it)', () => {
    const error = given([...open, assigned(), done]).when(endInput('cancelled')).thenError('invalid-state');
    expect(error.message).toMatch(/confirm it, or ask an organiser to refuse it/);
    given([...open, assigned(), done]).when(endInput('refused')).then({ record: [ending('refused')], send: [release()] });
  });

  it('without points nothing is released: it ends at once', () => {
    given([posted(null)]).when(endInput('cancelled')).then({ record: [ending('cancelled'), { type: 'ServiceRequestEnded', data: { outcome: 'cancelled' } }] });
  });

  it('ends once: the same end again is nothing; a different end is refused', () => {
    const cancelled = [...open, ending('cancelled'), { type: 'ServiceRequestEnded', data: { outcome: 'cancelled' } } as ServiceRequestEvent];
    given(cancelled).when(endInput('cancelled')).thenNothing();
    given(cancelled).when(endInput('refused')).thenError('invalid-state');
    given(cancelled).when(confirmInput()).thenError('invalid-state');
    expect(isEndedServiceRequest(given(cancelled).state())).toBe(true);
  });

  it('points are held from posting until the end, and not after', () => {
    expect(pointsHeldFor(given([posted()]).state())).toBeNull();
    expect(pointsHeldFor(given(open).state())).toBe('20.00');
    expect(pointsHeldFor(given([...open, assigned(), done, decided()]).state())).toBe('20.00');
    expect(pointsHeldFor(given([...open, assigned(), done, decided(), { type: 'OfferedPointsPaid', data: {} }]).state())).toBeNull();
  });
});
