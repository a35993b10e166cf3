/**
 * The projector: folds a batch of recorded events into row changes, pure and synchronous. A `FoldBatch`
 * is given the rows its events read (from the cache or the projection store, see `keysOf`), folds each
 * event with the same `evolve` its decider uses — so a view can never disagree with what a decision saw —
 * and hands back the rows it changed and the aggregates it added to (`changes()`).
 *
 * A member's history does not travel with its account: before an event is folded, the service record it
 * names is put into the state; after, the record goes back to its own row and the decider's idempotence
 * memory (closed holds, grants, transfers seen) is dropped. Items likewise fold without their reservations.
 */
import { postingsOf } from '../accounting.js';
import type { ActivityEvent } from '../activity/events.js';
import { type ActivityState, evolveActivity, initialActivityState } from '../activity/state.js';
import { evolveCommunity, initialCommunityState } from '../community/decider.js';
import type { CommunityEvent } from '../community/events.js';
import { invariant, InvariantViolation } from '../errors.js';
import { communityFromStreamName, donationPoolId } from '../ids.js';
import { eventRegistry } from '../ledger.js';
import type { MemberEvent } from '../member/events.js';
import type { Lot } from '../member/lots.js';
import { evolveMember, initialMemberState, type MemberState } from '../member/state.js';
import { Hours, Points } from '../money.js';
import { evolveRedemption, initialRedemptionState, type RedemptionEvent } from '../redemption/events.js';
import { evolveReward, initialRewardState } from '../reward/decider.js';
import type { RewardEvent } from '../reward/events.js';
import type { JsonObject, RecordedEvent } from '../store/port.js';
import { calendarDateIn } from '../time.js';
import type { ServiceRequestEvent } from '../service-request/events.js';
import { evolveServiceRequest, initialServiceRequestState, type ServiceRequestState } from '../service-request/state.js';
import { evolveTransfer, initialTransferState, type TransferEvent } from '../transfer/events.js';
import type { WishEvent } from '../wish/events.js';
import { evolveWish, initialWishState, type WishState } from '../wish/state.js';
import { describeLine } from './describe.js';
import type {
  ActivityMemberRow,
  AmountDelta,
  CountDelta,
  DayTotalsDelta,
  HoursDelta,
  InTransitRow,
  MonthAmountDelta,
  ProcessKey,
  RatingDelta,
  RowChanges,
  RowKeys,
  StatementLineRow,
  StreamRef,
} from './port.js';
import {
  type AccountEntry,
  type CommunityEntry,
  encodeAccount,
  encodeActivity,
  encodeCommunity,
  encodeItem,
  encodeRecord,
  encodeRedemption,
  encodeServiceRequest,
  encodeTransfer,
  encodeWish,
  type ItemEntry,
  type ProcessEntry,
  type RecordEntry,
  type RedemptionEntry,
  toHundredths,
  type TransferEntry,
} from './rows.js';

// ── Keys ──────────────────────────────────────────────────────────────────────────────────────────────

const sep = '\u0000';
export const keyOf = (...parts: readonly string[]): string => parts.join(sep);

/** The kinds of entry a batch reads; cache keys are `${kind}\u0000${row key}`. */
export type EntryKind = 'ref' | 'community' | 'account' | 'record' | 'item' | 'redemption' | 'transfer';
export const cacheKey = (kind: EntryKind, key: string): string => `${kind}${sep}${key}`;

const firstEventTypes = new Set(['CommunityRegistered', 'MemberRegistered', 'ItemListed', 'RedemptionRequested', 'TransferRequested', 'ActivityPublished', 'ServiceRequestPosted', 'WishPosted']);

