/**
 * The redemption workflow (兑换): request → (stock reserved, points held) → fulfilled, or cancelled / expired.
 *
 *   requested  ──phase [ReserveStock, PlaceHold]──▶ held        (refused: RedemptionRejected, nothing kept)
 *   held       ──FulfilmentDecided, phase [RecordServiceGiven?, SpendHold, IssueStock]──▶ fulfilled
 *                                                              (refused: FulfilmentAbandoned, back to held)
 *   held       ──CancellationRequested, phase [ReleaseHold, ReleaseStock]──▶ cancelled | expired
 *
 * Every phase is recorded before its steps are sent, so a redemption interrupted in a phase (requested,
 * fulfilling, cancelling) is carried on by sending the phase again: each step is idempotent by the
 * redemption id. The inputs carry what the workflow cannot look up itself (the price, the clock).
 */
import { type DomainError, InvariantViolation, domainError, invalidState, notFound } from '../errors.js';
import { idOfAttempt } from '../ids.js';
import { err, ok } from '../result.js';
import type { StepCommand } from '../steps.js';
import { type PhaseResult, type Workflow, type WorkflowDecision, nothingToDo } from '../workflow.js';
import type { RedemptionEvent, ServiceGiven } from './events.js';
import { type RedemptionState, evolveRedemption, initialRedemptionState } from './state.js';

interface Target {
  readonly communityId: string;
  readonly redemptionId: string;
}

/** A member asks for an item; the price and the hold's end are fixed now, by the item and the policy. */
export interface RequestRedemptionInput extends Target {
  readonly type: 'RequestRedemption';
  readonly memberId: string;
  readonly itemId: string;
  readonly quantity: number;
  readonly points: string;
  readonly expiresAt: string;
  readonly requestedBy: string;
}

/** An organiser hands the item over (and, for a service, names the volunteer who gave it). */
export interface FulfilRedemptionInput extends Target {
  readonly type: 'FulfilRedemption';
  readonly fulfilledBy: string;
  readonly volunteerId: string | null;
  readonly itemKind: 'goods' | 'service';
  /** The volunteer's record, when a volunteer is named. */
  readonly service: ServiceGiven | null;
  readonly now: string;
}

export interface CancelRedemptionInput extends Target {
  readonly type: 'CancelRedemption';
  readonly reason: 'cancelled' | 'expired';
  readonly requestedBy: string;
  readonly now: string;
}

/** Carry on whatever phase a crash or a conflict interrupted. */
export interface ResumeRedemptionInput extends Target {
  readonly type: 'ResumeRedemption';
}

export type RedemptionInput = RequestRedemptionInput | FulfilRedemptionInput | CancelRedemptionInput | ResumeRedemptionInput;

type Decision = { ok: true; value: WorkflowDecision<RedemptionEvent> } | { ok: false; error: DomainError };

const decided = (record: RedemptionEvent[], send: StepCommand[] = [], refusal?: DomainError): Decision =>
  ok(refusal ? { record, send, refusal } : { record, send });

// ── Phases ──────────────────────────────────────────────────────────────────────────────────────────

function requestPhase(c: string, s: Pick<RedemptionState, 'redemptionId' | 'memberId' | 'itemId' | 'quantity' | 'points' | 'expiresAt'>): StepCommand[] {
  return [
    { type: 'ReserveStock', communityId: c, itemId: s.itemId, redemptionId: s.redemptionId, memberId: s.memberId, quantity: s.quantity },
    { type: 'PlaceHold', communityId: c, memberId: s.memberId, holdId: s.redemptionId, redemptionId: s.redemptionId, points: s.points, expiresAt: s.expiresAt },
  ];
}

/** The volunteer's record first (it can be withdrawn), then the point of no return: the spend. */
function fulfilPhase(c: string, s: RedemptionState): StepCommand[] {
  const steps: StepCommand[] = [];
  if (s.volunteerId !== null && s.service !== null) {
    steps.push({ type: 'RecordServiceGiven', communityId: c, memberId: s.volunteerId, redemptionId: s.redemptionId, ...s.service });
  }
  steps.push(
    { type: 'SpendHold', communityId: c, memberId: s.memberId, holdId: s.redemptionId },
    { type: 'IssueStock', communityId: c, itemId: s.itemId, redemptionId: s.redemptionId },
  );
  return steps;
}

function cancelPhase(c: string, s: RedemptionState, reason: 'cancelled' | 'expired'): StepCommand[] {
  return [
    { type: 'ReleaseHold', communityId: c, memberId: s.memberId, holdId: s.redemptionId, reason },
    { type: 'ReleaseStock', communityId: c, itemId: s.itemId, redemptionId: s.redemptionId },
  ];
}

/**
 * The volunteer's record for one fulfilment attempt. An abandoned attempt withdrew (rejected) the record it
 * made, and a record id is never recorded twice, so a later attempt gets an id of its own: `….2`, `….3`.
 */
function serviceOfAttempt(service: ServiceGiven, attempt: number): ServiceGiven {
  return attempt <= 1 ? service : { ...service, recordId: idOfAttempt(service.recordId, attempt) };
}

// ── Inputs from callers ─────────────────────────────────────────────────────────────────────────────

