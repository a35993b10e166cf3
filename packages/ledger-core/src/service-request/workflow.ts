/**
 * The service-request workflow: the parts that move points on member streams.
 *
 *   post      ServiceRequestPosted, phase [PlaceHold]  → OfferedPointsHeld           (refused: ServiceRequestRejected)
 *   confirm   ConfirmationDecided, phase [RecordRequestService, PayHold] → OfferedPointsPaid
 *                                                       (refused: ConfirmationAbandoned, back to done, nothing kept)
 *             phase [ReceivePayment] → OfferedPointsDelivered
 *                                    (refused: phase [ReturnPayment] → OfferedPointsReturned; the service stands)
 *             phase [ApproveRecord] when the policy approves on confirmation → ServiceRequestConfirmed
 *   end       ServiceRequestEnding, phase [ReleaseHold] → ServiceRequestEnded (cancelled, refused or expired)
 *
 * Points offered are held from posting to the end and move once: the payment leaves the requester's hold for
 * the in-transit account and arrives at the volunteer (or comes back), each step idempotent by the request id,
 * each phase recorded, so a request interrupted anywhere is carried on by the same command or ResumeServiceRequest.
 * Without points, posting opens the request at once and confirming records the volunteer's hours only.
 */
import { type DomainError, InvariantViolation, domainError, invalidState, notFound } from '../errors.js';
import { Points } from '../money.js';
import { idOfAttempt } from '../ids.js';
import { err, ok } from '../result.js';
import type { StepCommand } from '../steps.js';
import { type PhaseResult, type Workflow, type WorkflowDecision, nothingToDo } from '../workflow.js';
import type { RequestEnding, ServiceRequestEvent } from './events.js';
import { type ServiceRequestState, evolveServiceRequest, initialServiceRequestState } from './state.js';

interface Target {
  readonly communityId: string;
  readonly requestId: string;
}

export interface PostServiceRequestInput extends Target {
  readonly type: 'PostServiceRequest';
  readonly requesterId: string;
  readonly category: string;
  readonly description: string;
  readonly wantedAt: string;
  readonly place: string;
  readonly pointsOffered: string | null;
  readonly expiresAt: string;
  readonly postedBy: string;
}

/** 评单: the record's date is the community's today; whether the policy approves the hours at once, by the policy of now. */
export interface ConfirmServiceRequestInput extends Target {
  readonly type: 'ConfirmServiceRequest';
  readonly confirmedBy: string;
  readonly rating: number;
  readonly comment: string | null;
  readonly serviceDate: string;
  readonly autoApprove: boolean;
}

export interface EndServiceRequestInput extends Target {
  readonly type: 'EndServiceRequest';
  readonly outcome: RequestEnding;
  readonly by: string;
  readonly reason: string | null;
  readonly now: string;
}

export interface ResumeServiceRequestInput extends Target {
  readonly type: 'ResumeServiceRequest';
}

export type ServiceRequestInput = PostServiceRequestInput | ConfirmServiceRequestInput | EndServiceRequestInput | ResumeServiceRequestInput;

type Decision = { ok: true; value: WorkflowDecision<ServiceRequestEvent> } | { ok: false; error: DomainError };

const decided = (record: ServiceRequestEvent[], send: StepCommand[] = [], refusal?: DomainError): Decision => ok(refusal ? { record, send, refusal } : { record, send });

/** The volunteer's record of a request: one per request, recognised on the volunteer's stream by this id. */
export const requestRecordId = (requestId: string): string => `request.${requestId}`;

// ── Phases ──────────────────────────────────────────────────────────────────────────────────────────

const holdPhase = (c: string, s: Pick<ServiceRequestState, 'requestId' | 'requesterId' | 'expiresAt'>, points: string): StepCommand[] => [
  { type: 'PlaceHold', communityId: c, memberId: s.requesterId, holdId: s.requestId, redemptionId: s.requestId, points, expiresAt: s.expiresAt, purpose: 'service-request' },
];

/** The record first (it can be withdrawn), then the point of no return: the payment. */
function recordAndPayPhase(c: string, s: ServiceRequestState, service: NonNullable<ServiceRequestState['confirmation']>['service']): StepCommand[] {
  const steps: StepCommand[] = [{ type: 'RecordRequestService', communityId: c, memberId: s.volunteerId!, requestId: s.requestId, ...service }];
  if (s.pointsOffered !== null) steps.push({ type: 'PayHold', communityId: c, memberId: s.requesterId, requestId: s.requestId, to: s.volunteerId! });
  return steps;
}

const deliverPhase = (c: string, s: ServiceRequestState): StepCommand[] => [
  { type: 'ReceivePayment', communityId: c, memberId: s.volunteerId!, requestId: s.requestId, from: s.requesterId },
];

