/** What a process needs from the ledger: time, single-stream steps, and the state of the streams it spans. */
import type { CommunityState } from '../community/decider.js';
import type { DomainError } from '../errors.js';
import type { ExecuteOptions, ExecuteResult, OutcomeEvent } from '../ledger.js';
import type { MemberCommand } from '../member/commands.js';
import type { MemberState } from '../member/state.js';
import type { RedemptionEvent, RedemptionState } from '../redemption/events.js';
import type { Result } from '../result.js';
import type { RewardCommand } from '../reward/commands.js';
import type { RewardState } from '../reward/decider.js';
import type { TransferEvent, TransferState } from '../transfer/events.js';

export type StepCommand = MemberCommand | RewardCommand;

export interface ProcessRuntime {
  now(): Date;
  /** Decides one single-stream command as the ledger itself (no parsing, no authorization). */
  step(command: StepCommand, options: ExecuteOptions): Promise<ExecuteResult>;
  recordRedemption(
    communityId: string,
    redemptionId: string,
    decide: (state: RedemptionState) => Result<RedemptionEvent[], DomainError>,
    options: ExecuteOptions,
  ): Promise<ExecuteResult>;
  recordTransfer(
    communityId: string,
    transferId: string,
    decide: (state: TransferState) => Result<TransferEvent[], DomainError>,
    options: ExecuteOptions,
  ): Promise<ExecuteResult>;
  redemption(communityId: string, redemptionId: string): Promise<RedemptionState>;
  transfer(communityId: string, transferId: string): Promise<TransferState>;
  item(communityId: string, itemId: string): Promise<RewardState>;
  /** The member's folded account, caught up with the store. */
  account(communityId: string, memberId: string): Promise<MemberState>;
  /** The community's set-up, caught up with the store. */
  setup(communityId: string): Promise<CommunityState>;
}

/** Gathers the events every step of a process appended, for the caller's outcome. */
export class Trail {
  readonly events: OutcomeEvent[] = [];
  lastStream = '';
  lastRevision: number | 'no_stream' = 'no_stream';
  lastPosition: string | null = null;

  add(result: ExecuteResult): ExecuteResult {
    if (result.ok && result.value.events.length > 0) {
      this.events.push(...result.value.events.map((e) => ({ ...e, streamName: result.value.streamName })));
      this.lastStream = result.value.streamName;
      this.lastRevision = result.value.revision;
      this.lastPosition = result.value.position;
    }
    return result;
  }
}
