/**
 * The ledger: every command goes through one pipeline, in this order (DESIGN §3):
 *
 *   parse (zod) → authorise (against the community's state) → idempotency claim → decide → append →
 *   effects outside the store (the vault; points on their way to the pool)
 *
 * so nothing outside the store changes for a refused command (rule 10). Work for one stream is serialised
 * inside the ledger (one writer per stream), so concurrent callers get decisions, not conflicts (rule 11);
 * a conflict can only come from another process on the same store, and is retried within a bound.
 * Domain refusals come back as values; store faults throw.
 */
import { authorize, authorizeRead, type ReadTarget } from './authorization.js';
import { type CommandRuntime, type StateReader, specOf, stepDecision } from './command-table.js';
import { type CommandInput, type Command, parseCommand } from './commands.js';
import type { CommunityState } from './community/decider.js';
import { type DomainError, alreadyExists, domainError, notFound } from './errors.js';
import { type Actor, type DomainEvent, systemActor } from './events.js';
import { canonicalJson } from './hash.js';
import { streamNames } from './ids.js';
import { defaultIdempotencyRetentionMs, defaultMaxCachedStreams } from './limits.js';
import type { MemberState } from './member/state.js';
import { type ExecuteResult } from './outcome.js';
import { IdempotentCommands, checkKey, idempotencyContext } from './pipeline/idempotency.js';
import { ProcessAnswers, commandFingerprint, withoutPersonalData } from './pipeline/repeats.js';
import { StreamQueues, type StreamQueueLimits, defaultStreamQueueLimits } from './pipeline/stream-queue.js';
import { type DecideOptions, type StreamKind, Streams } from './pipeline/streams.js';
import { type RunOptions, type StepRunner, runWorkflow } from './pipeline/workflow-runner.js';
import type { RedemptionState } from './redemption/state.js';
import { redemptionCommandSchemas } from './redemption/commands.js';
import { redemptionWorkflow } from './redemption/workflow.js';
import { err, type Result } from './result.js';
import type { RewardState } from './reward/decider.js';
import { type DebitFacts, type StepCommand, debitOf } from './steps.js';
import type { EventStore } from './store/port.js';
import { activityKind, communityKind, memberKind, redemptionKind, rewardKind, serviceRequestKind, transferKind, wishKind } from './stream-kinds.js';
import { type Clock, systemClock } from './time.js';
import type { TransferState } from './transfer/state.js';
import { transferCommandSchemas } from './transfer/commands.js';
import { activityCommandSchemas } from './activity/commands.js';
import { serviceRequestCommandSchemas } from './service-request/commands.js';
import { wishCommandSchemas } from './wish/commands.js';
import { transferWorkflow } from './transfer/workflow.js';
import { type ProfileVault, WebCryptoVault } from './vault.js';
import type { Workflow } from './workflow.js';

export { eventRegistry } from './event-registry.js';
export type { CommandOutcome, ExecuteResult, OutcomeEvent } from './outcome.js';

export interface LedgerOptions {
  readonly store: EventStore;
  readonly clock?: Clock;
  readonly vault?: ProfileVault;
  readonly maxCachedStreams?: number;
  readonly idempotencyRetentionMs?: number;
  /** Check every event the deciders produce against its schema before appending (off: they are typed; tests turn it on). */
  readonly validateOnAppend?: boolean;
  /**
   * Check every event read from the store against its schema. Off by default: events of the current version are
   * what this ledger's typed deciders wrote, and a structural check suffices; turn it on for a store other
   * software may write to (a shared EventStoreDB cluster does). Events of an older schema version are lifted and
   * checked either way, and `ledger import` checks every event of a file.
   */
  readonly validateStoredEvents?: boolean;
  /**
   * Keep snapshots of long streams (members') in the store, if it has a snapshot store, so that a stream not in
   * the cache is read as snapshot + tail (default true). Ignored with `validateStoredEvents`.
   */
  readonly streamSnapshots?: boolean;
  /** Bounds of the per-stream queues (defaults in limits.ts). */
  readonly queueLimits?: StreamQueueLimits;
  /**
   * Told when an effect after an accepted command fails (destroying an erased member's key, delivering points to
   * the pool): the command stands and the recovery pass finishes the effect, but an operator should know.
   */
  readonly onEffectFault?: (fault: unknown, what: string) => void;
}

export interface ExecuteOptions {
  readonly actor: Actor;
  /** The caller's key; scoped by the ledger to the community and actor. */
  readonly idempotencyKey?: string;
  /** The request that started it all (an HTTP request id); a new id when absent. */
  readonly correlationId?: string;
  /** What directly caused this command; the correlation id when absent. */
  readonly causationId?: string;
  /**
   * Optimistic concurrency for the caller (HTTP If-Match): decide only if the target stream is at exactly
   * this revision, and append only if it still is; otherwise `precondition-failed`, nothing changed.
   * Single-stream commands only: a process spans several streams.
   */
  readonly expectedRevision?: number;
}