const returnPhase = (c: string, s: ServiceRequestState, reason: string): StepCommand[] => [
  { type: 'ReturnPayment', communityId: c, memberId: s.requesterId, requestId: s.requestId, reason },
];

const approvePhase = (c: string, s: ServiceRequestState): StepCommand[] => [
  { type: 'ApproveRecord', communityId: c, memberId: s.volunteerId!, recordId: s.confirmation!.service.recordId, automatic: true },
];

const releasePhase = (c: string, s: ServiceRequestState, outcome: RequestEnding): StepCommand[] =>
  s.pointsOffered === null
    ? []
    : [{ type: 'ReleaseHold', communityId: c, memberId: s.requesterId, holdId: s.requestId, reason: outcome === 'expired' ? 'expired' : 'cancelled', purpose: 'service-request' }];

function confirmed(state: ServiceRequestState, recordApproved: boolean): ServiceRequestEvent {
  const pointsMoved = state.payment === 'delivered' && state.pointsOffered !== null ? state.pointsOffered : Points.zero.toString();
  return { type: 'ServiceRequestConfirmed', data: { volunteerId: state.volunteerId!, rating: state.confirmation!.rating, hours: state.confirmation!.service.hours, pointsMoved, recordApproved } };
}

/** Where a confirmation goes next once the payment stands where it does (or there was none). */
function afterPayment(c: string, state: ServiceRequestState, record: ServiceRequestEvent[]): Decision {
  if (state.confirmation!.autoApprove) return decided(record, approvePhase(c, state));
  return decided([...record, confirmed(state, false)]);
}

/** A confirmation carried on from the point its recorded events show. */
function confirmingProgress(c: string, state: ServiceRequestState): Decision {
  switch (state.payment) {
    case 'none':
      return decided([], recordAndPayPhase(c, state, state.confirmation!.service));
    case 'paid':
      return decided([], deliverPhase(c, state));
    default:
      return afterPayment(c, state, []);
  }
}

// ── Inputs from callers ─────────────────────────────────────────────────────────────────────────────

function post(input: PostServiceRequestInput, state: ServiceRequestState): Decision {
  if (state.status === 'none') {
    const { type: _type, communityId: c, ...data } = input;
    const posted: ServiceRequestEvent = { type: 'ServiceRequestPosted', data };
    return decided([posted], input.pointsOffered === null ? [] : holdPhase(c, input, input.pointsOffered));
  }
  if (state.requesterId !== input.requesterId || state.pointsOffered !== input.pointsOffered || state.category !== input.category) {
    return err(domainError('already-exists', `service request ${input.requestId} exists for another requester, category or offer; use a new id`));
  }
  if (state.status === 'rejected') return err(domainError(state.rejection!.code as DomainError['code'], state.rejection!.message));
  if (state.status === 'posting') return decided([], holdPhase(input.communityId, state, state.pointsOffered!));
  return ok(nothingToDo);
}

function confirm(input: ConfirmServiceRequestInput, state: ServiceRequestState): Decision {
  const c = input.communityId;
  if (state.status === 'none') return err(notFound('service request', input.requestId));
  if (state.status === 'confirmed' || state.status === 'confirming') {
    const same = state.confirmation !== null && state.confirmation.rating === input.rating && state.confirmation.comment === input.comment;
    if (!same) return err(invalidState(`service request ${input.requestId} was confirmed and rated ${state.confirmation?.rating ?? state.rating} already; a request is rated once`, { rating: state.confirmation?.rating ?? state.rating }));
    return state.status === 'confirmed' ? ok(nothingToDo) : confirmingProgress(c, state);
  }
  if (state.status !== 'done') {
    return err(invalidState(`service request ${input.requestId} is ${state.status}; it can be confirmed once the volunteer has marked it done`, { status: state.status }));
  }
  // A confirmation abandoned before (its payment refused) withdrew the record it made: this one records anew.
  const recordId = idOfAttempt(requestRecordId(state.requestId), state.confirmationAttempts + 1);
  const service = { recordId, category: state.category, serviceDate: input.serviceDate, hours: state.hours! };
  const decision: ServiceRequestEvent = {
    type: 'ConfirmationDecided',
    data: { confirmedBy: input.confirmedBy, rating: input.rating, comment: input.comment, service, autoApprove: input.autoApprove },
  };
  // The volunteer's side is checked up front too (over a maximum balance, say), so such a refusal leaves no trace.
  const check: StepCommand[] =
    state.pointsOffered === null
      ? []
      : [{ type: 'ReceivePoints', communityId: c, memberId: state.volunteerId!, transferId: requestRecordId(state.requestId), from: state.requesterId, points: state.pointsOffered, portions: [] }];
  return ok({ record: [decision], send: recordAndPayPhase(c, state, service), check });
}

