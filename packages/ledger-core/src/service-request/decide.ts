/**
 * The service-request decider for what touches the request's stream alone: 派单 (dispatch), 接单 (take), handing
 * it back, and marking it done. Posting, confirming and ending move points on member streams: the workflow's.
 */
import { type DomainError, domainError, invalidState, notFound } from '../errors.js';
import type { Actor } from '../events.js';
import { maxHoursPerRecordText } from '../limits.js';
import { Hours } from '../money.js';
import { err, ok, type Result } from '../result.js';
import type { ServiceRequestCommand } from './commands.js';
import type { ServiceRequestEvent } from './events.js';
import type { ServiceRequestState } from './state.js';

export interface ServiceRequestDecisionContext {
  readonly now: Date;
  readonly actor: Actor;
}

type Decision = Result<ServiceRequestEvent[], DomainError>;
type Command<T extends ServiceRequestCommand['type']> = Extract<ServiceRequestCommand, { type: T }>;
export type ServiceRequestDeciderCommand = Command<'DispatchServiceRequest' | 'TakeServiceRequest' | 'DeclineServiceRequest' | 'MarkServiceRequestDone'>;

export function decideServiceRequest(command: ServiceRequestDeciderCommand, state: ServiceRequestState, context: ServiceRequestDecisionContext): Decision {
  if (state.status === 'none') return err(notFound('service request', command.requestId));
  switch (command.type) {
    case 'DispatchServiceRequest':
      return assign(state, command.volunteerId, 'dispatch', context);
    case 'TakeServiceRequest':
      return assign(state, command.memberId, 'take', context);
    case 'DeclineServiceRequest':
      return decline(state, command.reason ?? null, context);
    case 'MarkServiceRequestDone':
      return markDone(state, command.hours, context);
  }
}

function assign(state: ServiceRequestState, volunteerId: string, via: 'dispatch' | 'take', context: ServiceRequestDecisionContext): Decision {
  if (state.status === 'assigned' && state.volunteerId === volunteerId) return ok([]);
  if (state.status !== 'open') {
    const holder = state.volunteerId ? ` (assigned to ${state.volunteerId}, who can hand it back)` : '';
    return err(invalidState(`service request ${state.requestId} is ${state.status}${holder}; only an open request can be ${via === 'take' ? 'taken' : 'dispatched'}`, { status: state.status }));
  }
  if (volunteerId === state.requesterId) return err(domainError('validation', `${volunteerId} asked for this service; another member must give it`));
  if (context.now.toISOString() >= state.expiresAt) {
    return err(invalidState(`service request ${state.requestId} lapsed at ${state.expiresAt}; it can only expire now — ask the requester to post it again`, { expiresAt: state.expiresAt }));
  }
  return ok([{ type: 'ServiceRequestAssigned', data: { volunteerId, via, by: context.actor.id } }]);
}

function decline(state: ServiceRequestState, reason: string | null, context: ServiceRequestDecisionContext): Decision {
  if (state.status !== 'assigned' || state.volunteerId === null) {
    return err(invalidState(`service request ${state.requestId} is ${state.status}; only an assigned request can be handed back`, { status: state.status }));
  }
  return ok([{ type: 'ServiceRequestDeclined', data: { volunteerId: state.volunteerId, by: context.actor.id, reason } }]);
}

const maxHoursPerRecord = Hours.of(maxHoursPerRecordText);

function markDone(state: ServiceRequestState, hoursText: string, context: ServiceRequestDecisionContext): Decision {
  if (state.status === 'done' && state.hours === hoursText) return ok([]);
  if (state.status !== 'assigned') {
    return err(invalidState(`service request ${state.requestId} is ${state.status}; only an assigned request can be marked done`, { status: state.status }));
  }
  const hours = Hours.of(hoursText);
  if (!hours.isPositive() || hours.gt(maxHoursPerRecord)) {
    return err(domainError('hours-out-of-range', `hours must be more than 0 and at most 24, got ${hours}`, { hours: hours.toString() }));
  }
  return ok([{ type: 'ServiceRequestDone', data: { hours: hours.toString(), doneAt: context.now.toISOString(), by: context.actor.id } }]);
}