/** The ref a stream's first event establishes, or null if `event` is not a first event. */
export function refFromFirstEvent(event: Pick<RecordedEvent, 'streamName' | 'type' | 'data'>): StreamRef | null {
  if (!firstEventTypes.has(event.type)) return null;
  const data = event.data;
  const name = event.streamName;
  // Entity ids are the stream name's tail; the community is what lies between the category and the id (its
  // dashes escaped there, see communityInStreamName).
  const between = (id: string, prefix: string) => communityFromStreamName(name.slice(prefix.length, name.length - id.length - 1));
  switch (event.type) {
    case 'CommunityRegistered':
      return { streamName: name, kind: 'community', communityId: String(data['communityId']), id: String(data['communityId']) };
    case 'MemberRegistered':
      return { streamName: name, kind: 'member', communityId: String(data['communityId']), id: String(data['memberId']) };
    case 'ItemListed':
      return { streamName: name, kind: 'reward', communityId: between(String(data['itemId']), 'reward-'), id: String(data['itemId']) };
    case 'RedemptionRequested':
      return { streamName: name, kind: 'redemption', communityId: between(String(data['redemptionId']), 'redemption-'), id: String(data['redemptionId']) };
    case 'ActivityPublished':
      return { streamName: name, kind: 'activity', communityId: between(String(data['activityId']), 'activity-'), id: String(data['activityId']) };
    case 'ServiceRequestPosted':
      return { streamName: name, kind: 'service-request', communityId: between(String(data['requestId']), 'request-'), id: String(data['requestId']) };
    case 'WishPosted':
      return { streamName: name, kind: 'wish', communityId: between(String(data['wishId']), 'wish-'), id: String(data['wishId']) };
    default:
      return { streamName: name, kind: 'transfer', communityId: between(String(data['transferId']), 'transfer-'), id: String(data['transferId']) };
  }
}

/** The record id a member event names (its own, or an accrual's source). */
function recordIdOf(type: string, data: JsonObject): string | null {
  if (type === 'ServiceApproved' || type === 'ServiceRejected' || type === 'ServiceReversed' || type === 'PointsClawedBack') return String(data['recordId']);
  if (type === 'PointsAccrued') {
    const source = data['source'] as JsonObject | undefined;
    return source?.['kind'] === 'service' ? String(source['recordId']) : null;
  }
  return null;
}

/**
 * The rows folding `events` reads, given each event's stream ref: what the batch must find in the cache
 * or load. Works on the raw data (events are decoded and validated when folded).
 */
export function keysOf(events: readonly RecordedEvent[], refs: ReadonlyMap<string, StreamRef>): RowKeys {
  const communities = new Map<string, string>();
  const accounts = new Map<string, { communityId: string; memberId: string }>();
  const records = new Map<string, { communityId: string; memberId: string; recordId: string }>();
  const items = new Map<string, { communityId: string; itemId: string }>();
  const redemptions = new Map<string, { communityId: string; redemptionId: string }>();
  const transfers = new Map<string, { communityId: string; transferId: string }>();
  const processes = new Map<string, ProcessKey>();
  // Records this batch creates: the fold makes their rows itself, so the store is not asked for them.
  const recordedHere = new Set<string>();
  for (const event of events) {
    const ref = refs.get(event.streamName);
    if (!ref) continue;
    const c = ref.communityId;
    const data = event.data;
    communities.set(c, c);
    const redemptionId = data['redemptionId'];
    const transferId = data['transferId'];
    switch (ref.kind) {
      case 'member': {
        accounts.set(keyOf(c, ref.id), { communityId: c, memberId: ref.id });
        if (event.type === 'ServiceRecorded') recordedHere.add(keyOf(c, ref.id, String(data['recordId'])));
        const recordId = recordIdOf(event.type, data);
        const recordKey = recordId === null ? null : keyOf(c, ref.id, recordId);
        if (recordKey !== null && !recordedHere.has(recordKey)) records.set(recordKey, { communityId: c, memberId: ref.id, recordId: recordId! });
        if (typeof redemptionId === 'string') redemptions.set(keyOf(c, redemptionId), { communityId: c, redemptionId });
        if (typeof transferId === 'string') transfers.set(keyOf(c, transferId), { communityId: c, transferId });
        break;
      }
      case 'reward':
        items.set(keyOf(c, ref.id), { communityId: c, itemId: ref.id });
        break;
      case 'redemption':
        redemptions.set(keyOf(c, ref.id), { communityId: c, redemptionId: ref.id });
        if (event.type === 'RedemptionRequested') items.set(keyOf(c, String(data['itemId'])), { communityId: c, itemId: String(data['itemId']) });
        break;
      case 'transfer':
        transfers.set(keyOf(c, ref.id), { communityId: c, transferId: ref.id });
        break;
      case 'activity':
      case 'service-request':
      case 'wish':
        processes.set(keyOf(ref.kind, c, ref.id), { kind: ref.kind, communityId: c, processId: ref.id });
        break;
      case 'community':
        break;
    }
  }
  return {
    communities: [...communities.values()],
    accounts: [...accounts.values()],
    records: [...records.values()],
    items: [...items.values()],
    redemptions: [...redemptions.values()],
    transfers: [...transfers.values()],
    processes: [...processes.values()],
  };
}

