import Database from 'better-sqlite3';
import {
  type AppendOptions,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamRevision,
  type SubscribeToAllOptions,
  type Subscription,
  AppendSignal,
  assertAppendable,
  expectedRevisionHolds,
  maxReadAllPageSize,
  pollingSubscription,
  WrongExpectedRevisionError,
} from '@volunteer-ledger/core';
import { SqliteCheckpointStore, SqliteIdempotencyStore, SqliteStreamSnapshotStore } from './records.js';
import { migrate } from './schema.js';

/** Most writes (appends and idempotency records) committed in one transaction (one fsync); the rest wait for the next commit. */
export const maxAppendsPerCommit = 512;
/** Most events committed in one transaction, so one commit cannot hold the event loop for long. */
export const maxEventsPerCommit = 10_000;
/** How long a write waits for another process holding the database's write lock. */
export const defaultBusyTimeoutMs = 5_000;
/** How often subscriptions look for appends made by other processes (this process's wake them at once). */
export const defaultPollIntervalMs = 1_000;
/**
 * Longest a transaction holding deferred writes only stays open, waiting for a durable write to commit them
 * with it. A redemption's phase appends its steps deferred, one after another, and ends with a durable
 * record: held open this long, the whole phase is one commit instead of one per step (each ~0.25 ms of
 * write-ahead log I/O here). It bounds how long other processes wait for the write lock and how late
 * `readAll` sees deferred appends when nothing durable follows them.
 */
export const deferredCommitDelayMs = 10;
/** Above every position: the bound `readAll` uses while no transaction holds uncommitted events. */
const noPositionBound = 2n ** 63n - 1n;

export interface SqliteEventStoreOptions {
  /**
   * SQLite's `synchronous` setting. `FULL` (default) fsyncs the write-ahead log at every commit, so an
   * acknowledged append survives power loss; `EXTRA` also syncs the directory after the log is reset.
   * Weaker settings are not offered: they would make the store's promise false.
   */
  readonly synchronous?: 'FULL' | 'EXTRA';
  /** See `defaultBusyTimeoutMs`. */
  readonly busyTimeoutMs?: number;
  /** See `defaultPollIntervalMs`; 0 turns the timed poll off. */
  readonly pollIntervalMs?: number;
}

type EventRow = [bigint, string, bigint, string, string, bigint, string, string];

const eventColumns = 'position, stream_name, revision, event_id, type, schema_version, data, metadata';

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    eventId: row[3],
    type: row[4],
    schemaVersion: Number(row[5]),
    data: JSON.parse(row[6]),
    metadata: JSON.parse(row[7]),
    streamName: row[1],
    revision: Number(row[2]),
    position: row[0],
  };
}

interface PendingAppend {
  readonly kind: 'append';
  readonly streamName: string;
  readonly events: readonly NewEvent[];
  readonly expectedRevision: ExpectedRevision;
  /** 'may-wait' for a deferred append (see AppendOptions). */
  readonly durability: WriteDurability;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/** Any other write that must be durable before it is acknowledged (an idempotency record): statements run in `run`. */
interface PendingWrite {
  readonly kind: 'write';
  readonly run: () => unknown;
  readonly durability: WriteDurability;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Pending = PendingAppend | PendingWrite;

type WriteOutcome = { ok: true; result: unknown } | { ok: false; error: unknown };

/**
 * When a write may be answered:
 * - `durable`: once its commit is synced;
 * - `committed`: once its commit is done, synced or not — it survives the process being killed, not
 *   necessarily a power cut (idempotency records whose stream proves them: a repeat after a crash must find them);
 * - `may-wait`: at once, its transaction left open for the next durable write (deferred appends, snapshots,
 *   best-effort records).
 */
export type WriteDurability = 'durable' | 'committed' | 'may-wait';

/** Queues `run` into the store's next group commit; resolves with its result as `durability` says (default durable). */
export type GroupWrite = <T>(run: () => T, durability?: WriteDurability) => Promise<T>;

/**
 * The SQLite event store: one file, write-ahead log, one connection that does all reads and writes.
 *
 * Appends are group-committed: every append that arrives before the writer's next turn of the event loop
 * joins one `BEGIN IMMEDIATE` transaction, each inside its own savepoint, so each still checks its own
 * expected revision and fails alone, while the whole batch costs one fsync. The writer runs on the
 * calling thread; see README.md for the measurement behind that choice.
 */
export class SqliteEventStore implements EventStore {
  readonly idempotency: SqliteIdempotencyStore;
  readonly checkpoints: SqliteCheckpointStore;
  readonly streamSnapshots: SqliteStreamSnapshotStore;

