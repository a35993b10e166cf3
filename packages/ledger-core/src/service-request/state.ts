/** A service request as folded from its stream, and the read-side helpers that need nothing else. */
import type { RequestEnding, ServiceRequestEvent } from './events.js';

export type ServiceRequestStatus =
  | 'none'
  /** Points offered are being held (a phase under way, or interrupted). */
  | 'posting'
  | 'open'
  | 'assigned'
  | 'done'
  | 'confirming'
  | 'confirmed'
  /** Its points could not be held: it never opened. */
  | 'rejected'
  | 'ending'
  | RequestEnding;

export interface ServiceRequestState {
  status: ServiceRequestStatus;
  requestId: string;
  requesterId: string;
  category: string;
  description: string;
  wantedAt: string;
  place: string;
  /** Points held for the volunteer, or null when none were offered. */
  pointsOffered: string | null;
  expiresAt: string;
  postedBy: string;
  rejection: { code: string; message: string } | null;
  volunteerId: string | null;
  assignedVia: 'dispatch' | 'take' | null;
  hours: string | null;
  doneAt: string | null;
  confirmation: {
    readonly confirmedBy: string;
    readonly rating: number;
    readonly comment: string | null;
    readonly service: { readonly recordId: string; readonly category: string; readonly serviceDate: string; readonly hours: string };
    readonly autoApprove: boolean;
  } | null;
  /** Confirmations decided so far, abandoned ones included: each records the volunteer's service under an id of its own. */
  confirmationAttempts: number;
  /** Where the points offered stand during and after a confirmation. */
  payment: 'none' | 'paid' | 'delivered' | 'returned';
  ending: { readonly outcome: RequestEnding; readonly by: string; readonly reason: string | null } | null;
  /** The end, once there is one: what "each request ends once" is checked against. */
  ended: 'confirmed' | 'rejected' | RequestEnding | null;
  rating: number | null;
}

export const initialServiceRequestState = (): ServiceRequestState => ({
  status: 'none',
  requestId: '',
  requesterId: '',
  category: '',
  description: '',
  wantedAt: '',
  place: '',
  pointsOffered: null,
  expiresAt: '',
  postedBy: '',
  rejection: null,
  volunteerId: null,
  assignedVia: null,
  hours: null,
  doneAt: null,
  confirmation: null,
  confirmationAttempts: 0,
  payment: 'none',
  ending: null,
  ended: null,
  rating: null,
});

export function evolveServiceRequest(state: ServiceRequestState, event: ServiceRequestEvent): ServiceRequestState {
  switch (event.type) {
    case 'ServiceRequestPosted': {
      const { requesterId, ...d } = event.data;
      return { ...state, ...d, requesterId, status: d.pointsOffered === null ? 'open' : 'posting' };
    }
    case 'OfferedPointsHeld':
      return { ...state, status: 'open' };
    case 'ServiceRequestRejected':
      return { ...state, status: 'rejected', rejection: event.data, ended: 'rejected' };
    case 'ServiceRequestAssigned':
      return { ...state, status: 'assigned', volunteerId: event.data.volunteerId, assignedVia: event.data.via };
    case 'ServiceRequestDeclined':
      return { ...state, status: 'open', volunteerId: null, assignedVia: null };
    case 'ServiceRequestDone':
      return { ...state, status: 'done', hours: event.data.hours, doneAt: event.data.doneAt };
    case 'ConfirmationDecided':
      return { ...state, status: 'confirming', confirmation: event.data, confirmationAttempts: state.confirmationAttempts + 1 };
    case 'ConfirmationAbandoned':
      return { ...state, status: 'done', confirmation: null };
    case 'OfferedPointsPaid':
      return { ...state, payment: 'paid' };
    case 'OfferedPointsDelivered':
      return { ...state, payment: 'delivered' };
    case 'OfferedPointsReturned':
      return { ...state, payment: 'returned' };
    case 'ServiceRequestConfirmed':
      return { ...state, status: 'confirmed', ended: 'confirmed', rating: event.data.rating };
    case 'ServiceRequestEnding':
      return { ...state, status: 'ending', ending: event.data };
    case 'ServiceRequestEnded':
      return { ...state, status: event.data.outcome, ended: event.data.outcome };
  }
}

/** Ended: confirmed, cancelled, refused, expired or rejected. */
export const isEndedServiceRequest = (state: ServiceRequestState): boolean => state.ended !== null;

/** A phase was started and not finished (posting, confirming, ending): the recovery pass carries it on (ResumeServiceRequest). */
export const isUnfinishedServiceRequest = (state: ServiceRequestState): boolean =>
  state.status === 'posting' || state.status === 'confirming' || state.status === 'ending';

/** Points of the request held on the requester's account now: from posting until the end. */
export function pointsHeldFor(state: ServiceRequestState): string | null {
  if (state.pointsOffered === null) return null;
  const held = state.status === 'open' || state.status === 'assigned' || state.status === 'done' || (state.status === 'confirming' && state.payment === 'none') || state.status === 'ending';
  return held ? state.pointsOffered : null;
}

/** A request an organiser can dispatch (open, not lapsed) at `now`. */
export const awaitsDispatch = (state: ServiceRequestState, now: Date): boolean => state.status === 'open' && state.expiresAt > now.toISOString();
