/**
 * What the read models show of activities, service requests and micro-wishes: plain JSON views built from the
 * folded states (`rows.ts`), with the pure read helpers of each stream (`seatsLeft`, `signUpStatus` …), so a
 * view says the same as a decision would.
 */
import { type ActivityState, seatsLeft, signUpStatus, waitListPosition } from '../activity/state.js';
import type { ServiceRequestState, ServiceRequestStatus } from '../service-request/state.js';
import type { WishState, WishStatus } from '../wish/state.js';
import { invariant } from '../errors.js';
import { type ActivityStage, activityStage, type ProcessEntry } from './rows.js';

/** A row exists only once its first event was folded, so its status is never 'none'. */
function shown<S extends string>(status: S | 'none', what: string): S {
  invariant(status !== 'none', () => `${what} has a row but no first event; rebuild the projection`);
  return status as S;
}

export interface ActivityView {
  readonly activityId: string;
  readonly title: string;
  readonly category: string;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly place: string;
  readonly capacity: number;
  readonly seatsTaken: number;
  readonly seatsLeft: number;
  readonly waitListLength: number;
  readonly organisers: string[];
  /** published, cancelled, closing, closed (attendance awaiting approval), approving, approved. */
  readonly status: ActivityStage;
  readonly checkedIn: number;
  /** Once closed: attendances recorded and voided, and their hours. */
  readonly closing: { readonly closedAt: string; readonly recorded: number; readonly voided: number } | null;
}

export function activityView(entry: ProcessEntry<ActivityState>): ActivityView {
  const s = entry.state;
  const outcomes = [...s.outcomes.values()];
  return {
    activityId: s.activityId,
    title: s.title,
    category: s.category,
    startsAt: s.startsAt,
    endsAt: s.endsAt,
    place: s.place,
    capacity: s.capacity,
    seatsTaken: s.seats.size,
    seatsLeft: seatsLeft(s),
    waitListLength: s.waitList.length,
    organisers: [...s.organisers],
    status: activityStage(s),
    checkedIn: s.attendance.size,
    closing: s.closing
      ? { closedAt: s.closing.closedAt, recorded: outcomes.filter((o) => o.kind === 'recorded').length, voided: outcomes.filter((o) => o.kind === 'voided').length }
      : null,
  };
}

/** Where one member stands with one activity: seat or wait list, arrival and departure, what closing made of it. */
export interface AttendeeView {
  readonly memberId: string;
  readonly signUp: 'seat' | 'wait-list' | 'none';
  readonly waitListPosition: number | null;
  readonly walkIn: boolean;
  readonly checkedInAt: string | null;
  readonly checkedOutAt: string | null;
  /** recorded (with the record id and hours), voided (with why), or null before closing. */
  readonly outcome: { readonly kind: 'recorded'; readonly recordId: string; readonly hours: string } | { readonly kind: 'voided'; readonly code: string; readonly message: string } | null;
  readonly approval: 'approved' | 'left-pending' | null;
}

export function attendeeView(state: ActivityState, memberId: string): AttendeeView {
  const attendance = state.attendance.get(memberId);
  const outcome = state.outcomes.get(memberId);
  return {
    memberId,
    signUp: signUpStatus(state, memberId),
    waitListPosition: waitListPosition(state, memberId),
    walkIn: state.seats.get(memberId)?.walkIn ?? false,
    checkedInAt: attendance?.checkedInAt ?? null,
    checkedOutAt: attendance?.checkedOutAt ?? null,
    outcome: outcome === undefined ? null : outcome.kind === 'recorded' ? { kind: 'recorded', recordId: outcome.recordId, hours: outcome.hours } : { kind: 'voided', code: outcome.code, message: outcome.message },
    approval: state.approvals.get(memberId) ?? null,
  };
}

/** Everyone with a seat, on the wait list (in order) or checked in: what an organiser sees of one activity. */
export function attendeesOf(state: ActivityState): AttendeeView[] {
  const members = [...new Set([...state.seats.keys(), ...state.waitList, ...state.attendance.keys()])];
  return members.map((memberId) => attendeeView(state, memberId));
}

export interface MemberActivityView {
  readonly activity: ActivityView;
  readonly attendance: AttendeeView;
}

export interface ServiceRequestView {
  readonly requestId: string;
  readonly status: Exclude<ServiceRequestStatus, 'none'>;
  readonly requesterId: string;
  readonly category: string;
  readonly description: string;
  readonly wantedAt: string;
  readonly place: string;
  readonly pointsOffered: string | null;
  readonly expiresAt: string;
  readonly volunteerId: string | null;
  readonly assignedVia: 'dispatch' | 'take' | null;
  readonly hours: string | null;
  readonly doneAt: string | null;
  readonly rating: number | null;
  readonly comment: string | null;
  /** Where the points offered went on confirmation: paid, delivered, returned, or none. */
  readonly payment: ServiceRequestState['payment'];
  /** confirmed, cancelled, refused, expired, rejected; null while it runs. */
  readonly ended: ServiceRequestState['ended'];
  readonly reason: string | null;
  readonly postedAt: string;
  readonly updatedAt: string;
}

export function serviceRequestView(entry: ProcessEntry<ServiceRequestState>): ServiceRequestView {
  const s = entry.state;
  return {
    requestId: s.requestId,
    status: shown(s.status, `service request ${s.requestId}`),
    requesterId: s.requesterId,
    category: s.category,
    description: s.description,
    wantedAt: s.wantedAt,
    place: s.place,
    pointsOffered: s.pointsOffered,
    expiresAt: s.expiresAt,
    volunteerId: s.volunteerId,
    assignedVia: s.assignedVia,
    hours: s.hours,
    doneAt: s.doneAt,
    rating: s.rating ?? s.confirmation?.rating ?? null,
    comment: s.confirmation?.comment ?? null,
    payment: s.payment,
    ended: s.ended,
    reason: s.rejection?.message ?? s.ending?.reason ?? null,
    postedAt: entry.beganAt,
    updatedAt: entry.updatedAt,
  };
}

export interface WishView {
  readonly wishId: string;
  readonly status: Exclude<WishStatus, 'none'>;
  readonly beneficiaryId: string;
  readonly title: string;
  readonly description: string | null;
  readonly points: string;
  readonly claimantId: string | null;
  readonly postedBy: string;
  readonly fulfilledBy: string | null;
  readonly cancelReason: string | null;
  readonly postedAt: string;
  readonly updatedAt: string;
}

export function wishView(entry: ProcessEntry<WishState>): WishView {
  const s = entry.state;
  return {
    wishId: s.wishId,
    status: shown(s.status, `wish ${s.wishId}`),
    beneficiaryId: s.beneficiaryId,
    title: s.title,
    description: s.description,
    points: s.points,
    claimantId: s.claimantId,
    postedBy: s.postedBy,
    fulfilledBy: s.status === 'fulfilled' ? s.fulfilledBy : null,
    cancelReason: s.cancellation?.reason ?? null,
    postedAt: entry.beganAt,
    updatedAt: entry.updatedAt,
  };
}

/** A volunteer's ratings in a report: how many and their average, to two places. */
export interface VolunteerRating {
  readonly volunteerId: string;
  readonly ratings: number;
  readonly averageRating: string;
}
