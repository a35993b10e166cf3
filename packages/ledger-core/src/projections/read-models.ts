/**
 * Read models (DESIGN §7), fed from the store's global order and kept in a projection store: balances must
 * not cost a replay per request, and a service's memory must not grow with history. `ReadModels` reads
 * the global order in pages, folds each page into row changes (`fold.ts`) and commits them with the new
 * checkpoint in one transaction; after a restart it catches up from that checkpoint. Rows a fold reads
 * are cached up to `maxCacheWeight`; queries always read the projection store.
 *
 * Without a projection store it keeps its rows in memory (`InMemoryProjectionStore`): the same code, for
 * tests and embedders whose history is small; a service gives it a SQLite one.
 */
import { systemAccounts } from '../accounting.js';
import type { CommunityState } from '../community/decider.js';
import type { DomainError } from '../errors.js';
import { donationPoolId } from '../ids.js';
import { ok, type Result } from '../result.js';
import type { EventStore, RecordedEvent, Subscription } from '../store/port.js';
import { calendarDateIn } from '../time.js';
import { maskIdNumber, type ProfileVault } from '../vault.js';
import { cacheKey, type EntryKind, FoldBatch, type Held, keyOf, keysOf } from './fold.js';
import { InMemoryProjectionStore } from './in-memory-store.js';
import { WeightedLru } from './lru.js';
import {
  type ProcessFilter,
  type ProcessKind,
  type ProcessRow,
  type ProjectionCheckpoint,
  ProjectionCheckpointMoved,
  type ProjectionStore,
  projectionVersion,
  type StatementOrder,
  type StreamRef,
} from './port.js';
import {
  type ActivityView,
  activityView,
  type AttendeeView,
  attendeeView,
  attendeesOf,
  type MemberActivityView,
  type ServiceRequestView,
  serviceRequestView,
  type WishView,
  wishView,
} from './process-views.js';
import {
  type AccountEntry,
  type CommunityEntry,
  decodeAccount,
  decodeActivity,
  decodeCommunity,
  decodeItem,
  decodeRecord,
  decodeRedemption,
  decodeServiceRequest,
  decodeTransfer,
  decodeWish,
  fromHundredths,
  type ItemEntry,
  type RecordEntry,
  type RedemptionEntry,
  type TransferEntry,
} from './rows.js';
import {
  type AccountView,
  accountView,
  type CatalogueItemView,
  catalogueItemView,
  type CommunityReport,
  communityReport,
  outstandingAtMonthEnds,
  decodeStatementCursor,
  defaultStatementPageSize,
  encodeStatementCursor,
  type LeaderboardRow,
  maxLeaderboardRows,
  maxStatementPageSize,
  type RecordView,
  recordView,
  type RedemptionView,
  redemptionView,
  type StatementPage,
  statementEntry,
  type TransferView,
  transferView,
  type TrialBalanceView,
  trialBalanceView,
} from './views.js';

/**
 * Events read from the global order and folded per transaction. A commit's cost is the pages it dirties,
 * and members are spread over the whole file, so larger batches fold faster — on the shared development
 * VM, folding the 25,500 events after a 1M-event projection ran ≈ 1.6× faster in batches of 5,000 — but
 * the process then held ≈ 50 MB more at its peak (a batch's events and rows are in memory at once).
 * Memory is the bound this projection promises, so the default stays at 1,000; `pageSize` trades it.
 */
export const catchUpPageSize = 1_000;
/**
 * Default bound of the fold's row cache, in characters of encoded rows. It spares a batch reading, decoding
 * (and the store re-reading pages for) the rows of members it saw lately. An account row holds every lot
 * the member still has, so it grows with their history: ~2,300 characters at 25 lots, and 500,000 held
 * ~200 such accounts, fewer than a batch of 1,000 events touches in a community of 1,000 members. At
 * 2,000,000, folding 76k events of that community from scratch took ~20% less CPU (≈ 100 → 80 µs an
 * event, shared development VM, alternating runs), and the heap after the rebuild held ~6 MB more
 * (≈ 4 bytes of heap per character of weight).
 */
export const defaultMaxCacheWeight = 2_000_000;
/** What a cached stream ref weighs beside its name: small, so refs crowd nothing else out. */
const refWeight = 64;
/** Account views kept for reads of unchanged accounts (`ReadModels.account`): a few hundred bytes each. */
export const maxCachedAccountViews = 10_000;
/** Rows read per page by queries that walk a whole community (exports, jobs, verification). */
export const queryPageSize = 500;
/** Most rows a list query returns in one answer (a member's records, a community's redemptions). */
export const maxListRows = 10_000;
/** How often `waitFor` looks at the store again while the position it waits for has not been appended. */
export const waitPollMs = 50;

/** Most activities or requests in each list of an organiser's queue. */
export const maxQueueRows = 200;

/** Statuses (an activity's stages) of a process whose phase was started and not finished: the recovery pass carries it on. */
const unfinishedStatuses: Record<ProcessKind, readonly string[]> = {
  activity: ['closing', 'approving'],
  'service-request': ['posting', 'confirming', 'ending'],
  wish: ['claiming', 'fulfilling', 'cancelling'],
};

