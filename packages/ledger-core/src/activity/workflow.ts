/**
 * The activity workflow: what spans the activity's stream and its members' streams.
 *
 *   check-in    AttendeeCheckedIn, phase [BeginPresence]      (member present elsewhere: CheckInUndone, refused)
 *   check-out   AttendeeCheckedOut, phase [EndPresence]   (again: phase [EndPresence], refused — a repair, see checkOut)
 *   close       ActivityClosing, then one phase per attendance [RecordAttendance] → AttendanceRecorded
 *               (refused: AttendanceVoided), … → ActivityClosed
 *   approve     AttendanceApprovalStarted, one phase per record [ApproveRecord] → AttendanceApproved
 *               (refused: AttendanceLeftPending, for one at a time), … → AttendanceApprovalFinished
 *
 * "A member cannot be at two activities at once" spans streams, so it is decided where all of one member's
 * presences meet: their own stream (BeginPresence refuses an overlap). A check-in is previewed there before
 * anything is recorded; two check-ins of one member racing at two activities are decided one after the other
 * on the member's stream, and the loser's activity records CheckInUndone. Closing records one attendance per
 * phase, so one attendance refused (say, a presence a crash kept from being claimed that now overlaps another)
 * voids that attendance alone; every phase is recorded, so closing twice — or after a crash — carries on where
 * it stands and records each attendance exactly once.
 */
import { type DomainError, InvariantViolation, domainError, invalidState, notFound } from '../errors.js';
import { checkInOpensBeforeStartMs, kioskCodeRotationMs } from '../limits.js';
import { Hours, type RoundingMode } from '../money.js';
import { err, ok } from '../result.js';
import type { StepCommand } from '../steps.js';
import { type PhaseResult, type Workflow, type WorkflowDecision, nothingToDo } from '../workflow.js';
import type { ActivityEvent } from './events.js';
import { attendedTime } from './hours.js';
import { type ActivityState, type AttendanceOutcome, attendanceRecordId, evolveActivity, initialActivityState } from './state.js';

interface Target {
  readonly communityId: string;
  readonly activityId: string;
}

/** Stamped by the ledger's clock; `kioskStep` is the step of a verified kiosk code, null when an organiser marks it. */
export interface CheckInInput extends Target {
  readonly type: 'CheckIn';
  readonly memberId: string;
  readonly at: string;
  readonly by: string;
  readonly via: 'organiser' | 'kiosk';
  readonly kioskStep: number | null;
}

export interface CheckOutInput extends Target {
  readonly type: 'CheckOut';
  readonly memberId: string;
  readonly at: string;
  readonly by: string;
  readonly via: 'organiser' | 'kiosk';
  readonly kioskStep: number | null;
}

/** Closing at `at`: the policy's rounding mode of the time goes into the record of the closing. */
export interface CloseInput extends Target {
  readonly type: 'Close';
  readonly at: string;
  readonly closedBy: string;
  readonly roundingMode: RoundingMode;
  readonly policyVersion: number;
}

export interface ApproveAttendanceInput extends Target {
  readonly type: 'ApproveAttendance';
  readonly approvedBy: string;
}

/** Carry on a closing or an approval a crash interrupted. */
export interface ResumeActivityInput extends Target {
  readonly type: 'ResumeActivity';
}

export type ActivityInput = CheckInInput | CheckOutInput | CloseInput | ApproveAttendanceInput | ResumeActivityInput;

type Decision = { ok: true; value: WorkflowDecision<ActivityEvent> } | { ok: false; error: DomainError };

const decided = (record: ActivityEvent[], send: StepCommand[] = [], refusal?: DomainError): Decision => ok(refusal ? { record, send, refusal } : { record, send });

// ── Check-in and check-out ──────────────────────────────────────────────────────────────────────────

const opensAt = (state: ActivityState): string => new Date(Date.parse(state.startsAt) - checkInOpensBeforeStartMs).toISOString();

