/**
 * The micro-wish workflow (微心愿):
 *
 *   post      WishPosted
 *   claim     WishClaimed — by a member: claimed; by the pool: phase [PlaceHold on _pool] → WishPointsHeld
 *                                                   (refused: WishClaimRejected, back to posted)
 *   fulfil    by a member: WishFulfilled; by the pool: WishFulfilling, phase [SpendHold on _pool] → WishFulfilled
 *                                                   (refused: WishFulfilmentAbandoned, back to claimed)
 *   cancel    WishCancelling, phase [ReleaseHold on _pool] → WishCancelled (no phase without a pool hold)
 *
 * The pool's points are spent like any member's: held (no overdraft), then pool → redeemed, conserved.
 */
import { type DomainError, InvariantViolation, domainError, invalidState, notFound } from '../errors.js';
import { donationPoolId } from '../ids.js';
import { err, ok } from '../result.js';
import type { StepCommand } from '../steps.js';
import { type PhaseResult, type Workflow, type WorkflowDecision, nothingToDo } from '../workflow.js';
import type { WishEvent } from './events.js';
import { type WishState, evolveWish, initialWishState } from './state.js';

interface Target {
  readonly communityId: string;
  readonly wishId: string;
}

export interface PostWishInput extends Target {
  readonly type: 'PostWish';
  readonly beneficiaryId: string;
  readonly title: string;
  readonly description: string | null;
  readonly points: string;
  readonly postedBy: string;
}

export interface ClaimWishInput extends Target {
  readonly type: 'ClaimWish';
  readonly claimantId: string;
  readonly by: string;
  /** Until when the pool's hold stands (what the hold says; the organiser fulfils or cancels the wish). */
  readonly holdExpiresAt: string;
}

export interface FulfilWishInput extends Target {
  readonly type: 'FulfilWish';
  readonly by: string;
}

export interface CancelWishInput extends Target {
  readonly type: 'CancelWish';
  readonly by: string;
  readonly reason: string;
}

export interface ResumeWishInput extends Target {
  readonly type: 'ResumeWish';
}

export type WishInput = PostWishInput | ClaimWishInput | FulfilWishInput | CancelWishInput | ResumeWishInput;

type Decision = { ok: true; value: WorkflowDecision<WishEvent> } | { ok: false; error: DomainError };

const decided = (record: WishEvent[], send: StepCommand[] = [], refusal?: DomainError): Decision => ok(refusal ? { record, send, refusal } : { record, send });

const poolHold = (c: string, s: WishState, expiresAt: string): StepCommand[] => [
  { type: 'PlaceHold', communityId: c, memberId: donationPoolId, holdId: s.wishId, redemptionId: s.wishId, points: s.points, expiresAt, purpose: 'wish' },
];
const poolSpend = (c: string, s: WishState): StepCommand[] => [{ type: 'SpendHold', communityId: c, memberId: donationPoolId, holdId: s.wishId, purpose: 'wish' }];
const poolRelease = (c: string, s: WishState): StepCommand[] => [
  { type: 'ReleaseHold', communityId: c, memberId: donationPoolId, holdId: s.wishId, reason: 'cancelled', purpose: 'wish' },
];

function post(input: PostWishInput, state: WishState): Decision {
  if (state.status !== 'none') {
    const same = state.beneficiaryId === input.beneficiaryId && state.points === input.points && state.title === input.title;
    return same ? ok(nothingToDo) : err(domainError('already-exists', `wish ${input.wishId} exists for another resident, title or value; use a new id`));
  }
  const { type: _type, communityId: _c, ...data } = input;
  return decided([{ type: 'WishPosted', data }]);
}

function claim(input: ClaimWishInput, state: WishState): Decision {
  if (state.status === 'none') return err(notFound('wish', input.wishId));
  if (state.claimantId === input.claimantId && state.status !== 'cancelled') {
    return state.status === 'claiming' ? decided([], poolHold(input.communityId, state, state.holdExpiresAt!)) : ok(nothingToDo);
  }
  if (state.status !== 'posted') {
    return err(invalidState(`wish ${input.wishId} is ${state.status}${state.claimantId ? ` (claimed by ${state.claimantId})` : ''}; only a posted wish can be claimed`, { status: state.status }));
  }
  if (input.claimantId === state.beneficiaryId) return err(domainError('validation', `${input.claimantId} made this wish; someone else fulfils it`));
  const byPool = input.claimantId === donationPoolId;
  const claimed: WishEvent = { type: 'WishClaimed', data: { claimantId: input.claimantId, by: input.by, holdExpiresAt: byPool ? input.holdExpiresAt : null } };
  return byPool ? decided([claimed], poolHold(input.communityId, state, input.holdExpiresAt)) : decided([claimed]);
}

