/** An activity as folded from its stream, the fold itself, and what can be read from it without I/O. */
import { invariant } from '../errors.js';
import type { SealedProfile } from '../member/events.js';
import type { RoundingMode } from '../money.js';
import type { ActivityEvent } from './events.js';

export type ActivityStatus = 'none' | 'published' | 'cancelled' | 'closing' | 'closed';

export interface Attendance {
  readonly checkedInAt: string;
  readonly checkedInVia: 'organiser' | 'kiosk';
  readonly checkedInBy: string;
  checkedOutAt: string | null;
  checkedOutVia: 'organiser' | 'kiosk' | null;
}

/** What closing made of one attendance. */
export type AttendanceOutcome =
  | { readonly kind: 'recorded'; readonly recordId: string; readonly checkedInAt: string; readonly checkedOutAt: string; readonly hours: string }
  | { readonly kind: 'voided'; readonly code: string; readonly message: string };

export interface ActivityState {
  status: ActivityStatus;
  activityId: string;
  title: string;
  category: string;
  startsAt: string;
  endsAt: string;
  place: string;
  capacity: number;
  organisers: string[];
  kioskSecret: SealedProfile | null;
  publishedBy: string;
  /** Members holding a seat, in the order they got it. */
  readonly seats: Map<string, { readonly at: string; readonly walkIn: boolean }>;
  /** Members waiting for a seat, first come first served. */
  waitList: string[];
  /** Members checked in, in the order they arrived (the order closing records them in). */
  readonly attendance: Map<string, Attendance>;
  closing: { readonly closedAt: string; readonly closedBy: string; readonly roundingMode: RoundingMode; readonly policyVersion: number } | null;
  readonly outcomes: Map<string, AttendanceOutcome>;
  approval: 'none' | 'approving' | 'finished';
  approvedBy: string | null;
  readonly approvals: Map<string, 'approved' | 'left-pending'>;
}

export const initialActivityState = (): ActivityState => ({
  status: 'none',
  activityId: '',
  title: '',
  category: '',
  startsAt: '',
  endsAt: '',
  place: '',
  capacity: 0,
  organisers: [],
  kioskSecret: null,
  publishedBy: '',
  seats: new Map(),
  waitList: [],
  attendance: new Map(),
  closing: null,
  outcomes: new Map(),
  approval: 'none',
  approvedBy: null,
  approvals: new Map(),
});

/**
 * Folds one event into the state. Mutates and returns `state` (owned by one cache entry; a decision never holds
 * it while it is folded), so a sign-up costs the same with 5 or 5,000 seats taken. Capacity is asserted here.
 */