/** Check-in and check-out happen while the activity is published, inside its window; a kiosk code must be of that window too. */
function windowError(state: ActivityState, at: string, kioskStep: number | null, what: string): DomainError | null {
  if (state.status !== 'published') return invalidState(`activity ${state.activityId} is ${state.status}; ${what} is for a published activity`, { status: state.status });
  const from = opensAt(state);
  if (at < from || at >= state.endsAt) {
    return invalidState(`${what} at ${state.activityId} is open from ${from} until ${state.endsAt}; it is ${at}`, { opensAt: from, endsAt: state.endsAt });
  }
  if (kioskStep !== null) {
    const shownFrom = new Date(kioskStep * kioskCodeRotationMs).toISOString();
    const shownUntil = new Date((kioskStep + 1) * kioskCodeRotationMs).toISOString();
    if (shownUntil <= from || shownFrom >= state.endsAt) return invalidState(`this kiosk code was shown outside the check-in window of ${state.activityId}`, { opensAt: from, endsAt: state.endsAt });
  }
  return null;
}

function checkIn(input: CheckInInput, state: ActivityState): Decision {
  if (state.status === 'none') return err(notFound('activity', input.activityId));
  const problem = windowError(state, input.at, input.kioskStep, 'check-in');
  if (problem) return err(problem);
  const m = input.memberId;
  const earlier = state.attendance.get(m);
  if (earlier) {
    return err(domainError('already-exists', `${m} checked in at ${state.activityId} at ${earlier.checkedInAt} already; a member checks in once per activity`, { memberId: m, checkedInAt: earlier.checkedInAt }));
  }
  const record: ActivityEvent[] = [];
  if (!state.seats.has(m)) {
    const waiting = state.waitList.indexOf(m);
    if (input.via === 'kiosk') {
      return err(
        waiting >= 0
          ? invalidState(`${m} is on the wait list of ${state.activityId} (position ${waiting + 1}); a kiosk code checks in only members with a seat — ask an organiser`, { position: waiting + 1 })
          : invalidState(`${m} is not signed up for ${state.activityId}; sign up first, or ask an organiser to check you in`),
      );
    }
    // A walk-in takes a free seat; the wait list is empty whenever a seat is free, so nobody is passed over.
    if (state.seats.size >= state.capacity) {
      return err(domainError('limit-reached', `activity ${state.activityId} is full (${state.capacity} seats); ${m} cannot be checked in without a seat`, { capacity: state.capacity }));
    }
    record.push({ type: 'AttendeeSignedUp', data: { memberId: m, at: input.at, walkIn: true } });
  }
  record.push({ type: 'AttendeeCheckedIn', data: { memberId: m, at: input.at, via: input.via, by: input.by, kioskStep: input.kioskStep } });
  return decided(record, [{ type: 'BeginPresence', communityId: input.communityId, memberId: m, activityId: state.activityId, at: input.at, until: state.endsAt }]);
}

function checkOut(input: CheckOutInput, state: ActivityState): Decision {
  if (state.status === 'none') return err(notFound('activity', input.activityId));
  const m = input.memberId;
  const attendance = state.attendance.get(m);
  if (state.status === 'published' && attendance && attendance.checkedOutAt !== null) {
    // Refused, but the presence is ended again on the member's stream (nothing, if it was): a run stopped by a crash
    // or fault after AttendeeCheckedOut left the member present here, unable to check in elsewhere until the end.
    const refusal = domainError('already-exists', `${m} checked out of ${state.activityId} at ${attendance.checkedOutAt} already; a member checks out once per activity`, { memberId: m });
    return decided([], [{ type: 'EndPresence', communityId: input.communityId, memberId: m, activityId: state.activityId, at: attendance.checkedOutAt }], refusal);
  }
  // An organiser may mark a check-out after the end (it counts as the end); a kiosk code only inside the window.
  const problem =
    input.via === 'kiosk'
      ? windowError(state, input.at, input.kioskStep, 'check-out')
      : state.status !== 'published'
        ? invalidState(`activity ${state.activityId} is ${state.status}; check-out is for a published activity`, { status: state.status })
        : null;
  if (problem) return err(problem);
  if (!attendance) return err(invalidState(`${m} has not checked in at ${state.activityId}; there is nothing to check out of`));
  const at = input.at < attendance.checkedInAt ? attendance.checkedInAt : input.at;
  return decided(
    [{ type: 'AttendeeCheckedOut', data: { memberId: m, at, via: input.via, by: input.by, kioskStep: input.kioskStep } }],
    [{ type: 'EndPresence', communityId: input.communityId, memberId: m, activityId: state.activityId, at }],
  );
}

