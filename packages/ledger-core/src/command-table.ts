/**
 * The command table: for every command, the stream it is decided on, who may issue it, and what handles it.
 * Typed over every command type, so a command without a permission or a handler does not compile.
 *
 * Handlers run after parsing and authorisation (see Ledger.execute). Anything outside the store — sealing
 * personal data, destroying a key, delivering points to the pool — happens only for a decision that was
 * accepted: sealing right before the append, the rest after it.
 */
import { type Who, permissions } from './authorization.js';
import type { Command, CommandType } from './commands.js';
import type { CommunityCommand } from './community/commands.js';
import { type CommunityState, currentPolicy, decideCommunity } from './community/decider.js';
import { type DomainError, domainError, notFound } from './errors.js';
import { donationPoolId, streamNames } from './ids.js';
import type { MemberCommand } from './member/commands.js';
import type { MemberEvent } from './member/events.js';
import type { RewardEvent } from './reward/events.js';
import { type MemberStep, type StepCommand, isMemberStep } from './steps.js';
import { decideMember, holdPeriodMs } from './member/decide.js';
import type { SealedProfile } from './member/events.js';
import type { MemberState } from './member/state.js';
import type { ExecuteResult } from './outcome.js';
import type { DecideOptions, StreamKind } from './pipeline/streams.js';
import type { RunOptions } from './pipeline/workflow-runner.js';
import { confirmed, fromCaller } from './command-support.js';
import type { RedemptionCommand } from './redemption/commands.js';
import type { RedemptionState } from './redemption/state.js';
import { type RedemptionInput, redemptionWorkflow } from './redemption/workflow.js';
import { err } from './result.js';
import type { RewardCommand } from './reward/commands.js';
import { decideReward, type RewardState } from './reward/decider.js';
import { communityKind, memberKind, rewardKind } from './stream-kinds.js';
import type { Clock } from './time.js';
import { calendarDateIn } from './time.js';
import type { TransferCommand } from './transfer/commands.js';
import type { TransferState } from './transfer/state.js';
import { transferWorkflow } from './transfer/workflow.js';
import type { ProfileVault } from './vault.js';
import type { Workflow } from './workflow.js';
import type { DomainEvent } from './events.js';
import type { Result } from './result.js';
import type { ActivityState } from './activity/state.js';
import type { ServiceRequestState } from './service-request/state.js';
import type { WishState } from './wish/state.js';
import { activityCommands } from './activity/handle.js';
import { serviceRequestCommands } from './service-request/handle.js';
import { wishCommands } from './wish/handle.js';

/** Folded state as this ledger holds it (its own writes included). */
export interface StateReader {
  community(communityId: string): Promise<CommunityState>;
  member(communityId: string, memberId: string): Promise<MemberState>;
  item(communityId: string, itemId: string): Promise<RewardState>;
  redemption(communityId: string, redemptionId: string): Promise<RedemptionState>;
  transfer(communityId: string, transferId: string): Promise<TransferState>;
  activity(communityId: string, activityId: string): Promise<ActivityState>;
  request(communityId: string, requestId: string): Promise<ServiceRequestState>;
  wish(communityId: string, wishId: string): Promise<WishState>;
}

/** What handlers need from the ledger. */
export interface CommandRuntime {
  readonly clock: Clock;
  readonly vault: ProfileVault;
  /** State as this ledger holds it: its own writes included, another instance's perhaps not yet. */
  readonly read: StateReader;
  /** State caught up with the store: what a refusal is confirmed against. */
  readonly fresh: StateReader;
  /** Decides one command on one stream, in that stream's queue, retried on conflict. */
  decideOn<S, E extends DomainEvent>(
    streamName: string,
    kind: StreamKind<S, E>,
    decider: (state: S) => Result<E[], DomainError> | Promise<Result<E[], DomainError>>,
    context: DecideOptions,
  ): Promise<ExecuteResult>;
  /** Runs a workflow input on the workflow's stream, in that stream's queue. */
  runWorkflow<I, S, E extends DomainEvent>(workflow: Workflow<I, S, E>, streamName: string, input: I, context: DecideOptions, options: RunOptions): Promise<ExecuteResult>;
  /** After an accepted erasure: destroys the member's keys (recovery finishes it if this fails). */
  finishErasure(communityId: string, memberId: string): Promise<boolean>;
  /** Runs an effect of an accepted command; a fault is reported, not thrown: the command stands, recovery finishes the effect. */
  afterAppend(what: string, effect: () => Promise<unknown>): Promise<void>;
  /** After an accrual sent points on to the donation pool: delivers them (recovery finishes it if this fails). */
  deliverOverflow(communityId: string, from: string, transferId: string, context: DecideOptions): Promise<ExecuteResult>;
}