  private readonly db: Database.Database;
  private readonly appended = new AppendSignal();
  private readonly pollTimer: NodeJS.Timeout | undefined;
  private readonly selectRevision: Database.Statement<[string], bigint | null>;
  private readonly insertEvent: Database.Statement<[string, number, string, string, number, string, string]>;
  private readonly selectStream: Database.Statement<[string, number, number], EventRow>;
  private readonly selectAll: Database.Statement<[bigint, bigint, number], EventRow>;
  private readonly begin: Database.Statement<[]>;
  private readonly commit: Database.Statement<[]>;
  private readonly rollback: Database.Statement<[]>;
  private readonly commitBatch: Database.Transaction<(batch: readonly Pending[]) => WriteOutcome[]>;
  private readonly writeOne: (pending: Pending) => unknown;
  private queue: Pending[] = [];
  private flushScheduled = false;
  /**
   * The first position written by the open transaction (deferred writes wait there for a durable one), or
   * null. `readAll` stops below it: a subscriber must never see an event that a crash could still take
   * back, or a position that could be used again.
   */
  private uncommittedFrom: bigint | null = null;
  /** Deferred writes resolved in the open transaction: if its commit fails, they are lost. */
  private deferredInOpenTransaction = false;
  private deferredCommitTimer: NodeJS.Timeout | undefined;
  /** Set when a commit failed after deferred writes had been acknowledged: the store stops (see `stop`). */
  private failure: unknown = null;
  private commits = 0;
  private syncedCommits = 0;
  private appendsCommitted = 0;
  private readonly synchronous: 'FULL' | 'EXTRA';
  private closed = false;