// ── The batch ─────────────────────────────────────────────────────────────────────────────────────────

/** An entry the batch holds: `dirty` when this batch changed it; `weight` is its encoded size when read. */
export interface Held<T> {
  readonly entry: T;
  dirty: boolean;
  readonly weight?: number;
}

/** Hundredths of a canonical two-place amount string from an event ("12.50" → 1250n): no decimal arithmetic needed. */
const hundredthsOf = (text: string): bigint => BigInt(text.replace('.', ''));

/** Adds `delta` under `key` in a map of running sums. */
function add<K>(sums: Map<K, bigint>, key: K, delta: bigint): void {
  if (delta !== 0n) sums.set(key, (sums.get(key) ?? 0n) + delta);
}

interface DaySums {
  issued: bigint;
  clawedBack: bigint;
  spent: bigint;
  expired: bigint;
  donated: bigint;
}

/**
 * One batch of events being folded. Put the known stream refs into `refs`, call `establishRefs`, fill the
 * entry maps with the rows `keysOf` names (from a cache or the projection store), fold the events in global
 * order, then take `changes()` to the store with the new checkpoint (`ReadModels` does all of this).
 */
export class FoldBatch {
  readonly refs = new Map<string, StreamRef>();
  readonly newRefs: StreamRef[] = [];
  readonly communities = new Map<string, Held<CommunityEntry>>();
  readonly accounts = new Map<string, Held<AccountEntry>>();
  readonly records = new Map<string, Held<RecordEntry>>();
  readonly items = new Map<string, Held<ItemEntry>>();
  readonly redemptions = new Map<string, Held<RedemptionEntry>>();
  readonly transfers = new Map<string, Held<TransferEntry>>();
  /** Activities, service requests and wishes, keyed by community and id; read from the projection store, not cached. */
  readonly activities = new Map<string, Held<ProcessEntry<ActivityState>>>();
  readonly serviceRequests = new Map<string, Held<ProcessEntry<ServiceRequestState>>>();
  readonly wishes = new Map<string, Held<ProcessEntry<WishState>>>();

  private readonly lines: StatementLineRow[] = [];
  private readonly inTransit = new Map<string, InTransitRow | null>();
  private readonly days = new Map<string, DaySums>();
  private readonly hoursByCategory = new Map<string, bigint>();
  private readonly memberHours = new Map<string, bigint>();
  private readonly active = new Set<string>();
  private readonly byItem = new Map<string, number>();
  private readonly trial = new Map<string, bigint>();
  private readonly outstanding = new Map<string, bigint>();
  /** The same deltas as `outstanding`, by community-local month (YYYY-MM) of the event: the report's line over time. */
  private readonly outstandingByMonth = new Map<string, bigint>();
  private readonly activityMembers = new Map<string, ActivityMemberRow>();
  private readonly serviceDays = new Map<string, { activitiesHeld: number; turns: number; requestsFulfilled: number }>();
  private readonly ratings = new Map<string, { ratings: number; ratingSum: number }>();