function end(input: EndServiceRequestInput, state: ServiceRequestState): Decision {
  const { outcome } = input;
  if (state.status === 'none') return err(notFound('service request', input.requestId));
  if (state.ended === outcome) return ok(nothingToDo);
  if (state.status === 'ending' && state.ending?.outcome === outcome) return decided([], releasePhase(input.communityId, state, outcome));
  const allowed: Record<RequestEnding, readonly string[]> = {
    cancelled: ['open', 'assigned'],
    refused: ['open', 'assigned', 'done'],
    expired: ['open', 'assigned'],
  };
  if (!allowed[outcome].includes(state.status)) {
    const hint = state.status === 'done' && outcome === 'cancelled' ? ' — it was done: confirm it, or ask an organiser to refuse it' : '';
    return err(invalidState(`service request ${input.requestId} is ${state.status}; it cannot be ${outcome}${hint}`, { status: state.status }));
  }
  if (outcome === 'expired' && input.now < state.expiresAt) {
    return err(invalidState(`service request ${input.requestId} stands until ${state.expiresAt}; it cannot expire yet`, { expiresAt: state.expiresAt }));
  }
  const ending: ServiceRequestEvent = { type: 'ServiceRequestEnding', data: { outcome, by: input.by, reason: input.reason } };
  const release = releasePhase(input.communityId, state, outcome);
  return release.length > 0 ? decided([ending], release) : decided([ending, { type: 'ServiceRequestEnded', data: { outcome } }]);
}

function resume(input: ResumeServiceRequestInput, state: ServiceRequestState): Decision {
  const c = input.communityId;
  switch (state.status) {
    case 'posting':
      return decided([], holdPhase(c, state, state.pointsOffered!));
    case 'confirming':
      return confirmingProgress(c, state);
    case 'ending':
      return decided([], releasePhase(c, state, state.ending!.outcome));
    default:
      return ok(nothingToDo);
  }
}

// ── Results of phases ───────────────────────────────────────────────────────────────────────────────

function phaseDone(state: ServiceRequestState, step: StepCommand): Decision {
  const c = step.communityId;
  switch (step.type) {
    case 'PlaceHold':
      return decided([{ type: 'OfferedPointsHeld', data: {} }]);
    case 'RecordRequestService':
      // The last step of the first phase only when no points were offered.
      return afterPayment(c, state, []);
    case 'PayHold':
      return decided([{ type: 'OfferedPointsPaid', data: {} }], deliverPhase(c, state));
    case 'ReceivePayment':
      return afterPayment(c, { ...state, payment: 'delivered' }, [{ type: 'OfferedPointsDelivered', data: {} }]);
    case 'ReturnPayment':
      return afterPayment(c, state, [{ type: 'OfferedPointsReturned', data: { reason: step.reason } }]);
    case 'ApproveRecord':
      return decided([confirmed(state, true)]);
    case 'ReleaseHold':
      return decided([{ type: 'ServiceRequestEnded', data: { outcome: state.ending!.outcome } }]);
    default:
      throw new InvariantViolation(`service request ${state.requestId}: unexpected step ${step.type}`);
  }
}

function phaseRefused(state: ServiceRequestState, step: StepCommand, error: DomainError): Decision {
  const reason = { code: error.code, message: error.message };
  switch (step.type) {
    case 'PlaceHold':
      return decided([{ type: 'ServiceRequestRejected', data: reason }], [], error);
    case 'RecordRequestService':
    case 'PayHold':
      // The runner has withdrawn the record already: the confirmation left nothing behind.
      return decided([{ type: 'ConfirmationAbandoned', data: reason }], [], error);
    case 'ReceivePayment':
      return decided([], returnPhase(step.communityId, state, error.message));
    case 'ApproveRecord':
      // The hours stay pending for an organiser (the confirmer's own record, the daily cap…).
      return decided([confirmed(state, false)]);
    default:
      // Releasing or returning what a request set aside cannot be refused unless the books are corrupt.
      throw new InvariantViolation(`service request ${state.requestId}: ${step.type} was refused: ${error.message}`);
  }
}

export const serviceRequestWorkflow: Workflow<ServiceRequestInput, ServiceRequestState, ServiceRequestEvent> = {
  initialState: initialServiceRequestState,
  evolve: evolveServiceRequest,
  decide(input: ServiceRequestInput | PhaseResult, state: ServiceRequestState): Decision {
    switch (input.type) {
      case 'PostServiceRequest':
        return post(input, state);
      case 'ConfirmServiceRequest':
        return confirm(input, state);
      case 'EndServiceRequest':
        return end(input, state);
      case 'ResumeServiceRequest':
        return resume(input, state);
      case 'PhaseDone': {
        const receipt = input.receipts.at(-1);
        if (!receipt) throw new InvariantViolation(`service request ${state.requestId}: a phase ended with no step`);
        return phaseDone(state, receipt.step);
      }
      case 'PhaseRefused':
        return phaseRefused(state, input.refused, input.error);
    }
  },
};
