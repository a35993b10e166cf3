/**
 * Streams as the ledger holds them: each stream's state folded once and kept (by stream and revision, least
 * recently used evicted), so a decision's cost does not grow with the stream's length; and the one loop every
 * decision goes through — load → decide → append with the expected revision → on a conflict, reload and decide
 * again, a bounded number of times (STYLE: Emmett's handleCommand, written once).
 *
 * Callers hold the stream's place in the single-writer queue while they use `decide`; reads may refresh an
 * entry concurrently, which is safe: an entry folds each revision exactly once, whoever brings it.
 */
import { monotonicFactory } from 'ulid';
import { type DomainError, domainError, invariant } from '../errors.js';
import { eventRegistry } from '../event-registry.js';
import type { Actor, DomainEvent } from '../events.js';
import { pooledRandom } from '../ids.js';
import { maxConflictRetries } from '../limits.js';
import { earlierAnswer } from './repeats.js';
import { type CommandOutcome, type ExecuteResult, type OutcomeEvent, outcomeEvent, unchanged } from '../outcome.js';
import { err, ok, type Result } from '../result.js';
import { type EventMetadata, type EventStore, type JsonObject, type NewEvent, type RecordedEvent, type StreamSnapshot, type StreamSnapshotPart, type StreamSnapshotStore, WrongExpectedRevisionError } from '../store/port.js';
import { PartedMap, SnapshotPartError, type SnapshotPartSink, type SnapshotPartSource } from './parted-map.js';
import type { Clock } from '../time.js';
import { decodeState, encodeState, stateCodecVersion } from './state-codec.js';

export interface StreamKind<S, E extends DomainEvent> {
  readonly initialState: () => S;
  readonly evolve: (state: S, event: E) => S;
  /**
   * Set for kinds whose streams grow long (a member's): their folded state is snapshotted now and then, so
   * a read that misses the cache folds only the tail. `version` names the state's shape and fold: bump it
   * whenever either changes, and every older snapshot is ignored.
   */
  readonly snapshot?: { readonly name: string; readonly version: number; readonly codec?: SnapshotCodec<S> };
}

/**
 * A kind's own snapshot encoding (a member's: member/snapshot-codec.ts), used instead of the generic tagged JSON
 * of pipeline/state-codec.ts. `name` is stamped into every snapshot's version; `decode` throws on anything that
 * is not `encode`'s output, and `encode` on a state it could not bring back exactly. Where the store keeps parts,
 * `encode` may put rows in parts (through `parts`) and the decoded state reads them from `parts` when it needs
 * them (pipeline/parted-map.ts).
 */
export interface SnapshotCodec<S> {
  readonly name: string;
  readonly encode: (snapshot: { readonly state: S; readonly keys: Map<string, KeyedEvents> }, options?: { readonly parts?: SnapshotPartSink }) => string;
  readonly decode: (text: string, options?: { readonly parts?: SnapshotPartSource }) => { state: S; keys: Map<string, KeyedEvents> };
}

/** Where a key's events sit in a stream, and the request they answered. */
export interface KeyedEvents {
  readonly requestHash: string;
  readonly first: number;
  readonly last: number;
}

export interface StreamEntry<S> {
  state: S;
  /** Revision of the last event folded in; -1 before the first. */
  revision: number;
  /** Idempotency keys whose events are in this stream. */
  readonly keys: Map<string, KeyedEvents>;
  /** Set while the entry's first read from the store is under way: nobody may use the entry before it ends. */
  loading: Promise<void> | null;
  /** Revision of the last snapshot read or written for this stream; -1 when none. */
  snapshotRevision: number;
}

/** The caller's idempotency key (scoped by the ledger) and the hash of the request that carried it. */
export interface IdempotencyContext {
  readonly key: string;
  readonly requestHash: string;
}

