/**
 * The application service: handle a command = parse → authorize → load state (cached by stream and
 * revision, so cost does not grow with the stream's length) → decide → append with the expected revision →
 * retry from fresh state on a conflict, a bounded number of times. With an idempotency key, the same
 * command retried any number of times has the effect of one (DESIGN §4 rule 8).
 */
import { monotonicFactory } from 'ulid';
import { authorize } from './authorization.js';
import { type CommunityState, decideCommunity, evolveCommunity, initialCommunityState } from './community/decider.js';
import { communityEventDefinitions, type CommunityEvent } from './community/events.js';
import { type LedgerCommandInput, type ParsedCommand, communityCommandTypes, parseCommand, processCommandTypes, rewardCommandTypes } from './commands.js';
import { type DomainError, domainError, invariant, notFound } from './errors.js';
import { type Actor, type DomainEvent, EventRegistry } from './events.js';
import { canonicalJson, sha256Hex } from './hash.js';
import { pooledRandom, streamNames } from './ids.js';
import type { MemberCommand } from './member/commands.js';
import { decideMember } from './member/decide.js';
import { memberEventDefinitions, type MemberEvent } from './member/events.js';
import { evolveMember, initialMemberState, type MemberState } from './member/state.js';
import { err, ok, type Result } from './result.js';
import type { ProcessCommand } from './processes/commands.js';
import { cancelRedemption, fulfilRedemption, requestRedemption } from './processes/redemption.js';
import { requestTransfer, deliver } from './processes/transfer.js';
import { type ProcessRuntime, type StepCommand, Trail } from './processes/runtime.js';
import {
  evolveRedemption,
  initialRedemptionState,
  redemptionEventDefinitions,
  type RedemptionEvent,
  type RedemptionState,
} from './redemption/events.js';
import type { RewardCommand } from './reward/commands.js';
import { decideReward, evolveReward, initialRewardState, type RewardState } from './reward/decider.js';
import { rewardEventDefinitions, type RewardEvent } from './reward/events.js';
import { evolveTransfer, initialTransferState, transferEventDefinitions, type TransferEvent, type TransferState } from './transfer/events.js';
import {
  type EventStore,
  type IdempotencyRecord,
  type JsonObject,
  type JsonValue,
  type NewEvent,
  type RecordedEvent,
  WrongExpectedRevisionError,
} from './store/port.js';
import { type Clock, systemClock } from './time.js';
import { type ProfileVault, WebCryptoVault } from './vault.js';

/** Attempts at one decision before the caller sees a conflict. */
export const maxConflictRetries = 8;
/** Streams whose folded state is kept in memory (least recently used evicted first). */
export const defaultMaxCachedStreams = 10_000;
/** How long a completed idempotency record is kept: repeats within it return the stored outcome. */
export const defaultIdempotencyRetentionMs = 24 * 60 * 60_000;
/** How long a claimed key counts as in flight before another attempt may take over (a crashed first attempt). */
export const idempotencyLeaseMs = 30_000;

export const eventRegistry = new EventRegistry([
  ...communityEventDefinitions,
  ...memberEventDefinitions,
  ...rewardEventDefinitions,
  ...redemptionEventDefinitions,
  ...transferEventDefinitions,
]);

export interface LedgerOptions {
  readonly store: EventStore;
  readonly clock?: Clock;
  readonly vault?: ProfileVault;
  readonly maxCachedStreams?: number;
  readonly idempotencyRetentionMs?: number;
  /** Validate every event against its schema before appending (on by default: safety before speed). */
  readonly validateOnAppend?: boolean;
}

export interface ExecuteOptions {
  readonly actor: Actor;
  /** The caller's key; scoped by the ledger to the community and actor. */
  readonly idempotencyKey?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  /**
   * Optimistic concurrency for the caller (HTTP If-Match): decide only if the target stream is at exactly
   * this revision, and append only if it still is; otherwise `precondition-failed`, nothing changed.
   */
  readonly expectedRevision?: number;
}