/** A page of a list in seq order: `nextAfterSeq` continues it, null when this was the last page. */
export interface Page<T> {
  readonly items: T[];
  readonly nextAfterSeq: number | null;
}

export interface OrganiserQueue {
  readonly activitiesToClose: ActivityView[];
  readonly activitiesToApprove: ActivityView[];
  readonly requestsToDispatch: ServiceRequestView[];
}

export interface ReadModelsOptions {
  /** Where the rows live; an `InMemoryProjectionStore` when not given. */
  readonly projections?: ProjectionStore;
  /** See `defaultMaxCacheWeight`. */
  readonly maxCacheWeight?: number;
  /** See `catchUpPageSize`. */
  readonly pageSize?: number;
  /** Called after each committed batch with the events folded so far (progress of a long rebuild). */
  readonly onFolded?: (eventsFolded: number) => void;
  /**
   * Whether every event read from the store is checked against its schema before it is folded (default
   * true). Pass false only for a store this ledger's own typed deciders write (as `Ledger`'s option of the
   * same name): events at the current schema version are then folded as stored, older ones are still
   * lifted and checked. Checking cost ~20 µs an event, a sixth of the fold.
   */
  readonly validateStoredEvents?: boolean;
}

type Entry = StreamRef | CommunityEntry | AccountEntry | RecordEntry | ItemEntry | RedemptionEntry | TransferEntry;

export class ReadModels {
  readonly projections: ProjectionStore;
  private readonly cache: WeightedLru<Entry>;
  private readonly pageSize: number;
  private readonly onFolded: (eventsFolded: number) => void;
  private readonly validateStoredEvents: boolean;
  private position: bigint | null = null;
  private folded = 0;
  private opened = false;
  private subscription: Subscription | null = null;
  private following: Promise<void> | null = null;
  /** Serialises catch-up, live folding and rebuilds, so no event is folded twice. */
  private busy: Promise<unknown> = Promise.resolve();
  private waiters: Array<() => void> = [];
  private readonly accountViews = new WeightedLru<KeptAccountView>(maxCachedAccountViews);

  constructor(
    private readonly store: EventStore,
    options: ReadModelsOptions = {},
  ) {
    this.projections = options.projections ?? new InMemoryProjectionStore();
    this.cache = new WeightedLru(options.maxCacheWeight ?? defaultMaxCacheWeight);
    this.pageSize = options.pageSize ?? catchUpPageSize;
    this.onFolded = options.onFolded ?? (() => undefined);
    this.validateStoredEvents = options.validateStoredEvents ?? true;
  }

  /** Reads the checkpoint (a projection folded by another version is dropped and rebuilt), then catches up. */
  async open(): Promise<this> {
    await this.catchUp();
    return this;
  }

  /** The global position folded last; null before any event. */
  get checkpoint(): bigint | null {
    return this.position;
  }

  get eventsFolded(): number {
    return this.folded;
  }

  /** Rows held by the fold's cache and their weight (bounded by `maxCacheWeight`). */
  cacheStats(): { entries: number; weight: number; maxWeight: number } {
    return { entries: this.cache.size, weight: this.cache.weight, maxWeight: this.cache.maxWeight };
  }

  /** Folds everything appended since the checkpoint, a page per transaction; returns how many events. Safe to call concurrently. */
  catchUp(): Promise<number> {
    return this.exclusive(() => this.catchUpUnlocked());
  }

  /** Starts folding live events as they are appended (after catching up); events that arrive together fold together. */
  follow(onError: (error: unknown) => void = () => undefined): void {
    if (this.subscription) return;
    const subscription = this.store.subscribeToAll(this.position === null ? {} : { after: this.position });
    this.subscription = subscription;
    let failed = false;
    const fail = (error: unknown) => {
      if (failed || this.subscription !== subscription) return;
      failed = true;
      onError(error);
      void this.stop();
    };
    this.following = (async () => {
      let pending: RecordedEvent[] = [];
      let scheduled: Promise<void> | null = null;
      const flush = async () => {
        scheduled = null;
        const batch = pending;
        pending = [];
        if (batch.length === 0) return;
        await this.exclusive(async () => {
          // After another writer moved the checkpoint, live events may lie past a gap: read the store instead.
          if ((await this.applyUnlocked(batch)) === null) await this.catchUpUnlocked();
        });
      };
      try {
        for await (const event of subscription) {
          if (failed) return;
          pending.push(event);
          if (pending.length >= this.pageSize) await flush();
          // Events delivered in one turn (a page of the subscription) join one transaction.
          else scheduled ??= new Promise<void>((resolve) => setTimeout(resolve, 0)).then(flush).catch(fail);
        }
        await scheduled;
      } catch (error) {
        fail(error);
      }
    })();
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.close();
    if (subscription) await this.following;
    await this.busy;
  }

