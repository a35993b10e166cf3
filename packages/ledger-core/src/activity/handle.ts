/**
 * The command table's entries for activities: each command's stream, permission, owner and handler. Handlers
 * gather what the pure decider and workflow cannot look up themselves — the community's set-up, the clock, the
 * member's existence, a kiosk code's verdict — then decide on the activity's stream (one writer per stream).
 */
import { permissions } from '../authorization.js';
import { carryOn, confirmed, fromCaller, memberMissing, memberOwner, noOwner } from '../command-support.js';
import type { CommandRuntime, CommandSpec } from '../command-table.js';
import type { Command } from '../commands.js';
import { currentPolicy } from '../community/decider.js';
import { type DomainError, invalidState, notFound } from '../errors.js';
import { streamNames } from '../ids.js';
import type { SealedProfile } from '../member/events.js';
import type { ExecuteResult } from '../outcome.js';
import type { DecideOptions } from '../pipeline/streams.js';
import { err, type Result } from '../result.js';
import { activityKind } from '../stream-kinds.js';
import type { ActivityCommand } from './commands.js';
import { type ActivityDeciderCommand, decideActivity } from './decide.js';
import { openKioskSecret, sealKioskSecret, verifyKioskCode } from './kiosk.js';
import { type ActivityInput, activityWorkflow } from './workflow.js';

type ActivityType = ActivityCommand['type'];
type Target = { readonly communityId: string; readonly activityId: string };
type Handler<T extends ActivityType> = (command: Command<T>, rt: CommandRuntime, context: DecideOptions) => Promise<ExecuteResult>;

const streamOf = (command: Target): string => streamNames.activity(command.communityId, command.activityId);

/** Stands in for the sealed kiosk secret while a publication is tried; never appended. */
const notYetSealed: SealedProfile = { keyId: '', alg: 'AES-GCM-256', iv: '', ciphertext: '' };

/**
 * Decides on the activity's stream. A publication's kiosk secret is made and sealed only for a decision that is
 * accepted, right before it is appended, so a refused one never makes a key in the vault (rule 10).
 */
function decideOnActivity(command: Command<'PublishActivity'> | Exclude<ActivityDeciderCommand, { type: 'PublishActivity' }>, rt: CommandRuntime, context: DecideOptions): Promise<ExecuteResult> {
  const c = command.communityId;
  return rt.decideOn(
    streamOf(command),
    activityKind,
    async (state) => {
      const community = await rt.read.community(c);
      if (!community.exists) return err(notFound('community', c));
      const decisionContext = { now: rt.clock.now(), actor: context.actor, community };
      if (command.type !== 'PublishActivity') return decideActivity(command, state, decisionContext);
      const tried = decideActivity({ ...command, kioskSecret: notYetSealed }, state, decisionContext);
      if (!tried.ok) return tried;
      return decideActivity({ ...command, kioskSecret: await sealKioskSecret(rt.vault, c, command.activityId) }, state, decisionContext);
    },
    context,
  );
}

const signUp: Handler<'SignUpForActivity'> = async (command, rt, context) => {
  const missing = await memberMissing(rt, command.communityId, command.memberId);
  return missing ? err(missing) : decideOnActivity(command, rt, context);
};

/** The time step of a presented kiosk code, if it is current and was signed for this activity. */
async function kioskStep(command: Command<'CheckInWithKioskCode' | 'CheckOutWithKioskCode'>, rt: CommandRuntime, now: Date): Promise<Result<number, DomainError>> {
  const { communityId: c, activityId: a } = command;
  // The sealed secret never changes once published: a cached state serves, unless it has not seen the activity.
  const activity = await confirmed(rt, (read) => read.activity(c, a), (s) => s.kioskSecret !== null);
  if (activity.kioskSecret === null) return err(notFound('activity', a));
  const secret = await openKioskSecret(rt.vault, c, a, activity.kioskSecret);
  if (!secret) return err(invalidState(`the kiosk secret of activity ${a} cannot be opened (its key is not in the vault); ask an organiser to check you in`));
  return verifyKioskCode(secret, c, a, command.code, now);
}