export class Ledger implements CommandRuntime {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly vault: ProfileVault;
  private readonly streams: Streams;
  private readonly queues: StreamQueues;
  private readonly idempotent: IdempotentCommands;
  private readonly processAnswers: ProcessAnswers;
  private readonly onEffectFault: (fault: unknown, what: string) => void;

  constructor(options: LedgerOptions) {
    this.onEffectFault = options.onEffectFault ?? (() => undefined);
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.vault = options.vault ?? new WebCryptoVault();
    this.streams = new Streams({
      store: options.store,
      clock: this.clock,
      maxCachedStreams: options.maxCachedStreams ?? defaultMaxCachedStreams,
      validateOnAppend: options.validateOnAppend ?? false,
      validateStoredEvents: options.validateStoredEvents ?? false,
      streamSnapshots: options.streamSnapshots ?? true,
    });
    this.queues = new StreamQueues(options.queueLimits ?? defaultStreamQueueLimits);
    this.idempotent = new IdempotentCommands(options.store.idempotency, this.clock, options.idempotencyRetentionMs ?? defaultIdempotencyRetentionMs);
    this.processAnswers = new ProcessAnswers(options.store.idempotency, this.clock, options.idempotencyRetentionMs ?? defaultIdempotencyRetentionMs);
  }

  /** Parses, authorises and carries out one command. Domain refusals come back as values; store faults throw. */
  async execute(input: CommandInput, options: ExecuteOptions): Promise<ExecuteResult> {
    const parsed = parseCommand(input);
    if (!parsed.ok) return parsed;
    const keyError = options.idempotencyKey === undefined ? null : checkKey(options.idempotencyKey);
    if (keyError) return err(keyError);
    const command = parsed.value;
    const refused = await this.authorizeCommand(command, options.actor);
    if (refused) return err(refused);
    const spec = specOf(command);
    const correlationId = options.correlationId ?? this.streams.newId();
    const context: DecideOptions = {
      actor: options.actor,
      correlationId,
      causationId: options.causationId ?? correlationId,
      idempotency: null,
      recognizeKey: true,
      ...(options.expectedRevision === undefined ? {} : { expectedRevision: options.expectedRevision }),
    };
    if (options.idempotencyKey === undefined) {
      // The ledger's own jobs are told what they did now, never what an identical run did before.
      if (options.actor.role === 'system') return spec.handle(command, this, context);
      // No key: the command's fingerprint lets a repeat of it be answered as the first was (pipeline/repeats.ts).
      const fingerprint = commandFingerprint(command, options.actor.id);
      const unkeyed = { ...context, fingerprint };
      if (!multiStreamCommandTypes.has(command.type)) {
        const result = await this.samePersonalData(command, await spec.handle(command, this, unkeyed));
        // The same ids with other personal data is not a repeat: it is refused as what it is.
        return !result.ok && result.error.code === 'idempotency-key-reused' ? err(alreadyExists('member', (command as { memberId: string }).memberId)) : result;
      }
      return this.processAnswers.once(command.communityId, fingerprint, () => spec.handle(command, this, unkeyed));
    }
    const idempotency = await idempotencyContext(command.communityId, options.actor.id, options.idempotencyKey, withoutPersonalData(command));
    const result = await this.idempotent.once(idempotency, () => spec.handle(command, this, { ...context, idempotency, fresh: true }), !processCommandTypes.has(command.type));
    return this.samePersonalData(command, result);
  }

  /** Whether `actor` may read `target` (DESIGN §8): the read rules beside the write rules, for embedders and the service alike. */
  async authorizeRead(actor: Actor, target: ReadTarget): Promise<DomainError | null> {
    // A refusal on cached set-up is confirmed against the store: an organiser may have just been appointed elsewhere.
    return (await this.readRefusal(actor, target, false)) && this.readRefusal(actor, target, true);
  }

  private async readRefusal(actor: Actor, target: ReadTarget, fresh: boolean): Promise<DomainError | null> {
    const community = await this.communityState(target.communityId, fresh);
    return authorizeRead(target, actor, community.exists ? community : null);
  }

  // ── Reading (fresh from the store) ───────────────────────────────────────────────────────────────

  /** The member's account folded from its stream, fresh from the store. */
  async member(communityId: string, memberId: string): Promise<{ state: MemberState; revision: number }> {
    const entry = await this.streams.load(streamNames.member(communityId, memberId), memberKind, true);
    return { state: entry.state, revision: entry.revision };
  }

