/**
 * The transfer workflow (转赠 / 爱心积分池): member → in-transit → member (or the donation pool), exactly once.
 *
 *   requested ──phase [SendPoints]──▶ debited ──phase [ReceivePoints]──▶ completed
 *                 (refused: TransferFailed)      (refused: phase [RefundTransfer] ──▶ returned)
 *
 * The sender's debit is decided on the sender's stream, the arrival on the recipient's. To deliver, the
 * workflow needs the debit as the sender's stream recorded it (the lot portions: gifts keep their expiry);
 * it learns it from the receipt of SendPoints, which answers with the debit whether it makes it now or made
 * it before — so a transfer interrupted anywhere is carried on by sending SendPoints again.
 */
import { type DomainError, type DomainErrorCode, InvariantViolation, domainError, domainErrorCodes } from '../errors.js';
import { err, ok } from '../result.js';
import type { DebitFacts, StepCommand } from '../steps.js';
import { type PhaseResult, type Workflow, type WorkflowDecision, nothingToDo } from '../workflow.js';
import type { TransferEvent } from './events.js';
import { type TransferState, evolveTransfer, initialTransferState } from './state.js';

interface Target {
  readonly communityId: string;
  readonly transferId: string;
}

export interface RequestTransferInput extends Target {
  readonly type: 'RequestTransfer';
  readonly from: string;
  readonly to: string;
  readonly points: string;
  readonly reason: 'gift' | 'donation';
  readonly requestedBy: string;
  /** The recipient's household, for policies that allow transfers within a family only. */
  readonly recipientHouseholdId: string | null;
}

/** Points an accrual sent on to the donation pool (a 'donate' maximum balance): debited already, to deliver. */
export interface DeliverOverflowInput extends Target {
  readonly type: 'DeliverOverflow';
  readonly from: string;
  readonly to: string;
  readonly debit: DebitFacts;
  readonly requestedBy: string;
}

/** Carry on a transfer a crash or a conflict interrupted. */
export interface ResumeTransferInput extends Target {
  readonly type: 'ResumeTransfer';
  readonly recipientHouseholdId: string | null;
}

export type TransferInput = RequestTransferInput | DeliverOverflowInput | ResumeTransferInput;

type Decision = { ok: true; value: WorkflowDecision<TransferEvent> } | { ok: false; error: DomainError };

const decided = (record: TransferEvent[], send: StepCommand[] = [], refusal?: DomainError): Decision =>
  ok(refusal ? { record, send, refusal } : { record, send });

/** Makes the debit, or — when it was made before — only reads it back (the step is idempotent). */
const debitPhase = (c: string, s: TransferState, recipientHouseholdId: string | null): StepCommand[] => [
  { type: 'SendPoints', communityId: c, memberId: s.from, transferId: s.transferId, to: s.to, points: s.points, reason: s.reason, recipientHouseholdId },
];

const deliverPhase = (c: string, s: TransferState, debit: DebitFacts): StepCommand[] => [
  { type: 'ReceivePoints', communityId: c, memberId: s.to, transferId: s.transferId, from: s.from, points: debit.points, portions: [...debit.portions] },
];

const refundPhase = (c: string, s: TransferState, error: DomainError): StepCommand[] => [
  { type: 'RefundTransfer', communityId: c, memberId: s.from, transferId: s.transferId, reason: error.message, code: error.code },
];

/**
 * A recorded refusal's code as a domain error code. Codes come from domain errors, except that a return
 * recorded before this was fixed says 'returned', which no caller (nor the HTTP edge) knows: it reads as
 * `returnedCode`.
 */
const knownCode = (code: string): DomainErrorCode => ((domainErrorCodes as readonly string[]).includes(code) ? (code as DomainErrorCode) : returnedCode);

/** A transfer returned for a reason no longer known (the recipient's answer was lost in a crash before it was recorded). */
const returnedCode: DomainErrorCode = 'invalid-state';

const problemOf = (state: TransferState): DomainError =>
  domainError(knownCode(state.problem!.code), state.problem!.message, { transfer: state.status });

/** The points came back to the sender: the transfer ends returned, and the caller is told why. */
function returnedWith(code: string, message: string, before: TransferEvent[] = []): Decision {
  const returned = { code: knownCode(code), message };
  return decided([...before, { type: 'TransferReturned', data: returned }], [], domainError(returned.code, message, { transfer: 'returned' }));
}

