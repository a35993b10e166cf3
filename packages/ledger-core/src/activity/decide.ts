/**
 * The activity decider for what is decided on the activity's stream alone: publishing, changing and cancelling
 * it, signing up and withdrawing. Capacity is kept here, one decision after another on one stream, so seats
 * taken never pass it however many sign up at once; the wait list moves up in order whenever a seat comes free.
 * Check-in, check-out, closing and approval span member streams: they are the workflow's (workflow.ts).
 */
import { type CommunityState, categoryRefusal } from '../community/decider.js';
import { type DomainError, alreadyExists, domainError, invalidState, notFound } from '../errors.js';
import type { Actor } from '../events.js';
import { maxActivityLengthMs, maxWaitListLength } from '../limits.js';
import type { SealedProfile } from '../member/events.js';
import { err, ok, type Result } from '../result.js';
import type { ActivityCommand } from './commands.js';
import type { ActivityEvent } from './events.js';
import type { ActivityState } from './state.js';

export interface ActivityDecisionContext {
  readonly now: Date;
  readonly actor: Actor;
  readonly community: CommunityState;
}

type Decision = Result<ActivityEvent[], DomainError>;
type Command<T extends ActivityCommand['type']> = Extract<ActivityCommand, { type: T }>;

/** Publishing carries the sealed kiosk secret the runtime made for it (see kiosk.ts). */
export type PublishActivity = Command<'PublishActivity'> & { readonly kioskSecret: SealedProfile };
export type ActivityDeciderCommand = PublishActivity | Command<'ChangeActivity' | 'CancelActivity' | 'SignUpForActivity' | 'WithdrawFromActivity'>;

export function decideActivity(command: ActivityDeciderCommand, state: ActivityState, context: ActivityDecisionContext): Decision {
  if (command.type === 'PublishActivity') return publish(command, state, context);
  if (state.status === 'none') return err(notFound('activity', command.activityId));
  switch (command.type) {
    case 'ChangeActivity':
      return change(command, state, context);
    case 'CancelActivity':
      return cancel(command, state, context);
    case 'SignUpForActivity':
      return signUp(command, state, context);
    case 'WithdrawFromActivity':
      return withdraw(command, state, context);
  }
}

/** Starts before it ends, lasts at most a day (one service record), and has not ended yet. */
function windowError(startsAt: string, endsAt: string, now: Date): DomainError | null {
  const lengthMs = Date.parse(endsAt) - Date.parse(startsAt);
  if (lengthMs <= 0) return domainError('validation', `an activity must end after it starts; got ${startsAt} to ${endsAt}`);
  if (lengthMs > maxActivityLengthMs) {
    return domainError('validation', `an activity lasts at most ${maxActivityLengthMs / 3_600_000} hours (one service record); ${startsAt} to ${endsAt} is longer — publish one activity a day`);
  }
  if (endsAt <= now.toISOString()) return domainError('validation', `the activity would have ended already (${endsAt}; now ${now.toISOString()})`);
  return null;
}

const unique = (ids: readonly string[]): string[] => [...new Set(ids)];

function publish(command: PublishActivity, state: ActivityState, context: ActivityDecisionContext): Decision {
  if (state.status !== 'none') return err(alreadyExists('activity', command.activityId));
  const problem = categoryRefusal(context.community, command.category) ?? windowError(command.startsAt, command.endsAt, context.now);
  if (problem) return err(problem);
  const publisher = context.actor.role === 'organiser' ? [context.actor.id] : [];
  return ok([
    {
      type: 'ActivityPublished',
      data: {
        activityId: command.activityId,
        title: command.title,
        category: command.category,
        startsAt: command.startsAt,
        endsAt: command.endsAt,
        place: command.place,
        capacity: command.capacity,
        organisers: unique([...publisher, ...(command.organisers ?? [])]),
        kioskSecret: command.kioskSecret,
        publishedBy: context.actor.id,
      },
    },
  ]);
}

/** Sign-ups, changes and withdrawals are for an activity that is published and has not started. */
function notStartedError(state: ActivityState, now: Date, what: string): DomainError | null {
  if (state.status !== 'published') return invalidState(`activity ${state.activityId} is ${state.status}; ${what} only a published activity`, { status: state.status });
  if (now.toISOString() >= state.startsAt) return invalidState(`activity ${state.activityId} started at ${state.startsAt}; ${what} only before it starts`, { startsAt: state.startsAt });
  return null;
}

/** The first `count` on the wait list take the seats that came free, in order. */
function promotions(state: ActivityState, count: number, at: string): ActivityEvent[] {
  return state.waitList.slice(0, Math.max(0, count)).map((memberId): ActivityEvent => ({ type: 'AttendeePromoted', data: { memberId, at } }));
}