  /** Events folded before this batch (so the ordinal of the next one is `eventsFolded + 1`). */
  /** `validateEvents: false` takes stored events at the current schema version as they are (see `EventRegistry.decode`). */
  constructor(
    private eventsFolded: number,
    private readonly validateEvents = true,
  ) {}

  get folded(): number {
    return this.eventsFolded;
  }

  /**
   * Learns the streams whose first event is in `events` (after the known refs were put into `refs`), so
   * that `keysOf` sees every event's stream before anything is folded.
   */
  establishRefs(events: readonly RecordedEvent[]): void {
    // A stream seen before its first event stays unknown, so folding it fails where it went wrong.
    const orphans = new Set<string>();
    for (const event of events) {
      if (this.refs.has(event.streamName) || orphans.has(event.streamName)) continue;
      const ref = refFromFirstEvent(event);
      if (!ref) {
        orphans.add(event.streamName);
        continue;
      }
      this.refs.set(ref.streamName, ref);
      this.newRefs.push(ref);
    }
  }

  /** Folds one event of a stream in `refs` (see `establishRefs`). */
  fold(recorded: RecordedEvent): void {
    const ref = this.refs.get(recorded.streamName);
    if (!ref) throw new InvariantViolation(`${recorded.streamName}@${recorded.revision}: ${recorded.type} arrived before the stream's first event`);
    const event = eventRegistry.decode(recorded, { validate: this.validateEvents });
    this.eventsFolded += 1;
    switch (ref.kind) {
      case 'community':
        this.foldCommunity(ref.communityId, recorded, event as CommunityEvent);
        break;
      case 'member':
        this.foldMember(ref.communityId, ref.id, recorded, event as MemberEvent);
        break;
      case 'reward':
        this.foldReward(ref.communityId, ref.id, recorded, event as RewardEvent);
        break;
      case 'redemption':
        this.foldRedemption(ref.communityId, ref.id, recorded, event as RedemptionEvent);
        break;
      case 'transfer':
        this.foldTransfer(ref.communityId, ref.id, recorded, event as TransferEvent);
        break;
      // What they do to accounts arrives on the member streams; here they are listed and counted.
      case 'activity':
        this.foldActivity(ref.communityId, ref.id, recorded, event as ActivityEvent);
        break;
      case 'service-request':
        this.foldServiceRequest(ref.communityId, ref.id, recorded, event as ServiceRequestEvent);
        break;
      case 'wish':
        this.foldWish(ref.communityId, ref.id, recorded, event as WishEvent);
        break;
    }
  }

