/**
 * The event store port: the only thing the ledger knows about storage.
 *
 * Revision semantics (identical in every store, proven by the contract suite):
 * - a stream's events are numbered 0, 1, 2, … in append order (the *revision* of an event);
 * - a stream's revision is the revision of its last event; a stream with no events does not exist;
 * - `position` orders every event of the store globally: strictly increasing in append order
 *   across all streams, never reused. It is opaque beyond that: gaps are allowed, and values may exceed
 *   2^64 (the EventStoreDB store packs commit and prepare positions), so keep them as bigint or decimal
 *   strings, never as int64 or number.
 */

/** JSON values as stored. Amounts are decimal strings, never numbers. */
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Metadata carried by every event (DESIGN §3). */
export interface EventMetadata {
  /** Who caused it: a member id, an organiser id, `system:<job>` … */
  readonly actor: string;
  /** Groups every event caused by one outside request. */
  readonly correlationId: string;
  /** The event id (or command id) that directly caused this one; null for a fresh command. */
  readonly causationId: string | null;
  /** The caller's idempotency key (already scoped by the ledger), when there was one. */
  readonly idempotencyKey: string | null;
  /** SHA-256 (hex) of the canonical command that carried the key, so a stream alone proves what a key did. */
  readonly requestHash: string | null;
  /**
   * A fingerprint of the command that wrote it (pipeline/repeats.ts), so the same command sent again without a
   * key gets this answer back; absent on events written before it existed, and on the ledger's own steps.
   */
  readonly commandFingerprint?: string;
  /** ISO-8601 UTC instant from the injected clock. */
  readonly recordedAt: string;
}

/** An event about to be appended. */
export interface NewEvent {
  /** ULID, unique across the store. */
  readonly eventId: string;
  readonly type: string;
  /** Version of this event type's data schema; upcasters lift old versions on read. */
  readonly schemaVersion: number;
  readonly data: JsonObject;
  readonly metadata: EventMetadata;
}

/** An event as read back from a store. */
export interface RecordedEvent extends NewEvent {
  readonly streamName: string;
  /** 0-based position of this event in its stream. */
  readonly revision: number;
  /** Global order across the whole store. */
  readonly position: bigint;
}

/**
 * What the caller expects of a stream before appending:
 * - `'no_stream'`: the stream must not exist yet;
 * - `'stream_exists'`: it must have at least one event;
 * - `'any'`: no check;
 * - a number: the stream's current revision must be exactly this.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface AppendOptions {
  readonly expectedRevision: ExpectedRevision;
  /**
   * `'durable'` (the default): resolves once the events are as durable as the store promises.
   * `'deferred'`: the store may resolve before that, for an append nobody has been told about yet (a step in
   * the middle of a process); it becomes durable no later than the next durable append this store
   * acknowledges. A crash may lose deferred appends, but only ones appended after every durable one it keeps:
   * what survives is always a prefix of what was appended. Until it is durable, a deferred append is read back
   * by `readStream` of the same store object, but `readAll` (and so every subscription) may leave it out: a
   * subscriber must never fold an event a crash could still take back. Stores that cannot tell the two apart
   * treat every append as durable.
   */
  readonly durability?: 'durable' | 'deferred';
}

/** The stream's revision as seen by a store: a number, or `'no_stream'` when it has no events. */
export type StreamRevision = number | 'no_stream';

export interface AppendResult {
  /** Revision of the last event appended: pass it as the next expected revision. */
  readonly nextExpectedRevision: number;
  /** Global position of the last event appended. */
  readonly position: bigint;
}

/** Thrown by `appendToStream` when the expected revision does not hold. Nothing is written. */
export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    readonly actual: StreamRevision,
  ) {
    super(
      `wrong expected revision on stream ${streamName}: expected ${String(expected)}, actual ${String(actual)}; ` +
        're-read the stream and decide again',
    );
  }
}

export interface ReadStreamOptions {
  /** First revision to return (inclusive). Default 0. */
  readonly fromRevision?: number;
  /** At most this many events. Default: all. */
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Return events strictly after this position. Default: from the beginning. */
  readonly after?: bigint;
  /** At most this many events (stores may cap it at their own page size). */
  readonly maxCount: number;
}

export interface SubscribeToAllOptions {
  /** Deliver events strictly after this position (catch-up first, then live). Default: from the beginning. */
  readonly after?: bigint;
}

/** A live subscription to the global order: catch-up, then live events, in order, each once. */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  /** Stops delivery; the iterator ends. Idempotent. */
  close(): Promise<void>;
}

/**
 * A durable idempotency record (DESIGN §8). The ledger claims a key before acting (`pending`, with a
 * lease) and completes it with the outcome; a repeat returns the stored outcome, a different payload
 * under the same key is refused. Records live until `expiresAt`, after which the key is free again.
 */
export interface IdempotencyRecord {
  readonly key: string;
  /** SHA-256 (hex) of the canonical request: a repeat with another hash is a different payload. */
  readonly requestHash: string;
  readonly status: 'pending' | 'completed';
  /** The stored outcome (JSON) once completed. */
  readonly outcome: JsonValue | null;
  /** ISO-8601 UTC. */
  readonly createdAt: string;
  /** ISO-8601 UTC. For `pending`: the lease deadline; for `completed`: the end of retention. */
  readonly expiresAt: string;
}

