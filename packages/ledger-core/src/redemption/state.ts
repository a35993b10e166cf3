/** A redemption as folded from its stream: where the process stands and what it was asked to do. */
import type { RedemptionEvent, ServiceGiven } from './events.js';

export type RedemptionStatus =
  | 'none'
  | 'requested'
  | 'held'
  | 'rejected'
  | 'fulfilling'
  | 'fulfilled'
  | 'cancelling'
  | 'cancelled'
  | 'expired';

export interface RedemptionState {
  status: RedemptionStatus;
  redemptionId: string;
  memberId: string;
  itemId: string;
  quantity: number;
  points: string;
  expiresAt: string;
  rejection: { code: string; message: string } | null;
  fulfilledBy: string | null;
  volunteerId: string | null;
  /** The volunteer's record a fulfilment makes, while fulfilling. */
  service: ServiceGiven | null;
  /** Who asked for it (RedemptionRequested's `requestedBy`): the member, or staff on their behalf. */
  requestedBy: string;
  /** While cancelling: why, and who asked. */
  cancellation: { reason: 'cancelled' | 'expired'; requestedBy: string } | null;
  /** Fulfilments abandoned so far: each withdrew its volunteer's record, so the next one needs a record of its own. */
  fulfilmentsAbandoned: number;
}

export const initialRedemptionState = (): RedemptionState => ({
  status: 'none',
  redemptionId: '',
  memberId: '',
  itemId: '',
  quantity: 0,
  points: '0.00',
  expiresAt: '',
  rejection: null,
  fulfilledBy: null,
  volunteerId: null,
  service: null,
  cancellation: null,
  requestedBy: '',
  fulfilmentsAbandoned: 0,
});

export function evolveRedemption(state: RedemptionState, event: RedemptionEvent): RedemptionState {
  switch (event.type) {
    case 'RedemptionRequested':
      return { ...state, status: 'requested', ...event.data };
    case 'RedemptionHeld':
      return { ...state, status: 'held' };
    case 'RedemptionRejected':
      return { ...state, status: 'rejected', rejection: event.data };
    case 'FulfilmentDecided':
      return { ...state, status: 'fulfilling', fulfilledBy: event.data.fulfilledBy, volunteerId: event.data.volunteerId, service: event.data.service ?? null };
    case 'FulfilmentAbandoned':
      return { ...state, status: 'held', fulfilledBy: null, volunteerId: null, service: null, fulfilmentsAbandoned: state.fulfilmentsAbandoned + 1 };
    case 'RedemptionFulfilled':
      return { ...state, status: 'fulfilled', service: null };
    case 'CancellationRequested':
      return { ...state, status: 'cancelling', cancellation: event.data };
    case 'RedemptionCancelled':
      return { ...state, status: event.data.reason, cancellation: null };
  }
}

export const isTerminalRedemption = (status: RedemptionStatus): boolean =>
  status === 'rejected' || status === 'fulfilled' || status === 'cancelled' || status === 'expired';

/** Started and neither waiting at the counter nor ended: a phase is under way (or was, before a crash). */
export const isUnfinishedRedemption = (status: RedemptionStatus): boolean =>
  status === 'requested' || status === 'fulfilling' || status === 'cancelling';