  /** Every row this batch wrote or added to. */
  changes(): RowChanges {
    const dirty = <T, R>(held: Map<string, Held<T>>, encode: (entry: T) => R): R[] => [...held.values()].filter((h) => h.dirty).map((h) => encode(h.entry));
    const split = (key: string) => key.split(sep);
    const dayTotals: DayTotalsDelta[] = [...this.days].map(([key, sums]) => {
      const [communityId, day] = split(key) as [string, string];
      return { communityId, day, ...sums };
    });
    const hours = (sums: Map<string, bigint>): HoursDelta[] =>
      [...sums].map(([key, value]) => {
        const [communityId, day, k] = split(key) as [string, string, string];
        return { communityId, day, key: k, hours: value };
      });
    const amounts = (sums: Map<string, bigint>): AmountDelta[] =>
      [...sums].map(([key, amount]) => {
        const [communityId, account] = split(key) as [string, string];
        return { communityId, account, amount };
      });
    return {
      streams: this.newRefs,
      communities: dirty(this.communities, encodeCommunity),
      accounts: dirty(this.accounts, encodeAccount),
      records: dirty(this.records, encodeRecord),
      statementLines: this.lines,
      items: dirty(this.items, encodeItem),
      redemptions: dirty(this.redemptions, encodeRedemption),
      transfers: dirty(this.transfers, encodeTransfer),
      inTransitPut: [...this.inTransit.values()].filter((row): row is InTransitRow => row !== null),
      inTransitDelete: [...this.inTransit].filter(([, row]) => row === null).map(([key]) => {
        const [communityId, transferId] = split(key) as [string, string];
        return { communityId, transferId };
      }),
      dayTotals,
      hoursByCategory: hours(this.hoursByCategory),
      memberHours: hours(this.memberHours),
      activeMembers: [...this.active].map((key) => {
        const [communityId, day, memberId] = split(key) as [string, string, string];
        return { communityId, day, memberId };
      }),
      redemptionsByItem: [...this.byItem].map(([key, quantity]): CountDelta => {
        const [communityId, day, itemId] = split(key) as [string, string, string];
        return { communityId, day, itemId, quantity };
      }),
      trialBalance: amounts(this.trial),
      outstanding: amounts(this.outstanding),
      outstandingByMonth: [...this.outstandingByMonth].map(([key, amount]): MonthAmountDelta => {
        const [communityId, month] = split(key) as [string, string];
        return { communityId, month, amount };
      }),
      processes: [...dirty(this.activities, encodeActivity), ...dirty(this.serviceRequests, encodeServiceRequest), ...dirty(this.wishes, encodeWish)],
      activityMembers: [...this.activityMembers.values()],
      serviceDays: [...this.serviceDays].map(([key, counts]) => {
        const [communityId, day] = split(key) as [string, string];
        return { communityId, day, ...counts };
      }),
      ratings: [...this.ratings].map(([key, sums]): RatingDelta => {
        const [communityId, day, volunteerId] = split(key) as [string, string, string];
        return { communityId, day, volunteerId, ...sums };
      }),
    };
  }

  // ── Per stream kind ─────────────────────────────────────────────────────────────────────────────────

  /** The community's entry; one is made (and only written if a community event changes it) when missing. */
  private community(communityId: string): Held<CommunityEntry> {
    let held = this.communities.get(communityId);
    if (!held) {
      held = { entry: { communityId, revision: -1, state: { ...initialCommunityState(), communityId } }, dirty: false };
      this.communities.set(communityId, held);
    }
    return held;
  }

  private dayOf(communityId: string, instant: string): string {
    return calendarDateIn(new Date(instant), this.community(communityId).entry.state.timeZone);
  }

  private daySums(communityId: string, day: string): DaySums {
    const key = keyOf(communityId, day);
    let sums = this.days.get(key);
    if (!sums) {
      sums = { issued: 0n, clawedBack: 0n, spent: 0n, expired: 0n, donated: 0n };
      this.days.set(key, sums);
    }
    return sums;
  }

  private foldCommunity(communityId: string, recorded: RecordedEvent, event: CommunityEvent): void {
    const held = this.community(communityId);
    evolveCommunity(held.entry.state, event);
    held.entry.revision = recorded.revision;
    held.dirty = true;
  }

  private account(communityId: string, memberId: string, registeredAt: string): Held<AccountEntry> {
    const key = keyOf(communityId, memberId);
    let held = this.accounts.get(key);
    if (!held) {
      const entry: AccountEntry = {
        communityId,
        memberId,
        revision: -1,
        registeredAt,
        sealedProfile: null,
        pointsSpentTotal: Points.zero,
        statementLines: 0,
        state: initialMemberState(),
      };
      held = { entry, dirty: true };
      this.accounts.set(key, held);
    }
    return held;
  }

