import Database from 'better-sqlite3';
import {
  type AccountRow,
  type ActivityMemberRow,
  type CommunityRow,
  type InTransitRow,
  type ItemRow,
  type KeyPage,
  type LoadedRows,
  type ProcessFilter,
  type ProcessKind,
  type ProcessRow,
  type ProjectionCheckpoint,
  ProjectionCheckpointMoved,
  type ProjectionStore,
  type RecordRow,
  type RedemptionRow,
  type ReportTotals,
  type RowChanges,
  type RowKeys,
  type StatementLineRow,
  type StatementOrder,
  type StreamCategory,
  type StreamRef,
  type TransferRow,
} from '@volunteer-ledger/core';
import { prepareProjectionSchema, recreateProjectionSchema } from './projection-schema.js';

/**
 * SQLite's page cache for a projection file, in KiB: part of the service's memory bound. A fold touches
 * pages all over the file (members are random), so no practical cache holds its working set: folding 40,000
 * events with 64 MiB ran no faster than with 16 MiB (shared development VM, within its noise).
 */
export const projectionCacheSizeKib = 8_192;
/**
 * Pages the write-ahead log may hold before a commit copies them into the file and fsyncs both, for large
 * batches (a catch-up or rebuild, see `largeBatchRows`). Such a batch dirties pages all over the file, so
 * with SQLite's default of 1,000 nearly every one paid a checkpoint; with 10,000 (≤ 40 MiB of log) a page
 * written by many batches is copied once and the fsyncs come a tenth as often: folding 76k events into an
 * empty file, commits took ~40% less time.
 */
export const projectionWalCheckpointPagesCatchingUp = 10_000;
/**
 * The same while following live traffic (small batches): SQLite's default. The checkpoint runs inside the
 * commit, on the event loop, so its size is a stall every request in flight waits out; with 10,000 pages a
 * POST run at 64 connections once saw a p99 of 891 ms (others 130–250 ms, shared VM).
 */
export const projectionWalCheckpointPagesLive = 1_000;
/** A batch of at least this many rows is a catch-up's (a page of 1,000 events writes ~1,700), not live traffic's. */
export const largeBatchRows = 1_000;
/** What the log file is truncated to after a checkpoint, so a quiet service does not keep 40 MiB of it. */
export const projectionWalLimitBytes = 4 * 1024 * 1024;
/** How long a write waits for another connection holding the file's write lock. */
export const projectionBusyTimeoutMs = 5_000;

export interface SqliteProjectionStoreOptions {
  /** See `projectionCacheSizeKib`. */
  readonly cacheSizeKib?: number;
}

type Params = unknown[];

const present = <T>(row: T | undefined): row is T => row !== undefined;
/** Larger than any seq a projection will ever write. */
const lastSeq = Number.MAX_SAFE_INTEGER;

interface LineRecord {
  community_id: string;
  member_id: string;
  seq: number;
  position: string;
  recorded_at: string;
  type: string;
  amount: string;
  running_balance: string;
  reference: string;
  description: string;
  description_en: string;
}

const toLine = (r: LineRecord): StatementLineRow => ({
  communityId: r.community_id,
  memberId: r.member_id,
  seq: r.seq,
  position: r.position,
  recordedAt: r.recorded_at,
  type: r.type,
  amount: r.amount,
  runningBalance: r.running_balance,
  reference: r.reference,
  description: r.description,
  descriptionEn: r.description_en,
});

const accountColumns = 'community_id AS communityId, member_id AS memberId, revision, balance, next_expiry AS nextExpiry, payload';
const recordColumns = 'community_id AS communityId, member_id AS memberId, record_id AS recordId, seq, status, recorded_at AS recordedAt, payload';
const itemColumns = 'community_id AS communityId, item_id AS itemId, seq, revision, active, payload';
const redemptionColumns =
  'community_id AS communityId, redemption_id AS redemptionId, seq, status, member_id AS memberId, expires_at AS expiresAt, updated_at AS updatedAt, payload';
const processColumns =
  'community_id AS communityId, kind, process_id AS processId, seq, status, member_id AS memberId, assignee_id AS assigneeId, starts_at AS startsAt, ' +
  'due_at AS dueAt, seats_left AS seatsLeft, updated_at AS updatedAt, payload';
const transferColumns = 'community_id AS communityId, transfer_id AS transferId, seq, status, from_id AS fromId, to_id AS toId, updated_at AS updatedAt, payload';

