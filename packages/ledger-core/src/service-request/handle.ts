/**
 * The command table's entries for service requests. Handlers gather what the pure decider and workflow cannot
 * look up (members' existence, the category, the policy, the clock, the community's today) and decide on the
 * request's stream.
 */
import { permissions } from '../authorization.js';
import { carryOn, fromCaller, memberMissing, memberOwner, noOwner } from '../command-support.js';
import type { CommandRuntime, CommandSpec, StateReader } from '../command-table.js';
import type { Command } from '../commands.js';
import { categoryRefusal, currentPolicy } from '../community/decider.js';
import { type DomainError, domainError, notFound } from '../errors.js';
import { streamNames } from '../ids.js';
import { defaultServiceRequestOpenMs, maxServiceRequestOpenMs } from '../limits.js';
import type { ExecuteResult } from '../outcome.js';
import type { DecideOptions } from '../pipeline/streams.js';
import { err } from '../result.js';
import { serviceRequestKind } from '../stream-kinds.js';
import { calendarDateIn } from '../time.js';
import type { ServiceRequestCommand } from './commands.js';
import { type ServiceRequestDeciderCommand, decideServiceRequest } from './decide.js';
import type { RequestEnding } from './events.js';
import { type ServiceRequestInput, serviceRequestWorkflow } from './workflow.js';

type RequestType = ServiceRequestCommand['type'];
type Target = { readonly communityId: string; readonly requestId: string };
type Handler<T extends RequestType> = (command: Command<T>, rt: CommandRuntime, context: DecideOptions) => Promise<ExecuteResult>;

const streamOf = (command: Target): string => streamNames.request(command.communityId, command.requestId);

const run = (command: Target, rt: CommandRuntime, input: ServiceRequestInput, context: DecideOptions) =>
  rt.runWorkflow(serviceRequestWorkflow, streamOf(command), input, context, input.type === 'ResumeServiceRequest' ? carryOn : fromCaller);

const post: Handler<'PostServiceRequest'> = async (command, rt, context) => {
  const c = command.communityId;
  const community = await rt.read.community(c);
  if (!community.exists) return err(notFound('community', c));
  const problem = categoryRefusal(community, command.category) ?? (await memberMissing(rt, c, command.memberId));
  if (problem) return err(problem);
  const now = rt.clock.now();
  const wanted = Date.parse(command.wantedAt);
  const expiresAt = command.expiresAt ?? new Date(Math.max(wanted, now.getTime()) + defaultServiceRequestOpenMs).toISOString();
  if (expiresAt <= now.toISOString()) return err(domainError('validation', `the request would lapse at ${expiresAt}, which has passed (now ${now.toISOString()}); set a later expiresAt`));
  const latest = new Date(now.getTime() + maxServiceRequestOpenMs).toISOString();
  if (expiresAt > latest) {
    return err(domainError('validation', `a request may stand (and hold points) at most ${maxServiceRequestOpenMs / 86_400_000} days: ${expiresAt} is after ${latest}; set an earlier expiresAt or wantedAt`));
  }
  return run(command, rt, {
    type: 'PostServiceRequest',
    communityId: c,
    requestId: command.requestId,
    requesterId: command.memberId,
    category: command.category,
    description: command.description,
    wantedAt: command.wantedAt,
    place: command.place,
    pointsOffered: command.pointsOffered ?? null,
    expiresAt,
    postedBy: context.actor.id,
  }, context);
};

function decideOnRequest(command: ServiceRequestDeciderCommand, rt: CommandRuntime, context: DecideOptions): Promise<ExecuteResult> {
  return rt.decideOn(streamOf(command), serviceRequestKind, (state) => decideServiceRequest(command, state, { now: rt.clock.now(), actor: context.actor }), context);
}

/** 派单 and 接单 name a volunteer, who must be a member. */
const assign: Handler<'DispatchServiceRequest' | 'TakeServiceRequest'> = async (command, rt, context) => {
  const missing = await memberMissing(rt, command.communityId, command.type === 'DispatchServiceRequest' ? command.volunteerId : command.memberId);
  return missing ? err(missing) : decideOnRequest(command, rt, context);
};

const confirm: Handler<'ConfirmServiceRequest'> = async (command, rt, context) => {
  const community = await rt.read.community(command.communityId);
  if (!community.exists) return err(notFound('community', command.communityId));
  return run(command, rt, {
    type: 'ConfirmServiceRequest',
    communityId: command.communityId,
    requestId: command.requestId,
    confirmedBy: context.actor.id,
    rating: command.rating,
    comment: command.comment ?? null,
    serviceDate: calendarDateIn(rt.clock.now(), community.timeZone),
    autoApprove: currentPolicy(community).policy.autoApproveConfirmedRequests,
  }, context);
};

function end(outcome: RequestEnding): Handler<'CancelServiceRequest' | 'RefuseServiceRequest' | 'ExpireServiceRequest'> {
  return (command, rt, context) =>
    run(command, rt, {
      type: 'EndServiceRequest',
      communityId: command.communityId,
      requestId: command.requestId,
      outcome,
      by: context.actor.id,
      reason: 'reason' in command ? (command.reason ?? null) : null,
      now: rt.clock.now().toISOString(),
    }, context);
}

const resume: Handler<'ResumeServiceRequest'> = (command, rt, context) =>
  run(command, rt, { type: 'ResumeServiceRequest', communityId: command.communityId, requestId: command.requestId }, context);

/** The requester owns the request: they confirm or cancel it. */
const requesterOwner = async (command: Target, read: StateReader): Promise<string | undefined> => (await read.request(command.communityId, command.requestId)).requesterId || undefined;
/** The assigned volunteer: they hand it back or mark it done. */
const volunteerOwner = async (command: Target, read: StateReader): Promise<string | undefined> => (await read.request(command.communityId, command.requestId)).volunteerId ?? undefined;

function entry<T extends RequestType>(type: T, handle: Handler<T>, owner: (command: Command<T>, read: StateReader) => Promise<string | undefined> = noOwner): CommandSpec<Command<T>> {
  return { stream: (command) => streamOf(command as Target), permission: permissions[type], owner, handle };
}

export const serviceRequestCommands: { readonly [T in RequestType]: CommandSpec<Command<T>> } = {
  PostServiceRequest: entry('PostServiceRequest', post, memberOwner),
  DispatchServiceRequest: entry<'DispatchServiceRequest'>('DispatchServiceRequest', assign),
  TakeServiceRequest: entry<'TakeServiceRequest'>('TakeServiceRequest', assign, memberOwner),
  DeclineServiceRequest: entry('DeclineServiceRequest', decideOnRequest, volunteerOwner),
  MarkServiceRequestDone: entry('MarkServiceRequestDone', decideOnRequest, volunteerOwner),
  ConfirmServiceRequest: entry('ConfirmServiceRequest', confirm, requesterOwner),
  CancelServiceRequest: entry('CancelServiceRequest', end('cancelled'), requesterOwner),
  RefuseServiceRequest: entry('RefuseServiceRequest', end('refused')),
  ExpireServiceRequest: entry('ExpireServiceRequest', end('expired')),
  ResumeServiceRequest: entry('ResumeServiceRequest', resume),
};