export function evolveActivity(state: ActivityState, event: ActivityEvent): ActivityState {
  switch (event.type) {
    case 'ActivityPublished': {
      const { kioskSecret, ...d } = event.data;
      Object.assign(state, d, { status: 'published', kioskSecret });
      break;
    }
    case 'ActivityChanged': {
      const { changedBy: _by, ...changes } = event.data;
      for (const [key, value] of Object.entries(changes)) if (value !== undefined) Object.assign(state, { [key]: value });
      break;
    }
    case 'ActivityCancelled':
      state.status = 'cancelled';
      break;
    case 'AttendeeSignedUp':
      invariant(!state.seats.has(event.data.memberId), () => `${state.activityId}: ${event.data.memberId} took a seat twice`);
      state.seats.set(event.data.memberId, { at: event.data.at, walkIn: event.data.walkIn });
      state.waitList = state.waitList.filter((m) => m !== event.data.memberId);
      break;
    case 'AttendeeWaitListed':
      invariant(!state.seats.has(event.data.memberId) && !state.waitList.includes(event.data.memberId), () => `${state.activityId}: ${event.data.memberId} wait-listed twice`);
      state.waitList.push(event.data.memberId);
      break;
    case 'AttendeePromoted':
      invariant(state.waitList[0] === event.data.memberId, () => `${state.activityId}: ${event.data.memberId} promoted out of turn`);
      state.waitList.shift();
      state.seats.set(event.data.memberId, { at: event.data.at, walkIn: false });
      break;
    case 'AttendeeWithdrew':
      if (event.data.from === 'seat') state.seats.delete(event.data.memberId);
      else state.waitList = state.waitList.filter((m) => m !== event.data.memberId);
      break;
    case 'AttendeeCheckedIn':
      invariant(state.seats.has(event.data.memberId) && !state.attendance.has(event.data.memberId), () => `${state.activityId}: check-in of ${event.data.memberId} without a seat, or twice`);
      state.attendance.set(event.data.memberId, { checkedInAt: event.data.at, checkedInVia: event.data.via, checkedInBy: event.data.by, checkedOutAt: null, checkedOutVia: null });
      break;
    case 'CheckInUndone':
      state.attendance.delete(event.data.memberId);
      break;
    case 'AttendeeCheckedOut': {
      const attendance = state.attendance.get(event.data.memberId);
      invariant(attendance !== undefined && attendance.checkedOutAt === null, () => `${state.activityId}: check-out of ${event.data.memberId} who is not checked in`);
      attendance.checkedOutAt = event.data.at;
      attendance.checkedOutVia = event.data.via;
      break;
    }
    case 'ActivityClosing':
      state.status = 'closing';
      state.closing = event.data;
      break;
    case 'AttendanceRecorded': {
      const { memberId, ...recorded } = event.data;
      invariant(state.attendance.has(memberId) && !state.outcomes.has(memberId), () => `${state.activityId}: attendance of ${memberId} recorded twice or never taken`);
      state.outcomes.set(memberId, { kind: 'recorded', ...recorded });
      break;
    }
    case 'AttendanceVoided': {
      const { memberId, code, message } = event.data;
      invariant(state.attendance.has(memberId) && !state.outcomes.has(memberId), () => `${state.activityId}: attendance of ${memberId} voided twice or never taken`);
      state.outcomes.set(memberId, { kind: 'voided', code, message });
      break;
    }
    case 'ActivityClosed':
      invariant(state.outcomes.size === state.attendance.size, () => `${state.activityId}: closed with ${state.attendance.size - state.outcomes.size} attendances undecided`);
      state.status = 'closed';
      break;
    case 'AttendanceApprovalStarted':
      state.approval = 'approving';
      state.approvedBy = event.data.approvedBy;
      break;
    case 'AttendanceApproved':
    case 'AttendanceLeftPending':
      invariant(!state.approvals.has(event.data.memberId), () => `${state.activityId}: attendance of ${event.data.memberId} approved twice`);
      state.approvals.set(event.data.memberId, event.type === 'AttendanceApproved' ? 'approved' : 'left-pending');
      break;
    case 'AttendanceApprovalFinished':
      state.approval = 'finished';
      break;
  }
  invariant(state.seats.size <= state.capacity || state.status === 'none', () => `${state.activityId}: ${state.seats.size} seats taken of ${state.capacity}`);
  return state;
}

// ── Read-side helpers (pure) ───────────────────────────────────────────────────────────────────────────

/**
 * The wait list moves up whenever a seat comes free, so nobody waits while a seat is free — between decisions
 * (within one, a larger capacity comes a moment before the promotions it causes). The model tests check it.
 */
export const nobodyWaitsForAFreeSeat = (state: ActivityState): boolean => state.waitList.length === 0 || state.seats.size >= state.capacity;

/** Seats still free. */
export const seatsLeft = (state: ActivityState): number => Math.max(0, state.capacity - state.seats.size);

/** 1-based place on the wait list, or null when the member is not waiting. */
export function waitListPosition(state: ActivityState, memberId: string): number | null {
  const index = state.waitList.indexOf(memberId);
  return index < 0 ? null : index + 1;
}

/** Where a member stands with the activity. */
export function signUpStatus(state: ActivityState, memberId: string): 'seat' | 'wait-list' | 'none' {
  if (state.seats.has(memberId)) return 'seat';
  return state.waitList.includes(memberId) ? 'wait-list' : 'none';
}

/** A closing or an approval was started and has not finished: the recovery pass carries it on (ResumeActivity). */
export const isUnfinishedActivity = (state: ActivityState): boolean => state.status === 'closing' || state.approval === 'approving';

/** An activity an organiser still has to close: published, and started by `now`. */
export const awaitsClosing = (state: ActivityState, now: Date): boolean => state.status === 'published' && state.startsAt <= now.toISOString();

/** The service record id an attendance becomes on the member's stream. */
export const attendanceRecordId = (activityId: string): string => `activity.${activityId}`;
