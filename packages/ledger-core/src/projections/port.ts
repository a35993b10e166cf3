/**
 * The projection-store port (DESIGN §7): where read models live, so that a service's memory is bounded by
 * named limits, not by history. The core folds events into row changes (pure, `fold.ts`) and the store
 * keeps the rows: in memory (`InMemoryProjectionStore`, for tests and embedders) or in SQLite tables
 * (`SqliteProjectionStore` in @volunteer-ledger/store-sqlite, one file per service instance).
 *
 * Rows are plain columns plus, where a row carries a folded state, a JSON `payload` that only the core
 * encodes and decodes (`rows.ts`), so every store keeps exactly the same thing. Amounts in aggregates are
 * whole hundredths (`bigint`), added up by the store; amounts in rows are decimal strings (rule 4).
 *
 * The write side is three calls: `streamRefs` and `load` fetch the rows a batch of events reads, and
 * `commit` writes the batch's changes with the new checkpoint in one transaction, so a crash leaves the
 * projection at the previous checkpoint or the new one, never between. The read side answers what the
 * HTTP routes, the jobs and the CLI ask; every list it returns is either paged or bounded by what it is
 * asked about (one member's records, one community's catalogue).
 */

/** Bumped when the meaning of a row changes: a projection folded by another version is rebuilt from scratch. */
export const projectionVersion = 4;

export type StreamCategory = 'community' | 'member' | 'reward' | 'redemption' | 'transfer' | 'activity' | 'service-request' | 'wish';

/** Which stream an event belongs to, learnt from the stream's first event (stream names are not parsed alone). */
export interface StreamRef {
  readonly streamName: string;
  readonly kind: StreamCategory;
  readonly communityId: string;
  readonly id: string;
}

export interface ProjectionCheckpoint {
  /** The global position folded last. */
  readonly position: bigint;
  /** Events folded since the projection was empty; also the ordinal that orders rows (`seq`). */
  readonly eventsFolded: number;
  /** `projectionVersion` of the code that folded it. */
  readonly version: number;
}

/** Thrown by `commit` when another writer moved the checkpoint since this one read it. */
export class ProjectionCheckpointMoved extends Error {
  override readonly name = 'ProjectionCheckpointMoved';
  constructor(
    readonly expected: bigint | null,
    readonly actual: bigint | null,
  ) {
    super(
      `the projection's checkpoint is at ${actual ?? 'nothing folded'}, not ${expected ?? 'nothing folded'} as this process last left it: ` +
        'another process folds into the same projection; read the checkpoint again and catch up from there',
    );
  }
}

// ── Rows ──────────────────────────────────────────────────────────────────────────────────────────────

export interface CommunityRow {
  readonly communityId: string;
  readonly revision: number;
  /** The community's folded state (name, time zone, policies, categories, organisers). */
  readonly payload: string;
}

export interface AccountRow {
  readonly communityId: string;
  readonly memberId: string;
  readonly revision: number;
  readonly balance: string;
  /** Earliest expiry among lots with free points: what the expiry job looks for. */
  readonly nextExpiry: string | null;
  /** The account's folded state without its history (`rows.ts`): lots, open holds, totals, profile. */
  readonly payload: string;
}

export interface RecordRow {
  readonly communityId: string;
  readonly memberId: string;
  readonly recordId: string;
  /** Ordinal of the event that recorded it: records are listed in recording order. */
  readonly seq: number;
  readonly status: string;
  readonly recordedAt: string;
  readonly payload: string;
}

export interface StatementLineRow {
  readonly communityId: string;
  readonly memberId: string;
  /** 0, 1, 2 … per member, in the order the lines happened. */
  readonly seq: number;
  /** Global position of the event behind the line. */
  readonly position: string;
  readonly recordedAt: string;
  readonly type: string;
  /** Points in (positive) or out (negative) of the member's balance; "0.00" for holds and releases. */
  readonly amount: string;
  readonly runningBalance: string;
  readonly reference: string;
  /** In Chinese, with category and item names: what a resident reads. */
  readonly description: string;
  readonly descriptionEn: string;
}

export interface ItemRow {
  readonly communityId: string;
  readonly itemId: string;
  readonly seq: number;
  readonly revision: number;
  readonly active: boolean;
  readonly payload: string;
}

export interface RedemptionRow {
  readonly communityId: string;
  readonly redemptionId: string;
  readonly seq: number;
  readonly status: string;
  readonly memberId: string;
  readonly expiresAt: string;
  readonly updatedAt: string;
  readonly payload: string;
}