  private constructor(readonly filename: string, options: SqliteEventStoreOptions) {
    this.synchronous = options.synchronous ?? 'FULL';
    this.db = new Database(filename);
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
      this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? defaultBusyTimeoutMs}`);
      migrate(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
    const journal = this.db.pragma('journal_mode', { simple: true });
    if (journal !== 'wal') {
      this.db.close();
      throw new Error(`SQLite event store ${filename}: journal_mode is ${String(journal)}, expected wal; use a file on a local disk`);
    }

    this.selectRevision = this.db
      .prepare<[string], bigint | null>('SELECT max(revision) FROM events WHERE stream_name = ?')
      .pluck(true)
      .safeIntegers(true);
    this.insertEvent = this.db
      .prepare(
        'INSERT INTO events (stream_name, revision, event_id, type, schema_version, data, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)',
      )
      .safeIntegers(true);
    this.selectStream = this.db
      .prepare<[string, number, number], EventRow>(
        `SELECT ${eventColumns} FROM events WHERE stream_name = ? AND revision >= ? ORDER BY revision LIMIT ?`,
      )
      .raw(true)
      .safeIntegers(true);
    this.selectAll = this.db
      .prepare<[bigint, bigint, number], EventRow>(`SELECT ${eventColumns} FROM events WHERE position > ? AND position < ? ORDER BY position LIMIT ?`)
      .raw(true)
      .safeIntegers(true);
    this.begin = this.db.prepare('BEGIN IMMEDIATE');
    this.commit = this.db.prepare('COMMIT');
    this.rollback = this.db.prepare('ROLLBACK');
    // Nested in commitBatch's transaction, better-sqlite3 runs this one as a savepoint: if it throws,
    // only this write's rows are rolled back and the batch goes on.
    this.writeOne = this.db.transaction((pending: Pending) => (pending.kind === 'append' ? this.writeAppend(pending) : pending.run()));
    this.commitBatch = this.db.transaction((batch: readonly Pending[]) =>
      batch.map((pending): WriteOutcome => {
        try {
          return { ok: true, result: this.writeOne(pending) };
        } catch (error) {
          return { ok: false, error };
        }
      }),
    );

    // Idempotency records join the group commit too: a keyed command writes a claim, its events and the
    // outcome, and each would otherwise cost an fsync of its own, blocking the event loop.
    this.idempotency = new SqliteIdempotencyStore(this.db, () => this.assertOpen(), (run, durability) => this.enqueue(run, durability));
    this.checkpoints = new SqliteCheckpointStore(this.db, () => this.assertOpen(), (run, durability) => this.enqueue(run, durability));
    this.streamSnapshots = new SqliteStreamSnapshotStore(this.db, () => this.assertOpen(), (run, durability) => this.enqueue(run, durability));
    const pollIntervalMs = options.pollIntervalMs ?? defaultPollIntervalMs;
    if (pollIntervalMs > 0) {
      this.pollTimer = setInterval(() => this.appended.notify(), pollIntervalMs);
      this.pollTimer.unref();
    }
  }

  /** Opens (creating and migrating if needed) the store in `filename`. */
  static open(filename: string, options: SqliteEventStoreOptions = {}): SqliteEventStore {
    return new SqliteEventStore(filename, options);
  }

  async appendToStream(streamName: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    this.assertOpen();
    assertAppendable(streamName, events);
    return new Promise<AppendResult>((resolve, reject) => {
      const durability = options.durability === 'deferred' ? 'may-wait' : 'durable';
      this.queue.push({ kind: 'append', streamName, events, expectedRevision: options.expectedRevision, durability, resolve, reject });
      this.scheduleFlush();
    });
  }

  /**
   * Deferred appends waiting (in the open transaction, or still queued) are committed, synced, before this
   * resolves: a durable no-op joins the queue behind them. Nothing to wait for when none is.
   */
  async syncDeferred(): Promise<void> {
    this.assertOpen();
    const waiting = this.uncommittedFrom !== null || this.queue.some((pending) => pending.kind === 'append' && pending.durability === 'may-wait');
    if (waiting) await this.enqueue(() => undefined, 'durable');
  }

  private enqueue<T>(run: () => T, durability: WriteDurability = 'durable'): Promise<T> {
    this.assertOpen();
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ kind: 'write', run, durability, resolve: resolve as (result: unknown) => void, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // setImmediate, not a microtask: writes issued by other callbacks of this turn (other requests,
      // other awaiting callers) get to join the batch before it commits.
      setImmediate(() => this.flush());
    }
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const limit = options.maxCount === undefined ? -1 : Math.max(0, options.maxCount);
    return this.selectStream.all(streamName, options.fromRevision ?? 0, limit).map(toRecordedEvent);
  }

  async streamRevision(streamName: string): Promise<StreamRevision> {
    this.assertOpen();
    return this.currentRevision(streamName);
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    this.assertOpen();
    const limit = Math.max(0, Math.min(options.maxCount, maxReadAllPageSize));
    // Positions start at 1 (AUTOINCREMENT), so "after 0" is the beginning.
    return this.selectAll.all(options.after ?? 0n, this.uncommittedFrom ?? noPositionBound, limit).map(toRecordedEvent);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    this.assertOpen();
    return pollingSubscription((o) => this.readAll(o), this.appended, options.after);
  }

  /** How many events the store holds: the total a long job (export, verify, rebuild) reports progress against. */
  async eventCount(): Promise<number> {
    this.assertOpen();
    return Number(this.db.prepare<[], number>('SELECT count(*) FROM events').pluck(true).get() ?? 0);
  }

  /**
   * Transactions committed, those that carried a durable write (somebody waited for them), and appends they
   * carried: appends / commits is the group-commit factor; commits − syncedCommits are transactions of
   * deferred writes only, committed because nothing durable followed within `deferredCommitDelayMs`.
   */
  stats(): { commits: number; syncedCommits: number; appends: number } {
    return { commits: this.commits, syncedCommits: this.syncedCommits, appends: this.appendsCommitted };
  }

  /** The settings that make the durability promise, as SQLite reports them (for health checks and tests). */
  settings(): { journalMode: string; synchronous: 'FULL' | 'EXTRA' | 'weaker'; schemaVersion: number } {
    this.assertOpen();
    const level = this.db.pragma('synchronous', { simple: true }) as number;
    return {
      journalMode: String(this.db.pragma('journal_mode', { simple: true })),
      synchronous: level === 2 ? 'FULL' : level === 3 ? 'EXTRA' : 'weaker',
      schemaVersion: this.db.pragma('user_version', { simple: true }) as number,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Appends already accepted are committed, not dropped: their callers are still waiting.
    while (this.queue.length > 0) this.flush();
    // Deferred writes waiting for a durable one are committed too: a clean close loses nothing.
    if (this.db.open && this.db.inTransaction) this.commitOpenTransaction(false);
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.appended.notify();
    this.db.close();
  }

  /**
   * Commits what the writer's turn collected. Every write runs in the one open transaction, each in its own
   * savepoint. A batch with a durable write commits, synced: the whole transaction, deferred appends before
   * it included, is durable before anyone is answered. A batch of `may-wait` writes only (deferred appends,
   * snapshots) is answered and the transaction left open for the durable write that usually follows within the
   * same phase, or `deferredCommitDelayMs` at most — so a crash may take back deferred appends, only the newest
   * ones, as the port allows, and never a durable one. A `committed` write (an idempotency record) is never
   * left waiting: its batch commits, without a sync of its own when no transaction was open.
   */
  private flush(): void {
    this.flushScheduled = false;
    if (this.queue.length === 0 || !this.db.open) return;
    const batch = this.takeBatch();
    const durable = batch.some((pending) => pending.durability === 'durable');
    const mustCommit = durable || batch.some((pending) => pending.durability === 'committed');
    // SQLite fixes `synchronous` for a transaction when it begins; an open one commits synced.
    const unsynced = mustCommit && !durable && !this.db.inTransaction;
    let outcomes: WriteOutcome[];
    try {
      if (unsynced) this.db.pragma('synchronous = NORMAL');
      if (!this.db.inTransaction) this.begin.run();
      outcomes = this.commitBatch(batch);
      if (mustCommit) this.commitOpenTransaction(durable);
    } catch (error) {
      // BEGIN or COMMIT failed (lock timeout, disk full, I/O error): nothing of this batch was written.
      for (const pending of batch) pending.reject(error);
      if (this.deferredInOpenTransaction) this.stop(error);
      else if (this.db.inTransaction) this.rollback.run();
      if (unsynced && this.db.open) this.db.pragma(`synchronous = ${this.synchronous}`);
      this.scheduleRest();
      return;
    }
    if (unsynced) this.db.pragma(`synchronous = ${this.synchronous}`);
    batch.forEach((pending, i) => {
      const outcome = outcomes[i]!;
      if (pending.kind === 'append') this.appendsCommitted += 1;
      if (!outcome.ok) pending.reject(outcome.error);
      else if (pending.kind === 'append') pending.resolve(outcome.result as AppendResult);
      else pending.resolve(outcome.result);
    });
    if (!mustCommit) this.holdOpenForDurableWrite();
    this.scheduleRest();
  }

  private commitOpenTransaction(durable: boolean): void {
    this.commit.run();
    this.commits += 1;
    if (durable) this.syncedCommits += 1;
    this.endOfTransaction();
  }

  /** Deferred writes wait in the open transaction; nothing durable came soon enough, so they commit alone. */
  private holdOpenForDurableWrite(): void {
    if (!this.db.inTransaction) return;
    this.deferredInOpenTransaction = true;
    this.deferredCommitTimer ??= setTimeout(() => {
      this.deferredCommitTimer = undefined;
      if (!this.db.open || !this.db.inTransaction) return;
      try {
        this.commitOpenTransaction(false);
      } catch (error) {
        this.stop(error);
      }
    }, deferredCommitDelayMs);
  }

  private endOfTransaction(): void {
    this.uncommittedFrom = null;
    this.deferredInOpenTransaction = false;
    if (this.deferredCommitTimer !== undefined) clearTimeout(this.deferredCommitTimer);
    this.deferredCommitTimer = undefined;
    this.appended.notify();
  }

  /**
   * A commit failed after deferred writes in its transaction had been acknowledged: the ledger above has
   * folded them, the file has not kept them. Going on would let it decide on events that do not exist, so
   * the store stops, as if the process had crashed there; on the next start the recovery pass carries on
   * every process from what the file holds.
   */
  private stop(error: unknown): void {
    this.failure = error;
    try {
      if (this.db.inTransaction) this.rollback.run();
    } catch {
      // The connection is being given up; the file's own journal undoes the transaction.
    }
    if (this.deferredCommitTimer !== undefined) clearTimeout(this.deferredCommitTimer);
    const queued = this.queue.splice(0);
    for (const pending of queued) pending.reject(error);
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.appended.notify();
    this.db.close();
  }

  private takeBatch(): Pending[] {
    let events = 0;
    let count = 0;
    while (count < this.queue.length && count < maxAppendsPerCommit) {
      const pending = this.queue[count]!;
      events += pending.kind === 'append' ? pending.events.length : 1;
      if (count > 0 && events > maxEventsPerCommit) break;
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  private scheduleRest(): void {
    if (this.queue.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private writeAppend(append: PendingAppend): AppendResult {
    const { streamName, events, expectedRevision } = append;
    const actual = this.currentRevision(streamName);
    if (!expectedRevisionHolds(expectedRevision, actual)) {
      throw new WrongExpectedRevisionError(streamName, expectedRevision, actual);
    }
    let revision = actual === 'no_stream' ? -1 : actual;
    let position = 0n;
    // The ledger gives every event of one append the same metadata object: its text is made once.
    let metadata: NewEvent['metadata'] | undefined;
    let metadataText = '';
    for (const event of events) {
      revision += 1;
      if (event.metadata !== metadata) {
        metadata = event.metadata;
        metadataText = JSON.stringify(metadata);
      }
      try {
        const info = this.insertEvent.run(streamName, revision, event.eventId, event.type, event.schemaVersion, JSON.stringify(event.data), metadataText);
        position = BigInt(info.lastInsertRowid);
        this.uncommittedFrom ??= position;
      } catch (error) {
        if (error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE' && error.message.includes('event_id')) {
          throw new Error(
            `append to ${streamName} refused: event id ${event.eventId} is already in the store; ` +
              'every event needs a fresh ULID, nothing was written for this append',
            { cause: error },
          );
        }
        throw error;
      }
    }
    return { nextExpectedRevision: revision, position };
  }

  private currentRevision(streamName: string): StreamRevision {
    const revision = this.selectRevision.get(streamName);
    return revision === null || revision === undefined ? 'no_stream' : Number(revision);
  }

  private assertOpen(): void {
    if (this.failure !== null) {
      throw new Error(
        `SQLite event store ${this.filename} stopped after a failed commit, which took back writes it had already acknowledged as deferred; ` +
          'restart the service: opening the file again carries every process on from what the file holds',
        { cause: this.failure },
      );
    }
    if (this.closed) throw new Error(`SQLite event store ${this.filename} is closed; open it again to use it`);
  }
}