// ── Closing ─────────────────────────────────────────────────────────────────────────────────────────

type Closing = NonNullable<ActivityState['closing']>;

/**
 * What is left of a closing: attendances with no time in the window are voided on the spot; the next one with
 * time is sent to its member's stream; when none is left, the activity is closed. `outcomes` holds what this
 * decision already decided (not yet folded into the state).
 */
function closingProgress(c: string, state: ActivityState, closing: Closing, outcomes: Map<string, AttendanceOutcome>, record: ActivityEvent[]): Decision {
  for (const [memberId, attendance] of state.attendance) {
    if (state.outcomes.has(memberId) || outcomes.has(memberId)) continue;
    const time = attendedTime(state, attendance, closing.closedAt, closing.roundingMode);
    if (time.hours === '0.00') {
      const message = `${memberId} was present for no time within ${state.startsAt}–${state.endsAt} (checked in ${attendance.checkedInAt}, out ${attendance.checkedOutAt ?? 'never'}, closed ${closing.closedAt})`;
      record.push({ type: 'AttendanceVoided', data: { memberId, code: 'hours-out-of-range', message } });
      outcomes.set(memberId, { kind: 'voided', code: 'hours-out-of-range', message });
      continue;
    }
    const selfMarked = attendance.checkedInVia === 'organiser' && attendance.checkedInBy === memberId;
    return decided(record, [
      { type: 'RecordAttendance', communityId: c, memberId, activityId: state.activityId, recordId: attendanceRecordId(state.activityId), category: state.category, ...time, selfMarked },
    ]);
  }
  let attended = 0;
  let hours = Hours.zero;
  for (const outcome of [...state.outcomes.values(), ...outcomes.values()]) {
    if (outcome.kind !== 'recorded') continue;
    attended += 1;
    hours = hours.plus(Hours.of(outcome.hours));
  }
  record.push({ type: 'ActivityClosed', data: { attended, voided: state.attendance.size - attended, hours: hours.toString() } });
  return decided(record);
}

function close(input: CloseInput, state: ActivityState): Decision {
  switch (state.status) {
    case 'none':
      return err(notFound('activity', input.activityId));
    case 'closed':
      return ok(nothingToDo);
    case 'closing':
      return closingProgress(input.communityId, state, state.closing!, new Map(), []);
    case 'cancelled':
      return err(invalidState(`activity ${state.activityId} was cancelled; there is nothing to close`, { status: state.status }));
    case 'published':
      break;
  }
  if (input.at < state.startsAt) return err(invalidState(`activity ${state.activityId} starts at ${state.startsAt}; close it once it has started, or cancel it`, { startsAt: state.startsAt }));
  const closing: Closing = { closedAt: input.at, closedBy: input.closedBy, roundingMode: input.roundingMode, policyVersion: input.policyVersion };
  return closingProgress(input.communityId, state, closing, new Map(), [{ type: 'ActivityClosing', data: closing }]);
}

// ── Approving the attendance in one go ──────────────────────────────────────────────────────────────

function approvalProgress(c: string, state: ActivityState, decidedNow: Map<string, 'approved' | 'left-pending'>, record: ActivityEvent[]): Decision {
  for (const [memberId, outcome] of state.outcomes) {
    if (outcome.kind !== 'recorded' || state.approvals.has(memberId) || decidedNow.has(memberId)) continue;
    return decided(record, [{ type: 'ApproveRecord', communityId: c, memberId, recordId: outcome.recordId, automatic: false }]);
  }
  const all = [...state.approvals.values(), ...decidedNow.values()];
  const approved = all.filter((a) => a === 'approved').length;
  record.push({ type: 'AttendanceApprovalFinished', data: { approved, leftPending: all.length - approved } });
  return decided(record);
}