/**
 * The projection store in one SQLite file per service instance (DESIGN §7): read models as tables, each
 * batch of folded events written with its checkpoint in one transaction. Memory is SQLite's page cache
 * (`projectionCacheSizeKib`) and the statements' buffers, whatever the history; statement pages, reports
 * and job queries are read from disk through indexes.
 *
 * Durability: `synchronous = NORMAL` in WAL mode. A commit is atomic, so a crash or power cut leaves the
 * projection at an earlier checkpoint, consistent with it, and the next start folds the rest again from
 * the event store (which is the durable record, with `synchronous = FULL`). Fsyncing every batch here
 * would buy nothing a catch-up does not already give; for the same reason a catch-up checkpoints the log
 * seldom (`projectionWalCheckpointPagesCatchingUp`). Not `synchronous = OFF`: that risks a corrupt file after a power cut,
 * not just an older checkpoint.
 */
export class SqliteProjectionStore implements ProjectionStore {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly bigStatements = new Map<string, Database.Statement>();
  private readonly commitTransaction: Database.Transaction<(changes: RowChanges, checkpoint: ProjectionCheckpoint, previous: bigint | null) => void>;
  private closed = false;
  /** The `wal_autocheckpoint` in force: `projectionWalCheckpointPagesLive` or `…CatchingUp`, by batch size. */
  private checkpointPages = projectionWalCheckpointPagesLive;
  /** What opening found: a new file, one of this schema, or one of another schema emptied for a rebuild. */
  readonly opened: 'ready' | 'created' | 'recreated';