/** What every appended event's metadata says about why it was written. */
export interface EventContext {
  readonly actor: Actor;
  readonly correlationId: string;
  readonly causationId: string;
  readonly idempotency: IdempotencyContext | null;
  /** The caller's command's fingerprint (pipeline/repeats.ts): a refused repeat of it gets its first answer. */
  readonly fingerprint?: string;
  /**
   * 'deferred' for a step in the middle of a process: nobody waits on it, and the process's last append (durable)
   * makes it durable too (see AppendOptions). Durable by default.
   */
  readonly durability?: 'durable' | 'deferred';
}

export interface DecideOptions extends EventContext {
  /** If-Match: decide and append only at exactly this revision, else `precondition-failed`. */
  readonly expectedRevision?: number;
  /** Read the stream from the store before deciding (a keyed command: a crashed attempt may have appended). */
  readonly fresh?: boolean;
  /** Events of this request's key found in the stream answer it (a single-stream command repeated). */
  readonly recognizeKey?: boolean;
}

export type Decider<S, E> = (state: S) => Result<E[], DomainError> | Promise<Result<E[], DomainError>>;

export interface StreamsOptions {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly maxCachedStreams: number;
  /** Check every event against its schema before appending (tests). */
  readonly validateOnAppend: boolean;
  /**
   * Check every event read from the store against its schema. Off, an event of the current version is taken as
   * the deciders wrote it (cheap structural check only); older versions are always lifted and checked.
   */
  readonly validateStoredEvents: boolean;
  /**
   * Read and write stream snapshots where the kind and the store allow (default on). Never with
   * `validateStoredEvents`: a store someone else writes to is folded event by event, each checked.
   */
  readonly streamSnapshots?: boolean;
}

/**
 * Fewest events a snapshot's tail grows to before the next snapshot is written. A cold read folds the tail (each
 * event read and parsed from the store, ~10–20 µs), so a shorter tail brings a cold command nearer a warm one;
 * but every snapshot costs its writer encoding and a row (a few KB for a short member, ~35 KB with the parts'
 * filters for a 10,000-event one), and at 16 the cached commands of short members cost ~40 % more CPU
 * (bench/snapshots cache_within_cpu_us: ~720 µs against ~450 µs at 32, measured on this VM).
 */
export const minSnapshotIntervalEvents = 32;
/**
 * A new snapshot is written once the tail reaches this share of the stream (or the minimum above): a cold read
 * folds at most that share. What a snapshot writes grows slowly with the state (the parts' filters, ~2.7
 * characters a row), so spreading snapshots over a share of very long streams keeps the cost per event flat; at
 * 1/512 the minimum decides up to ~16,000 events (a 10,000-event member: a snapshot every 32 events, ~35 KB, where
 * it was every 78 events, ~390 KB, while a snapshot copied every row's text at 1/128; 1/8 while it was generic
 * tagged JSON).
 */
export const snapshotTailShare = 1 / 512;

export class Streams {
  private readonly cache: StreamCache;
  /** Streams whose snapshot named a part that could not be read (see `distrust`). */
  private readonly distrusted = new Set<string>();
  readonly newId = monotonicFactory(pooledRandom);

  constructor(private readonly options: StreamsOptions) {
    this.cache = new StreamCache(options.maxCachedStreams);
  }

  get store(): EventStore {
    return this.options.store;
  }

  /**
   * The cached entry, caught up with the store when `refresh` is set or when it is new. A fresh read (`refresh`)
   * also reads every snapshot part its state names, so that callers may keep the state: nothing it holds is read
   * from the store later. A cached read leaves parts to be read when used (a part found gone or damaged then
   * throws `SnapshotPartError`, and the next decision on the stream folds it whole).
   */
  async load<S, E extends DomainEvent>(streamName: string, kind: StreamKind<S, E>, refresh: boolean): Promise<StreamEntry<S>> {
    const entry = await this.entryOf(streamName, kind, refresh);
    if (!refresh || kind.snapshot === undefined) return entry;
    try {
      readEveryPart(entry.state);
      return entry;
    } catch (fault) {
      if (!(fault instanceof SnapshotPartError)) throw fault;
      this.distrust(streamName);
      return this.entryOf(streamName, kind, true);
    }
  }

