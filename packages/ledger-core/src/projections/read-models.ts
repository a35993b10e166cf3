/**
 * Read models (DESIGN §7), fed from the store's global order: balances must not cost a replay per request.
 * Each stream's part is folded with the same `evolve` its decider uses, so a view can never disagree with
 * what a decision saw; statements, reports, leaderboards and the trial balance are built alongside.
 * Keeps a checkpoint (the last position folded) and, given a snapshot store, survives restarts by catching
 * up from it; `rebuild()` starts from scratch.
 */
import { type Account, postingsOf, systemAccounts } from '../accounting.js';
import { type CommunityState, evolveCommunity, initialCommunityState } from '../community/decider.js';
import type { CommunityEvent } from '../community/events.js';
import { InvariantViolation } from '../errors.js';
import { communityFromStreamName, donationPoolId } from '../ids.js';
import { eventRegistry } from '../ledger.js';
import type { MemberEvent, SealedProfile } from '../member/events.js';
import { evolveMember, initialMemberState, type MemberState } from '../member/state.js';
import { Hours, Points } from '../money.js';
import { evolveRedemption, initialRedemptionState, type RedemptionEvent, type RedemptionState } from '../redemption/events.js';
import { evolveReward, initialRewardState, type RewardState } from '../reward/decider.js';
import type { RewardEvent } from '../reward/events.js';
import type { EventStore, RecordedEvent, Subscription } from '../store/port.js';
import { calendarDateIn } from '../time.js';
import { evolveTransfer, initialTransferState, type TransferEvent, type TransferState } from '../transfer/events.js';
import { type SnapshotStore, fromSnapshotJson, toSnapshotJson } from './snapshot.js';

/** Events folded per read of the global order while catching up. */
export const catchUpPageSize = 1_000;
/** Largest statement page. */
export const maxStatementPageSize = 500;
/** Bumped when the shape of the folded state changes: an older snapshot is then ignored and rebuilt. */
export const readModelsVersion = 1;

export interface StatementEntry {
  readonly seq: number;
  readonly position: string;
  readonly recordedAt: string;
  readonly type: string;
  /** Points in (positive) or out (negative) of the member's balance; "0.00" for holds and releases. */
  readonly amount: string;
  readonly runningBalance: string;
  readonly reference: string;
  readonly description: string;
}

export interface RecordMeta {
  readonly recordedAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  reason: string | null;
}

export interface DayTotals {
  readonly hoursByCategory: Map<string, Hours>;
  issued: Points;
  clawedBack: Points;
  spent: Points;
  expired: Points;
  donated: Points;
  readonly activeMembers: Set<string>;
  readonly redemptionsByItem: Map<string, number>;
}

export interface MemberModel {
  readonly state: MemberState;
  revision: number;
  registeredAt: string;
  sealedProfile: SealedProfile | null;
  readonly statement: StatementEntry[];
  readonly records: Map<string, RecordMeta>;
  /** Approved hours net of reversals by service date, for leaderboards. */
  readonly hoursByDay: Map<string, Hours>;
  pointsSpentTotal: Points;
}

export interface CommunityModel {
  readonly state: CommunityState;
  readonly members: Map<string, MemberModel>;
  readonly items: Map<string, { state: RewardState; revision: number }>;
  readonly redemptions: Map<string, { state: RedemptionState; requestedAt: string; updatedAt: string }>;
  readonly transfers: Map<string, { state: TransferState; requestedAt: string; updatedAt: string }>;
  readonly days: Map<string, DayTotals>;
  readonly trialBalance: Map<Account, Points>;
  /** Debits still in transit: transferId → sender, recipient and when it left. */
  readonly inTransit: Map<string, { from: string; to: string; since: string }>;
}

/** 'untracked': activities, service requests and micro-wishes, which have no read models here yet (their member-stream effects do). */
type StreamRef = { kind: 'community' | 'member' | 'reward' | 'redemption' | 'transfer' | 'untracked'; communityId: string; id: string };

interface Folded {
  version: number;
  position: string | null;
  eventsFolded: number;
  communities: Map<string, CommunityModel>;
  streams: Map<string, StreamRef>;
}

const emptyFolded = (): Folded => ({ version: readModelsVersion, position: null, eventsFolded: 0, communities: new Map(), streams: new Map() });

export interface ReadModelsOptions {
  readonly snapshots?: SnapshotStore;
  /** Name of this set of read models in the snapshot and checkpoint stores. */
  readonly name?: string;
}