export interface TransferRow {
  readonly communityId: string;
  readonly transferId: string;
  readonly seq: number;
  readonly status: string;
  readonly fromId: string;
  readonly toId: string;
  readonly updatedAt: string;
  readonly payload: string;
}

/** A debit in transit: the points left the sender and have not yet arrived or come back. */
export interface InTransitRow {
  readonly communityId: string;
  readonly transferId: string;
  readonly fromId: string;
  readonly toId: string;
  readonly since: string;
}

/** The processes with a stream of their own that the read models list: activities, service requests, micro-wishes. */
export type ProcessKind = 'activity' | 'service-request' | 'wish';

/**
 * One activity, service request or micro-wish. The columns are what lists filter on; `payload` is the folded
 * state (`rows.ts`). `status` is the request's or wish's status; for an activity its stage, which also says
 * where approval stands: published, cancelled, closing, closed (attendance not yet approved), approving, approved.
 */
export interface ProcessRow {
  readonly communityId: string;
  readonly kind: ProcessKind;
  readonly processId: string;
  /** Ordinal of the event that began it: lists are in that order. */
  readonly seq: number;
  readonly status: string;
  /** The requester or the wish's beneficiary; '' for an activity. */
  readonly memberId: string;
  /** The request's volunteer or the wish's claimant; null when nobody (and for an activity). */
  readonly assigneeId: string | null;
  /** When an activity starts, a request is wanted for, a wish was posted. */
  readonly startsAt: string;
  /** When an activity ends, a request lapses; '' for a wish (it does not lapse). */
  readonly dueAt: string;
  /** Seats still free at an activity; 0 for the others. */
  readonly seatsLeft: number;
  readonly updatedAt: string;
  readonly payload: string;
}

/** A member who signed up for an activity (or walked in): the index behind "my activities". Written once. */
export interface ActivityMemberRow {
  readonly communityId: string;
  readonly memberId: string;
  readonly activityId: string;
  /** The activity's `seq`: a member's activities are listed in publishing order. */
  readonly seq: number;
}

// ── Aggregates (added up by the store) ───────────────────────────────────────────────────────────────

/** Points moved on one community-local day, in hundredths. */
export interface DayTotalsDelta {
  readonly communityId: string;
  readonly day: string;
  readonly issued: bigint;
  readonly clawedBack: bigint;
  readonly spent: bigint;
  readonly expired: bigint;
  readonly donated: bigint;
}

export interface HoursDelta {
  readonly communityId: string;
  readonly day: string;
  /** A category id (report) or a member id (leaderboard), by table. */
  readonly key: string;
  /** Hundredths of an hour. */
  readonly hours: bigint;
}

export interface CountDelta {
  readonly communityId: string;
  readonly day: string;
  readonly itemId: string;
  readonly quantity: number;
}

export interface AmountDelta {
  readonly communityId: string;
  /** An account of the trial balance (`issuance`, `member:m1` …); empty for community totals. */
  readonly account: string;
  /** Hundredths. */
  readonly amount: bigint;
}

/** Points moved in one community-local month (YYYY-MM), in hundredths. */
export interface MonthAmountDelta {
  readonly communityId: string;
  readonly month: string;
  readonly amount: bigint;
}

/** Activities, volunteer turns and requests on one community-local day (a count each). */
export interface ServiceDayDelta {
  readonly communityId: string;
  readonly day: string;
  /** Activities closed, counted on the day they started. */
  readonly activitiesHeld: number;
  /** Attendances that became service records, counted on the activity's day. */
  readonly turns: number;
  /** Service requests confirmed (评单), on the day of the confirmation. */
  readonly requestsFulfilled: number;
}

/** Ratings a volunteer received on one community-local day. */
export interface RatingDelta {
  readonly communityId: string;
  readonly day: string;
  readonly volunteerId: string;
  readonly ratings: number;
  readonly ratingSum: number;
}