export interface CommandSpec<C> {
  /** The stream the command is decided on (a process's own stream for a workflow). */
  readonly stream: (command: C) => string;
  readonly permission: readonly Who[];
  /** Whose account the command acts on, for 'self': a member acting on their own account. */
  readonly owner: (command: C, read: StateReader) => Promise<string | undefined>;
  readonly handle: (command: C, rt: CommandRuntime, context: DecideOptions) => Promise<ExecuteResult>;
}

// ── Single-stream commands ──────────────────────────────────────────────────────────────────────────

function decideOnCommunity(command: CommunityCommand, rt: CommandRuntime, context: DecideOptions): Promise<ExecuteResult> {
  return rt.decideOn(streamNames.community(command.communityId), communityKind, (state) => decideCommunity(command, state), context);
}

/** Stands in for the sealed profile while a decision is tried; never appended. */
const notYetSealed: SealedProfile = { keyId: '', alg: 'AES-GCM-256', iv: '', ciphertext: '' };

type ParsedMemberCommand = Extract<Command, { type: MemberCommand['type'] }>;

/** A command's decision on its stream, as a function of the stream's state (what previews and decisions share). */
export interface StreamDecision<S, E extends DomainEvent> {
  readonly streamName: string;
  readonly kind: StreamKind<S, E>;
  readonly decide: (state: S) => Promise<Result<E[], DomainError>>;
}

export function memberDecision(command: ParsedMemberCommand | MemberStep, rt: CommandRuntime, context: DecideOptions): StreamDecision<MemberState, MemberEvent> {
  const { communityId: c, memberId: m } = command;
  const profile = command.type === 'RegisterMember' || command.type === 'RecordProfile' ? command.profile : undefined;
  const base = (profile ? { ...command, profile: undefined } : command) as MemberCommand;
  return {
    streamName: streamNames.member(c, m),
    kind: memberKind,
    async decide(state) {
      const community = await rt.read.community(c);
      if (!community.exists) return err(notFound('community', c));
      const payment = base.type === 'ReceivePayment' ? await paymentOf(rt, c, base.from, base.requestId) : undefined;
      const decisionContext = { now: rt.clock.now(), actor: context.actor, community, ...(payment === undefined ? {} : { payment }) };
      if (!profile) return decideMember(base, state, decisionContext);
      // Personal data is sealed only for a decision that is accepted, right before it is appended: a refused
      // command never makes a key (rule 10), and clear text never reaches an event.
      const tried = decideMember({ ...base, sealedProfile: notYetSealed } as MemberCommand, state, decisionContext);
      if (!tried.ok) return tried;
      const sealedProfile = await rt.vault.seal(c, m, state.erasures, profile);
      return decideMember({ ...base, sealedProfile } as MemberCommand, state, decisionContext);
    },
  };
}

/**
 * A request's payment as the payer's stream holds it, for the volunteer's side (a decider sees one stream). Once
 * made, a payment never changes, so the cache serves unless it has not seen it yet.
 */
async function paymentOf(rt: CommandRuntime, communityId: string, payerId: string, requestId: string) {
  const payer = await confirmed(rt, (read) => read.member(communityId, payerId), (m) => m.paymentsOut.has(requestId));
  const payment = payer.paymentsOut.get(requestId);
  return payment ? { ...payment, returned: payer.paymentsReturned.has(requestId) } : null;
}

