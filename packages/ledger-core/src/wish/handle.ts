/** The command table's entries for micro-wishes (微心愿). */
import { permissions } from '../authorization.js';
import { carryOn, fromCaller, memberMissing, noOwner } from '../command-support.js';
import type { CommandRuntime, CommandSpec } from '../command-table.js';
import type { Command } from '../commands.js';
import { donationPoolId, streamNames } from '../ids.js';
import { wishPoolHoldMs } from '../limits.js';
import type { ExecuteResult } from '../outcome.js';
import type { DecideOptions } from '../pipeline/streams.js';
import { err } from '../result.js';
import type { WishCommand } from './commands.js';
import { type WishInput, wishWorkflow } from './workflow.js';

type WishType = WishCommand['type'];
type Target = { readonly communityId: string; readonly wishId: string };
type Handler<T extends WishType> = (command: Command<T>, rt: CommandRuntime, context: DecideOptions) => Promise<ExecuteResult>;

const streamOf = (command: Target): string => streamNames.wish(command.communityId, command.wishId);
const run = (command: Target, rt: CommandRuntime, input: WishInput, context: DecideOptions) =>
  rt.runWorkflow(wishWorkflow, streamOf(command), input, context, input.type === 'ResumeWish' ? carryOn : fromCaller);

const post: Handler<'PostWish'> = async (command, rt, context) => {
  const missing = await memberMissing(rt, command.communityId, command.beneficiaryId);
  if (missing) return err(missing);
  const { type, communityId, wishId, beneficiaryId, title, points } = command;
  return run(command, rt, { type, communityId, wishId, beneficiaryId, title, description: command.description ?? null, points, postedBy: context.actor.id }, context);
};

/** A member claims it for themselves; the pool's claim holds its points (refused if it has not enough: no overdraft). */
const claim: Handler<'ClaimWish'> = async (command, rt, context) => {
  const missing = command.memberId === donationPoolId ? null : await memberMissing(rt, command.communityId, command.memberId);
  if (missing) return err(missing);
  const holdExpiresAt = new Date(rt.clock.now().getTime() + wishPoolHoldMs).toISOString();
  return run(command, rt, { type: 'ClaimWish', communityId: command.communityId, wishId: command.wishId, claimantId: command.memberId, by: context.actor.id, holdExpiresAt }, context);
};

const fulfil: Handler<'FulfilWish'> = (command, rt, context) => run(command, rt, { type: 'FulfilWish', communityId: command.communityId, wishId: command.wishId, by: context.actor.id }, context);
const cancel: Handler<'CancelWish'> = (command, rt, context) =>
  run(command, rt, { type: 'CancelWish', communityId: command.communityId, wishId: command.wishId, by: context.actor.id, reason: command.reason }, context);
const resume: Handler<'ResumeWish'> = (command, rt, context) => run(command, rt, { type: 'ResumeWish', communityId: command.communityId, wishId: command.wishId }, context);

/** The claimant: a member claims for themselves (the pool's id is no member's, so only staff claim for the pool). */
const claimantOwner = async (command: { memberId: string }): Promise<string> => command.memberId;

function entry<T extends WishType>(type: T, handle: Handler<T>, owner: (command: Command<T>) => Promise<string | undefined> = noOwner): CommandSpec<Command<T>> {
  return { stream: (command) => streamOf(command as Target), permission: permissions[type], owner, handle };
}

export const wishCommands: { readonly [T in WishType]: CommandSpec<Command<T>> } = {
  PostWish: entry('PostWish', post),
  ClaimWish: entry('ClaimWish', claim, claimantOwner),
  FulfilWish: entry('FulfilWish', fulfil),
  CancelWish: entry('CancelWish', cancel),
  ResumeWish: entry('ResumeWish', resume),
};