function approveAttendance(input: ApproveAttendanceInput, state: ActivityState): Decision {
  if (state.status === 'none') return err(notFound('activity', input.activityId));
  if (state.status !== 'closed') {
    return err(invalidState(`activity ${state.activityId} is ${state.status}; its attendance is approved once it is closed`, { status: state.status }));
  }
  if (state.approval === 'finished') return ok(nothingToDo);
  if (state.approval === 'approving') return approvalProgress(input.communityId, state, new Map(), []);
  return approvalProgress(input.communityId, state, new Map(), [{ type: 'AttendanceApprovalStarted', data: { approvedBy: input.approvedBy } }]);
}

function resume(input: ResumeActivityInput, state: ActivityState): Decision {
  if (state.status === 'closing') return closingProgress(input.communityId, state, state.closing!, new Map(), []);
  if (state.approval === 'approving') return approvalProgress(input.communityId, state, new Map(), []);
  return ok(nothingToDo);
}

// ── Results of phases ───────────────────────────────────────────────────────────────────────────────

function phaseDone(state: ActivityState, step: StepCommand, events: number): Decision {
  switch (step.type) {
    case 'BeginPresence':
    case 'EndPresence':
      return ok(nothingToDo);
    case 'RecordAttendance': {
      const { memberId, recordId, checkedInAt, checkedOutAt, hours } = step;
      const outcome: AttendanceOutcome = { kind: 'recorded', recordId, checkedInAt, checkedOutAt, hours };
      return closingProgress(step.communityId, state, state.closing!, new Map([[memberId, outcome]]), [{ type: 'AttendanceRecorded', data: { memberId, recordId, checkedInAt, checkedOutAt, hours } }]);
    }
    case 'ApproveRecord':
      return approvalProgress(step.communityId, state, new Map([[step.memberId, 'approved']]), [{ type: 'AttendanceApproved', data: { memberId: step.memberId, recordId: step.recordId } }]);
    default:
      throw new InvariantViolation(`activity ${state.activityId}: unexpected step ${step.type} (${events} events)`);
  }
}

function phaseRefused(state: ActivityState, step: StepCommand, error: DomainError): Decision {
  const reason = { code: error.code, message: error.message };
  switch (step.type) {
    case 'BeginPresence':
      return decided([{ type: 'CheckInUndone', data: { memberId: step.memberId, ...reason } }], [], error);
    case 'RecordAttendance':
      return closingProgress(step.communityId, state, state.closing!, new Map([[step.memberId, { kind: 'voided', ...reason }]]), [{ type: 'AttendanceVoided', data: { memberId: step.memberId, ...reason } }]);
    case 'ApproveRecord':
      return approvalProgress(step.communityId, state, new Map([[step.memberId, 'left-pending']]), [
        { type: 'AttendanceLeftPending', data: { memberId: step.memberId, recordId: step.recordId, ...reason } },
      ]);
    default:
      // Ending a presence cannot be refused for a member who began one.
      throw new InvariantViolation(`activity ${state.activityId}: ${step.type} was refused: ${error.message}`);
  }
}

export const activityWorkflow: Workflow<ActivityInput, ActivityState, ActivityEvent> = {
  initialState: initialActivityState,
  evolve: evolveActivity,
  decide(input: ActivityInput | PhaseResult, state: ActivityState): Decision {
    switch (input.type) {
      case 'CheckIn':
        return checkIn(input, state);
      case 'CheckOut':
        return checkOut(input, state);
      case 'Close':
        return close(input, state);
      case 'ApproveAttendance':
        return approveAttendance(input, state);
      case 'ResumeActivity':
        return resume(input, state);
      case 'PhaseDone': {
        const receipt = input.receipts.at(-1);
        if (!receipt) throw new InvariantViolation(`activity ${state.activityId}: a phase ended with no step`);
        return phaseDone(state, receipt.step, receipt.events.length);
      }
      case 'PhaseRefused':
        return phaseRefused(state, input.refused, input.error);
    }
  },
};