  private foldMember(communityId: string, memberId: string, recorded: RecordedEvent, event: MemberEvent): void {
    const at = recorded.metadata.recordedAt;
    const held = this.account(communityId, memberId, at);
    const model = held.entry;
    const state = model.state;
    const recordId = recordIdOf(event.type, event.data as JsonObject);
    const record = recordId === null ? undefined : this.records.get(keyOf(communityId, memberId, recordId));
    if (record) state.records.set(record.entry.state.recordId, record.entry.state);
    const lotBefore = event.type === 'PointsExpired' ? copyLot(state.lots.get(event.data.lotId)) : undefined;
    const balanceBefore = state.balance;

    evolveMember(state, event);
    model.revision = recorded.revision;
    held.dirty = true;

    if (event.type === 'ServiceRecorded') {
      const created = state.records.get(event.data.recordId)!;
      this.records.set(keyOf(communityId, memberId, created.recordId), {
        entry: { communityId, memberId, seq: this.eventsFolded, state: created, recordedAt: at, decidedAt: null, decidedBy: null, reason: null, automatic: false },
        dirty: true,
      });
    } else if (record) {
      record.dirty = true;
    }
    forgetHistory(state);

    for (const posting of postingsOf(event, memberId)) add(this.trial, keyOf(communityId, posting.account), toHundredths(posting.amount));
    const amount = state.balance.minus(balanceBefore);
    const day = this.dayOf(communityId, at);
    if (memberId !== donationPoolId) {
      add(this.outstanding, keyOf(communityId, ''), toHundredths(amount));
      add(this.outstandingByMonth, keyOf(communityId, day.slice(0, 7)), toHundredths(amount));
    }
    const activeKey = keyOf(communityId, day, memberId);

    switch (event.type) {
      case 'MemberProfileRecorded':
        model.sealedProfile = event.data.sealed;
        break;
      case 'MemberProfileErased':
        model.sealedProfile = null;
        break;
      case 'ServiceApproved':
      case 'ServiceRejected':
      case 'ServiceReversed': {
        invariant(record !== undefined, () => `${recorded.streamName}@${recorded.revision}: ${event.type} of a record the projection never saw`);
        record.entry.decidedAt = at;
        record.entry.decidedBy = recorded.metadata.actor;
        record.entry.reason = 'reason' in event.data ? event.data.reason : null;
        if (event.type === 'ServiceApproved') record.entry.automatic = event.data.automatic;
        if (event.type !== 'ServiceRejected') {
          const r = record.entry.state;
          const hours = event.type === 'ServiceApproved' ? Hours.of(event.data.hoursApproved) : Hours.of(event.data.hoursReversed).negated();
          add(this.hoursByCategory, keyOf(communityId, this.dayOf(communityId, `${r.serviceDate}T12:00:00Z`), r.category), toHundredths(hours));
          add(this.memberHours, keyOf(communityId, r.serviceDate, memberId), toHundredths(hours));
          this.active.add(activeKey);
        }
        break;
      }
      case 'PointsAccrued':
        this.daySums(communityId, day).issued += hundredthsOf(event.data.points);
        break;
      case 'PointsClawedBack':
        this.daySums(communityId, day).clawedBack += hundredthsOf(event.data.points);
        break;
      case 'HeldPointsSpent':
        this.daySums(communityId, day).spent += hundredthsOf(event.data.points);
        model.pointsSpentTotal = model.pointsSpentTotal.plus(Points.of(event.data.points));
        break;
      case 'PointsExpired':
        this.daySums(communityId, day).expired += hundredthsOf(event.data.points);
        break;
      case 'PointsTransferredOut':
        if (event.data.to === donationPoolId) this.daySums(communityId, day).donated += hundredthsOf(event.data.points);
        this.inTransit.set(keyOf(communityId, event.data.transferId), { communityId, transferId: event.data.transferId, fromId: memberId, toId: event.data.to, since: at });
        break;
      case 'PointsTransferredIn':
      case 'TransferRefunded':
        this.inTransit.set(keyOf(communityId, event.data.transferId), null);
        break;
      default:
        break;
    }
    if (memberId !== donationPoolId && (event.type === 'ServiceRecorded' || event.type === 'PointsHeld' || !amount.isZero())) this.active.add(activeKey);

    if (!amount.isZero() || event.type === 'PointsHeld' || event.type === 'HoldReleased') {
      const d = event.data as Record<string, unknown>;
      const source = d['source'] as Record<string, unknown> | undefined;
      const redemptionId = typeof d['redemptionId'] === 'string' ? d['redemptionId'] : null;
      const transferId = typeof d['transferId'] === 'string' ? d['transferId'] : null;
      const { zh, en } = describeLine(event, {
        community: this.community(communityId).entry.state,
        record: record?.entry,
        redemption: redemptionId === null ? undefined : this.redemptions.get(keyOf(communityId, redemptionId))?.entry,
        transfer: transferId === null ? undefined : this.transfers.get(keyOf(communityId, transferId))?.entry,
        lot: lotBefore,
      });
      this.lines.push({
        communityId,
        memberId,
        seq: model.statementLines,
        position: recorded.position.toString(),
        recordedAt: at,
        type: event.type,
        amount: amount.toString(),
        runningBalance: state.balance.toString(),
        reference: String(d['recordId'] ?? d['redemptionId'] ?? d['transferId'] ?? d['lotId'] ?? source?.['recordId'] ?? source?.['grantId'] ?? ''),
        description: zh,
        descriptionEn: en,
      });
      model.statementLines += 1;
    }
  }

