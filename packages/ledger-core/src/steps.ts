/**
 * Steps: the commands workflows send to member and item streams. The ledger issues them itself (never a
 * caller), each is idempotent by the process's ids — repeating one that already happened appends nothing —
 * so a process interrupted anywhere can be carried on by sending its phase again.
 */
import type { MemberCommand } from './member/commands.js';
import type { TransferredPortion } from './member/events.js';
import type { MemberState } from './member/state.js';
import type { RewardCommand } from './reward/commands.js';

export const memberStepTypes = [
  'PlaceHold',
  'ReleaseHold',
  'SpendHold',
  'SendPoints',
  'ReceivePoints',
  'RefundTransfer',
  'RecordServiceGiven',
  'WithdrawServiceGiven',
  'BeginPresence',
  'EndPresence',
  'RecordAttendance',
  'ApproveRecord',
  'RecordRequestService',
  'PayHold',
  'ReceivePayment',
  'ReturnPayment',
] as const;
export const rewardStepTypes = ['ReserveStock', 'ReleaseStock', 'IssueStock'] as const;

export type MemberStepType = (typeof memberStepTypes)[number];
export type RewardStepType = (typeof rewardStepTypes)[number];
export type StepType = MemberStepType | RewardStepType;

export type MemberStep = Extract<MemberCommand, { type: MemberStepType }>;
export type RewardStep = Extract<RewardCommand, { type: RewardStepType }>;
export type StepCommand = MemberStep | RewardStep;

const memberSteps = new Set<string>(memberStepTypes);
export const isMemberStep = (step: StepCommand): step is MemberStep => memberSteps.has(step.type);

/**
 * The step that undoes `step`, for a phase refused after it: what was reserved is released, what was held is
 * released, a service record made for the phase is withdrawn. Null for steps that nothing may follow in a phase
 * unless it cannot be refused (a spend, an issue, a debit: those are the point of no return).
 */
export function compensationOf(step: StepCommand): StepCommand | null {
  switch (step.type) {
    case 'ReserveStock':
      return { type: 'ReleaseStock', communityId: step.communityId, itemId: step.itemId, redemptionId: step.redemptionId };
    case 'PlaceHold':
      return {
        type: 'ReleaseHold',
        communityId: step.communityId,
        memberId: step.memberId,
        holdId: step.holdId,
        reason: 'cancelled',
        ...(step.purpose === undefined ? {} : { purpose: step.purpose }),
      };
    case 'RecordServiceGiven':
      return {
        type: 'WithdrawServiceGiven',
        communityId: step.communityId,
        memberId: step.memberId,
        recordId: step.recordId,
        reason: 'the redemption it was given for was not fulfilled',
      };
    case 'RecordRequestService':
      return {
        type: 'WithdrawServiceGiven',
        communityId: step.communityId,
        memberId: step.memberId,
        recordId: step.recordId,
        reason: 'the confirmation of the request it was recorded for did not go through',
      };
    default:
      return null;
  }
}

/** The sender's debit of a transfer as its stream recorded it: what a delivery carries (gifts keep their expiry). */
export interface DebitFacts {
  readonly points: string;
  readonly portions: readonly TransferredPortion[];
  /** The debit was already refunded to the sender. */
  readonly refunded: boolean;
}

export function debitOf(state: MemberState, transferId: string): DebitFacts | null {
  const sent = state.transfersOut.get(transferId);
  return sent ? { points: sent.points.toString(), portions: sent.portions, refunded: state.refunds.has(transferId) } : null;
}