export function itemDecision(command: RewardCommand, rt: CommandRuntime, context: DecideOptions): StreamDecision<RewardState, RewardEvent> {
  return {
    streamName: streamNames.reward(command.communityId, command.itemId),
    kind: rewardKind,
    async decide(state) {
      const community = await rt.read.community(command.communityId);
      if (!community.exists) return err(notFound('community', command.communityId));
      return decideReward(command, state, { now: rt.clock.now(), actor: context.actor, timeZone: community.timeZone });
    },
  };
}

/** A step's decision on its member or item stream. */
export function stepDecision(step: StepCommand, rt: CommandRuntime, context: DecideOptions): StreamDecision<MemberState, MemberEvent> | StreamDecision<RewardState, RewardEvent> {
  return isMemberStep(step) ? memberDecision(step, rt, context) : itemDecision(step, rt, context);
}

async function decideOnMember(command: ParsedMemberCommand, rt: CommandRuntime, context: DecideOptions): Promise<ExecuteResult> {
  const decision = memberDecision(command, rt, context);
  const result = await rt.decideOn(decision.streamName, decision.kind, decision.decide, context);
  if (!result.ok || result.value.replayed) return result;
  // Effects after the append: the command is done whatever happens to them; a failure is left to recovery.
  for (const event of result.value.events) {
    if (event.type === 'MemberProfileErased') await rt.afterAppend('destroying an erased member\'s key', () => rt.finishErasure(command.communityId, command.memberId));
    if (event.type === 'PointsTransferredOut' && event.data['reason'] === 'overflow') {
      // Delivered now when it can be; the recovery pass delivers what a busy ledger or a crash left in transit.
      const transferId = String(event.data['transferId']);
      await rt.afterAppend(`delivering overflow ${transferId} to the pool`, () => rt.deliverOverflow(command.communityId, command.memberId, transferId, context));
    }
  }
  return result;
}

function decideOnItem(command: RewardCommand, rt: CommandRuntime, context: DecideOptions): Promise<ExecuteResult> {
  const decision = itemDecision(command, rt, context);
  return rt.decideOn(decision.streamName, decision.kind, decision.decide, context);
}

// ── Workflows: what each caller's command becomes as the workflow's input ───────────────────────────


async function requestRedemption(command: Extract<RedemptionCommand, { type: 'RequestRedemption' }>, rt: CommandRuntime, context: DecideOptions): Promise<ExecuteResult> {
  const c = command.communityId;
  const item = await confirmed(rt, (read) => read.item(c, command.itemId), (i) => i.exists);
  if (!item.exists) return err(notFound('catalogue item', command.itemId));
  const community = await rt.read.community(c);
  const now = rt.clock.now();
  let points: string;
  try {
    points = item.pointsCost.times(command.quantity).toString();
  } catch {
    return err(domainError('validation', `${command.quantity} × ${item.pointsCost} points is more than an account can hold; ask for fewer`));
  }
  const input: RedemptionInput = {
    type: 'RequestRedemption',
    communityId: c,
    redemptionId: command.redemptionId,
    memberId: command.memberId,
    itemId: command.itemId,
    quantity: command.quantity,
    points,
    expiresAt: new Date(now.getTime() + holdPeriodMs(currentPolicy(community).policy)).toISOString(),
    requestedBy: context.actor.id,
  };
  return rt.runWorkflow(redemptionWorkflow, streamNames.redemption(c, command.redemptionId), input, context, fromCaller);
}