  /** The cached entry as `load` gives it, its snapshot parts (if any) left to be read when used. */
  private async entryOf<S, E extends DomainEvent>(streamName: string, kind: StreamKind<S, E>, refresh: boolean): Promise<StreamEntry<S>> {
    const cached = this.cache.get(streamName) as StreamEntry<S> | undefined;
    if (!cached) {
      const entry: StreamEntry<S> = { state: kind.initialState(), revision: -1, keys: new Map(), loading: null, snapshotRevision: -1 };
      this.cache.set(streamName, entry as StreamEntry<unknown>);
      entry.loading = this.firstLoad(streamName, entry, kind);
      try {
        await entry.loading;
      } catch (fault) {
        this.forget(streamName);
        throw fault;
      } finally {
        entry.loading = null;
      }
      return entry;
    }
    if (cached.loading) await cached.loading;
    if (refresh) {
      try {
        await this.catchUp(streamName, cached, kind);
      } catch (fault) {
        // Folding the new events needed a snapshot part that is gone or damaged: start again from the whole stream.
        if (!(fault instanceof SnapshotPartError)) throw fault;
        this.distrust(streamName);
        return this.entryOf(streamName, kind, false);
      }
    }
    return cached;
  }

  /**
   * Forgets a stream whose state needed a snapshot part that could not be read: its next read folds the whole
   * stream, not the snapshot, until this ledger writes the stream a new snapshot.
   */
  private distrust(streamName: string): void {
    this.forget(streamName);
    this.distrusted.add(streamName);
  }

  private async catchUp<S, E extends DomainEvent>(streamName: string, entry: StreamEntry<S>, kind: StreamKind<S, E>): Promise<void> {
    const events = await this.options.store.readStream(streamName, { fromRevision: entry.revision + 1 });
    this.apply(entry, kind, events);
    this.snapshotIfDue(streamName, entry, kind);
  }

  /** A new entry: from the stream's snapshot and its tail when there is a usable snapshot, else the whole stream. */
  private async firstLoad<S, E extends DomainEvent>(streamName: string, entry: StreamEntry<S>, kind: StreamKind<S, E>): Promise<void> {
    const snapshots = this.distrusted.has(streamName) ? null : this.snapshotStore(kind);
    const snapshot = snapshots === null ? null : restoreSnapshot(streamName, await snapshots.read(streamName), snapshots, kind);
    if (snapshot !== null) {
      const tail = await this.options.store.readStream(streamName, { fromRevision: snapshot.revision + 1 });
      // An empty tail must mean the stream ends at the snapshot; a snapshot past the stream's end is not trusted.
      if (tail.length > 0 || (await this.options.store.streamRevision(streamName)) === snapshot.revision) {
        entry.state = snapshot.state;
        entry.revision = snapshot.revision;
        for (const [key, keyed] of snapshot.keys) entry.keys.set(key, keyed);
        entry.snapshotRevision = snapshot.revision;
        try {
          this.apply(entry, kind, tail);
          this.snapshotIfDue(streamName, entry, kind);
          return;
        } catch (fault) {
          // The tail needed a snapshot part that is gone or damaged: the snapshot is not used, the stream folded whole.
          if (!(fault instanceof SnapshotPartError)) throw fault;
          this.distrusted.add(streamName);
          entry.state = kind.initialState();
          entry.revision = -1;
          entry.keys.clear();
          entry.snapshotRevision = -1;
        }
      }
    }
    await this.catchUp(streamName, entry, kind);
  }

  private snapshotStore<S, E extends DomainEvent>(kind: StreamKind<S, E>): StreamSnapshotStore | null {
    if (kind.snapshot === undefined || this.options.streamSnapshots === false || this.options.validateStoredEvents) return null;
    return this.options.store.streamSnapshots ?? null;
  }