function fulfil(input: FulfilWishInput, state: WishState): Decision {
  if (state.status === 'none') return err(notFound('wish', input.wishId));
  if (state.status === 'fulfilled') return ok(nothingToDo);
  if (state.status === 'fulfilling') return decided([], poolSpend(input.communityId, state));
  if (state.status !== 'claimed') return err(invalidState(`wish ${input.wishId} is ${state.status}; only a claimed wish can be fulfilled`, { status: state.status }));
  if (!state.poolHold) return decided([{ type: 'WishFulfilled', data: { claimantId: state.claimantId!, by: input.by, pointsSpent: '0.00' } }]);
  return decided([{ type: 'WishFulfilling', data: { by: input.by } }], poolSpend(input.communityId, state));
}

function cancel(input: CancelWishInput, state: WishState): Decision {
  if (state.status === 'none') return err(notFound('wish', input.wishId));
  if (state.status === 'cancelled') return ok(nothingToDo);
  if (state.status === 'cancelling') return decided([], poolRelease(input.communityId, state));
  if (state.status !== 'posted' && state.status !== 'claimed') {
    return err(invalidState(`wish ${input.wishId} is ${state.status}; only a posted or claimed wish can be cancelled`, { status: state.status }));
  }
  const data = { by: input.by, reason: input.reason };
  return state.poolHold ? decided([{ type: 'WishCancelling', data }], poolRelease(input.communityId, state)) : decided([{ type: 'WishCancelled', data }]);
}

function resume(input: ResumeWishInput, state: WishState): Decision {
  switch (state.status) {
    case 'claiming':
      return decided([], poolHold(input.communityId, state, state.holdExpiresAt!));
    case 'fulfilling':
      return decided([], poolSpend(input.communityId, state));
    case 'cancelling':
      return decided([], poolRelease(input.communityId, state));
    default:
      return ok(nothingToDo);
  }
}

function phaseDone(state: WishState, step: StepCommand): Decision {
  switch (step.type) {
    case 'PlaceHold':
      return decided([{ type: 'WishPointsHeld', data: {} }]);
    case 'SpendHold':
      return decided([{ type: 'WishFulfilled', data: { claimantId: donationPoolId, by: state.fulfilledBy ?? 'system', pointsSpent: state.points } }]);
    case 'ReleaseHold':
      return decided([{ type: 'WishCancelled', data: state.cancellation! }]);
    default:
      throw new InvariantViolation(`wish ${state.wishId}: unexpected step ${step.type}`);
  }
}

function phaseRefused(state: WishState, step: StepCommand, error: DomainError): Decision {
  const reason = { code: error.code, message: error.message };
  switch (step.type) {
    case 'PlaceHold':
      return decided([{ type: 'WishClaimRejected', data: reason }], [], error);
    case 'SpendHold':
      return decided([{ type: 'WishFulfilmentAbandoned', data: reason }], [], error);
    default:
      throw new InvariantViolation(`wish ${state.wishId}: ${step.type} was refused: ${error.message}`);
  }
}

export const wishWorkflow: Workflow<WishInput, WishState, WishEvent> = {
  initialState: initialWishState,
  evolve: evolveWish,
  decide(input: WishInput | PhaseResult, state: WishState): Decision {
    switch (input.type) {
      case 'PostWish':
        return post(input, state);
      case 'ClaimWish':
        return claim(input, state);
      case 'FulfilWish':
        return fulfil(input, state);
      case 'CancelWish':
        return cancel(input, state);
      case 'ResumeWish':
        return resume(input, state);
      case 'PhaseDone': {
        const receipt = input.receipts.at(-1);
        if (!receipt) throw new InvariantViolation(`wish ${state.wishId}: a phase ended with no step`);
        return phaseDone(state, receipt.step);
      }
      case 'PhaseRefused':
        return phaseRefused(state, input.refused, input.error);
    }
  },
};