  private foldReward(communityId: string, itemId: string, recorded: RecordedEvent, event: RewardEvent): void {
    const key = keyOf(communityId, itemId);
    let held = this.items.get(key);
    if (!held) {
      held = { entry: { communityId, seq: this.eventsFolded, revision: -1, state: initialRewardState() }, dirty: true };
      this.items.set(key, held);
    }
    const state = held.entry.state;
    // A release or issue names its reservation; the projection keeps no reservations, so it lends one.
    if ((event.type === 'StockReleased' || event.type === 'StockIssued') && !state.reservations.has(event.data.redemptionId)) {
      state.reservations.set(event.data.redemptionId, { memberId: '', quantity: event.data.quantity, day: '', status: 'reserved' });
    }
    evolveReward(state, event);
    state.reservations.clear();
    held.entry.revision = recorded.revision;
    held.dirty = true;
  }

  private foldRedemption(communityId: string, redemptionId: string, recorded: RecordedEvent, event: RedemptionEvent): void {
    const at = recorded.metadata.recordedAt;
    const key = keyOf(communityId, redemptionId);
    let held = this.redemptions.get(key);
    if (!held) {
      const item = event.type === 'RedemptionRequested' ? this.items.get(keyOf(communityId, event.data.itemId))?.entry.state : undefined;
      held = {
        entry: { communityId, seq: this.eventsFolded, state: initialRedemptionState(), requestedAt: at, updatedAt: at, itemName: item?.name ?? null, itemKind: item?.kind ?? null },
        dirty: true,
      };
      this.redemptions.set(key, held);
    }
    const entry = held.entry;
    entry.state = evolveRedemption(entry.state, event);
    entry.updatedAt = at;
    held.dirty = true;
    if (event.type === 'RedemptionFulfilled') {
      const sumKey = keyOf(communityId, this.dayOf(communityId, at), entry.state.itemId);
      this.byItem.set(sumKey, (this.byItem.get(sumKey) ?? 0) + entry.state.quantity);
    }
  }

  private foldTransfer(communityId: string, transferId: string, recorded: RecordedEvent, event: TransferEvent): void {
    const at = recorded.metadata.recordedAt;
    const key = keyOf(communityId, transferId);
    let held = this.transfers.get(key);
    if (!held) {
      held = { entry: { communityId, seq: this.eventsFolded, state: initialTransferState(), requestedAt: at, updatedAt: at }, dirty: true };
      this.transfers.set(key, held);
    }
    held.entry.state = evolveTransfer(held.entry.state, event);
    held.entry.updatedAt = at;
    held.dirty = true;
  }