async function fulfilRedemption(command: Extract<RedemptionCommand, { type: 'FulfilRedemption' }>, rt: CommandRuntime, context: DecideOptions): Promise<ExecuteResult> {
  const c = command.communityId;
  const redemption = await confirmed(rt, (read) => read.redemption(c, command.redemptionId), (r) => r.status !== 'none');
  if (redemption.status === 'none') return err(notFound('redemption', command.redemptionId));
  const item = await rt.read.item(c, redemption.itemId);
  const community = await rt.read.community(c);
  const now = rt.clock.now();
  const volunteerId = command.volunteerId ?? null;
  const firstActiveCategory = [...community.categories].find(([, category]) => category.active)?.[0] ?? 'culture';
  const service =
    volunteerId !== null && item.kind === 'service'
      ? {
          recordId: `redemption.${command.redemptionId}`.slice(0, 64),
          category: item.serviceCategory ?? firstActiveCategory,
          serviceDate: calendarDateIn(now, community.timeZone),
          hours: item.serviceHours ?? '1.00',
        }
      : null;
  const input: RedemptionInput = {
    type: 'FulfilRedemption',
    communityId: c,
    redemptionId: command.redemptionId,
    fulfilledBy: context.actor.id,
    volunteerId,
    itemKind: item.kind,
    service,
    now: now.toISOString(),
  };
  return rt.runWorkflow(redemptionWorkflow, streamNames.redemption(c, command.redemptionId), input, context, fromCaller);
}

function cancelRedemption(command: Extract<RedemptionCommand, { type: 'CancelRedemption' | 'ExpireRedemption' }>, rt: CommandRuntime, context: DecideOptions): Promise<ExecuteResult> {
  const input: RedemptionInput = {
    type: 'CancelRedemption',
    communityId: command.communityId,
    redemptionId: command.redemptionId,
    reason: command.type === 'ExpireRedemption' ? 'expired' : 'cancelled',
    requestedBy: context.actor.id,
    now: rt.clock.now().toISOString(),
  };
  return rt.runWorkflow(redemptionWorkflow, streamNames.redemption(command.communityId, command.redemptionId), input, context, fromCaller);
}

async function requestTransfer(command: TransferCommand, rt: CommandRuntime, context: DecideOptions): Promise<ExecuteResult> {
  const c = command.communityId;
  let recipientHouseholdId: string | null = null;
  if (command.to !== donationPoolId) {
    const recipient = await confirmed(rt, (read) => read.member(c, command.to), (m) => m.exists);
    if (!recipient.exists) return err(notFound('member', command.to));
    recipientHouseholdId = recipient.householdId;
  }
  return rt.runWorkflow(
    transferWorkflow,
    streamNames.transfer(c, command.transferId),
    {
      type: 'RequestTransfer',
      communityId: c,
      transferId: command.transferId,
      from: command.memberId,
      to: command.to,
      points: command.points,
      reason: command.reason ?? (command.to === donationPoolId ? 'donation' : 'gift'),
      requestedBy: context.actor.id,
      recipientHouseholdId,
    },
    context,
    fromCaller,
  );
}

// ── The table ───────────────────────────────────────────────────────────────────────────────────────

const noOwner = async (): Promise<undefined> => undefined;
const memberOwner = async (command: { memberId: string }): Promise<string> => command.memberId;
/** A redemption belongs to the member it was requested for. */
const redemptionOwner = async (command: { communityId: string; redemptionId: string }, read: StateReader): Promise<string | undefined> =>
  (await read.redemption(command.communityId, command.redemptionId)).memberId || undefined;

const onCommunity = <T extends CommunityCommand['type']>(type: T): CommandSpec<Command<T>> => ({
  stream: (command) => streamNames.community(command.communityId),
  permission: permissions[type],
  owner: noOwner,
  handle: (command, rt, context) => decideOnCommunity(command as CommunityCommand, rt, context),
});

const onMember = <T extends MemberCommand['type']>(type: T): CommandSpec<Command<T>> => ({
  stream: (command) => streamNames.member(command.communityId, (command as { memberId: string }).memberId),
  permission: permissions[type],
  owner: (command) => memberOwner(command as { memberId: string }),
  handle: (command, rt, context) => decideOnMember(command as ParsedMemberCommand, rt, context),
});