  /**
   * Writes a snapshot once the tail since the last one is long enough (see `snapshotTailShare`). Encoded now,
   * while the state is this revision's; written without waiting: a snapshot that fails to encode or to land
   * costs later reads time, never a command.
   */
  private snapshotIfDue<S, E extends DomainEvent>(streamName: string, entry: StreamEntry<S>, kind: StreamKind<S, E>): void {
    const tailLength = entry.revision - entry.snapshotRevision;
    if (tailLength < Math.max(minSnapshotIntervalEvents, Math.floor((entry.revision + 1) * snapshotTailShare))) return;
    const snapshots = this.snapshotStore(kind);
    if (snapshots === null) return;
    let state: string;
    const parts: StreamSnapshotPart[] = [];
    const partIds: string[] = [];
    // Parts only where the store keeps them; else the codec writes every row into the snapshot's text.
    const sink: SnapshotPartSink | undefined = snapshots.readPart ? { add: (id, text) => parts.push({ id, text }), name: (id) => partIds.push(id) } : undefined;
    try {
      const codec = kind.snapshot?.codec;
      state = codec ? codec.encode({ state: entry.state, keys: entry.keys }, sink ? { parts: sink } : {}) : encodeState({ state: entry.state, keys: entry.keys });
    } catch {
      return;
    }
    entry.snapshotRevision = entry.revision;
    this.distrusted.delete(streamName);
    snapshots.write({ streamName, revision: entry.revision, stateVersion: snapshotVersion(kind), state, ...(sink ? { parts, partIds } : {}) }).catch(() => undefined);
  }

  /** Makes the deferred appends made so far durable (see EventStore.syncDeferred). */
  async syncDeferred(): Promise<void> {
    await this.options.store.syncDeferred?.();
  }

  /** Forgets a stream's folded state (after a fault left it unknown whether an append happened). */
  forget(streamName: string): void {
    this.cache.delete(streamName);
  }

  /**
   * The decision loop for one stream. A refusal or an empty decision on cached state is confirmed against the
   * store before it is reported (another process may have changed the stream); events decided are safe either
   * way, since the append carries the revision they were decided at.
   */
  async decide<S, E extends DomainEvent>(streamName: string, kind: StreamKind<S, E>, decider: Decider<S, E>, options: DecideOptions): Promise<ExecuteResult> {
    let fresh = options.fresh === true || options.expectedRevision !== undefined;
    for (let attempt = 0; attempt < maxConflictRetries; attempt += 1) {
      const entry = await this.entryOf(streamName, kind, fresh);
      const revision = entry.revision;
      if (options.expectedRevision !== undefined && revision !== options.expectedRevision) {
        return err(preconditionFailed(streamName, options.expectedRevision, revision));
      }
      if (options.recognizeKey && options.idempotency) {
        const recorded = entry.keys.get(options.idempotency.key);
        if (recorded) return this.recordedOutcome(streamName, recorded, options.idempotency);
      }
      let decision: Awaited<ReturnType<Decider<S, E>>>;
      try {
        decision = await decider(entry.state);
      } catch (fault) {
        // The decision needed a snapshot part that is gone or damaged: decide again on the stream folded whole.
        if (!(fault instanceof SnapshotPartError)) throw fault;
        this.distrust(streamName);
        fresh = true;
        continue;
      }
      if (entry.revision !== revision) {
        // The entry moved while deciding (a read brought another process's events): decide again on it.
        fresh = true;
        continue;
      }
      // A refusal, or "nothing to do", decided on cached state is confirmed against the store: another process
      // may have changed the stream (a reservation this cache has not seen is not "already released").
      if (!fresh && (!decision.ok || decision.value.length === 0)) {
        fresh = true;
        attempt -= 1;
        continue;
      }
      if (!decision.ok) {
        // Refused because the same command was done before (sent again without a key): its answer, not "already".
        const earlier = options.recognizeKey && options.fingerprint ? await earlierAnswer(this.options.store, streamName, revision, options.fingerprint) : null;
        return earlier ? ok(earlier) : decision;
      }
      if (decision.value.length === 0) {
        // Nothing to do because the same command did it before (sent again without a key): its answer.
        const earlier = options.recognizeKey && options.fingerprint ? await earlierAnswer(this.options.store, streamName, revision, options.fingerprint) : null;
        return ok(earlier ?? unchanged(streamName, revision));
      }
      const appended = await this.append(streamName, entry, kind, decision.value, options);
      if (appended !== 'conflict') return ok(appended);
      if (options.expectedRevision !== undefined) {
        return err(preconditionFailed(streamName, options.expectedRevision, (await this.entryOf(streamName, kind, true)).revision));
      }
      fresh = true;
    }
    return err(domainError('conflict', `${streamName} kept changing while deciding (${maxConflictRetries} attempts); retry the command`, { stream: streamName }));
  }