/**
 * How durable a record write must be before it resolves:
 * - `'durable'` (the default): as durable as the store promises (see AppendOptions.durability);
 * - `'deferred'`: it need not be synced first, but once resolved, a crash of this process does not take it back
 *   (a power cut may); a keyed command's outcome, written after its claim, must never be lost while the claim
 *   stays, or a repeat would be told "in flight" until the claim's lease ran out;
 * - `'best-effort'`: the store may resolve before the record is written at all, and a crash may lose it, with
 *   any other such write since the last durable one. For records whose loss costs only a less exact answer
 *   (a process's kept answer: the process's own stream answers a repeat anyway).
 * Stores that cannot tell these apart treat every write as durable.
 */
export interface WriteOptions {
  readonly durability?: 'durable' | 'deferred' | 'best-effort';
}

export interface IdempotencyStore {
  /** The record under `key`, expired or not; null when there is none. */
  get(key: string): Promise<IdempotencyRecord | null>;
  /**
   * Atomically inserts `record` unless a record whose `expiresAt` is later than `now` exists under its
   * key. An expired record is replaced. Returns whether it was inserted and the record now stored.
   */
  tryInsert(record: IdempotencyRecord, now: string, options?: WriteOptions): Promise<{ inserted: boolean; record: IdempotencyRecord }>;
  /** Overwrites the record under `record.key` (pending → completed, or a renewed lease). */
  put(record: IdempotencyRecord, options?: WriteOptions): Promise<void>;
  /** Removes the record under `key`, if any (a claim given up after a transient fault). */
  delete(key: string): Promise<void>;
  /** Removes every record that expired at or before `now`; returns how many. */
  deleteExpired(now: string): Promise<number>;
}

/** Key-value checkpoints for projections and process managers, durable in durable stores. */
export interface CheckpointStore {
  getCheckpoint(name: string): Promise<bigint | null>;
  putCheckpoint(name: string, position: bigint): Promise<void>;
}

/**
 * A stream's state folded up to `revision`, kept so that a stream missing from a ledger's cache is read as
 * snapshot + tail instead of its whole history. Derived data, written by the ledger itself: a lost, stale or
 * unreadable snapshot costs a full fold, never a wrong state (the reader checks `stateVersion` and ignores
 * anything it cannot decode).
 */
export interface StreamSnapshot {
  readonly streamName: string;
  /** Revision of the last event folded into `state`. */
  readonly revision: number;
  /** Which fold and encoding wrote `state`; a reader ignores a snapshot of any other. */
  readonly stateVersion: string;
  /** The encoded state (see pipeline/state-codec.ts, member/snapshot-codec.ts). */
  readonly state: string;
}

/**
 * A snapshot as written: with the parts it stores beside its state (pipeline/parted-map.ts), for stores that keep
 * parts (`readPart`).
 */
export interface StreamSnapshotWrite extends StreamSnapshot {
  /** New parts, to be kept with the snapshot. A part's id names its content: the same id is the same text. */
  readonly parts?: readonly StreamSnapshotPart[];
  /** Every part the snapshot names (new or kept); the store may drop a stream's other parts (see `readPart`). */
  readonly partIds?: readonly string[];
}

export interface StreamSnapshotPart {
  readonly id: string;
  readonly text: string;
}

/** Where stream snapshots live: one per stream, the latest written. Optional for a store; without it every cold read folds the whole stream. */
export interface StreamSnapshotStore {
  /** The snapshot kept for `streamName`, or null. */
  read(streamName: string): Promise<StreamSnapshot | null>;
  /**
   * Keeps `snapshot` (and its parts, atomically with it) unless one of a later revision is kept already. Need
   * not be durable: a lost snapshot is only time.
   */
  write(snapshot: StreamSnapshotWrite): Promise<void>;
  /**
   * A part of `streamName`'s snapshots, or null when it is not kept. Synchronous, because a state reads its parts
   * when a lookup needs one (decisions are synchronous). A store without it is given snapshots without parts.
   * Parts no longer named by the latest snapshot may be dropped, though not at once: a state read from an older
   * snapshot may still need them (one that finds its part gone is folded whole instead).
   */
  readPart?(streamName: string, partId: string): string | null;
}

/** The port. Every method is safe to call concurrently. */
export interface EventStore {
  /**
   * Appends `events` (at least one, at most `maxEventsPerAppend`) atomically at the end of `streamName`
   * if `expectedRevision` holds; throws `WrongExpectedRevisionError` otherwise, writing nothing.
   * Resolves only once the events are as durable as the store promises.
   */
  appendToStream(streamName: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult>;
  /** The stream's events in revision order; `[]` when the stream does not exist. */
  readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** The stream's current revision, or `'no_stream'`. */
  streamRevision(streamName: string): Promise<StreamRevision>;
  /** Events of every stream in global order, strictly after `after`. */
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catch-up then live subscription to the global order. */
  subscribeToAll(options?: SubscribeToAllOptions): Subscription;
  /**
   * Makes every deferred append made so far durable, as a durable append would (see AppendOptions.durability),
   * and resolves once it is; at once when none is waiting. A process calls it before it answers when its last
   * append was deferred (a phase whose steps end it, with nothing recorded after them). Required of a store that
   * lets deferred appends wait; one whose appends are all durable may leave it out.
   */
  syncDeferred?(): Promise<void>;
  readonly idempotency: IdempotencyStore;
  readonly checkpoints: CheckpointStore;
  /** Stream snapshots, if the store keeps them. */
  readonly streamSnapshots?: StreamSnapshotStore;
  /** Flushes and releases resources; later calls fail. Idempotent. */
  close(): Promise<void>;
}

export { maxEventsPerAppend, maxReadAllPageSize } from '../limits.js';

/** Streams the ledger writes are named `<category>-<community>-<id>` (DESIGN §3): the categories, from `streamNames`. */
export { streamCategories } from '../ids.js';