const onItem = <T extends RewardCommand['type']>(type: T): CommandSpec<Command<T>> => ({
  stream: (command) => streamNames.reward(command.communityId, (command as { itemId: string }).itemId),
  permission: permissions[type],
  owner: noOwner,
  handle: (command, rt, context) => decideOnItem(command as RewardCommand, rt, context),
});

const onRedemption = <T extends RedemptionCommand['type']>(
  type: T,
  handle: (command: Command<T>, rt: CommandRuntime, context: DecideOptions) => Promise<ExecuteResult>,
  owner: (command: Command<T>, read: StateReader) => Promise<string | undefined>,
): CommandSpec<Command<T>> => ({
  stream: (command) => streamNames.redemption(command.communityId, (command as { redemptionId: string }).redemptionId),
  permission: permissions[type],
  owner,
  handle,
});

export const commandTable: { readonly [T in CommandType]: CommandSpec<Command<T>> } = {
  RegisterCommunity: onCommunity('RegisterCommunity'),
  PublishPolicy: onCommunity('PublishPolicy'),
  AddCategory: onCommunity('AddCategory'),
  RetireCategory: onCommunity('RetireCategory'),
  AppointOrganiser: onCommunity('AppointOrganiser'),
  DismissOrganiser: onCommunity('DismissOrganiser'),

  RegisterMember: onMember('RegisterMember'),
  RecordProfile: onMember('RecordProfile'),
  ErasePersonalData: onMember('ErasePersonalData'),
  RecordCheckedInHours: onMember('RecordCheckedInHours'),
  ReportHours: onMember('ReportHours'),
  ApproveService: onMember('ApproveService'),
  RejectService: onMember('RejectService'),
  ReverseService: onMember('ReverseService'),
  GrantPoints: onMember('GrantPoints'),
  ExpirePoints: onMember('ExpirePoints'),
  PlaceHold: onMember('PlaceHold'),
  ReleaseHold: onMember('ReleaseHold'),
  SpendHold: onMember('SpendHold'),
  SendPoints: onMember('SendPoints'),
  ReceivePoints: onMember('ReceivePoints'),
  RefundTransfer: onMember('RefundTransfer'),
  RecordServiceGiven: onMember('RecordServiceGiven'),
  WithdrawServiceGiven: onMember('WithdrawServiceGiven'),

  ListItem: onItem('ListItem'),
  RepriceItem: onItem('RepriceItem'),
  RestockItem: onItem('RestockItem'),
  DelistItem: onItem('DelistItem'),
  ReserveStock: onItem('ReserveStock'),
  ReleaseStock: onItem('ReleaseStock'),
  IssueStock: onItem('IssueStock'),

  RequestRedemption: onRedemption('RequestRedemption', requestRedemption, memberOwner),
  FulfilRedemption: onRedemption('FulfilRedemption', fulfilRedemption, redemptionOwner),
  CancelRedemption: onRedemption('CancelRedemption', cancelRedemption, redemptionOwner),
  ExpireRedemption: onRedemption('ExpireRedemption', cancelRedemption, redemptionOwner),

  RequestTransfer: {
    stream: (command) => streamNames.transfer(command.communityId, command.transferId),
    permission: permissions.RequestTransfer,
    owner: memberOwner,
    handle: requestTransfer,
  },

  BeginPresence: onMember('BeginPresence'),
  EndPresence: onMember('EndPresence'),
  RecordAttendance: onMember('RecordAttendance'),
  ApproveRecord: onMember('ApproveRecord'),
  RecordRequestService: onMember('RecordRequestService'),
  PayHold: onMember('PayHold'),
  ReceivePayment: onMember('ReceivePayment'),
  ReturnPayment: onMember('ReturnPayment'),

  ...activityCommands,
  ...serviceRequestCommands,
  ...wishCommands,
};

/** The entry for a parsed command, typed loosely for the pipeline that handles every command alike. */
export const specOf = (command: Command): CommandSpec<Command> => commandTable[command.type] as unknown as CommandSpec<Command>;