export class ReadModels {
  private folded: Folded = emptyFolded();
  private subscription: Subscription | null = null;
  private following: Promise<void> | null = null;
  private readonly name: string;
  /** Serialises catch-up and live folding, so no event is folded twice. */
  private busy: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: EventStore,
    private readonly options: ReadModelsOptions = {},
  ) {
    this.name = options.name ?? 'read-models';
  }

  /** Restores the last snapshot (if any and current), then catches up with the store. */
  async open(): Promise<this> {
    const snapshot = await this.options.snapshots?.load(this.name);
    if (snapshot) {
      const restored = fromSnapshotJson<Folded>(snapshot.data);
      if (restored.version === readModelsVersion) this.folded = restored;
    }
    await this.catchUp();
    return this;
  }

  /** The global position folded last; null before any event. */
  get checkpoint(): bigint | null {
    return this.folded.position === null ? null : BigInt(this.folded.position);
  }

  get eventsFolded(): number {
    return this.folded.eventsFolded;
  }

  /** Folds everything appended since the checkpoint. Safe to call concurrently. */
  catchUp(): Promise<number> {
    const run = this.busy.then(async () => {
      let total = 0;
      for (;;) {
        const page = await this.store.readAll({ after: this.checkpoint ?? undefined, maxCount: catchUpPageSize });
        for (const event of page) this.fold(event);
        total += page.length;
        if (page.length < catchUpPageSize) return total;
      }
    });
    this.busy = run.catch(() => undefined);
    return run;
  }

  /** Starts folding live events as they are appended (after catching up). */
  follow(onError: (error: unknown) => void = () => undefined): void {
    if (this.subscription) return;
    const subscription = this.store.subscribeToAll({ after: this.checkpoint ?? undefined });
    this.subscription = subscription;
    this.following = (async () => {
      try {
        for await (const event of subscription) {
          const position = this.checkpoint;
          if (position === null || event.position > position) this.fold(event);
        }
      } catch (error) {
        if (this.subscription === subscription) onError(error);
      }
    })();
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.close();
    await this.following;
  }

  /** Drops everything and folds the whole store again. */
  async rebuild(): Promise<number> {
    await this.busy;
    this.folded = emptyFolded();
    return this.catchUp();
  }

  async saveSnapshot(): Promise<void> {
    if (!this.options.snapshots || this.folded.position === null) return;
    await this.busy;
    await this.options.snapshots.save(this.name, BigInt(this.folded.position), toSnapshotJson(this.folded));
  }

  // ── Queries ─────────────────────────────────────────────────────────────────────────────────────

  communityIds(): string[] {
    return [...this.folded.communities.keys()];
  }

  community(communityId: string): CommunityModel | null {
    return this.folded.communities.get(communityId) ?? null;
  }

  member(communityId: string, memberId: string): MemberModel | null {
    return this.community(communityId)?.members.get(memberId) ?? null;
  }

  // ── Folding ─────────────────────────────────────────────────────────────────────────────────────

  private fold(recorded: RecordedEvent): void {
    const event = eventRegistry.decode(recorded);
    const ref = this.refOf(recorded, event.type, event.data as Record<string, unknown>);
    if (ref) {
      const community = this.communityOf(ref.communityId);
      switch (ref.kind) {
        case 'community':
          evolveCommunity(community.state, event as CommunityEvent);
          break;
        case 'member':
          this.foldMember(community, ref.id, recorded, event as MemberEvent);
          break;
        case 'reward':
          this.foldReward(community, ref.id, recorded, event as RewardEvent);
          break;
        case 'redemption':
          this.foldRedemption(community, ref.id, recorded, event as RedemptionEvent);
          break;
        case 'transfer':
          this.foldTransfer(community, ref.id, recorded, event as TransferEvent);
          break;
        case 'untracked':
          break;
      }
    }
    this.folded.position = recorded.position.toString();
    this.folded.eventsFolded += 1;
  }

  /** Which stream an event belongs to, learnt from each stream's first event (stream names are not parsed alone). */
  private refOf(recorded: RecordedEvent, type: string, data: Record<string, unknown>): StreamRef | null {
    const known = this.folded.streams.get(recorded.streamName);
    if (known) return known;
    const suffix = (id: string, prefix: string) => communityFromStreamName(recorded.streamName.slice(prefix.length, recorded.streamName.length - id.length - 1));
    let ref: StreamRef | null = null;
    if (type === 'CommunityRegistered') ref = { kind: 'community', communityId: String(data['communityId']), id: String(data['communityId']) };
    if (type === 'MemberRegistered') ref = { kind: 'member', communityId: String(data['communityId']), id: String(data['memberId']) };
    if (type === 'ItemListed') ref = { kind: 'reward', communityId: suffix(String(data['itemId']), 'reward-'), id: String(data['itemId']) };
    if (type === 'RedemptionRequested') ref = { kind: 'redemption', communityId: suffix(String(data['redemptionId']), 'redemption-'), id: String(data['redemptionId']) };
    if (type === 'TransferRequested') ref = { kind: 'transfer', communityId: suffix(String(data['transferId']), 'transfer-'), id: String(data['transferId']) };
    if (type === 'ActivityPublished') ref = { kind: 'untracked', communityId: suffix(String(data['activityId']), 'activity-'), id: String(data['activityId']) };
    if (type === 'ServiceRequestPosted') ref = { kind: 'untracked', communityId: suffix(String(data['requestId']), 'request-'), id: String(data['requestId']) };
    if (type === 'WishPosted') ref = { kind: 'untracked', communityId: suffix(String(data['wishId']), 'wish-'), id: String(data['wishId']) };
    if (!ref) throw new InvariantViolation(`${recorded.streamName}@${recorded.revision}: ${type} arrived before the stream's first event`);
    this.folded.streams.set(recorded.streamName, ref);
    return ref;
  }

  private communityOf(communityId: string): CommunityModel {
    let community = this.folded.communities.get(communityId);
    if (!community) {
      community = {
        state: initialCommunityState(),
        members: new Map(),
        items: new Map(),
        redemptions: new Map(),
        transfers: new Map(),
        days: new Map(),
        trialBalance: new Map(systemAccounts.map((a) => [a, Points.zero])),
        inTransit: new Map(),
      };
      this.folded.communities.set(communityId, community);
    }
    return community;
  }

  private dayOf(community: CommunityModel, recordedAt: string): DayTotals {
    const day = calendarDateIn(new Date(recordedAt), community.state.timeZone);
    let totals = community.days.get(day);
    if (!totals) {
      totals = {
        hoursByCategory: new Map(),
        issued: Points.zero,
        clawedBack: Points.zero,
        spent: Points.zero,
        expired: Points.zero,
        donated: Points.zero,
        activeMembers: new Set(),
        redemptionsByItem: new Map(),
      };
      community.days.set(day, totals);
    }
    return totals;
  }

  private foldMember(community: CommunityModel, memberId: string, recorded: RecordedEvent, event: MemberEvent): void {
    let model = community.members.get(memberId);
    if (!model) {
      model = {
        state: initialMemberState(),
        revision: -1,
        registeredAt: recorded.metadata.recordedAt,
        sealedProfile: null,
        statement: [],
        records: new Map(),
        hoursByDay: new Map(),
        pointsSpentTotal: Points.zero,
      };
      community.members.set(memberId, model);
    }
    const balanceBefore = model.state.balance;
    evolveMember(model.state, event);
    model.revision = recorded.revision;
    const at = recorded.metadata.recordedAt;
    for (const posting of postingsOf(event, memberId)) {
      community.trialBalance.set(posting.account, (community.trialBalance.get(posting.account) ?? Points.zero).plus(posting.amount));
    }
    const day = this.dayOf(community, at);
    const d = event.data as Record<string, unknown>;
    switch (event.type) {
      case 'MemberProfileRecorded':
        model.sealedProfile = event.data.sealed;
        break;
      case 'MemberProfileErased':
        model.sealedProfile = null;
        break;
      case 'ServiceRecorded':
        model.records.set(event.data.recordId, { recordedAt: at, decidedAt: null, decidedBy: null, reason: null });
        break;
      case 'ServiceApproved':
      case 'ServiceRejected':
      case 'ServiceReversed': {
        const meta = model.records.get(event.data.recordId);
        if (meta) {
          meta.decidedAt = at;
          meta.decidedBy = recorded.metadata.actor;
          meta.reason = 'reason' in event.data ? event.data.reason : null;
        }
        if (event.type !== 'ServiceRejected') {
          const record = model.state.records.get(event.data.recordId)!;
          const hours = event.type === 'ServiceApproved' ? Hours.of(event.data.hoursApproved) : Hours.of(event.data.hoursReversed).negated();
          const byCategory = this.dayOf(community, `${record.serviceDate}T12:00:00Z`).hoursByCategory;
          byCategory.set(record.category, (byCategory.get(record.category) ?? Hours.zero).plus(hours));
          model.hoursByDay.set(record.serviceDate, (model.hoursByDay.get(record.serviceDate) ?? Hours.zero).plus(hours));
          day.activeMembers.add(memberId);
        }
        break;
      }
      case 'PointsAccrued':
        day.issued = day.issued.plus(Points.of(event.data.points));
        break;
      case 'PointsClawedBack':
        day.clawedBack = day.clawedBack.plus(Points.of(event.data.points));
        break;
      case 'HeldPointsSpent':
        day.spent = day.spent.plus(Points.of(event.data.points));
        model.pointsSpentTotal = model.pointsSpentTotal.plus(Points.of(event.data.points));
        break;
      case 'PointsExpired':
        day.expired = day.expired.plus(Points.of(event.data.points));
        break;
      case 'PointsTransferredOut':
        if (event.data.to === donationPoolId) day.donated = day.donated.plus(Points.of(event.data.points));
        community.inTransit.set(event.data.transferId, { from: memberId, to: event.data.to, since: at });
        break;
      case 'PointsTransferredIn':
      case 'TransferRefunded':
        community.inTransit.delete(event.data.transferId);
        break;
    }
    const amount = model.state.balance.minus(balanceBefore);
    if (memberId !== donationPoolId && (event.type === 'ServiceRecorded' || event.type === 'PointsHeld' || !amount.isZero())) day.activeMembers.add(memberId);
    if (!amount.isZero() || event.type === 'PointsHeld' || event.type === 'HoldReleased') {
      model.statement.push({
        seq: model.statement.length,
        position: recorded.position.toString(),
        recordedAt: at,
        type: event.type,
        amount: amount.toString(),
        runningBalance: model.state.balance.toString(),
        reference: String(d['recordId'] ?? d['redemptionId'] ?? d['transferId'] ?? d['lotId'] ?? (d['source'] as Record<string, unknown> | undefined)?.['recordId'] ?? (d['source'] as Record<string, unknown> | undefined)?.['grantId'] ?? ''),
        description: describe(event),
      });
    }
  }

  private foldReward(community: CommunityModel, itemId: string, recorded: RecordedEvent, event: RewardEvent): void {
    let item = community.items.get(itemId);
    if (!item) {
      item = { state: initialRewardState(), revision: -1 };
      community.items.set(itemId, item);
    }
    evolveReward(item.state, event);
    item.revision = recorded.revision;
  }

  private foldRedemption(community: CommunityModel, redemptionId: string, recorded: RecordedEvent, event: RedemptionEvent): void {
    const at = recorded.metadata.recordedAt;
    const existing = community.redemptions.get(redemptionId);
    const state = evolveRedemption(existing?.state ?? initialRedemptionState(), event);
    community.redemptions.set(redemptionId, { state, requestedAt: existing?.requestedAt ?? at, updatedAt: at });
    if (event.type === 'RedemptionFulfilled') {
      const byItem = this.dayOf(community, at).redemptionsByItem;
      byItem.set(state.itemId, (byItem.get(state.itemId) ?? 0) + state.quantity);
    }
  }

  private foldTransfer(community: CommunityModel, transferId: string, recorded: RecordedEvent, event: TransferEvent): void {
    const at = recorded.metadata.recordedAt;
    const existing = community.transfers.get(transferId);
    const state = evolveTransfer(existing?.state ?? initialTransferState(), event);
    community.transfers.set(transferId, { state, requestedAt: existing?.requestedAt ?? at, updatedAt: at });
  }
}

function describe(event: MemberEvent): string {
  switch (event.type) {
    case 'PointsAccrued':
      return event.data.source.kind === 'service'
        ? `${event.data.source.hours} h of ${event.data.source.category} (record ${event.data.source.recordId}, policy v${event.data.policyVersion})`
        : `grant: ${event.data.source.reason}`;
    case 'PointsClawedBack':
      return `clawback of record ${event.data.recordId}`;
    case 'PointsHeld':
      return `${event.data.points} held for redemption ${event.data.redemptionId}`;
    case 'HoldReleased':
      return `hold for redemption ${event.data.redemptionId} ${event.data.reason}`;
    case 'HeldPointsSpent':
      return `redemption ${event.data.redemptionId}`;
    case 'PointsTransferredOut':
      return `${event.data.reason} to ${event.data.to} (transfer ${event.data.transferId})`;
    case 'PointsTransferredIn':
      return `from ${event.data.from} (transfer ${event.data.transferId})`;
    case 'TransferRefunded':
      return `transfer ${event.data.transferId} returned: ${event.data.reason}`;
    case 'PointsExpired':
      return `lot ${event.data.lotId} expired ${event.data.expiresAt}`;
    default:
      return event.type;
  }
}