function request(input: RequestTransferInput, state: TransferState): Decision {
  if (state.status === 'none') {
    const requested: TransferEvent = {
      type: 'TransferRequested',
      data: { transferId: input.transferId, from: input.from, to: input.to, points: input.points, reason: input.reason, requestedBy: input.requestedBy },
    };
    const started = evolveTransfer(initialTransferState(), requested);
    // The recipient's side is checked up front too (over its cap, say), so such a refusal leaves no trace.
    const arrival = deliverPhase(input.communityId, started, { points: input.points, portions: [], refunded: false });
    return ok({ record: [requested], send: debitPhase(input.communityId, started, input.recipientHouseholdId), check: arrival });
  }
  if (state.from !== input.from || state.to !== input.to || state.points !== input.points) {
    return err(domainError('already-exists', `transfer ${input.transferId} exists with another sender, recipient or amount; use a new id`));
  }
  return carryOn(input.communityId, state, input.recipientHouseholdId);
}

function deliverOverflow(input: DeliverOverflowInput, state: TransferState): Decision {
  if (state.status !== 'none') return carryOn(input.communityId, state, null);
  const requested: TransferEvent = {
    type: 'TransferRequested',
    data: { transferId: input.transferId, from: input.from, to: input.to, points: input.debit.points, reason: 'overflow', requestedBy: input.requestedBy },
  };
  return decided([requested, { type: 'TransferDebited', data: {} }], deliverPhase(input.communityId, evolveTransfer(initialTransferState(), requested), input.debit));
}

/** The same transfer asked for again, or resumed: a refused one stays refused, an unfinished one is finished. */
function carryOn(c: string, state: TransferState, recipientHouseholdId: string | null): Decision {
  switch (state.status) {
    case 'requested':
    case 'debited':
      return decided([], debitPhase(c, state, recipientHouseholdId));
    case 'failed':
    case 'returned':
      return err(problemOf(state));
    default:
      return ok(nothingToDo);
  }
}

function phaseDone(state: TransferState, step: StepCommand, debit: DebitFacts | null | undefined): Decision {
  const c = step.communityId;
  switch (step.type) {
    case 'SendPoints': {
      if (!debit) throw new InvariantViolation(`transfer ${state.transferId}: the sender's stream holds no debit after SendPoints`);
      const debited: TransferEvent[] = state.status === 'requested' ? [{ type: 'TransferDebited', data: {} }] : [];
      // A refund already made (before a crash) ends the transfer where it stands: the points are back, and the
      // caller hears it was returned, as the attempt the crash interrupted would have answered.
      if (debit.refunded) {
        return returnedWith(returnedCode, `transfer ${state.transferId} could not be delivered to ${state.to} and was refunded to ${state.from}`, debited);
      }
      return decided(debited, deliverPhase(c, state, debit));
    }
    case 'ReceivePoints':
      return decided([{ type: 'TransferCompleted', data: {} }]);
    case 'RefundTransfer':
      return returnedWith(step.code ?? returnedCode, step.reason);
    default:
      throw new InvariantViolation(`transfer ${state.transferId}: unexpected step ${step.type}`);
  }
}

function phaseRefused(state: TransferState, step: StepCommand, error: DomainError): Decision {
  switch (step.type) {
    case 'SendPoints':
      return decided([{ type: 'TransferFailed', data: { code: error.code, message: error.message } }], [], error);
    case 'ReceivePoints':
      // The recipient cannot take the points (over its cap, gone): they go back to the sender.
      return decided([], refundPhase(step.communityId, state, error));
    default:
      throw new InvariantViolation(`transfer ${state.transferId}: ${step.type} was refused: ${error.message}`);
  }
}

export const transferWorkflow: Workflow<TransferInput, TransferState, TransferEvent> = {
  initialState: initialTransferState,
  evolve: evolveTransfer,
  decide(input: TransferInput | PhaseResult, state: TransferState): Decision {
    switch (input.type) {
      case 'RequestTransfer':
        return request(input, state);
      case 'DeliverOverflow':
        return deliverOverflow(input, state);
      case 'ResumeTransfer':
        return carryOn(input.communityId, state, input.recipientHouseholdId);
      case 'PhaseDone': {
        const receipt = input.receipts.at(-1);
        if (!receipt) throw new InvariantViolation(`transfer ${state.transferId}: a phase ended with no step`);
        return phaseDone(state, receipt.step, receipt.debit);
      }
      case 'PhaseRefused':
        return phaseRefused(state, input.refused, input.error);
    }
  },
};