  private constructor(readonly filename: string, options: SqliteProjectionStoreOptions) {
    this.db = new Database(filename);
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma(`wal_autocheckpoint = ${this.checkpointPages}`);
      this.db.pragma(`journal_size_limit = ${projectionWalLimitBytes}`);
      this.db.pragma(`busy_timeout = ${projectionBusyTimeoutMs}`);
      this.db.pragma(`cache_size = -${options.cacheSizeKib ?? projectionCacheSizeKib}`);
      this.opened = prepareProjectionSchema(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.commitTransaction = this.db.transaction((changes: RowChanges, checkpoint: ProjectionCheckpoint, previous: bigint | null) => {
      // Checked inside the write transaction (BEGIN IMMEDIATE), so no other writer can move it in between.
      const stored = this.get<{ position: string }>('SELECT position FROM projection_checkpoint WHERE id = 1');
      const actual = stored ? BigInt(stored.position) : null;
      if (actual !== previous) throw new ProjectionCheckpointMoved(previous, actual);
      this.write(changes, checkpoint);
    });
  }

  static open(filename: string, options: SqliteProjectionStoreOptions = {}): SqliteProjectionStore {
    return new SqliteProjectionStore(filename, options);
  }

  // ── Write side ──────────────────────────────────────────────────────────────────────────────────────

  async readCheckpoint(): Promise<ProjectionCheckpoint | null> {
    const row = this.get<{ position: string; events_folded: number; version: number }>('SELECT position, events_folded, version FROM projection_checkpoint WHERE id = 1');
    return row ? { position: BigInt(row.position), eventsFolded: row.events_folded, version: row.version } : null;
  }

  async streamRefs(streamNames: readonly string[]): Promise<StreamRef[]> {
    const select = this.statement('SELECT stream_name AS streamName, kind, community_id AS communityId, entity_id AS id FROM stream_refs WHERE stream_name = ?');
    return streamNames.map((name) => select.get(name) as { streamName: string; kind: StreamCategory; communityId: string; id: string } | undefined).filter(present);
  }

  async load(keys: RowKeys): Promise<LoadedRows> {
    this.assertOpen();
    const community = this.statement('SELECT community_id AS communityId, revision, payload FROM communities WHERE community_id = ?');
    const account = this.statement(`SELECT ${accountColumns} FROM accounts WHERE community_id = ? AND member_id = ?`);
    const record = this.statement(`SELECT ${recordColumns} FROM service_records WHERE community_id = ? AND member_id = ? AND record_id = ?`);
    const item = this.statement(`SELECT ${itemColumns} FROM catalogue_items WHERE community_id = ? AND item_id = ?`);
    const redemption = this.statement(`SELECT ${redemptionColumns} FROM redemptions WHERE community_id = ? AND redemption_id = ?`);
    const transfer = this.statement(`SELECT ${transferColumns} FROM transfers WHERE community_id = ? AND transfer_id = ?`);
    const process = this.statement(`SELECT ${processColumns} FROM processes WHERE community_id = ? AND kind = ? AND process_id = ?`);
    const checkpoint = this.statement('SELECT position FROM projection_checkpoint WHERE id = 1');
    // One read transaction, so every row comes from the same committed state, the checkpoint's.
    return this.db.transaction(() => ({
      checkpoint: (() => {
        const row = checkpoint.get() as { position: string } | undefined;
        return row ? BigInt(row.position) : null;
      })(),
      communities: keys.communities.map((c) => community.get(c) as CommunityRow | undefined).filter(present),
      accounts: keys.accounts.map((k) => account.get(k.communityId, k.memberId) as AccountRow | undefined).filter(present),
      records: keys.records.map((k) => record.get(k.communityId, k.memberId, k.recordId) as RecordRow | undefined).filter(present),
      items: keys.items.map((k) => item.get(k.communityId, k.itemId) as RawItem | undefined).filter(present).map(toItem),
      redemptions: keys.redemptions.map((k) => redemption.get(k.communityId, k.redemptionId) as RedemptionRow | undefined).filter(present),
      transfers: keys.transfers.map((k) => transfer.get(k.communityId, k.transferId) as TransferRow | undefined).filter(present),
      processes: keys.processes.map((k) => process.get(k.communityId, k.kind, k.processId) as ProcessRow | undefined).filter(present),
    }))();
  }

  async commit(changes: RowChanges, checkpoint: ProjectionCheckpoint, previous: bigint | null): Promise<void> {
    this.assertOpen();
    const pages = rowCount(changes) >= largeBatchRows ? projectionWalCheckpointPagesCatchingUp : projectionWalCheckpointPagesLive;
    if (pages !== this.checkpointPages) {
      this.db.pragma(`wal_autocheckpoint = ${pages}`);
      this.checkpointPages = pages;
    }
    this.commitTransaction.immediate(changes, checkpoint, previous);
  }

  async reset(): Promise<void> {
    this.assertOpen();
    recreateProjectionSchema(this.db);
    this.statements.clear();
    this.bigStatements.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private write(changes: RowChanges, checkpoint: ProjectionCheckpoint): void {
    const run = (sql: string, rows: readonly Params[]) => {
      if (rows.length === 0) return;
      const statement = this.statement(sql);
      for (const params of rows) statement.run(...params);
    };
    run(
      'INSERT INTO stream_refs (stream_name, kind, community_id, entity_id) VALUES (?, ?, ?, ?)',
      changes.streams.map((r) => [r.streamName, r.kind, r.communityId, r.id]),
    );
    run(
      `INSERT INTO communities (community_id, revision, payload) VALUES (?, ?, ?)
       ON CONFLICT (community_id) DO UPDATE SET revision = excluded.revision, payload = excluded.payload`,
      changes.communities.map((r) => [r.communityId, r.revision, r.payload]),
    );
    run(
      `INSERT INTO accounts (community_id, member_id, revision, balance, next_expiry, payload) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (community_id, member_id) DO UPDATE SET revision = excluded.revision, balance = excluded.balance,
         next_expiry = excluded.next_expiry, payload = excluded.payload`,
      changes.accounts.map((r) => [r.communityId, r.memberId, r.revision, r.balance, r.nextExpiry, r.payload]),
    );
    run(
      `INSERT INTO service_records (community_id, member_id, record_id, seq, status, recorded_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (community_id, member_id, record_id) DO UPDATE SET status = excluded.status, payload = excluded.payload`,
      changes.records.map((r) => [r.communityId, r.memberId, r.recordId, r.seq, r.status, r.recordedAt, r.payload]),
    );
    // A plain INSERT: a line written twice is a fold bug, and the unique index turns it into an error.
    run(
      `INSERT INTO statement_lines (community_id, member_id, seq, position, recorded_at, type, amount, running_balance, reference, description, description_en)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      changes.statementLines.map((l) => [l.communityId, l.memberId, l.seq, l.position, l.recordedAt, l.type, l.amount, l.runningBalance, l.reference, l.description, l.descriptionEn]),
    );
    run(
      `INSERT INTO catalogue_items (community_id, item_id, seq, revision, active, payload) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (community_id, item_id) DO UPDATE SET revision = excluded.revision, active = excluded.active, payload = excluded.payload`,
      changes.items.map((r) => [r.communityId, r.itemId, r.seq, r.revision, r.active ? 1 : 0, r.payload]),
    );
    run(
      `INSERT INTO redemptions (community_id, redemption_id, seq, status, member_id, expires_at, updated_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (community_id, redemption_id) DO UPDATE SET status = excluded.status, member_id = excluded.member_id,
         expires_at = excluded.expires_at, updated_at = excluded.updated_at, payload = excluded.payload`,
      changes.redemptions.map((r) => [r.communityId, r.redemptionId, r.seq, r.status, r.memberId, r.expiresAt, r.updatedAt, r.payload]),
    );
    run(
      `INSERT INTO transfers (community_id, transfer_id, seq, status, from_id, to_id, updated_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (community_id, transfer_id) DO UPDATE SET status = excluded.status, from_id = excluded.from_id, to_id = excluded.to_id,
         updated_at = excluded.updated_at, payload = excluded.payload`,
      changes.transfers.map((r) => [r.communityId, r.transferId, r.seq, r.status, r.fromId, r.toId, r.updatedAt, r.payload]),
    );
    run(
      `INSERT INTO transfers_in_transit (community_id, transfer_id, from_id, to_id, since) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (community_id, transfer_id) DO UPDATE SET from_id = excluded.from_id, to_id = excluded.to_id, since = excluded.since`,
      changes.inTransitPut.map((r) => [r.communityId, r.transferId, r.fromId, r.toId, r.since]),
    );
    run('DELETE FROM transfers_in_transit WHERE community_id = ? AND transfer_id = ?', changes.inTransitDelete.map((k) => [k.communityId, k.transferId]));
    run(
      `INSERT INTO report_days (community_id, day, issued, clawed_back, spent, expired, donated) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (community_id, day) DO UPDATE SET issued = issued + excluded.issued, clawed_back = clawed_back + excluded.clawed_back,
         spent = spent + excluded.spent, expired = expired + excluded.expired, donated = donated + excluded.donated`,
      changes.dayTotals.map((d) => [d.communityId, d.day, d.issued, d.clawedBack, d.spent, d.expired, d.donated]),
    );
    run(
      `INSERT INTO report_hours (community_id, day, category_id, hours) VALUES (?, ?, ?, ?)
       ON CONFLICT (community_id, day, category_id) DO UPDATE SET hours = hours + excluded.hours`,
      changes.hoursByCategory.map((d) => [d.communityId, d.day, d.key, d.hours]),
    );
    run(
      `INSERT INTO leaderboard_hours (community_id, service_day, member_id, hours) VALUES (?, ?, ?, ?)
       ON CONFLICT (community_id, service_day, member_id) DO UPDATE SET hours = hours + excluded.hours`,
      changes.memberHours.map((d) => [d.communityId, d.day, d.key, d.hours]),
    );
    run('INSERT OR IGNORE INTO report_active_members (community_id, day, member_id) VALUES (?, ?, ?)', changes.activeMembers.map((a) => [a.communityId, a.day, a.memberId]));
    run(
      `INSERT INTO report_redemptions (community_id, day, item_id, quantity) VALUES (?, ?, ?, ?)
       ON CONFLICT (community_id, day, item_id) DO UPDATE SET quantity = quantity + excluded.quantity`,
      changes.redemptionsByItem.map((d) => [d.communityId, d.day, d.itemId, d.quantity]),
    );
    run(
      `INSERT INTO trial_balance (community_id, account, balance) VALUES (?, ?, ?)
       ON CONFLICT (community_id, account) DO UPDATE SET balance = balance + excluded.balance`,
      changes.trialBalance.map((d) => [d.communityId, d.account, d.amount]),
    );
    run(
      `INSERT INTO community_outstanding (community_id, points) VALUES (?, ?)
       ON CONFLICT (community_id) DO UPDATE SET points = points + excluded.points`,
      changes.outstanding.map((d) => [d.communityId, d.amount]),
    );
    run(
      `INSERT INTO community_outstanding_by_month (community_id, month, points) VALUES (?, ?, ?)
       ON CONFLICT (community_id, month) DO UPDATE SET points = points + excluded.points`,
      changes.outstandingByMonth.map((d) => [d.communityId, d.month, d.amount]),
    );
    run(
      `INSERT INTO processes (community_id, kind, process_id, seq, status, member_id, assignee_id, starts_at, due_at, seats_left, updated_at, payload)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (community_id, kind, process_id) DO UPDATE SET status = excluded.status, member_id = excluded.member_id,
         assignee_id = excluded.assignee_id, starts_at = excluded.starts_at, due_at = excluded.due_at, seats_left = excluded.seats_left,
         updated_at = excluded.updated_at, payload = excluded.payload`,
      changes.processes.map((r) => [r.communityId, r.kind, r.processId, r.seq, r.status, r.memberId, r.assigneeId, r.startsAt, r.dueAt, r.seatsLeft, r.updatedAt, r.payload]),
    );
    run(
      'INSERT OR IGNORE INTO activity_members (community_id, member_id, activity_id, seq) VALUES (?, ?, ?, ?)',
      changes.activityMembers.map((r) => [r.communityId, r.memberId, r.activityId, r.seq]),
    );
    run(
      `INSERT INTO report_service_days (community_id, day, activities_held, turns, requests_fulfilled) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (community_id, day) DO UPDATE SET activities_held = activities_held + excluded.activities_held,
         turns = turns + excluded.turns, requests_fulfilled = requests_fulfilled + excluded.requests_fulfilled`,
      changes.serviceDays.map((d) => [d.communityId, d.day, d.activitiesHeld, d.turns, d.requestsFulfilled]),
    );
    run(
      `INSERT INTO report_ratings (community_id, day, volunteer_id, ratings, rating_sum) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (community_id, day, volunteer_id) DO UPDATE SET ratings = ratings + excluded.ratings, rating_sum = rating_sum + excluded.rating_sum`,
      changes.ratings.map((d) => [d.communityId, d.day, d.volunteerId, d.ratings, d.ratingSum]),
    );
    this.statement(
      `INSERT INTO projection_checkpoint (id, position, events_folded, version) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET position = excluded.position, events_folded = excluded.events_folded, version = excluded.version`,
    ).run(checkpoint.position.toString(), checkpoint.eventsFolded, checkpoint.version);
  }

  // ── Queries ─────────────────────────────────────────────────────────────────────────────────────────

  async communityIds(): Promise<string[]> {
    return this.all<{ community_id: string }>('SELECT community_id FROM communities ORDER BY community_id').map((r) => r.community_id);
  }

  async community(communityId: string): Promise<CommunityRow | null> {
    return this.get<CommunityRow>('SELECT community_id AS communityId, revision, payload FROM communities WHERE community_id = ?', communityId) ?? null;
  }

  async outstanding(communityId: string): Promise<bigint> {
    return this.bigGet<{ points: bigint }>('SELECT points FROM community_outstanding WHERE community_id = ?', communityId)?.points ?? 0n;
  }

  async outstandingByMonth(communityId: string): Promise<Array<{ month: string; amount: bigint }>> {
    return this.bigAll<{ month: string; amount: bigint }>(
      'SELECT month, points AS amount FROM community_outstanding_by_month WHERE community_id = ? AND points != 0 ORDER BY month',
      communityId,
    );
  }

  async account(communityId: string, memberId: string): Promise<AccountRow | null> {
    return this.get<AccountRow>(`SELECT ${accountColumns} FROM accounts WHERE community_id = ? AND member_id = ?`, communityId, memberId) ?? null;
  }

  async accounts(communityId: string, page: KeyPage): Promise<AccountRow[]> {
    return this.all<AccountRow>(`SELECT ${accountColumns} FROM accounts WHERE community_id = ? AND member_id > ? ORDER BY member_id LIMIT ?`, communityId, page.after ?? '', page.limit);
  }

  async accountsWithExpiryDue(communityId: string, asOf: string, page: KeyPage): Promise<AccountRow[]> {
    return this.all<AccountRow>(
      `SELECT ${accountColumns} FROM accounts WHERE community_id = ? AND next_expiry IS NOT NULL AND next_expiry <= ? AND member_id > ? ORDER BY member_id LIMIT ?`,
      communityId,
      asOf,
      page.after ?? '',
      page.limit,
    );
  }

  async statementLines(communityId: string, memberId: string, options: { order: StatementOrder; cursorSeq?: number; limit: number }): Promise<StatementLineRow[]> {
    const newest = options.order === 'newest';
    const sql = newest
      ? 'SELECT * FROM statement_lines WHERE community_id = ? AND member_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?'
      : 'SELECT * FROM statement_lines WHERE community_id = ? AND member_id = ? AND seq > ? ORDER BY seq ASC LIMIT ?';
    const from = options.cursorSeq ?? (newest ? lastSeq : -1);
    return this.all<LineRecord>(sql, communityId, memberId, from, options.limit).map(toLine);
  }

  async serviceRecords(communityId: string, filter: { memberId?: string; status?: string }, options: { afterSeq?: number; limit: number }): Promise<RecordRow[]> {
    const where = ['community_id = ?'];
    const params: Params = [communityId];
    if (filter.memberId !== undefined) {
      where.push('member_id = ?');
      params.push(filter.memberId);
    }
    if (filter.status !== undefined) {
      where.push('status = ?');
      params.push(filter.status);
    }
    where.push('seq > ?');
    params.push(options.afterSeq ?? -1, options.limit);
    return this.all<RecordRow>(`SELECT ${recordColumns} FROM service_records WHERE ${where.join(' AND ')} ORDER BY recorded_at, seq LIMIT ?`, ...params);
  }

  async items(communityId: string, options: { includeDelisted: boolean }): Promise<ItemRow[]> {
    const sql = options.includeDelisted
      ? `SELECT ${itemColumns} FROM catalogue_items WHERE community_id = ? ORDER BY seq`
      : `SELECT ${itemColumns} FROM catalogue_items WHERE community_id = ? AND active = 1 ORDER BY seq`;
    return this.all<RawItem>(sql, communityId).map(toItem);
  }

  async redemption(communityId: string, redemptionId: string): Promise<RedemptionRow | null> {
    return this.get<RedemptionRow>(`SELECT ${redemptionColumns} FROM redemptions WHERE community_id = ? AND redemption_id = ?`, communityId, redemptionId) ?? null;
  }

  async redemptions(communityId: string, filter: { status?: string; memberId?: string }, options: { afterSeq?: number; limit: number }): Promise<RedemptionRow[]> {
    const where = ['community_id = ?'];
    const params: Params = [communityId];
    if (filter.status !== undefined) {
      where.push('status = ?');
      params.push(filter.status);
    }
    if (filter.memberId !== undefined) {
      where.push('member_id = ?');
      params.push(filter.memberId);
    }
    where.push('seq > ?');
    params.push(options.afterSeq ?? -1, options.limit);
    return this.all<RedemptionRow>(`SELECT ${redemptionColumns} FROM redemptions WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`, ...params);
  }

  async redemptionsDue(communityId: string, filter: { statuses: readonly string[]; field: 'expiresAt' | 'updatedAt'; atOrBefore: string }, page: KeyPage): Promise<RedemptionRow[]> {
    if (filter.statuses.length === 0) return [];
    const column = filter.field === 'expiresAt' ? 'expires_at' : 'updated_at';
    const statuses = filter.statuses.map(() => '?').join(', ');
    return this.all<RedemptionRow>(
      `SELECT ${redemptionColumns} FROM redemptions
       WHERE community_id = ? AND status IN (${statuses}) AND ${column} <= ? AND redemption_id > ? ORDER BY redemption_id LIMIT ?`,
      communityId,
      ...filter.statuses,
      filter.atOrBefore,
      page.after ?? '',
      page.limit,
    );
  }

  async transfers(communityId: string, filter: { memberId?: string }, options: { afterSeq?: number; limit: number }): Promise<TransferRow[]> {
    const afterSeq = options.afterSeq ?? -1;
    if (filter.memberId === undefined) {
      return this.all<TransferRow>(`SELECT ${transferColumns} FROM transfers WHERE community_id = ? AND seq > ? ORDER BY seq LIMIT ?`, communityId, afterSeq, options.limit);
    }
    return this.all<TransferRow>(
      `SELECT ${transferColumns} FROM transfers WHERE community_id = ? AND (from_id = ? OR to_id = ?) AND seq > ? ORDER BY seq LIMIT ?`,
      communityId,
      filter.memberId,
      filter.memberId,
      afterSeq,
      options.limit,
    );
  }

  async inTransitSince(communityId: string, atOrBefore: string, page: KeyPage): Promise<InTransitRow[]> {
    return this.all<InTransitRow>(
      `SELECT community_id AS communityId, transfer_id AS transferId, from_id AS fromId, to_id AS toId, since FROM transfers_in_transit
       WHERE community_id = ? AND since <= ? AND transfer_id > ? ORDER BY transfer_id LIMIT ?`,
      communityId,
      atOrBefore,
      page.after ?? '',
      page.limit,
    );
  }

  async requestedTransfersIdle(communityId: string, atOrBefore: string, page: KeyPage): Promise<TransferRow[]> {
    return this.all<TransferRow>(
      `SELECT ${transferColumns} FROM transfers t
       WHERE community_id = ? AND status = 'requested' AND updated_at <= ? AND transfer_id > ?
         AND NOT EXISTS (SELECT 1 FROM transfers_in_transit i WHERE i.community_id = t.community_id AND i.transfer_id = t.transfer_id)
       ORDER BY transfer_id LIMIT ?`,
      communityId,
      atOrBefore,
      page.after ?? '',
      page.limit,
    );
  }

  async reportTotals(communityId: string, from: string, to: string): Promise<ReportTotals> {
    return this.db.transaction(() => {
      const sums = this.bigGet<Record<'issued' | 'clawedBack' | 'spent' | 'expired' | 'donated', bigint>>(
        `SELECT coalesce(sum(issued), 0) AS issued, coalesce(sum(clawed_back), 0) AS clawedBack, coalesce(sum(spent), 0) AS spent,
                coalesce(sum(expired), 0) AS expired, coalesce(sum(donated), 0) AS donated
         FROM report_days WHERE community_id = ? AND day BETWEEN ? AND ?`,
        communityId,
        from,
        to,
      )!;
      const hours = this.bigAll<{ category: string; hours: bigint }>(
        'SELECT category_id AS category, sum(hours) AS hours FROM report_hours WHERE community_id = ? AND day BETWEEN ? AND ? GROUP BY category_id ORDER BY category_id',
        communityId,
        from,
        to,
      );
      const active = this.get<{ members: number }>('SELECT count(DISTINCT member_id) AS members FROM report_active_members WHERE community_id = ? AND day BETWEEN ? AND ?', communityId, from, to)!;
      const byItem = this.all<{ itemId: string; quantity: number }>(
        'SELECT item_id AS itemId, sum(quantity) AS quantity FROM report_redemptions WHERE community_id = ? AND day BETWEEN ? AND ? GROUP BY item_id ORDER BY item_id',
        communityId,
        from,
        to,
      );
      const service = this.get<{ activitiesHeld: number; turns: number; requestsFulfilled: number }>(
        `SELECT coalesce(sum(activities_held), 0) AS activitiesHeld, coalesce(sum(turns), 0) AS turns, coalesce(sum(requests_fulfilled), 0) AS requestsFulfilled
         FROM report_service_days WHERE community_id = ? AND day BETWEEN ? AND ?`,
        communityId,
        from,
        to,
      )!;
      const ratings = this.all<{ volunteerId: string; ratings: number; ratingSum: number }>(
        `SELECT volunteer_id AS volunteerId, sum(ratings) AS ratings, sum(rating_sum) AS ratingSum FROM report_ratings
         WHERE community_id = ? AND day BETWEEN ? AND ? GROUP BY volunteer_id ORDER BY volunteer_id`,
        communityId,
        from,
        to,
      );
      return {
        ...sums,
        ...service,
        ratings: new Map(ratings.map((r) => [r.volunteerId, { ratings: r.ratings, ratingSum: r.ratingSum }])),
        hoursByCategory: new Map(hours.map((h) => [h.category, h.hours])),
        activeMembers: active.members,
        redemptionsByItem: new Map(byItem.map((r) => [r.itemId, r.quantity])),
      };
    })();
  }

  async leaderboard(communityId: string, from: string, to: string, limit: number): Promise<Array<{ memberId: string; hours: bigint }>> {
    return this.bigAll<{ memberId: string; hours: bigint }>(
      `SELECT member_id AS memberId, sum(hours) AS hours FROM leaderboard_hours
       WHERE community_id = ? AND service_day BETWEEN ? AND ? GROUP BY member_id HAVING sum(hours) > 0
       ORDER BY sum(hours) DESC, member_id LIMIT ?`,
      communityId,
      from,
      to,
      limit,
    );
  }

  async trialBalance(communityId: string): Promise<Array<{ account: string; balance: bigint }>> {
    return this.bigAll<{ account: string; balance: bigint }>('SELECT account, balance FROM trial_balance WHERE community_id = ? ORDER BY account', communityId);
  }

  async process(kind: ProcessKind, communityId: string, processId: string): Promise<ProcessRow | null> {
    return this.get<ProcessRow>(`SELECT ${processColumns} FROM processes WHERE community_id = ? AND kind = ? AND process_id = ?`, communityId, kind, processId) ?? null;
  }

  async processes(kind: ProcessKind, communityId: string, filter: ProcessFilter, options: { afterSeq?: number; limit: number }): Promise<ProcessRow[]> {
    const where = ['community_id = ?', 'kind = ?'];
    const params: Params = [communityId, kind];
    const condition = (sql: string, ...values: Params) => {
      where.push(sql);
      params.push(...values);
    };
    if (filter.statuses !== undefined) {
      if (filter.statuses.length === 0) return [];
      condition(`status IN (${filter.statuses.map(() => '?').join(', ')})`, ...filter.statuses);
    }
    if (filter.party !== undefined) condition('(member_id = ? OR assignee_id = ?)', filter.party, filter.party);
    if (filter.startsAtOrBefore !== undefined) condition('starts_at <= ?', filter.startsAtOrBefore);
    if (filter.dueAfter !== undefined) condition('due_at > ?', filter.dueAfter);
    if (filter.dueAtOrBefore !== undefined) condition('due_at <= ?', filter.dueAtOrBefore);
    if (filter.updatedAtOrBefore !== undefined) condition('updated_at <= ?', filter.updatedAtOrBefore);
    if (filter.withSeatsLeft === true) condition('seats_left > 0');
    condition('seq > ?', options.afterSeq ?? -1);
    return this.all<ProcessRow>(`SELECT ${processColumns} FROM processes WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`, ...params, options.limit);
  }

  async activityMembers(communityId: string, memberId: string, options: { afterSeq?: number; limit: number }): Promise<ActivityMemberRow[]> {
    return this.all<ActivityMemberRow>(
      `SELECT community_id AS communityId, member_id AS memberId, activity_id AS activityId, seq FROM activity_members
       WHERE community_id = ? AND member_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
      communityId,
      memberId,
      options.afterSeq ?? -1,
      options.limit,
    );
  }

  /** Pages, rows and bytes of the file, for operators and the bench. */
  stats(): { pageCount: number; pageSize: number; cacheSizeKib: number } {
    this.assertOpen();
    return {
      pageCount: this.db.pragma('page_count', { simple: true }) as number,
      pageSize: this.db.pragma('page_size', { simple: true }) as number,
      cacheSizeKib: -(this.db.pragma('cache_size', { simple: true }) as number),
    };
  }

  // ── Statements ──────────────────────────────────────────────────────────────────────────────────────

  /** Prepared once per SQL text; SQLite compiles it once, and the set of texts is fixed. */
  private statement(sql: string): Database.Statement {
    this.assertOpen();
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** The same, reading integers as bigint: sums of hundredths may pass 2^53. */
  private bigStatement(sql: string): Database.Statement {
    this.assertOpen();
    let statement = this.bigStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql).safeIntegers(true);
      this.bigStatements.set(sql, statement);
    }
    return statement;
  }

  private get<T>(sql: string, ...params: Params): T | undefined {
    return this.statement(sql).get(...params) as T | undefined;
  }

  private all<T>(sql: string, ...params: Params): T[] {
    return this.statement(sql).all(...params) as T[];
  }

  private bigGet<T>(sql: string, ...params: Params): T | undefined {
    return this.bigStatement(sql).get(...params) as T | undefined;
  }

  private bigAll<T>(sql: string, ...params: Params): T[] {
    return this.bigStatement(sql).all(...params) as T[];
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`SQLite projection store ${this.filename} is closed; open it again to use it`);
  }
}

/** Rows a batch writes, all tables together. */
function rowCount(changes: RowChanges): number {
  let rows = 0;
  for (const list of Object.values(changes) as unknown[]) if (Array.isArray(list)) rows += list.length;
  return rows;
}

type RawItem = Omit<ItemRow, 'active'> & { active: number };
const toItem = (row: RawItem): ItemRow => ({ ...row, active: row.active === 1 });