  /**
   * What a stream's decider would say now, without appending: a refusal, or the events it would append. A
   * refusal on cached state is confirmed against the store, as in `decide`.
   */
  async preview<S, E extends DomainEvent>(streamName: string, kind: StreamKind<S, E>, decider: Decider<S, E>): Promise<Result<E[], DomainError>> {
    try {
      const cached = await decider((await this.entryOf(streamName, kind, false)).state);
      return cached.ok ? cached : await decider((await this.entryOf(streamName, kind, true)).state);
    } catch (fault) {
      // A snapshot part that is gone or damaged: decide on the stream folded whole.
      if (!(fault instanceof SnapshotPartError)) throw fault;
      this.distrust(streamName);
      return decider((await this.entryOf(streamName, kind, true)).state);
    }
  }

  /**
   * Appends decided events at the entry's revision and folds them in; 'conflict' when the stream moved.
   * Another fault (the store failing) leaves it unknown whether the events landed, so the entry is forgotten.
   */
  async append<S, E extends DomainEvent>(
    streamName: string,
    entry: StreamEntry<S>,
    kind: StreamKind<S, E>,
    events: readonly E[],
    context: EventContext,
  ): Promise<CommandOutcome | 'conflict'> {
    const recordedAt = this.options.clock.now().toISOString();
    // One metadata object for the whole append: every event of one decision was caused, keyed and recorded alike,
    // and a live store (in memory) keeps each object it is given for as long as it runs.
    const metadata = metadataOf(context, recordedAt);
    const newEvents = events.map((event) => this.toNewEvent(event, metadata));
    let appended;
    try {
      appended = await this.options.store.appendToStream(streamName, newEvents, {
        expectedRevision: entry.revision < 0 ? 'no_stream' : entry.revision,
        ...(context.durability === 'deferred' ? { durability: 'deferred' as const } : {}),
      });
    } catch (fault) {
      if (fault instanceof WrongExpectedRevisionError) return 'conflict';
      this.forget(streamName);
      throw fault;
    }
    // The decided events are folded as they are and the answer is built from what was appended: no copy of
    // each event as the store recorded it is made just to be read once.
    const firstRevision = appended.nextExpectedRevision - newEvents.length + 1;
    const answered: OutcomeEvent[] = [];
    for (let i = 0; i < newEvents.length; i += 1) {
      const event = newEvents[i]!;
      answered.push({ eventId: event.eventId, type: event.type, revision: firstRevision + i, data: event.data });
    }
    try {
      for (let i = 0; i < newEvents.length; i += 1) {
        const revision = firstRevision + i;
        // A read that caught up while the append was in flight has folded it already.
        if (revision > entry.revision) this.foldOne(streamName, entry, kind, events[i]!, revision, newEvents[i]!.metadata);
      }
      this.snapshotIfDue(streamName, entry, kind);
    } catch (fault) {
      // The events are appended; folding them needed a snapshot part that is gone or damaged. The entry is
      // forgotten half-folded, and the next read folds the whole stream, these events included.
      if (!(fault instanceof SnapshotPartError)) throw fault;
      this.distrust(streamName);
    }
    return { streamName, revision: appended.nextExpectedRevision, position: appended.position.toString(), events: answered, replayed: false };
  }