export interface OutcomeEvent {
  /** Set when a process's outcome gathers events of several streams. */
  readonly streamName?: string;
  readonly eventId: string;
  readonly type: string;
  readonly revision: number;
  readonly data: JsonObject;
}

export interface CommandOutcome {
  readonly streamName: string;
  /** The stream's revision after the command. */
  readonly revision: number | 'no_stream';
  /** Global position of the last event appended; null when the command changed nothing. */
  readonly position: string | null;
  readonly events: readonly OutcomeEvent[];
  /** True when this outcome was stored earlier and is returned for a repeated idempotency key. */
  readonly replayed: boolean;
}

export type ExecuteResult = Result<CommandOutcome, DomainError>;

interface StreamKind<S, E extends DomainEvent> {
  initialState(): S;
  evolve(state: S, event: E): S;
}
const communityKind: StreamKind<CommunityState, CommunityEvent> = { initialState: initialCommunityState, evolve: evolveCommunity };
const memberKind: StreamKind<MemberState, MemberEvent> = { initialState: initialMemberState, evolve: evolveMember };
const rewardKind: StreamKind<RewardState, RewardEvent> = { initialState: initialRewardState, evolve: evolveReward };
const redemptionKind: StreamKind<RedemptionState, RedemptionEvent> = { initialState: initialRedemptionState, evolve: evolveRedemption };
const transferKind: StreamKind<TransferState, TransferEvent> = { initialState: initialTransferState, evolve: evolveTransfer };

interface CacheEntry<S> {
  state: S;
  /** Revision of the last event folded in; -1 before the first. */
  revision: number;
  /** Idempotency keys whose events are in this stream → the request hash and revisions they wrote. */
  readonly keys: Map<string, { requestHash: string; first: number; last: number }>;
}

interface IdempotencyContext {
  readonly key: string;
  readonly requestHash: string;
}

export class Ledger implements ProcessRuntime {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly vault: ProfileVault;
  private readonly cache = new Map<string, CacheEntry<unknown>>();
  private readonly maxCachedStreams: number;
  private readonly retentionMs: number;
  private readonly validateOnAppend: boolean;
  private readonly newEventId = monotonicFactory(pooledRandom);

  constructor(options: LedgerOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.vault = options.vault ?? new WebCryptoVault();
    this.maxCachedStreams = options.maxCachedStreams ?? defaultMaxCachedStreams;
    this.retentionMs = options.idempotencyRetentionMs ?? defaultIdempotencyRetentionMs;
    this.validateOnAppend = options.validateOnAppend ?? true;
  }

  /** Validates, authorizes and carries out one command. Domain refusals come back as values; store faults throw. */
  async execute(input: LedgerCommandInput | unknown, options: ExecuteOptions): Promise<ExecuteResult> {
    const parsed = parseCommand(input);
    if (!parsed.ok) return parsed;
    const command = parsed.value;
    if (options.idempotencyKey === undefined) return this.run(command, options, null);
    if (options.idempotencyKey.length === 0 || options.idempotencyKey.length > 255) {
      return err(domainError('validation', 'an idempotency key must be 1 to 255 characters'));
    }
    const key = `${command.communityId}:${options.actor.id}:${options.idempotencyKey}`;
    const requestHash = await sha256Hex(canonicalJson(await this.withoutPersonalData(command)));
    return this.runOnce(command, options, { key, requestHash });
  }

  /** The command as an idempotency hash may see it: personal data only as the vault's keyed fingerprint. */
  private async withoutPersonalData(command: ParsedCommand): Promise<unknown> {
    if ((command.type !== 'RegisterMember' && command.type !== 'RecordProfile') || !command.profile) return command;
    return { ...command, profile: { fingerprint: await this.vault.fingerprint(command.communityId, command.memberId, command.profile) } };
  }

  /** The member's account folded from its stream, fresh from the store. */
  async member(communityId: string, memberId: string): Promise<{ state: MemberState; revision: number }> {
    const entry = await this.load(streamNames.member(communityId, memberId), memberKind, true);
    return { state: entry.state, revision: entry.revision };
  }

  async community(communityId: string): Promise<{ state: CommunityState; revision: number }> {
    const entry = await this.load(streamNames.community(communityId), communityKind, true);
    return { state: entry.state, revision: entry.revision };
  }