/** Check-in and check-out, stamped by the ledger's clock: marked by an organiser, or by the member's kiosk code. */
async function attendance(
  command: Command<'CheckInAttendee' | 'CheckOutAttendee' | 'CheckInWithKioskCode' | 'CheckOutWithKioskCode'>,
  rt: CommandRuntime,
  context: DecideOptions,
): Promise<ExecuteResult> {
  const missing = await memberMissing(rt, command.communityId, command.memberId);
  if (missing) return err(missing);
  const now = rt.clock.now();
  let step: number | null = null;
  if (command.type === 'CheckInWithKioskCode' || command.type === 'CheckOutWithKioskCode') {
    const verified = await kioskStep(command, rt, now);
    if (!verified.ok) return verified;
    step = verified.value;
  }
  const kind = command.type === 'CheckInAttendee' || command.type === 'CheckInWithKioskCode' ? 'CheckIn' : 'CheckOut';
  const input: ActivityInput = {
    type: kind,
    communityId: command.communityId,
    activityId: command.activityId,
    memberId: command.memberId,
    at: now.toISOString(),
    by: context.actor.id,
    via: step === null ? 'organiser' : 'kiosk',
    kioskStep: step,
  };
  return rt.runWorkflow(activityWorkflow, streamOf(command), input, context, fromCaller);
}

/** Closing uses the policy in force now (its rounding mode and version go into the record of the closing). */
const close: Handler<'CloseActivity'> = async (command, rt, context) => {
  const community = await rt.read.community(command.communityId);
  if (!community.exists) return err(notFound('community', command.communityId));
  const { policy, version } = currentPolicy(community);
  const input: ActivityInput = {
    type: 'Close',
    communityId: command.communityId,
    activityId: command.activityId,
    at: rt.clock.now().toISOString(),
    closedBy: context.actor.id,
    roundingMode: policy.rounding.mode,
    policyVersion: version,
  };
  // One attendance refused is that attendance's outcome (voided), not the closing's: nothing to preview.
  return rt.runWorkflow(activityWorkflow, streamOf(command), input, context, carryOn);
};

const approve: Handler<'ApproveActivityAttendance'> = (command, rt, context) =>
  rt.runWorkflow(activityWorkflow, streamOf(command), { type: 'ApproveAttendance', communityId: command.communityId, activityId: command.activityId, approvedBy: context.actor.id }, context, carryOn);

const resume: Handler<'ResumeActivity'> = (command, rt, context) =>
  rt.runWorkflow(activityWorkflow, streamOf(command), { type: 'ResumeActivity', communityId: command.communityId, activityId: command.activityId }, context, carryOn);


function entry<T extends ActivityType>(type: T, handle: Handler<T>, owner: (command: Command<T>) => Promise<string | undefined> = noOwner): CommandSpec<Command<T>> {
  return { stream: (command) => streamOf(command as Target), permission: permissions[type], owner, handle };
}

export const activityCommands: { readonly [T in ActivityType]: CommandSpec<Command<T>> } = {
  PublishActivity: entry('PublishActivity', decideOnActivity),
  ChangeActivity: entry('ChangeActivity', decideOnActivity),
  CancelActivity: entry('CancelActivity', decideOnActivity),
  SignUpForActivity: entry('SignUpForActivity', signUp, memberOwner),
  WithdrawFromActivity: entry('WithdrawFromActivity', decideOnActivity, memberOwner),
  CheckInAttendee: entry('CheckInAttendee', attendance),
  CheckOutAttendee: entry('CheckOutAttendee', attendance),
  CheckInWithKioskCode: entry('CheckInWithKioskCode', attendance, memberOwner),
  CheckOutWithKioskCode: entry('CheckOutWithKioskCode', attendance, memberOwner),
  CloseActivity: entry('CloseActivity', close),
  ApproveActivityAttendance: entry('ApproveActivityAttendance', approve),
  ResumeActivity: entry('ResumeActivity', resume),
};
