/** How each kind of stream folds: its initial state and its evolve, as the ledger and the read models use them. */
import { type CommunityState, evolveCommunity, initialCommunityState } from './community/decider.js';
import type { CommunityEvent } from './community/events.js';
import type { MemberEvent } from './member/events.js';
import { decodeMemberSnapshot, encodeMemberSnapshot, memberSnapshotCodec } from './member/snapshot-codec.js';
import { evolveMember, initialMemberState, type MemberState, memberStateVersion } from './member/state.js';
import type { StreamKind } from './pipeline/streams.js';
import type { RedemptionEvent } from './redemption/events.js';
import { evolveRedemption, initialRedemptionState, type RedemptionState } from './redemption/state.js';
import { evolveReward, initialRewardState, type RewardState } from './reward/decider.js';
import type { RewardEvent } from './reward/events.js';
import type { TransferEvent } from './transfer/events.js';
import { evolveTransfer, initialTransferState, type TransferState } from './transfer/state.js';
import type { ActivityEvent } from './activity/events.js';
import { type ActivityState, evolveActivity, initialActivityState } from './activity/state.js';
import type { ServiceRequestEvent } from './service-request/events.js';
import { type ServiceRequestState, evolveServiceRequest, initialServiceRequestState } from './service-request/state.js';
import type { WishEvent } from './wish/events.js';
import { type WishState, evolveWish, initialWishState } from './wish/state.js';

export const communityKind: StreamKind<CommunityState, CommunityEvent> = { initialState: initialCommunityState, evolve: evolveCommunity };
/** Members' streams are the long ones (years of check-ins): snapshotted, so a cache miss folds only the tail. */
export const memberKind: StreamKind<MemberState, MemberEvent> = { initialState: initialMemberState, evolve: evolveMember, snapshot: {
    name: 'member',
    version: memberStateVersion,
    codec: { name: memberSnapshotCodec, encode: encodeMemberSnapshot, decode: decodeMemberSnapshot },
  },
};
export const rewardKind: StreamKind<RewardState, RewardEvent> = { initialState: initialRewardState, evolve: evolveReward };
export const redemptionKind: StreamKind<RedemptionState, RedemptionEvent> = { initialState: initialRedemptionState, evolve: evolveRedemption };
export const transferKind: StreamKind<TransferState, TransferEvent> = { initialState: initialTransferState, evolve: evolveTransfer };
export const activityKind: StreamKind<ActivityState, ActivityEvent> = { initialState: initialActivityState, evolve: evolveActivity };
export const serviceRequestKind: StreamKind<ServiceRequestState, ServiceRequestEvent> = { initialState: initialServiceRequestState, evolve: evolveServiceRequest };
export const wishKind: StreamKind<WishState, WishEvent> = { initialState: initialWishState, evolve: evolveWish };