  // ── Idempotency ─────────────────────────────────────────────────────────────────────────────────

  private async runOnce(command: ParsedCommand, options: ExecuteOptions, idempotency: IdempotencyContext): Promise<ExecuteResult> {
    const now = this.clock.now();
    const claim: IdempotencyRecord = {
      key: idempotency.key,
      requestHash: idempotency.requestHash,
      status: 'pending',
      outcome: null,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + idempotencyLeaseMs).toISOString(),
    };
    const { inserted, record } = await this.store.idempotency.tryInsert(claim, now.toISOString());
    if (!inserted) return this.repeated(record, idempotency);
    let result: ExecuteResult;
    try {
      result = await this.run(command, options, idempotency);
    } catch (fault) {
      await this.store.idempotency.delete(idempotency.key);
      throw fault;
    }
    if (!result.ok && (result.error.code === 'conflict' || result.error.code === 'idempotency-key-reused')) {
      // Transient, or the stream shows the key belongs to another payload (a crash lost its record):
      // storing this refusal under our hash would refuse the key's own request later. Free the claim;
      // the next attempt re-derives the outcome from the stream.
      await this.store.idempotency.delete(idempotency.key);
      return result;
    }
    await this.store.idempotency.put({
      ...claim,
      status: 'completed',
      outcome: storedOutcome(result),
      expiresAt: new Date(this.clock.now().getTime() + this.retentionMs).toISOString(),
    });
    return result;
  }

  private repeated(record: IdempotencyRecord, idempotency: IdempotencyContext): ExecuteResult {
    if (record.requestHash !== idempotency.requestHash) {
      return err(
        domainError('idempotency-key-reused', 'this idempotency key was used with a different request; use a new key for a new request', {
          key: idempotency.key,
        }),
      );
    }
    if (record.status === 'pending') {
      return err(domainError('idempotency-key-in-flight', 'a request with this idempotency key is still being processed; retry later', { key: idempotency.key }));
    }
    return restoredOutcome(record.outcome);
  }

  // ── Deciding ────────────────────────────────────────────────────────────────────────────────────

  private async run(command: ParsedCommand, options: ExecuteOptions, idempotency: IdempotencyContext | null): Promise<ExecuteResult> {
    if (processCommandTypes.has(command.type)) return this.runProcess(command as ProcessCommand, options);
    const prepared = await this.prepare(command);
    const result = await this.decideOne(prepared as StepCommand | Extract<ParsedCommand, { type: 'RegisterCommunity' }>, options, idempotency, true);
    await this.deliverOverflow(command, result, options);
    return result;
  }

  /** One single-stream command: the stream it targets, who may issue it, the decider that rules on it. */
  private decideOne(
    command: ParsedCommand | StepCommand,
    options: ExecuteOptions,
    idempotency: IdempotencyContext | null,
    checkAuthorization: boolean,
  ): Promise<ExecuteResult> {
    const communityStream = streamNames.community(command.communityId);
    const refusal = (community: CommunityState, memberId?: string) =>
      checkAuthorization ? authorize({ type: command.type, communityId: command.communityId, memberId }, options.actor, community.exists ? community : null) : null;
    if (communityCommandTypes.has(command.type)) {
      const c = command as Extract<ParsedCommand, { type: 'RegisterCommunity' }>;
      return this.decideAndAppend(communityStream, null, communityKind, options, idempotency, (state) => {
        const refused = refusal(state);
        return refused ? err(refused) : decideCommunity(c as never, state);
      });
    }
    if (rewardCommandTypes.has(command.type)) {
      const c = command as RewardCommand;
      return this.decideAndAppend(streamNames.reward(c.communityId, c.itemId), communityStream, rewardKind, options, idempotency, (state, community) => {
        if (!community.exists) return err(notFound('community', c.communityId));
        const refused = refusal(community);
        return refused ? err(refused) : decideReward(c, state, { now: this.clock.now(), actor: options.actor, timeZone: community.timeZone });
      });
    }
    const c = command as MemberCommand;
    return this.decideAndAppend(streamNames.member(c.communityId, c.memberId), communityStream, memberKind, options, idempotency, (state, community) => {
      if (!community.exists) return err(notFound('community', c.communityId));
      const refused = refusal(community, c.memberId);
      return refused ? err(refused) : decideMember(c, state, { now: this.clock.now(), actor: options.actor, community });
    });
  }

  private async runProcess(command: ProcessCommand, options: ExecuteOptions): Promise<ExecuteResult> {
    const community = await this.community(command.communityId);
    if (!community.state.exists) return err(notFound('community', command.communityId));
    // Whose account a process touches decides who may start it: cancelling is the redemption's member's right.
    let memberId = 'memberId' in command ? command.memberId : undefined;
    if (command.type === 'CancelRedemption' || command.type === 'FulfilRedemption' || command.type === 'ExpireRedemption') {
      memberId = (await this.redemption(command.communityId, command.redemptionId)).memberId || undefined;
    }
    const refused = authorize({ type: command.type, communityId: command.communityId, memberId }, options.actor, community.state);
    if (refused) return err(refused);
    // Steps run as the ledger itself, on behalf of the actor who started the process.
    // (An expected revision names one stream; a process spans several, so it does not pass to the steps.)
    const { expectedRevision: _oneStreamOnly, ...rest } = options;
    const steps: ExecuteOptions = { ...rest, correlationId: options.correlationId ?? this.newEventId() };
    switch (command.type) {
      case 'RequestRedemption':
        return requestRedemption(this, command, steps);
      case 'FulfilRedemption':
        return fulfilRedemption(this, command, steps);
      case 'CancelRedemption':
      case 'ExpireRedemption':
        return cancelRedemption(this, command, steps);
      case 'RequestTransfer':
        return requestTransfer(this, command, steps);
    }
  }

  // ── ProcessRuntime: what redemptions and transfers use to move between streams ────────────────────

  now(): Date {
    return this.clock.now();
  }

  async step(command: StepCommand, options: ExecuteOptions): Promise<ExecuteResult> {
    const result = await this.decideOne(command, options, null, false);
    await this.deliverOverflow(command, result, options);
    return result;
  }

  recordRedemption(
    communityId: string,
    redemptionId: string,
    decide: (state: RedemptionState) => Result<RedemptionEvent[], DomainError>,
    options: ExecuteOptions,
  ): Promise<ExecuteResult> {
    return this.decideAndAppend(streamNames.redemption(communityId, redemptionId), null, redemptionKind, options, null, decide);
  }

  recordTransfer(
    communityId: string,
    transferId: string,
    decide: (state: TransferState) => Result<TransferEvent[], DomainError>,
    options: ExecuteOptions,
  ): Promise<ExecuteResult> {
    return this.decideAndAppend(streamNames.transfer(communityId, transferId), null, transferKind, options, null, decide);
  }

  async redemption(communityId: string, redemptionId: string): Promise<RedemptionState> {
    return (await this.load(streamNames.redemption(communityId, redemptionId), redemptionKind, true)).state;
  }

  async transfer(communityId: string, transferId: string): Promise<TransferState> {
    return (await this.load(streamNames.transfer(communityId, transferId), transferKind, true)).state;
  }

  async item(communityId: string, itemId: string): Promise<RewardState> {
    return (await this.load(streamNames.reward(communityId, itemId), rewardKind, true)).state;
  }

  async account(communityId: string, memberId: string): Promise<MemberState> {
    return (await this.member(communityId, memberId)).state;
  }

  async setup(communityId: string): Promise<CommunityState> {
    return (await this.community(communityId)).state;
  }

  /** Points an accrual sent on to the donation pool (a 'donate' maximum balance) are delivered at once. */
  private async deliverOverflow(command: ParsedCommand | StepCommand, result: ExecuteResult, options: ExecuteOptions): Promise<void> {
    if (!result.ok || !('memberId' in command)) return;
    for (const event of result.value.events) {
      if (event.type !== 'PointsTransferredOut' || event.data['reason'] !== 'overflow') continue;
      await deliver(this, command.communityId, String(event.data['transferId']), command.memberId, String(event.data['to']), options, new Trail());
    }
  }

  /** Personal data is sealed (or its key erased) before any decision, so clear text never reaches an event. */
  private async prepare(command: ParsedCommand): Promise<ParsedCommand | MemberCommand> {
    if ((command.type === 'RegisterMember' || command.type === 'RecordProfile') && command.profile) {
      const { profile, ...rest } = command;
      return { ...rest, sealedProfile: await this.vault.seal(command.communityId, command.memberId, profile) } as MemberCommand;
    }
    if (command.type === 'ErasePersonalData') await this.vault.erase(command.communityId, command.memberId);
    if (command.type === 'RecordProfile' || command.type === 'RegisterMember') {
      const { profile: _none, ...rest } = command;
      return rest as MemberCommand;
    }
    return command;
  }

  private async decideAndAppend<S, E extends DomainEvent>(
    streamName: string,
    /** The community stream to read set-up from; null when deciding on the community stream itself. */
    communityStream: string | null,
    kind: StreamKind<S, E>,
    options: ExecuteOptions,
    idempotency: IdempotencyContext | null,
    decide: (state: S, community: CommunityState) => Result<E[], DomainError>,
  ): Promise<ExecuteResult> {
    const commandId = this.newEventId();
    // With a key, read the stream fresh: a crashed earlier attempt may have appended already.
    let fresh = idempotency !== null;
    for (let attempt = 0; attempt < maxConflictRetries; attempt += 1) {
      const entry = await this.load(streamName, kind, fresh || options.expectedRevision !== undefined);
      if (options.expectedRevision !== undefined && entry.revision !== options.expectedRevision) {
        return err(preconditionFailed(streamName, options.expectedRevision, entry.revision));
      }
      if (idempotency) {
        const applied = entry.keys.get(idempotency.key);
        if (applied) return this.outcomeFromStream(streamName, applied, idempotency);
      }
      const community = communityStream ? (await this.load(communityStream, communityKind, fresh)).state : (entry.state as CommunityState);
      const decision = decide(entry.state, community);
      if (!decision.ok) {
        // A refusal on a cached state is confirmed against the store before it is reported.
        if (!fresh) {
          fresh = true;
          attempt -= 1;
          continue;
        }
        return decision;
      }
      if (decision.value.length === 0) {
        return ok({ streamName, revision: entry.revision < 0 ? 'no_stream' : entry.revision, position: null, events: [], replayed: false });
      }
      const newEvents = decision.value.map((event) => this.toNewEvent(event, options, commandId, idempotency));
      try {
        const appended = await this.store.appendToStream(streamName, newEvents, {
          expectedRevision: entry.revision < 0 ? 'no_stream' : entry.revision,
        });
        const firstRevision = appended.nextExpectedRevision - newEvents.length + 1;
        const recorded = newEvents.map((event, i) => ({ ...event, streamName, revision: firstRevision + i, position: appended.position }));
        this.apply(entry, kind, recorded, decision.value);
        return ok({
          streamName,
          revision: appended.nextExpectedRevision,
          position: appended.position.toString(),
          events: recorded.map((e) => ({ eventId: e.eventId, type: e.type, revision: e.revision, data: e.data })),
          replayed: false,
        });
      } catch (fault) {
        if (!(fault instanceof WrongExpectedRevisionError)) throw fault;
        if (options.expectedRevision !== undefined) return err(preconditionFailed(streamName, options.expectedRevision, fault.actual));
        fresh = true;
      }
    }
    return err(domainError('conflict', `${streamName} kept changing while deciding (${maxConflictRetries} attempts); retry the command`, { stream: streamName }));
  }

  private toNewEvent(event: DomainEvent, options: ExecuteOptions, commandId: string, idempotency: IdempotencyContext | null): NewEvent {
    if (this.validateOnAppend) {
      const checked = eventRegistry.definition(event.type).schema.safeParse(event.data);
      invariant(checked.success, () => `decider produced a malformed ${event.type}: ${checked.error?.message}`);
    }
    return {
      eventId: this.newEventId(),
      type: event.type,
      schemaVersion: eventRegistry.schemaVersion(event.type),
      data: event.data as JsonObject,
      metadata: {
        actor: options.actor.id,
        correlationId: options.correlationId ?? commandId,
        causationId: options.causationId ?? commandId,
        idempotencyKey: idempotency?.key ?? null,
        requestHash: idempotency?.requestHash ?? null,
        recordedAt: this.clock.now().toISOString(),
      },
    };
  }

  private async outcomeFromStream(
    streamName: string,
    applied: { first: number; last: number; requestHash: string },
    idempotency: IdempotencyContext,
  ): Promise<ExecuteResult> {
    if (applied.requestHash !== idempotency.requestHash) {
      return err(domainError('idempotency-key-reused', 'this idempotency key was used with a different request; use a new key for a new request'));
    }
    const events = await this.store.readStream(streamName, { fromRevision: applied.first, maxCount: applied.last - applied.first + 1 });
    const last = events.at(-1)!;
    return ok({
      streamName,
      revision: last.revision,
      position: last.position.toString(),
      events: events.map((e) => ({ eventId: e.eventId, type: e.type, revision: e.revision, data: e.data })),
      replayed: true,
    });
  }

  // ── Loading and the cache ───────────────────────────────────────────────────────────────────────

  /** The cached entry, caught up with the store when `refresh` is set or when it is new. */
  private async load<S, E extends DomainEvent>(streamName: string, kind: StreamKind<S, E>, refresh: boolean): Promise<CacheEntry<S>> {
    let entry = this.cache.get(streamName) as CacheEntry<S> | undefined;
    if (entry) {
      this.cache.delete(streamName);
      this.cache.set(streamName, entry);
    } else {
      entry = { state: kind.initialState(), revision: -1, keys: new Map() };
      this.cache.set(streamName, entry as CacheEntry<unknown>);
      this.evictIfFull();
      refresh = true;
    }
    if (refresh) {
      const events = await this.store.readStream(streamName, { fromRevision: entry.revision + 1 });
      this.apply(entry, kind, events, null);
    }
    return entry;
  }

  /**
   * Folds events into a cache entry, each exactly once: an event at or below the entry's revision was
   * folded already (another command of this process caught up first); a gap is corruption.
   */
  private apply<S, E extends DomainEvent>(
    entry: CacheEntry<S>,
    kind: StreamKind<S, E>,
    events: readonly RecordedEvent[],
    decided: readonly E[] | null,
  ): void {
    events.forEach((event, i) => {
      if (event.revision <= entry.revision) return;
      invariant(event.revision === entry.revision + 1, () => `${event.streamName}: revision ${event.revision} follows ${entry.revision}`);
      const domainEvent = decided?.[i] ?? (eventRegistry.decode(event) as E);
      entry.state = kind.evolve(entry.state, domainEvent);
      entry.revision = event.revision;
      const key = event.metadata.idempotencyKey;
      if (key !== null) {
        const seen = entry.keys.get(key);
        entry.keys.set(key, { requestHash: event.metadata.requestHash ?? '', first: seen?.first ?? event.revision, last: event.revision });
      }
    });
  }

  private evictIfFull(): void {
    while (this.cache.size > this.maxCachedStreams) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) return;
      this.cache.delete(oldest);
    }
  }
}

function preconditionFailed(streamName: string, expected: number, actual: number | 'no_stream'): DomainError {
  const found = actual === 'no_stream' || actual < 0 ? 'no events' : `revision ${actual}`;
  return domainError('precondition-failed', `${streamName} is at ${found}, not the expected revision ${expected}; read it again and retry`, {
    expectedRevision: expected,
    actualRevision: typeof actual === 'number' ? actual : -1,
  });
}

function storedOutcome(result: ExecuteResult): JsonValue {
  return JSON.parse(JSON.stringify(result)) as JsonValue;
}

function restoredOutcome(stored: JsonValue | null): ExecuteResult {
  const result = stored as unknown as ExecuteResult;
  return result.ok ? ok({ ...result.value, replayed: true }) : result;
}