function change(command: Command<'ChangeActivity'>, state: ActivityState, context: ActivityDecisionContext): Decision {
  const problem = notStartedError(state, context.now, 'one can change');
  if (problem) return err(problem);
  const changes = {
    ...(command.title !== undefined && command.title !== state.title ? { title: command.title } : {}),
    ...(command.startsAt !== undefined && command.startsAt !== state.startsAt ? { startsAt: command.startsAt } : {}),
    ...(command.endsAt !== undefined && command.endsAt !== state.endsAt ? { endsAt: command.endsAt } : {}),
    ...(command.place !== undefined && command.place !== state.place ? { place: command.place } : {}),
    ...(command.capacity !== undefined && command.capacity !== state.capacity ? { capacity: command.capacity } : {}),
    ...(command.organisers !== undefined ? { organisers: unique(command.organisers) } : {}),
  };
  if ([command.title, command.startsAt, command.endsAt, command.place, command.capacity, command.organisers].every((v) => v === undefined)) {
    return err(domainError('validation', 'name at least one of title, startsAt, endsAt, place, capacity, organisers to change'));
  }
  if (Object.keys(changes).length === 0) return ok([]);
  // Check-in opens before the start: a member already present has claimed time until the end as it was.
  if ((changes.startsAt !== undefined || changes.endsAt !== undefined) && state.attendance.size > 0) {
    return err(invalidState(`${state.attendance.size} members have checked in at ${state.activityId} already; its times can no longer change`, { checkedIn: state.attendance.size }));
  }
  const windowProblem = windowError(changes.startsAt ?? state.startsAt, changes.endsAt ?? state.endsAt, context.now);
  if (windowProblem) return err(windowProblem);
  const capacity = changes.capacity ?? state.capacity;
  if (capacity < state.seats.size) {
    return err(invalidState(`${state.seats.size} members already hold a seat at ${state.activityId}; the capacity cannot go below that (asked ${capacity})`, { seatsTaken: state.seats.size, capacity }));
  }
  const at = context.now.toISOString();
  return ok([{ type: 'ActivityChanged', data: { ...changes, changedBy: context.actor.id } }, ...promotions(state, capacity - state.seats.size, at)]);
}

function cancel(command: Command<'CancelActivity'>, state: ActivityState, context: ActivityDecisionContext): Decision {
  if (state.status === 'cancelled') return ok([]);
  if (state.status !== 'published') return err(invalidState(`activity ${state.activityId} is ${state.status}; only a published activity can be cancelled`, { status: state.status }));
  if (state.attendance.size > 0) {
    return err(invalidState(`${state.attendance.size} members have checked in at ${state.activityId}; close it instead of cancelling, so their time is recorded`, { checkedIn: state.attendance.size }));
  }
  return ok([{ type: 'ActivityCancelled', data: { reason: command.reason, cancelledBy: context.actor.id } }]);
}

function signUp(command: Command<'SignUpForActivity'>, state: ActivityState, context: ActivityDecisionContext): Decision {
  const problem = notStartedError(state, context.now, 'one can sign up for');
  if (problem) return err(problem);
  const m = command.memberId;
  if (state.seats.has(m)) return err(domainError('already-exists', `${m} already holds a seat at ${state.activityId}`, { memberId: m }));
  const waiting = state.waitList.indexOf(m);
  if (waiting >= 0) return err(domainError('already-exists', `${m} is already on the wait list of ${state.activityId} (position ${waiting + 1})`, { memberId: m, position: waiting + 1 }));
  const at = context.now.toISOString();
  if (state.seats.size < state.capacity) return ok([{ type: 'AttendeeSignedUp', data: { memberId: m, at, walkIn: false } }]);
  if (state.waitList.length >= maxWaitListLength) {
    return err(domainError('limit-reached', `activity ${state.activityId} is full (${state.capacity} seats) and its wait list too (${maxWaitListLength}); nobody more can sign up`, { capacity: state.capacity }));
  }
  return ok([{ type: 'AttendeeWaitListed', data: { memberId: m, at } }]);
}

function withdraw(command: Command<'WithdrawFromActivity'>, state: ActivityState, context: ActivityDecisionContext): Decision {
  const problem = notStartedError(state, context.now, 'one can withdraw from');
  if (problem) return err(problem);
  const m = command.memberId;
  const at = context.now.toISOString();
  if (state.attendance.has(m)) return err(invalidState(`${m} has checked in at ${state.activityId}; check out instead of withdrawing`));
  if (state.seats.has(m)) return ok([{ type: 'AttendeeWithdrew', data: { memberId: m, at, from: 'seat' } }, ...promotions(state, 1, at)]);
  if (state.waitList.includes(m)) return ok([{ type: 'AttendeeWithdrew', data: { memberId: m, at, from: 'wait-list' } }]);
  return err(domainError('not-found', `${m} is neither signed up for ${state.activityId} nor on its wait list; there is nothing to withdraw`, { memberId: m }));
}