  /** The events a key wrote to a stream, as the outcome of the request that carried it. */
  async recordedOutcome(streamName: string, recorded: KeyedEvents, idempotency: IdempotencyContext): Promise<ExecuteResult> {
    if (recorded.requestHash !== idempotency.requestHash) {
      return err(domainError('idempotency-key-reused', 'this idempotency key was used with a different request; use a new key for a new request'));
    }
    return ok(await this.eventsAsOutcome(streamName, recorded.first, recorded.last - recorded.first + 1));
  }

  /** Events of a stream, read from the store, as a replayed outcome. */
  async eventsAsOutcome(streamName: string, fromRevision = 0, maxCount?: number): Promise<CommandOutcome> {
    const events = await this.options.store.readStream(streamName, { fromRevision, ...(maxCount === undefined ? {} : { maxCount }) });
    const last = events.at(-1);
    return {
      streamName,
      revision: last ? last.revision : 'no_stream',
      position: last ? last.position.toString() : null,
      events: events.map((e) => outcomeEvent(e)),
      replayed: true,
    };
  }

  private toNewEvent(event: DomainEvent, metadata: EventMetadata): NewEvent {
    if (this.options.validateOnAppend) {
      const checked = eventRegistry.definition(event.type).schema.safeParse(event.data);
      invariant(checked.success, () => `decider produced a malformed ${event.type}: ${checked.error?.message}`);
    }
    return {
      eventId: this.newId(),
      type: event.type,
      schemaVersion: eventRegistry.schemaVersion(event.type),
      data: event.data as JsonObject,
      metadata,
    };
  }

  /**
   * A stored event as its decider's evolve sees it. Unvalidated, an event of the current version is handed over
   * as it is (evolve reads only `type` and `data`), without the copy `eventRegistry.decode` makes — one object
   * fewer per event folded; anything else goes through `decode`, which lifts and checks it.
   */
  private domainEvent(event: RecordedEvent): DomainEvent {
    if (!this.options.validateStoredEvents && isPlainObject(event.data) && event.schemaVersion === eventRegistry.schemaVersion(event.type)) {
      return event as unknown as DomainEvent;
    }
    return eventRegistry.decode(event, { validate: this.options.validateStoredEvents });
  }

  /**
   * Folds events into an entry, each exactly once: an event at or below the entry's revision was folded
   * already (a concurrent read caught up first); a gap is corruption.
   */
  private apply<S, E extends DomainEvent>(entry: StreamEntry<S>, kind: StreamKind<S, E>, events: readonly RecordedEvent[]): void {
    for (const event of events) {
      if (event.revision <= entry.revision) continue;
      this.foldOne(event.streamName, entry, kind, this.domainEvent(event) as E, event.revision, event.metadata);
    }
  }

  /** Folds the event at `revision`, which must be the entry's next, and notes the idempotency key it carries. */
  private foldOne<S, E extends DomainEvent>(streamName: string, entry: StreamEntry<S>, kind: StreamKind<S, E>, event: E, revision: number, metadata: EventMetadata): void {
    invariant(revision === entry.revision + 1, () => `${streamName}: revision ${revision} follows ${entry.revision}`);
    entry.state = kind.evolve(entry.state, event);
    entry.revision = revision;
    const key = metadata.idempotencyKey;
    if (key !== null) {
      const seen = entry.keys.get(key);
      entry.keys.set(key, { requestHash: metadata.requestHash ?? '', first: seen?.first ?? revision, last: revision });
    }
  }

}

