/** A micro-wish as folded from its stream. */
import { donationPoolId } from '../ids.js';
import type { WishEvent } from './events.js';

export type WishStatus = 'none' | 'posted' | 'claiming' | 'claimed' | 'fulfilling' | 'fulfilled' | 'cancelling' | 'cancelled';

export interface WishState {
  status: WishStatus;
  wishId: string;
  beneficiaryId: string;
  title: string;
  description: string | null;
  points: string;
  postedBy: string;
  claimantId: string | null;
  holdExpiresAt: string | null;
  /** The donation pool's points are held for it (claimed by the pool, not yet spent or released). */
  poolHold: boolean;
  fulfilledBy: string | null;
  cancellation: { readonly by: string; readonly reason: string } | null;
}

export const initialWishState = (): WishState => ({
  status: 'none',
  wishId: '',
  beneficiaryId: '',
  title: '',
  description: null,
  points: '0.00',
  postedBy: '',
  claimantId: null,
  holdExpiresAt: null,
  poolHold: false,
  fulfilledBy: null,
  cancellation: null,
});

export function evolveWish(state: WishState, event: WishEvent): WishState {
  switch (event.type) {
    case 'WishPosted':
      return { ...state, ...event.data, status: 'posted' };
    case 'WishClaimed':
      return { ...state, status: event.data.claimantId === donationPoolId ? 'claiming' : 'claimed', claimantId: event.data.claimantId, holdExpiresAt: event.data.holdExpiresAt };
    case 'WishPointsHeld':
      return { ...state, status: 'claimed', poolHold: true };
    case 'WishClaimRejected':
      return { ...state, status: 'posted', claimantId: null, holdExpiresAt: null };
    case 'WishFulfilling':
      return { ...state, status: 'fulfilling', fulfilledBy: event.data.by };
    case 'WishFulfilmentAbandoned':
      return { ...state, status: 'claimed', fulfilledBy: null };
    case 'WishFulfilled':
      return { ...state, status: 'fulfilled', fulfilledBy: event.data.by, poolHold: false };
    case 'WishCancelling':
      return { ...state, status: 'cancelling', cancellation: event.data };
    case 'WishCancelled':
      return { ...state, status: 'cancelled', cancellation: event.data, poolHold: false };
  }
}

/** A claim, a fulfilment or a cancellation was started and not finished: the recovery pass carries it on (ResumeWish). */
export const isUnfinishedWish = (state: WishState): boolean => state.status === 'claiming' || state.status === 'fulfilling' || state.status === 'cancelling';

/** Open for someone to claim. */
export const awaitsClaim = (state: WishState): boolean => state.status === 'posted';