  private serviceDay(communityId: string, day: string): { activitiesHeld: number; turns: number; requestsFulfilled: number } {
    const key = keyOf(communityId, day);
    let counts = this.serviceDays.get(key);
    if (!counts) {
      counts = { activitiesHeld: 0, turns: 0, requestsFulfilled: 0 };
      this.serviceDays.set(key, counts);
    }
    return counts;
  }

  private foldActivity(communityId: string, activityId: string, recorded: RecordedEvent, event: ActivityEvent): void {
    const at = recorded.metadata.recordedAt;
    const seq = this.eventsFolded;
    const { entry } = processEntry(this.activities, keyOf(communityId, activityId), () => ({ communityId, seq, state: initialActivityState(), beganAt: at, updatedAt: at }));
    evolveActivity(entry.state, event);
    entry.updatedAt = at;
    if (event.type === 'AttendeeSignedUp' || event.type === 'AttendeeWaitListed') {
      const memberId = event.data.memberId;
      this.activityMembers.set(keyOf(communityId, memberId, activityId), { communityId, memberId, activityId, seq: entry.seq });
    }
    if (event.type === 'ActivityClosed') {
      const counts = this.serviceDay(communityId, this.dayOf(communityId, entry.state.startsAt));
      counts.activitiesHeld += 1;
      counts.turns += event.data.attended;
    }
  }

  private foldServiceRequest(communityId: string, requestId: string, recorded: RecordedEvent, event: ServiceRequestEvent): void {
    const at = recorded.metadata.recordedAt;
    const seq = this.eventsFolded;
    const { entry } = processEntry(this.serviceRequests, keyOf(communityId, requestId), () => ({ communityId, seq, state: initialServiceRequestState(), beganAt: at, updatedAt: at }));
    entry.state = evolveServiceRequest(entry.state, event);
    entry.updatedAt = at;
    if (event.type === 'ServiceRequestConfirmed') {
      const day = this.dayOf(communityId, at);
      this.serviceDay(communityId, day).requestsFulfilled += 1;
      const key = keyOf(communityId, day, event.data.volunteerId);
      const sums = this.ratings.get(key) ?? { ratings: 0, ratingSum: 0 };
      this.ratings.set(key, { ratings: sums.ratings + 1, ratingSum: sums.ratingSum + event.data.rating });
    }
  }

  private foldWish(communityId: string, wishId: string, recorded: RecordedEvent, event: WishEvent): void {
    const at = recorded.metadata.recordedAt;
    const seq = this.eventsFolded;
    const { entry } = processEntry(this.wishes, keyOf(communityId, wishId), () => ({ communityId, seq, state: initialWishState(), beganAt: at, updatedAt: at }));
    entry.state = evolveWish(entry.state, event);
    entry.updatedAt = at;
  }
}

type ProcessHeld<S, E extends ProcessEntry<S>> = Map<string, Held<E>>;

/** The process's entry in `held`, begun (with the next ordinal) when this is its first event. */
function processEntry<S, E extends ProcessEntry<S>>(held: ProcessHeld<S, E>, key: string, begin: () => E): Held<E> {
  let found = held.get(key);
  if (!found) {
    found = { entry: begin(), dirty: true };
    held.set(key, found);
  }
  found.dirty = true;
  return found;
}

function copyLot(lot: Lot | undefined): Lot | undefined {
  return lot ? { ...lot } : undefined;
}

/** Drops what the decider remembers for idempotence and caps: the account keeps no history (module comment). */
function forgetHistory(state: MemberState): void {
  state.records.clear();
  state.approvedHoursByDay.clear();
  state.closedHolds.clear();
  state.grants.clear();
  state.transfersOut.clear();
  state.transfersIn.clear();
  state.refunds.clear();
  // An open presence is what its check-out (PresenceEnded) folds into; an ended one is history.
  for (const [activityId, presence] of state.presences) if (presence.endedAt !== null) state.presences.delete(activityId);
}