/**
 * The stream cache: at most `max` entries, the least recently used evicted first — approximately, in two
 * generations: hits in the young one cost one lookup; a hit in the old one moves the entry to the young one;
 * when the young one is half full it becomes the old one and the old one is dropped. (A Map kept in exact LRU
 * order costs a delete and an insert per hit, which V8 made a tenth of a command's time.)
 */
class StreamCache {
  private young = new Map<string, StreamEntry<unknown>>();
  private old = new Map<string, StreamEntry<unknown>>();
  private readonly generationSize: number;

  constructor(max: number) {
    this.generationSize = Math.max(1, Math.floor(max / 2));
  }

  get(streamName: string): StreamEntry<unknown> | undefined {
    const young = this.young.get(streamName);
    if (young) return young;
    const old = this.old.get(streamName);
    if (old) {
      this.old.delete(streamName);
      this.set(streamName, old);
    }
    return old;
  }

  set(streamName: string, entry: StreamEntry<unknown>): void {
    this.young.set(streamName, entry);
    if (this.young.size >= this.generationSize) {
      this.old = this.young;
      this.young = new Map();
    }
  }

  delete(streamName: string): void {
    this.young.delete(streamName);
    this.old.delete(streamName);
  }
}

/** What a kind's snapshots are stamped with: its name and state version, and the encoding's. */
export const snapshotVersion = <S, E extends DomainEvent>(kind: StreamKind<S, E>): string =>
  `${kind.snapshot?.name}/${kind.snapshot?.version}/${kind.snapshot?.codec?.name ?? `codec${stateCodecVersion}`}`;

/** A stored snapshot decoded, or null when there is none, it is of another version, or it does not decode. */
function restoreSnapshot<S, E extends DomainEvent>(
  streamName: string,
  snapshot: StreamSnapshot | null,
  snapshots: StreamSnapshotStore,
  kind: StreamKind<S, E>,
): { revision: number; state: S; keys: Map<string, KeyedEvents> } | null {
  if (snapshot === null || snapshot.stateVersion !== snapshotVersion(kind) || !Number.isSafeInteger(snapshot.revision) || snapshot.revision < 0) return null;
  const codec = kind.snapshot?.codec;
  if (codec) {
    try {
      const decoded = codec.decode(snapshot.state, snapshots.readPart ? { parts: (partId) => snapshots.readPart!(streamName, partId) } : {});
      return { revision: snapshot.revision, state: decoded.state, keys: decoded.keys };
    } catch {
      return null;
    }
  }
  try {
    const decoded = decodeState(snapshot.state) as { state?: unknown; keys?: unknown };
    if (decoded === null || typeof decoded !== 'object' || !isPlainObject(decoded.state) || !(decoded.keys instanceof Map)) return null;
    return { revision: snapshot.revision, state: decoded.state as S, keys: decoded.keys as Map<string, KeyedEvents> };
  } catch {
    return null;
  }
}

/** Reads every snapshot part a state's tables name (see `load`). */
function readEveryPart(state: unknown): void {
  if (typeof state !== 'object' || state === null) return;
  for (const value of Object.values(state)) if (value instanceof PartedMap) value.loadAll();
}

const isPlainObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);

export function preconditionFailed(streamName: string, expected: number, actual: number): DomainError {
  const found = actual < 0 ? 'no events' : `revision ${actual}`;
  return domainError('precondition-failed', `${streamName} is at ${found}, not the expected revision ${expected}; read it again and retry`, {
    expectedRevision: expected,
    actualRevision: actual,
  });
}

/** The metadata every event of one append carries (DESIGN §3), frozen because the events share it. */
function metadataOf(context: EventContext, recordedAt: string): EventMetadata {
  return Object.freeze({
    actor: context.actor.id,
    correlationId: context.correlationId,
    causationId: context.causationId,
    idempotencyKey: context.idempotency?.key ?? null,
    requestHash: context.idempotency?.requestHash ?? null,
    ...(context.fingerprint === undefined ? {} : { commandFingerprint: context.fingerprint }),
    recordedAt,
  });
}