/** Everything one batch of events changed, written with its checkpoint in one transaction. */
export interface RowChanges {
  readonly streams: readonly StreamRef[];
  readonly communities: readonly CommunityRow[];
  readonly accounts: readonly AccountRow[];
  readonly records: readonly RecordRow[];
  readonly statementLines: readonly StatementLineRow[];
  readonly items: readonly ItemRow[];
  readonly redemptions: readonly RedemptionRow[];
  readonly transfers: readonly TransferRow[];
  readonly inTransitPut: readonly InTransitRow[];
  readonly inTransitDelete: readonly { readonly communityId: string; readonly transferId: string }[];
  readonly dayTotals: readonly DayTotalsDelta[];
  /** Approved hours net of reversals by community-local day and category (reports). */
  readonly hoursByCategory: readonly HoursDelta[];
  /** Approved hours net of reversals by service date and member (leaderboard). */
  readonly memberHours: readonly HoursDelta[];
  /** Members active on a community-local day (`key` is the member id; hours unused). */
  readonly activeMembers: readonly { readonly communityId: string; readonly day: string; readonly memberId: string }[];
  readonly redemptionsByItem: readonly CountDelta[];
  readonly trialBalance: readonly AmountDelta[];
  /** Points held by members (the donation pool excluded), per community. */
  readonly outstanding: readonly AmountDelta[];
  /** The same deltas as `outstanding`, by the community-local month they happened in (they add up to it). */
  readonly outstandingByMonth: readonly MonthAmountDelta[];
  readonly processes: readonly ProcessRow[];
  /** Inserted once each (a member already listed stays as they are). */
  readonly activityMembers: readonly ActivityMemberRow[];
  readonly serviceDays: readonly ServiceDayDelta[];
  readonly ratings: readonly RatingDelta[];
}

export interface RowKeys {
  readonly communities: readonly string[];
  readonly accounts: readonly MemberKey[];
  readonly records: readonly RecordKey[];
  readonly items: readonly ItemKey[];
  readonly redemptions: readonly RedemptionKey[];
  readonly transfers: readonly TransferKey[];
  readonly processes: readonly ProcessKey[];
}

export interface ProcessKey {
  readonly communityId: string;
  readonly kind: ProcessKind;
  readonly processId: string;
}

export interface MemberKey {
  readonly communityId: string;
  readonly memberId: string;
}
export interface RecordKey extends MemberKey {
  readonly recordId: string;
}
export interface ItemKey {
  readonly communityId: string;
  readonly itemId: string;
}
export interface RedemptionKey {
  readonly communityId: string;
  readonly redemptionId: string;
}
export interface TransferKey {
  readonly communityId: string;
  readonly transferId: string;
}

/** The rows asked for that exist (missing ones are simply absent), read with the checkpoint they are at. */
export interface LoadedRows {
  /** The stored checkpoint's position when the rows were read: a fold may use them only if it is its own. */
  readonly checkpoint: bigint | null;
  readonly communities: readonly CommunityRow[];
  readonly accounts: readonly AccountRow[];
  readonly records: readonly RecordRow[];
  readonly items: readonly ItemRow[];
  readonly redemptions: readonly RedemptionRow[];
  readonly transfers: readonly TransferRow[];
  readonly processes: readonly ProcessRow[];
}

// ── Queries ───────────────────────────────────────────────────────────────────────────────────────────

export type StatementOrder = 'newest' | 'oldest';

/** A page by key: rows whose key is greater than `after`, in key order, at most `limit`. */
export interface KeyPage {
  readonly after?: string;
  readonly limit: number;
}

export interface ReportTotals {
  readonly issued: bigint;
  readonly clawedBack: bigint;
  readonly spent: bigint;
  readonly expired: bigint;
  readonly donated: bigint;
  /** Category id → hundredths of an hour. */
  readonly hoursByCategory: ReadonlyMap<string, bigint>;
  readonly activeMembers: number;
  readonly redemptionsByItem: ReadonlyMap<string, number>;
  readonly activitiesHeld: number;
  readonly turns: number;
  readonly requestsFulfilled: number;
  /** Volunteer id → ratings received and their sum, sorted by volunteer id. */
  readonly ratings: ReadonlyMap<string, { readonly ratings: number; readonly ratingSum: number }>;
}

/** What a list of processes filters on; every condition given must hold. */
export interface ProcessFilter {
  readonly statuses?: readonly string[];
  /** The requester, beneficiary, volunteer or claimant. */
  readonly party?: string;
  readonly startsAtOrBefore?: string;
  readonly dueAfter?: string;
  readonly dueAtOrBefore?: string;
  readonly updatedAtOrBefore?: string;
  /** Only activities with a seat free. */
  readonly withSeatsLeft?: boolean;
}