  async community(communityId: string): Promise<{ state: CommunityState; revision: number }> {
    const entry = await this.streams.load(streamNames.community(communityId), communityKind, true);
    return { state: entry.state, revision: entry.revision };
  }

  async account(communityId: string, memberId: string): Promise<MemberState> {
    return (await this.member(communityId, memberId)).state;
  }

  async setup(communityId: string): Promise<CommunityState> {
    return (await this.community(communityId)).state;
  }

  async item(communityId: string, itemId: string): Promise<RewardState> {
    return (await this.streams.load(streamNames.reward(communityId, itemId), rewardKind, true)).state;
  }

  async redemption(communityId: string, redemptionId: string): Promise<RedemptionState> {
    return (await this.streams.load(streamNames.redemption(communityId, redemptionId), redemptionKind, true)).state;
  }

  async transfer(communityId: string, transferId: string): Promise<TransferState> {
    return (await this.streams.load(streamNames.transfer(communityId, transferId), transferKind, true)).state;
  }

  // ── Carrying on what a crash or a conflict interrupted (the recovery pass calls these) ──────────

  /** Carries on an unfinished redemption from the phase it recorded. */
  resumeRedemption(communityId: string, redemptionId: string, actor: Actor = systemActor('recovery')): Promise<ExecuteResult> {
    return this.runWorkflow(redemptionWorkflow, streamNames.redemption(communityId, redemptionId), { type: 'ResumeRedemption', communityId, redemptionId }, this.systemContext(actor), carryOn);
  }

  /** Carries on an unfinished transfer: debits what was not debited, delivers (or refunds) what was. */
  async resumeTransfer(communityId: string, transferId: string, actor: Actor = systemActor('recovery')): Promise<ExecuteResult> {
    const transfer = await this.transfer(communityId, transferId);
    const recipient = transfer.status === 'none' ? null : await this.account(communityId, transfer.to);
    return this.runWorkflow(
      transferWorkflow,
      streamNames.transfer(communityId, transferId),
      { type: 'ResumeTransfer', communityId, transferId, recipientHouseholdId: recipient?.householdId ?? null },
      this.systemContext(actor),
      carryOn,
    );
  }

  /** Delivers points an accrual sent on to the donation pool, from the debit on the sender's stream. */
  async deliverOverflow(communityId: string, from: string, transferId: string, context: DecideOptions = this.systemContext(systemActor('recovery'))): Promise<ExecuteResult> {
    const sender = await this.account(communityId, from);
    const sent = sender.transfersOut.get(transferId);
    const debit = debitOf(sender, transferId);
    if (!sent || !debit) return err(notFound('debit of transfer', transferId));
    return this.runWorkflow(
      transferWorkflow,
      streamNames.transfer(communityId, transferId),
      { type: 'DeliverOverflow', communityId, transferId, from, to: sent.to, debit, requestedBy: context.actor.id },
      context,
      carryOn,
    );
  }

  async afterAppend(what: string, effect: () => Promise<unknown>): Promise<void> {
    try {
      await effect();
    } catch (fault) {
      this.onEffectFault(fault, what);
    }
  }

  /** Destroys the keys of every profile a member's erasures covered; true if one was still there (an unfinished erasure). */
  async finishErasure(communityId: string, memberId: string): Promise<boolean> {
    const { state } = await this.member(communityId, memberId);
    let destroyed = false;
    for (let generation = 0; generation < state.erasures; generation += 1) {
      if (!(await this.vault.holdsKey(communityId, memberId, generation))) continue;
      await this.vault.erase(communityId, memberId, generation);
      destroyed = true;
    }
    return destroyed;
  }

  // ── CommandRuntime: what the command table's handlers use ─────────────────────────────────────────

  readonly read: StateReader = this.reader(false);
  readonly fresh: StateReader = this.reader(true);

  private reader(fresh: boolean): StateReader {
    const state = async <S, E extends DomainEvent>(streamName: string, kind: StreamKind<S, E>) => (await this.streams.load(streamName, kind, fresh)).state;
    return {
      community: (communityId) => state(streamNames.community(communityId), communityKind),
      member: (communityId, memberId) => state(streamNames.member(communityId, memberId), memberKind),
      item: (communityId, itemId) => state(streamNames.reward(communityId, itemId), rewardKind),
      redemption: (communityId, redemptionId) => state(streamNames.redemption(communityId, redemptionId), redemptionKind),
      transfer: (communityId, transferId) => state(streamNames.transfer(communityId, transferId), transferKind),
      activity: (communityId, activityId) => state(streamNames.activity(communityId, activityId), activityKind),
      request: (communityId, requestId) => state(streamNames.request(communityId, requestId), serviceRequestKind),
      wish: (communityId, wishId) => state(streamNames.wish(communityId, wishId), wishKind),
    };
  }