  /** Drops every row and folds the whole store again; returns how many events. */
  async rebuild(): Promise<number> {
    await this.exclusive(async () => {
      await this.projections.reset();
      this.cache.clear();
      this.position = null;
      this.folded = 0;
      this.opened = true;
    });
    return this.catchUp();
  }

  /**
   * Resolves true once the checkpoint is at or past `position` (read your writes across instances),
   * catching up from the store meanwhile; false if that has not happened within `timeoutMs`.
   */
  async waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    const reached = () => this.position !== null && this.position >= position;
    const deadline = Date.now() + timeoutMs;
    while (!reached()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      // A catch-up already running (a long one, after a restart) may outlast the wait: the wait ends on time.
      // A failing catch-up is not this read's to report: it waits, then is told the position was not reached.
      await this.wake(this.catchUp(), left);
      if (reached()) return true;
      // Not in the store yet (another instance's write still on its way): wait for a fold or a short while.
      await this.wake(null, Math.min(left, waitPollMs));
    }
    return true;
  }

  /** Resolves when `work` settles, a batch is folded, or `ms` pass, whichever comes first. */
  private wake(work: Promise<unknown> | null, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        const index = this.waiters.indexOf(done);
        if (index >= 0) this.waiters.splice(index, 1);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.push(done);
      work?.then(done, done);
    });
  }

  // ── Folding ─────────────────────────────────────────────────────────────────────────────────────────

  private exclusive<T>(run: () => Promise<T>): Promise<T> {
    const result = this.busy.then(run);
    this.busy = result.catch(() => undefined);
    return result;
  }

  private async openUnlocked(): Promise<void> {
    const checkpoint = await this.projections.readCheckpoint();
    if (checkpoint && checkpoint.version !== projectionVersion) await this.projections.reset();
    const current = checkpoint?.version === projectionVersion ? checkpoint : null;
    this.position = current?.position ?? null;
    this.folded = current?.eventsFolded ?? 0;
    this.opened = true;
  }

  private async catchUpUnlocked(): Promise<number> {
    if (!this.opened) await this.openUnlocked();
    let total = 0;
    for (;;) {
      const page = await this.store.readAll({ ...(this.position === null ? {} : { after: this.position }), maxCount: this.pageSize });
      const folded = await this.applyUnlocked(page);
      if (folded === null) continue;
      total += folded;
      if (page.length < this.pageSize) return total;
      // A long catch-up must not hold the event loop: requests are answered between batches (each batch is
      // committed, so what they read is consistent).
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }
  }

  /**
   * Folds `events` (skipping any at or before the checkpoint) and commits them with the new checkpoint;
   * returns how many were folded, or null when another process had moved the checkpoint (then nothing
   * was folded and the checkpoint is now theirs: read the store again from it).
   */
  private async applyUnlocked(events: readonly RecordedEvent[]): Promise<number | null> {
    const fresh = this.position === null ? events : events.filter((e) => e.position > this.position!);
    if (fresh.length === 0) return 0;
    const batch = new FoldBatch(this.folded, this.validateStoredEvents);
    try {
      await this.fill(batch, fresh);
      for (const event of fresh) batch.fold(event);
      const checkpoint: ProjectionCheckpoint = { position: fresh.at(-1)!.position, eventsFolded: batch.folded, version: projectionVersion };
      const changes = batch.changes();
      await this.projections.commit(changes, checkpoint, this.position);
      this.remember(batch, changes);
      this.position = checkpoint.position;
      this.folded = checkpoint.eventsFolded;
    } catch (fault) {
      // Cached entries may have been changed by a fold that never committed.
      this.cache.clear();
      if (!(fault instanceof ProjectionCheckpointMoved)) throw fault;
      // Another process folded into the same projection (`ledger rebuild` beside a running service):
      // take its checkpoint and read the store from there, rather than fold what follows a gap.
      await this.openUnlocked();
      return null;
    }
    for (const wake of [...this.waiters]) wake();
    this.onFolded(this.folded);
    return fresh.length;
  }

  /** Puts into `batch` every row its events read: from the cache, else from the projection store. */
  private async fill(batch: FoldBatch, events: readonly RecordedEvent[]): Promise<void> {
    const unknown: string[] = [];
    for (const name of new Set(events.map((e) => e.streamName))) {
      const ref = this.cache.get(cacheKey('ref', name)) as StreamRef | undefined;
      if (ref) batch.refs.set(name, ref);
      else unknown.push(name);
    }
    if (unknown.length > 0) for (const ref of await this.projections.streamRefs(unknown)) batch.refs.set(ref.streamName, ref);
    batch.establishRefs(events);
    const keys = keysOf(events, batch.refs);

    const cached = <T>(kind: EntryKind, key: string, into: Map<string, Held<T>>): boolean => {
      const found = this.cache.entry(cacheKey(kind, key));
      if (found) into.set(key, { entry: found.value as T, dirty: false, weight: found.weight });
      return found !== undefined;
    };
    const loaded = await this.projections.load({
      communities: keys.communities.filter((c) => !cached('community', c, batch.communities)),
      accounts: keys.accounts.filter((k) => !cached('account', keyOf(k.communityId, k.memberId), batch.accounts)),
      // Records are read by few events, mostly in the batch that recorded them: they are not cached.
      records: keys.records,
      items: keys.items.filter((k) => !cached('item', keyOf(k.communityId, k.itemId), batch.items)),
      redemptions: keys.redemptions.filter((k) => !cached('redemption', keyOf(k.communityId, k.redemptionId), batch.redemptions)),
      transfers: keys.transfers.filter((k) => !cached('transfer', keyOf(k.communityId, k.transferId), batch.transfers)),
      // Activities, requests and wishes are read from the store each batch (an activity's row grows with its
      // seats, and the same one is seldom in two batches but at its busiest moments).
      processes: keys.processes,
    });
    // Rows (and cached entries) belong to the checkpoint this process left; another writer may have moved it.
    if (loaded.checkpoint !== this.position) throw new ProjectionCheckpointMoved(this.position, loaded.checkpoint);
    const read = <T>(entry: T, payload: string): Held<T> => ({ entry, dirty: false, weight: payload.length });
    for (const row of loaded.communities) batch.communities.set(row.communityId, read(decodeCommunity(row), row.payload));
    for (const row of loaded.accounts) batch.accounts.set(keyOf(row.communityId, row.memberId), read(decodeAccount(row), row.payload));
    for (const row of loaded.records) batch.records.set(keyOf(row.communityId, row.memberId, row.recordId), read(decodeRecord(row), row.payload));
    for (const row of loaded.items) batch.items.set(keyOf(row.communityId, row.itemId), read(decodeItem(row), row.payload));
    for (const row of loaded.redemptions) batch.redemptions.set(keyOf(row.communityId, row.redemptionId), read(decodeRedemption(row), row.payload));
    for (const row of loaded.transfers) batch.transfers.set(keyOf(row.communityId, row.transferId), read(decodeTransfer(row), row.payload));
    for (const row of loaded.processes) {
      const key = keyOf(row.communityId, row.processId);
      if (row.kind === 'activity') batch.activities.set(key, read(decodeActivity(row), row.payload));
      else if (row.kind === 'service-request') batch.serviceRequests.set(key, read(decodeServiceRequest(row), row.payload));
      else batch.wishes.set(key, read(decodeWish(row), row.payload));
    }
  }

  /** Keeps what the batch read and wrote in the cache, weighed by its encoded rows (as written, or as read). */
  private remember(batch: FoldBatch, changes: ReturnType<FoldBatch['changes']>): void {
    for (const ref of batch.refs.values()) this.cache.set(cacheKey('ref', ref.streamName), ref, refWeight + ref.streamName.length);
    const written = new Map<string, number>();
    for (const row of changes.communities) written.set(cacheKey('community', row.communityId), row.payload.length);
    for (const row of changes.accounts) written.set(cacheKey('account', keyOf(row.communityId, row.memberId)), row.payload.length);
    for (const row of changes.items) written.set(cacheKey('item', keyOf(row.communityId, row.itemId)), row.payload.length);
    for (const row of changes.redemptions) written.set(cacheKey('redemption', keyOf(row.communityId, row.redemptionId)), row.payload.length);
    for (const row of changes.transfers) written.set(cacheKey('transfer', keyOf(row.communityId, row.transferId)), row.payload.length);
    const keep = <T>(kind: EntryKind, held: Map<string, Held<T>>) => {
      for (const [key, h] of held) {
        const k = cacheKey(kind, key);
        const weight = written.get(k) ?? h.weight;
        // An entry neither read nor written (a community no community event has named yet) is not kept.
        if (weight !== undefined) this.cache.set(k, h.entry as Entry, weight);
      }
    };
    keep('community', batch.communities);
    keep('account', batch.accounts);
    keep('item', batch.items);
    keep('redemption', batch.redemptions);
    keep('transfer', batch.transfers);
  }

  // ── Queries ─────────────────────────────────────────────────────────────────────────────────────────

  communityIds(): Promise<string[]> {
    return this.projections.communityIds();
  }

  /** The community's set-up as folded (name, time zone, policies, categories, organisers); null if unknown. */
  async community(communityId: string): Promise<CommunityState | null> {
    const row = await this.projections.community(communityId);
    return row ? decodeCommunity(row).state : null;
  }

  /** The member's folded account (state without history, revision, sealed profile); null if unknown. */
  async member(communityId: string, memberId: string): Promise<AccountEntry | null> {
    const row = await this.projections.account(communityId, memberId);
    return row ? decodeAccount(row) : null;
  }

  /**
   * The account as its owner reads it at `asOf`. The view of an unchanged row is kept (up to
   * `maxCachedAccountViews`) and given again, frozen, while `asOf` crosses none of its lots' unlock or
   * expiry instants (the only times it depends on). While nothing was folded since (the checkpoint is
   * where it was), the row is not read again at all; after a fold it is read and compared: an account
   * read costs no decode and no rebuild of the view unless the account changed.
   */
  async account(communityId: string, memberId: string, asOf: Date): Promise<AccountView | null> {
    const key = `${communityId}\u0000${memberId}`;
    const at = asOf.toISOString();
    const kept = this.accountViews.get(key);
    const inTime = kept !== undefined && kept.builtAt <= at && (kept.validBefore === null || at < kept.validBefore);
    // Taken before the row is read: a fold that commits meanwhile leaves the entry behind its checkpoint.
    const position = this.position;
    if (inTime && kept.position === position && position !== null) return kept.view;
    const row = await this.projections.account(communityId, memberId);
    if (!row) return null;
    if (inTime && kept.payload === row.payload && kept.revision === row.revision) {
      this.accountViews.set(key, { ...kept, position }, 1);
      return kept.view;
    }
    const member = decodeAccount(row);
    const view = deepFreeze(accountView(member, asOf));
    this.accountViews.set(key, { payload: row.payload, revision: row.revision, position, builtAt: at, validBefore: nextInstantAfter(member, at), view }, 1);
    return view;
  }

  /** Accounts of a community by member id, a page at a time (`after`: the last member id of the previous page). */
  async members(communityId: string, page: { after?: string; limit?: number } = {}): Promise<AccountEntry[]> {
    const rows = await this.projections.accounts(communityId, { ...(page.after === undefined ? {} : { after: page.after }), limit: clamp(page.limit ?? queryPageSize, 1, queryPageSize) });
    return rows.map(decodeAccount);
  }

  /**
   * A page of the member's statement: newest first unless `order` is 'oldest'. `cursor` is the previous
   * page's `nextCursor`; a malformed cursor, or one from the other order, is a validation error.
   */
  async statement(
    communityId: string,
    memberId: string,
    options: { order?: StatementOrder; cursor?: string; limit?: number } = {},
  ): Promise<Result<StatementPage | null, DomainError>> {
    const order = options.order ?? 'newest';
    let cursorSeq: number | undefined;
    if (options.cursor !== undefined) {
      const decoded = decodeStatementCursor(options.cursor, order);
      if (!decoded.ok) return decoded;
      cursorSeq = decoded.value;
    }
    if (!(await this.projections.account(communityId, memberId))) return ok(null);
    const limit = clamp(options.limit ?? defaultStatementPageSize, 1, maxStatementPageSize);
    // One line more than asked says whether there is a next page.
    const lines = await this.projections.statementLines(communityId, memberId, { order, limit: limit + 1, ...(cursorSeq === undefined ? {} : { cursorSeq }) });
    const entries = lines.slice(0, limit).map(statementEntry);
    const last = entries.at(-1);
    return ok({ order, entries, nextCursor: lines.length > limit && last ? encodeStatementCursor(order, last.seq) : null });
  }

  /** Service records in recording order, by member and/or status (at most `maxListRows`). */
  async serviceRecords(communityId: string, filter: { memberId?: string; status?: string } = {}): Promise<RecordView[]> {
    return (await this.recordEntries(communityId, filter)).map(recordView);
  }

  async catalogue(communityId: string, options: { includeDelisted?: boolean } = {}): Promise<CatalogueItemView[]> {
    return (await this.projections.items(communityId, { includeDelisted: options.includeDelisted ?? false })).map((row) => catalogueItemView(decodeItem(row)));
  }

  async redemption(communityId: string, redemptionId: string): Promise<RedemptionView | null> {
    const row = await this.projections.redemption(communityId, redemptionId);
    return row ? redemptionView(decodeRedemption(row)) : null;
  }

  /** Redemptions in request order (at most `maxListRows`). */
  async redemptions(communityId: string, filter: { status?: string; memberId?: string } = {}): Promise<RedemptionView[]> {
    return (await this.projections.redemptions(communityId, filter, { limit: maxListRows })).map((row) => redemptionView(decodeRedemption(row)));
  }

  /** Transfers in request order, from or to `memberId` when given (at most `maxListRows`). */
  async transfers(communityId: string, filter: { memberId?: string } = {}): Promise<TransferView[]> {
    return (await this.projections.transfers(communityId, filter, { limit: maxListRows })).map((row) => transferView(decodeTransfer(row)));
  }

  /** Community report for the calendar days [from, to] in the community's time zone; null if unknown. */
  async communityReport(communityId: string, from: string, to: string): Promise<CommunityReport | null> {
    const community = await this.community(communityId);
    if (!community) return null;
    const [totals, outstanding, pool] = await Promise.all([
      this.projections.reportTotals(communityId, from, to),
      this.projections.outstanding(communityId),
      this.projections.account(communityId, donationPoolId),
    ]);
    return communityReport(community, from, to, totals, { outstanding, donationPool: pool?.balance ?? '0.00' });
  }

  /** Points outstanding at the end of each month (YYYY-MM, community-local) asked for; see `outstandingAtMonthEnds`. */
  async outstandingAtMonthEnds(communityId: string, months: readonly string[]): Promise<Array<{ month: string; outstanding: string }>> {
    return outstandingAtMonthEnds(await this.projections.outstandingByMonth(communityId), months);
  }

  /** Most approved hours over service dates [from, to]. */
  async leaderboard(communityId: string, from: string, to: string, limit = 10): Promise<LeaderboardRow[]> {
    const rows = await this.projections.leaderboard(communityId, from, to, clamp(limit, 1, maxLeaderboardRows));
    return rows.map((row, i) => ({ rank: i + 1, memberId: row.memberId, hours: fromHundredths(row.hours) }));
  }

  /** Every account with its balance, system accounts always listed; null if the community is unknown. */
  async trialBalance(communityId: string): Promise<TrialBalanceView | null> {
    if (!(await this.projections.community(communityId))) return null;
    const rows = await this.projections.trialBalance(communityId);
    const listed = new Set(rows.map((r) => r.account));
    const all = [...rows, ...systemAccounts.filter((a) => !listed.has(a)).map((account) => ({ account, balance: 0n }))];
    all.sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
    return trialBalanceView(communityId, all);
  }

  /** 志愿服务记录证明: the data of a member's service certificate, ID number masked; null if unknown. */
  async certificate(communityId: string, memberId: string, vault: ProfileVault, asOf: Date) {
    const [community, member] = await Promise.all([this.community(communityId), this.member(communityId, memberId)]);
    if (!community || !member) return null;
    const s = member.state;
    const profile = member.sealedProfile && !s.profileErased ? await vault.open(communityId, memberId, member.sealedProfile) : null;
    const records = (await this.recordEntries(communityId, { memberId, status: 'approved' }))
      .map((r) => ({
        recordId: r.state.recordId,
        serviceDate: r.state.serviceDate,
        category: r.state.category,
        hours: r.state.hoursApproved.toString(),
        // 信用时长 were measured by check-in and check-out; 荣誉时长 were typed in (reported, or a request's).
        hoursKind: r.state.kind === 'checked-in' ? ('credit' as const) : ('honour' as const),
      }))
      .sort((a, b) => (a.serviceDate < b.serviceDate ? -1 : a.serviceDate > b.serviceDate ? 1 : 0));
    const hoursOf = (kind: 'credit' | 'honour') => fromHundredths(records.filter((r) => r.hoursKind === kind).reduce((sum, r) => sum + hundredthsOf(r.hours), 0n));
    return {
      certificateNumber: `VSC-${communityId}-${memberId}-${member.revision}`,
      issuedOn: calendarDateIn(asOf, community.timeZone),
      issuingCommunity: { communityId, name: community.name },
      member: { memberId, name: profile?.name ?? null, idNumberMasked: profile?.idNumber ? maskIdNumber(profile.idNumber) : null },
      approvedHours: s.hoursTotal.toString(),
      creditHours: hoursOf('credit'),
      honourHours: hoursOf('honour'),
      level: s.level,
      records,
    };
  }

  // ── Activities, service requests, micro-wishes ──────────────────────────────────────────────────────

  async activity(communityId: string, activityId: string): Promise<ActivityView | null> {
    const entry = await this.activityEntry(communityId, activityId);
    return entry ? activityView(entry) : null;
  }

  /** Everyone with a seat, waiting or checked in at an activity (for its organisers); null if unknown. */
  async activityAttendees(communityId: string, activityId: string): Promise<AttendeeView[] | null> {
    const entry = await this.activityEntry(communityId, activityId);
    return entry ? attendeesOf(entry.state) : null;
  }

  /** Where one member stands with one activity; null if the activity is unknown. */
  async activityAttendee(communityId: string, activityId: string, memberId: string): Promise<AttendeeView | null> {
    const entry = await this.activityEntry(communityId, activityId);
    return entry ? attendeeView(entry.state, memberId) : null;
  }

  /** Published activities that have not ended at `now` (with a seat free, when asked), in publishing order, a page at a time. */
  async openActivities(communityId: string, now: Date, options: { withSeatsLeft?: boolean; afterSeq?: number; limit?: number } = {}): Promise<Page<ActivityView>> {
    const filter = { statuses: ['published'], dueAfter: now.toISOString(), ...(options.withSeatsLeft ? { withSeatsLeft: true } : {}) };
    return this.processPage('activity', communityId, filter, options, (row) => activityView(decodeActivity(row)));
  }

  /** Every activity in publishing order, by stage (published, cancelled, closing, closed, approving, approved), a page at a time. */
  async activities(communityId: string, filter: { status?: string } = {}, options: { afterSeq?: number; limit?: number } = {}): Promise<Page<ActivityView>> {
    return this.processPage('activity', communityId, filter.status ? { statuses: [filter.status] } : {}, options, (row) => activityView(decodeActivity(row)));
  }

  /** The activities a member signed up for or walked in to, and where they stand with each, in publishing order. */
  async memberActivities(communityId: string, memberId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<Page<MemberActivityView>> {
    const limit = clamp(options.limit ?? queryPageSize, 1, queryPageSize);
    const rows = await this.projections.activityMembers(communityId, memberId, { limit, ...(options.afterSeq === undefined ? {} : { afterSeq: options.afterSeq }) });
    const items: MemberActivityView[] = [];
    for (const row of rows) {
      const entry = await this.activityEntry(communityId, row.activityId);
      if (entry) items.push({ activity: activityView(entry), attendance: attendeeView(entry.state, memberId) });
    }
    return { items, nextAfterSeq: rows.length === limit ? rows.at(-1)!.seq : null };
  }

  /**
   * An organiser's queue at `now`: activities that started and are not closed, closed ones whose attendance
   * awaits approval (of the organiser's own activities when `organiserId` is given), and open requests to dispatch.
   * Each list holds at most `maxQueueRows`, oldest first.
   */
  async organiserQueue(communityId: string, now: Date, organiserId?: string): Promise<OrganiserQueue> {
    const instant = now.toISOString();
    const mine = (view: ActivityView) => organiserId === undefined || view.organisers.includes(organiserId);
    const activities = async (filter: ProcessFilter) => {
      const found: ActivityView[] = [];
      for (let afterSeq: number | undefined; found.length < maxQueueRows; ) {
        const rows = await this.projections.processes('activity', communityId, filter, { limit: queryPageSize, ...(afterSeq === undefined ? {} : { afterSeq }) });
        found.push(...rows.map((row) => activityView(decodeActivity(row))).filter(mine));
        if (rows.length < queryPageSize) break;
        afterSeq = rows.at(-1)!.seq;
      }
      return found.slice(0, maxQueueRows);
    };
    const requests = await this.projections.processes('service-request', communityId, { statuses: ['open'], dueAfter: instant }, { limit: maxQueueRows });
    return {
      activitiesToClose: await activities({ statuses: ['published'], startsAtOrBefore: instant }),
      activitiesToApprove: await activities({ statuses: ['closed'] }),
      requestsToDispatch: requests.map((row) => serviceRequestView(decodeServiceRequest(row))),
    };
  }

  async serviceRequest(communityId: string, requestId: string): Promise<ServiceRequestView | null> {
    const row = await this.projections.process('service-request', communityId, requestId);
    return row ? serviceRequestView(decodeServiceRequest(row)) : null;
  }

  /** Service requests in posting order, by status and/or party (requester or volunteer), a page at a time. */
  async serviceRequests(communityId: string, filter: { status?: string; memberId?: string } = {}, options: { afterSeq?: number; limit?: number } = {}): Promise<Page<ServiceRequestView>> {
    const where: ProcessFilter = { ...(filter.status ? { statuses: [filter.status] } : {}), ...(filter.memberId ? { party: filter.memberId } : {}) };
    return this.processPage('service-request', communityId, where, options, (row) => serviceRequestView(decodeServiceRequest(row)));
  }

  /** Requests open for a volunteer to take at `now` (not lapsed), in posting order. */
  async openServiceRequests(communityId: string, now: Date, options: { afterSeq?: number; limit?: number } = {}): Promise<Page<ServiceRequestView>> {
    return this.processPage('service-request', communityId, { statuses: ['open'], dueAfter: now.toISOString() }, options, (row) => serviceRequestView(decodeServiceRequest(row)));
  }

  async wish(communityId: string, wishId: string): Promise<WishView | null> {
    const row = await this.projections.process('wish', communityId, wishId);
    return row ? wishView(decodeWish(row)) : null;
  }

  /** Micro-wishes in posting order, by status (`posted`: open for a claim), a page at a time. */
  async wishes(communityId: string, filter: { status?: string } = {}, options: { afterSeq?: number; limit?: number } = {}): Promise<Page<WishView>> {
    return this.processPage('wish', communityId, filter.status ? { statuses: [filter.status] } : {}, options, (row) => wishView(decodeWish(row)));
  }

  private async activityEntry(communityId: string, activityId: string) {
    const row = await this.projections.process('activity', communityId, activityId);
    return row ? decodeActivity(row) : null;
  }

  private async processPage<T>(
    kind: ProcessKind,
    communityId: string,
    filter: ProcessFilter,
    options: { afterSeq?: number; limit?: number },
    view: (row: ProcessRow) => T,
  ): Promise<Page<T>> {
    const limit = clamp(options.limit ?? queryPageSize, 1, queryPageSize);
    const rows = await this.projections.processes(kind, communityId, filter, { limit, ...(options.afterSeq === undefined ? {} : { afterSeq: options.afterSeq }) });
    return { items: rows.map(view), nextAfterSeq: rows.length === limit ? rows.at(-1)!.seq : null };
  }

  // ── For the jobs ────────────────────────────────────────────────────────────────────────────────────

  /** Redemptions still held whose hold lapsed at or before `asOf`, a page at a time by redemption id. */
  async heldRedemptionsPastExpiry(communityId: string, asOf: Date, page: { after?: string } = {}): Promise<RedemptionView[]> {
    const rows = await this.projections.redemptionsDue(communityId, { statuses: ['held'], field: 'expiresAt', atOrBefore: asOf.toISOString() }, { ...page, limit: queryPageSize });
    return rows.map((row) => redemptionView(decodeRedemption(row)));
  }

  /** Members with lots whose free points are past expiry at `asOf`: what an expiry run must visit, a page at a time. */
  async membersWithExpiredLots(communityId: string, asOf: Date, page: { after?: string } = {}): Promise<string[]> {
    const rows = await this.projections.accountsWithExpiryDue(communityId, asOf.toISOString(), { ...page, limit: queryPageSize });
    return rows.map((row) => row.memberId);
  }

  /** Redemptions in the middle of a phase (requested, fulfilling, cancelling) and not touched since `cutoff`, a page at a time. */
  async unfinishedRedemptions(communityId: string, cutoff: Date, page: { after?: string } = {}): Promise<RedemptionView[]> {
    const rows = await this.projections.redemptionsDue(
      communityId,
      { statuses: ['requested', 'fulfilling', 'cancelling'], field: 'updatedAt', atOrBefore: cutoff.toISOString() },
      { ...page, limit: queryPageSize },
    );
    return rows.map((row) => redemptionView(decodeRedemption(row)));
  }

  /**
   * Transfers a crash may have left half done, not touched since `cutoff`, by transfer id: debits in transit
   * and transfers still `requested`, with the sender and recipient recovery needs.
   */
  async unfinishedTransfers(communityId: string, cutoff: Date): Promise<Array<{ transferId: string; from: string; to: string }>> {
    const atOrBefore = cutoff.toISOString();
    const found = new Map<string, { transferId: string; from: string; to: string }>();
    for (let after: string | undefined; ; ) {
      const page = await this.projections.inTransitSince(communityId, atOrBefore, { ...(after === undefined ? {} : { after }), limit: queryPageSize });
      for (const t of page) found.set(t.transferId, { transferId: t.transferId, from: t.fromId, to: t.toId });
      if (page.length < queryPageSize) break;
      after = page.at(-1)!.transferId;
    }
    for (let after: string | undefined; ; ) {
      const page = await this.projections.requestedTransfersIdle(communityId, atOrBefore, { ...(after === undefined ? {} : { after }), limit: queryPageSize });
      for (const t of page) found.set(t.transferId, { transferId: t.transferId, from: t.fromId, to: t.toId });
      if (page.length < queryPageSize) break;
      after = page.at(-1)!.transferId;
    }
    return [...found.values()].sort((a, b) => (a.transferId < b.transferId ? -1 : 1));
  }

  /** Activities, requests or wishes in the middle of a phase not touched since `cutoff` (the recovery pass), a page at a time by seq. */
  async unfinishedProcesses(kind: ProcessKind, communityId: string, cutoff: Date, page: { afterSeq?: number } = {}): Promise<Array<{ processId: string; seq: number }>> {
    const rows = await this.projections.processes(kind, communityId, { statuses: unfinishedStatuses[kind], updatedAtOrBefore: cutoff.toISOString() }, { ...page, limit: queryPageSize });
    return rows.map((row) => ({ processId: row.processId, seq: row.seq }));
  }

  /** Service requests nobody served whose expiry is at or before `asOf` (open or assigned), a page at a time by seq. */
  async serviceRequestsPastExpiry(communityId: string, asOf: Date, page: { afterSeq?: number } = {}): Promise<Array<{ processId: string; seq: number }>> {
    const rows = await this.projections.processes('service-request', communityId, { statuses: ['open', 'assigned'], dueAtOrBefore: asOf.toISOString() }, { ...page, limit: queryPageSize });
    return rows.map((row) => ({ processId: row.processId, seq: row.seq }));
  }

  private async recordEntries(communityId: string, filter: { memberId?: string; status?: string }): Promise<RecordEntry[]> {
    const rows = await this.projections.serviceRecords(communityId, filter, { limit: maxListRows });
    return rows.map(decodeRecord);
  }
}

interface KeptAccountView {
  /** The row it was built from: the view is given again only for the same row. */
  readonly payload: string;
  readonly revision: number;
  /** The checkpoint when the row was last read: while it has not moved, the row has not changed. */
  readonly position: bigint | null;
  /** The instant it was built for, and the first instant after it at which a lot unlocks or expires (null: none). */
  readonly builtAt: string;
  readonly validBefore: string | null;
  readonly view: AccountView;
}

/** The earliest unlock or expiry instant of the account's lots after `at`: where its view at `at` may change. */
function nextInstantAfter(account: AccountEntry, at: string): string | null {
  let next: string | null = null;
  for (const lot of account.state.lots.values()) {
    for (const instant of [lot.unlocksAt, lot.expiresAt]) if (instant !== null && instant > at && (next === null || instant < next)) next = instant;
  }
  return next;
}

/** Freezes a view and everything in it, so a caller cannot change the copy kept for the next read. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** "12.50" → 1250n (amounts print with exactly two places). */
const hundredthsOf = (amount: string): bigint => BigInt(amount.replace('.', ''));

const clamp = (value: number, min: number, max: number) => Math.min(Math.max(Math.trunc(value), min), max);