export interface ProjectionQueries {
  /** Every community folded so far, sorted. */
  communityIds(): Promise<string[]>;
  community(communityId: string): Promise<CommunityRow | null>;
  /** Σ member balances, donation pool excluded, in hundredths. */
  outstanding(communityId: string): Promise<bigint>;
  /** The change in `outstanding` in each community-local month that had one, in hundredths, by month. */
  outstandingByMonth(communityId: string): Promise<Array<{ readonly month: string; readonly amount: bigint }>>;
  account(communityId: string, memberId: string): Promise<AccountRow | null>;
  /** Accounts by member id. */
  accounts(communityId: string, page: KeyPage): Promise<AccountRow[]>;
  /** Members whose `nextExpiry` is at or before `asOf`, by member id. */
  accountsWithExpiryDue(communityId: string, asOf: string, page: KeyPage): Promise<AccountRow[]>;
  /**
   * Statement lines of one member, at most `limit`: newest first (seq descending) or oldest first (seq
   * ascending), continuing past `cursorSeq` (the last seq of the previous page) when given.
   */
  statementLines(
    communityId: string,
    memberId: string,
    options: { readonly order: StatementOrder; readonly cursorSeq?: number; readonly limit: number },
  ): Promise<StatementLineRow[]>;
  /** Service records in recording order (recordedAt, then seq), by member and/or status. */
  serviceRecords(communityId: string, filter: { readonly memberId?: string; readonly status?: string }, page: { readonly afterSeq?: number; readonly limit: number }): Promise<RecordRow[]>;
  /** The catalogue in listing order. */
  items(communityId: string, options: { readonly includeDelisted: boolean }): Promise<ItemRow[]>;
  redemption(communityId: string, redemptionId: string): Promise<RedemptionRow | null>;
  /** Redemptions in request order, by status and/or member. */
  redemptions(communityId: string, filter: { readonly status?: string; readonly memberId?: string }, page: { readonly afterSeq?: number; readonly limit: number }): Promise<RedemptionRow[]>;
  /**
   * Redemptions in one of `statuses` whose `field` is at or before `atOrBefore`, by redemption id: held
   * ones past their expiry (expiry job), unfinished ones not touched since a cutoff (recovery job).
   */
  redemptionsDue(
    communityId: string,
    filter: { readonly statuses: readonly string[]; readonly field: 'expiresAt' | 'updatedAt'; readonly atOrBefore: string },
    page: KeyPage,
  ): Promise<RedemptionRow[]>;
  /** Transfers from or to a member (or all), in request order. */
  transfers(communityId: string, filter: { readonly memberId?: string }, page: { readonly afterSeq?: number; readonly limit: number }): Promise<TransferRow[]>;
  /** Debits in transit since at or before `atOrBefore`, by transfer id. */
  inTransitSince(communityId: string, atOrBefore: string, page: KeyPage): Promise<InTransitRow[]>;
  /** Transfers still `requested` (nothing debited yet) last touched at or before `atOrBefore`, with no debit in transit, by transfer id. */
  requestedTransfersIdle(communityId: string, atOrBefore: string, page: KeyPage): Promise<TransferRow[]>;
  /** Sums over the community-local days [from, to]. */
  reportTotals(communityId: string, from: string, to: string): Promise<ReportTotals>;
  /** Members by approved hours over service dates [from, to], most first (ties by member id), only positive totals. */
  leaderboard(communityId: string, from: string, to: string, limit: number): Promise<Array<{ memberId: string; hours: bigint }>>;
  /** Every account of the community's trial balance, sorted by account, in hundredths. */
  trialBalance(communityId: string): Promise<Array<{ account: string; balance: bigint }>>;
  process(kind: ProcessKind, communityId: string, processId: string): Promise<ProcessRow | null>;
  /** Processes of one kind in the order they began (seq), filtered. */
  processes(kind: ProcessKind, communityId: string, filter: ProcessFilter, page: { readonly afterSeq?: number; readonly limit: number }): Promise<ProcessRow[]>;
  /** The activities a member signed up for (or walked in to), in publishing order. */
  activityMembers(communityId: string, memberId: string, page: { readonly afterSeq?: number; readonly limit: number }): Promise<ActivityMemberRow[]>;
}

export interface ProjectionStore extends ProjectionQueries {
  /** Where folding stopped; null for an empty projection. */
  readCheckpoint(): Promise<ProjectionCheckpoint | null>;
  streamRefs(streamNames: readonly string[]): Promise<StreamRef[]>;
  load(keys: RowKeys): Promise<LoadedRows>;
  /**
   * Writes `changes` and `checkpoint` in one transaction (all or nothing), if the stored checkpoint is
   * still at `previous` (null: empty); otherwise writes nothing and throws `ProjectionCheckpointMoved`.
   * So two processes folding into one file (a service and `ledger rebuild`) never interleave batches.
   */
  commit(changes: RowChanges, checkpoint: ProjectionCheckpoint, previous: bigint | null): Promise<void>;
  /** Drops every row and the checkpoint: the next fold starts from the beginning of the store. */
  reset(): Promise<void>;
  close(): Promise<void>;
}