  decideOn<S, E extends DomainEvent>(
    streamName: string,
    kind: StreamKind<S, E>,
    decider: (state: S) => Result<E[], DomainError> | Promise<Result<E[], DomainError>>,
    context: DecideOptions,
  ): Promise<ExecuteResult> {
    return this.queues.run(streamName, () => this.streams.decide(streamName, kind, decider, context));
  }

  runWorkflow<I, S, E extends DomainEvent>(workflow: Workflow<I, S, E>, streamName: string, input: I, context: DecideOptions, options: RunOptions): Promise<ExecuteResult> {
    return this.queues.run(streamName, () => runWorkflow(this.streams, this.steps, workflow, streamName, input, context, options));
  }

  /** Steps of workflows: decided on their own streams as the ledger itself, without authorisation or keys of their own. */
  private readonly steps: StepRunner = {
    send: (step: StepCommand, { fingerprint: _callers, ...context }) => {
      const decision = stepDecision(step, this, context);
      return this.decideOn<unknown, DomainEvent>(decision.streamName, decision.kind as StreamKind<unknown, DomainEvent>, decision.decide as never, {
        ...context,
        recognizeKey: false,
      });
    },
    preview: async (step: StepCommand, context) => {
      const decision = stepDecision(step, this, context);
      const result = await this.streams.preview<unknown, DomainEvent>(decision.streamName, decision.kind as StreamKind<unknown, DomainEvent>, decision.decide as never);
      return result.ok ? null : result.error;
    },
    debit: async (communityId: string, memberId: string, transferId: string): Promise<DebitFacts | null> => debitOf(await this.read.member(communityId, memberId), transferId),
  };

  // ── The pipeline's parts ──────────────────────────────────────────────────────────────────────────

  private async communityState(communityId: string, fresh: boolean): Promise<CommunityState> {
    return (await this.streams.load(streamNames.community(communityId), communityKind, fresh)).state;
  }

  /** Authorisation against the community's set-up; a refusal on cached state is confirmed against the store. */
  private async authorizeCommand(command: Command, actor: Actor): Promise<DomainError | null> {
    if (actor.role === 'system') return null;
    return (await this.authorizeAgainst(command, actor, false)) && this.authorizeAgainst(command, actor, true);
  }

  /** One authorisation check, on cached or fresh state (a method, not a closure per command: this is every command's path). */
  private async authorizeAgainst(command: Command, actor: Actor, fresh: boolean): Promise<DomainError | null> {
    const spec = specOf(command);
    const community = await this.communityState(command.communityId, fresh);
    const memberId = await spec.owner(command, fresh ? this.fresh : this.read);
    return authorize({ type: command.type, communityId: command.communityId, memberId }, actor, community.exists ? community : null, spec.permission);
  }

  private systemContext(actor: Actor): DecideOptions {
    const correlationId = this.streams.newId();
    return { actor, correlationId, causationId: correlationId, idempotency: null };
  }

  /**
   * A repeated keyed request with personal data: its hash left the data out (no hash may confirm a guessed phone
   * number after an erasure), so the data is compared here, in memory, with the profile the first request sealed.
   */
  private async samePersonalData(command: Command, result: ExecuteResult): Promise<ExecuteResult> {
    if (!result.ok || !result.value.replayed) return result;
    if ((command.type !== 'RegisterMember' && command.type !== 'RecordProfile') || !command.profile) return result;
    const recorded = result.value.events.find((e) => e.type === 'MemberProfileRecorded');
    if (!recorded) return result;
    const sealed = recorded.data['sealed'] as Parameters<ProfileVault['open']>[2];
    const opened = await this.vault.open(command.communityId, command.memberId, sealed);
    // Once erased there is nothing left to compare with: the repeat is answered as the first request was.
    if (opened === null || canonicalJson(opened) === canonicalJson(command.profile)) return result;
    return err(domainError('idempotency-key-reused', 'this idempotency key was used with different personal data; use a new key for a new request'));
  }
}

const carryOn: RunOptions = { fromCaller: false };

/** Commands that run a workflow (their outcome spans streams). */
const processCommandTypes = new Set<string>([...Object.keys(redemptionCommandSchemas), ...Object.keys(transferCommandSchemas)]);

/** Commands whose answer may gather several streams (a workflow's phases): a repeat is answered from a kept record. */
const multiStreamCommandTypes = new Set<string>([
  ...processCommandTypes,
  ...Object.keys(activityCommandSchemas),
  ...Object.keys(serviceRequestCommandSchemas),
  ...Object.keys(wishCommandSchemas),
]);