function request(input: RequestRedemptionInput, state: RedemptionState): Decision {
  if (state.status === 'none') {
    const { type: _input, communityId: _community, ...data } = input;
    return decided([{ type: 'RedemptionRequested', data }], requestPhase(input.communityId, input));
  }
  if (state.memberId !== input.memberId || state.itemId !== input.itemId || state.quantity !== input.quantity) {
    return err(domainError('already-exists', `redemption ${input.redemptionId} exists for another member, item or quantity; use a new id`));
  }
  // The same request again: a refused one stays refused, an interrupted one is finished, any other is where it is.
  if (state.status === 'rejected') return err(rejectionOf(state));
  if (state.status === 'requested') return decided([], requestPhase(input.communityId, state));
  return ok(nothingToDo);
}

function fulfil(input: FulfilRedemptionInput, state: RedemptionState): Decision {
  if (state.status === 'none') return err(notFound('redemption', input.redemptionId));
  if (state.status === 'fulfilled') return ok(nothingToDo);
  if (state.status === 'fulfilling') return decided([], fulfilPhase(input.communityId, state));
  if (state.status !== 'held') {
    return err(invalidState(`redemption ${input.redemptionId} is ${state.status}; only a held redemption can be fulfilled`, { status: state.status }));
  }
  if (input.now >= state.expiresAt) {
    return err(invalidState(`redemption ${input.redemptionId} lapsed at ${state.expiresAt}; ask the member to request it again`, { expiresAt: state.expiresAt }));
  }
  if (input.volunteerId !== null) {
    if (input.itemKind !== 'service') return err(domainError('validation', `item ${state.itemId} is goods; a volunteer is named only for a service`));
    if (input.volunteerId === state.memberId) return err(domainError('validation', 'the volunteer giving a service cannot be the member receiving it'));
  }
  const service = input.volunteerId === null || input.service === null ? null : serviceOfAttempt(input.service, state.fulfilmentsAbandoned + 1);
  const event: RedemptionEvent = { type: 'FulfilmentDecided', data: { fulfilledBy: input.fulfilledBy, volunteerId: input.volunteerId, service } };
  return decided([event], fulfilPhase(input.communityId, evolveRedemption({ ...state }, event)));
}

function cancel(input: CancelRedemptionInput, state: RedemptionState): Decision {
  const { reason } = input;
  if (state.status === 'none') return err(notFound('redemption', input.redemptionId));
  if (state.status === reason) return ok(nothingToDo);
  if (state.status === 'cancelling' && state.cancellation?.reason === reason) return decided([], cancelPhase(input.communityId, state, reason));
  if (state.status !== 'held') {
    return err(invalidState(`redemption ${input.redemptionId} is ${state.status}; only a held redemption can be ${reason}`, { status: state.status }));
  }
  if (reason === 'expired' && input.now < state.expiresAt) {
    return err(invalidState(`redemption ${input.redemptionId} holds until ${state.expiresAt}; it cannot expire yet`, { expiresAt: state.expiresAt }));
  }
  return decided([{ type: 'CancellationRequested', data: { reason, requestedBy: input.requestedBy } }], cancelPhase(input.communityId, state, reason));
}

function resume(input: ResumeRedemptionInput, state: RedemptionState): Decision {
  const c = input.communityId;
  switch (state.status) {
    case 'requested':
      return decided([], requestPhase(c, state));
    case 'fulfilling':
      return decided([], fulfilPhase(c, state));
    case 'cancelling':
      return decided([], cancelPhase(c, state, state.cancellation!.reason));
    default:
      return ok(nothingToDo);
  }
}

// ── Results of phases ───────────────────────────────────────────────────────────────────────────────

function phaseDone(state: RedemptionState): Decision {
  switch (state.status) {
    case 'requested':
      return decided([{ type: 'RedemptionHeld', data: {} }]);
    case 'fulfilling':
      return decided([{ type: 'RedemptionFulfilled', data: { fulfilledBy: state.fulfilledBy ?? 'system', volunteerId: state.volunteerId } }]);
    case 'cancelling':
      return decided([{ type: 'RedemptionCancelled', data: { reason: state.cancellation!.reason, cancelledBy: state.cancellation!.requestedBy } }]);
    default:
      throw new InvariantViolation(`redemption ${state.redemptionId}: a phase ended while ${state.status}`);
  }
}

function phaseRefused(state: RedemptionState, error: DomainError): Decision {
  const reason = { code: error.code, message: error.message };
  switch (state.status) {
    case 'requested':
      return decided([{ type: 'RedemptionRejected', data: reason }], [], error);
    case 'fulfilling':
      return decided([{ type: 'FulfilmentAbandoned', data: reason }], [], error);
    default:
      // Releasing what a redemption set aside cannot be refused unless the books are corrupt.
      throw new InvariantViolation(`redemption ${state.redemptionId}: a ${state.status} step was refused: ${error.message}`);
  }
}

const rejectionOf = (state: RedemptionState): DomainError => domainError(state.rejection!.code as DomainError['code'], state.rejection!.message);

export const redemptionWorkflow: Workflow<RedemptionInput, RedemptionState, RedemptionEvent> = {
  initialState: initialRedemptionState,
  evolve: evolveRedemption,
  decide(input: RedemptionInput | PhaseResult, state: RedemptionState): Decision {
    switch (input.type) {
      case 'RequestRedemption':
        return request(input, state);
      case 'FulfilRedemption':
        return fulfil(input, state);
      case 'CancelRedemption':
        return cancel(input, state);
      case 'ResumeRedemption':
        return resume(input, state);
      case 'PhaseDone':
        return phaseDone(state);
      case 'PhaseRefused':
        return phaseRefused(state, input.error);
    }
  },
};
