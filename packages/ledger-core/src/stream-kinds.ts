/** How each kind of stream folds: its initial state and its evolve, as the ledger and the read models use them. */
import { type CommunityState, evolveCommunity, initialCommunityState } from './community/decider.js';
import type { CommunityEvent } from './community/events.js';
import type { MemberEvent } from './member/events.js';
import { evolveMember, initialMemberState, type MemberState } from './member/state.js';
import type { StreamKind } from './pipeline/streams.js';
import type { RedemptionEvent } from './redemption/events.js';
import { evolveRedemption, initialRedemptionState, type RedemptionState } from './redemption/state.js';
import { evolveReward, initialRewardState, type RewardState } from './reward/decider.js';
import type { RewardEvent } from './reward/events.js';
import type { TransferEvent } from './transfer/events.js';
import { evolveTransfer, initialTransferState, type TransferState } from './transfer/state.js';

export const communityKind: StreamKind<CommunityState, CommunityEvent> = { initialState: initialCommunityState, evolve: evolveCommunity };
export const memberKind: StreamKind<MemberState, MemberEvent> = { initialState: initialMemberState, evolve: evolveMember };
export const rewardKind: StreamKind<RewardState, RewardEvent> = { initialState: initialRewardState, evolve: evolveReward };
export const redemptionKind: StreamKind<RedemptionState, RedemptionEvent> = { initialState: initialRedemptionState, evolve: evolveRedemption };
export const transferKind: StreamKind<TransferState, TransferEvent> = { initialState: initialTransferState, evolve: evolveTransfer };
