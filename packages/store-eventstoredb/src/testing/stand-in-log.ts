/**
 * The stand-in server's storage: an in-memory model of an EventStoreDB transaction log, written to
 * behave like the server does behind its gRPC API (KurrentDB source: `AllReader`, `EventFilter`,
 * `RequestManagerBase`, `Streams.Append`). It knows nothing about gRPC; `stand-in-server.ts` maps the
 * protocol onto it.
 *
 * What it models:
 * - log positions that grow by each record's size (so positions have gaps, like the real log);
 * - self-committed appends: every event of a gRPC append gets commit = prepare = its own log position,
 *   and the append is visible atomically (all events or none);
 * - explicit transactions of the legacy TCP API (`writeExplicitTransaction`): prepares first, a commit
 *   record later, every event of the transaction sharing the commit record's position;
 * - expected-revision checks with the server's answers, including its deterministic idempotency check
 *   (re-appending the same event ids right after the expected revision succeeds without writing);
 * - `$maxCount` stream metadata honoured on stream reads (scavenging is not modelled, so `$all` still
 *   returns truncated events, as a real server does until it scavenges);
 * - the default `$all` filter and stream-name / event-type filters, by prefix or regular expression;
 * - deleting streams as the server does: a soft delete (`Streams.Delete`) writes `$tb` (truncate before)
 *   = 2^63 - 1 into the stream's metadata, so the stream reads as not found; appending to it again
 *   recreates it, its revisions continuing after the old ones and `$tb` moved to the first new event, so
 *   the old events stay hidden. A hard delete (`Streams.Tombstone`) writes a `$streamDeleted` tombstone
 *   (revision 2^63 - 1) to `$all`; the stream then reads, appends and deletes as deleted, for ever.
 *   Neither removes bytes: only a scavenge would, and scavenging is not modelled.
 */

/** Unsigned 64-bit maximum: what the server reports for an unknown position. */
export const unknownPosition = (1n << 64n) - 1n;

export interface ProposedEvent {
  /** Lower-case UUID text. */
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly metadata: Uint8Array;
}

export interface StoredEvent extends ProposedEvent {
  readonly streamName: string;
  readonly revision: bigint;
  /** Ticks (100 ns) since the Unix epoch, as the server reports `created`. */
  readonly createdTicks: bigint;
  readonly commit: bigint;
  readonly prepare: bigint;
  /** Written by a self-committing append (true) or inside an explicit transaction (false). */
  readonly selfCommitted: boolean;
}

export type Expected = 'any' | 'no_stream' | 'stream_exists' | bigint;

export type AppendOutcome =
  | { readonly kind: 'success'; readonly lastRevision: bigint; readonly commit: bigint; readonly prepare: bigint }
  | { readonly kind: 'wrong_expected_version'; readonly current: bigint | 'no_stream' }
  | { readonly kind: 'stream_deleted' };

export type DeleteOutcome =
  | { readonly kind: 'success'; readonly commit: bigint; readonly prepare: bigint }
  | { readonly kind: 'wrong_expected_version'; readonly current: bigint | 'no_stream' }
  | { readonly kind: 'stream_deleted' };

/** The server's `EventNumber.DeletedStream` (long.MaxValue): a tombstone's revision and a soft delete's `$tb`. */
export const deletedStreamRevision = (1n << 63n) - 1n;
/** The event type of a tombstone. */
export const tombstoneEventType = '$streamDeleted';

export interface AllPositionBound {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export type EventFilter = (event: StoredEvent) => boolean;

/** Where a fresh log starts (the server then writes its own system records, see `stand-in-server.ts`). */
const firstLogPosition = 0n;
/** Bytes of record header and framing per event, on top of its payload. */
const recordOverheadBytes = 90n;
/** Bytes of a commit record. */
const commitRecordBytes = 60n;

const utf8 = new TextEncoder();

export function comparePositions(a: AllPositionBound, b: AllPositionBound): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** The server's `DefaultAllFilter`: non-system events pass; a few system streams never reach `$all`. */
export function defaultAllFilter(event: StoredEvent): boolean {
  const name = event.streamName;
  if (!name.startsWith('$')) return true;
  if (name === '$epoch-information') return false;
  if (name.startsWith('$persistentsubscription-$all::') && (name.endsWith('-checkpoint') || name.endsWith('-parked'))) {
    return false;
  }
  return true;
}

export class StandInLog {
  /** Every committed event in `$all` order: (commit, prepare) ascending. */
  private readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly listeners = new Set<(events: readonly StoredEvent[]) => void>();
  /** Hard-deleted streams. */
  private readonly tombstoned = new Set<string>();
  private nextLogPosition = firstLogPosition;

  /** The position after the last committed record, as a subscription from the end sees it. */
  get headPosition(): AllPositionBound {
    const last = this.all[this.all.length - 1];
    return last ? { commit: last.commit, prepare: last.prepare } : { commit: 0n, prepare: 0n };
  }

  get eventCount(): number {
    return this.all.length;
  }

  currentRevision(streamName: string): bigint | 'no_stream' {
    const stream = this.streams.get(streamName);
    return stream && stream.length > 0 ? BigInt(stream.length - 1) : 'no_stream';
  }

  /** Appends atomically if `expected` holds, as `WriteEvents` does for one stream. */
  append(streamName: string, expected: Expected, events: readonly ProposedEvent[]): AppendOutcome {
    if (this.tombstoned.has(streamName)) return { kind: 'stream_deleted' };
    const current = this.currentRevision(streamName);
    const softDeleted = this.isSoftDeleted(streamName);
    if (!this.expectedHolds(expected, current, softDeleted)) {
      const idempotent = this.idempotentReplay(streamName, expected, events);
      if (idempotent) return idempotent;
      return { kind: 'wrong_expected_version', current };
    }
    if (events.length === 0) {
      // The server acknowledges an empty write without writing anything.
      const last = this.streams.get(streamName)?.at(-1);
      return {
        kind: 'success',
        lastRevision: current === 'no_stream' ? -1n : current,
        commit: last?.commit ?? 0n,
        prepare: last?.prepare ?? 0n,
      };
    }
    const created = nowTicks();
    const stream = this.streams.get(streamName) ?? [];
    const written: StoredEvent[] = [];
    for (const event of events) {
      const position = this.allocate(streamName, event);
      written.push({
        ...event,
        streamName,
        revision: BigInt(stream.length + written.length),
        createdTicks: created,
        commit: position,
        prepare: position,
        selfCommitted: true,
      });
    }
    this.commit(streamName, stream, written);
    // Recreating a soft-deleted stream: the old events stay hidden behind `$tb`, now the first new event.
    if (softDeleted) this.writeMetadata(streamName, { ...this.metadata(streamName), $tb: Number(written[0]!.revision) });
    const last = written[written.length - 1]!;
    return { kind: 'success', lastRevision: last.revision, commit: last.commit, prepare: last.prepare };
  }

  /** `Streams.Delete`: a soft delete, as `$tb` = 2^63 - 1 in the stream's metadata. */
  softDelete(streamName: string, expected: Expected): DeleteOutcome {
    if (this.tombstoned.has(streamName)) return { kind: 'stream_deleted' };
    const current = this.currentRevision(streamName);
    if (!this.expectedHolds(expected, current, this.isSoftDeleted(streamName))) return { kind: 'wrong_expected_version', current };
    const written = this.writeMetadata(streamName, { ...this.metadata(streamName), $tb: Number(deletedStreamRevision) });
    return { kind: 'success', commit: written.commit, prepare: written.prepare };
  }

  /** `Streams.Tombstone`: a hard delete. The tombstone goes to `$all`; the stream is deleted for ever. */
  tombstone(streamName: string, expected: Expected): DeleteOutcome {
    if (this.tombstoned.has(streamName)) return { kind: 'stream_deleted' };
    const current = this.currentRevision(streamName);
    if (!this.expectedHolds(expected, current, this.isSoftDeleted(streamName))) return { kind: 'wrong_expected_version', current };
    const event: ProposedEvent = { id: crypto.randomUUID(), type: tombstoneEventType, contentType: 'application/octet-stream', data: new Uint8Array(), metadata: new Uint8Array() };
    const position = this.allocate(streamName, event);
    const tombstone: StoredEvent = {
      ...event,
      streamName,
      revision: deletedStreamRevision,
      createdTicks: nowTicks(),
      commit: position,
      prepare: position,
      selfCommitted: true,
    };
    this.tombstoned.add(streamName);
    this.all.push(tombstone);
    for (const listener of [...this.listeners]) listener([tombstone]);
    return { kind: 'success', commit: position, prepare: position };
  }

  /** Whether the stream was hard-deleted (reads and writes of it fail with `StreamDeleted`). */
  isTombstoned(streamName: string): boolean {
    return this.tombstoned.has(streamName);
  }

  /**
   * Writes `events` as an explicit transaction of the legacy TCP API: their prepares first, then
   * `interleaved` (self-committed appends by other writers while the transaction was open), then the
   * commit record. The transaction's events all carry the commit record's position as their commit
   * position, so they sort after the interleaved events in `$all` even though they were prepared first.
   */
  writeExplicitTransaction(
    streamName: string,
    events: readonly ProposedEvent[],
    interleaved: ReadonlyArray<{ streamName: string; events: readonly ProposedEvent[] }> = [],
  ): void {
    const prepares = events.map((event) => this.allocate(streamName, event));
    for (const other of interleaved) this.append(other.streamName, 'any', other.events);
    const commit = this.nextLogPosition;
    this.nextLogPosition += commitRecordBytes;
    const stream = this.streams.get(streamName) ?? [];
    const created = nowTicks();
    const written = events.map<StoredEvent>((event, i) => ({
      ...event,
      streamName,
      revision: BigInt(stream.length + i),
      createdTicks: created,
      commit,
      prepare: prepares[i]!,
      selfCommitted: false,
    }));
    this.commit(streamName, stream, written);
  }

  /** The stream's events, or undefined when it has none (or is soft-deleted: it reads as not found). */
  stream(streamName: string): readonly StoredEvent[] | undefined {
    const stream = this.streams.get(streamName);
    return stream && stream.length > 0 && !this.isSoftDeleted(streamName) ? stream : undefined;
  }

  /** The first revision a stream read may return, given the stream's `$maxCount` and `$tb` metadata. */
  firstReadableRevision(streamName: string): bigint {
    const stream = this.streams.get(streamName);
    if (!stream) return 0n;
    const maxCount = this.maxCount(streamName);
    const byCount = maxCount === undefined ? 0 : Math.max(0, stream.length - maxCount);
    const truncateBefore = this.metadata(streamName)['$tb'];
    const byTruncation = typeof truncateBefore === 'number' && truncateBefore > 0 ? Math.min(truncateBefore, stream.length) : 0;
    return BigInt(Math.max(byCount, byTruncation));
  }

  private isSoftDeleted(streamName: string): boolean {
    const stream = this.streams.get(streamName);
    if (!stream || stream.length === 0) return false;
    const truncateBefore = this.metadata(streamName)['$tb'];
    return typeof truncateBefore === 'number' && truncateBefore >= stream.length;
  }

  /** Events in `$all` order, forwards from `from` (inclusive) or backwards before `before` (exclusive). */
  *readAll(direction: 'forwards' | 'backwards', bound: AllPositionBound | 'start' | 'end', filter: EventFilter): Generator<StoredEvent> {
    if (direction === 'forwards') {
      if (bound === 'end') return;
      let index = bound === 'start' ? 0 : this.firstIndexAtOrAfter(bound);
      for (; index < this.all.length; index += 1) {
        const event = this.all[index]!;
        if (filter(event)) yield event;
      }
      return;
    }
    if (bound === 'start') return;
    let index = bound === 'end' ? this.all.length - 1 : this.firstIndexAtOrAfter(bound) - 1;
    for (; index >= 0; index -= 1) {
      const event = this.all[index]!;
      if (filter(event)) yield event;
    }
  }

  /** Index of the first event at or after `bound` in `$all` order. */
  firstIndexAtOrAfter(bound: AllPositionBound): number {
    let low = 0;
    let high = this.all.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (comparePositions(this.all[mid]!, bound) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  eventAt(index: number): StoredEvent | undefined {
    return this.all[index];
  }

  /** Calls `listener` with each batch of events as it is committed, until the returned function is called. */
  onCommitted(listener: (events: readonly StoredEvent[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A soft-deleted stream takes `no_stream` (it is recreated) and its last revision, not `stream_exists`. */
  private expectedHolds(expected: Expected, current: bigint | 'no_stream', softDeleted = false): boolean {
    switch (expected) {
      case 'any':
        return true;
      case 'no_stream':
        return current === 'no_stream' || softDeleted;
      case 'stream_exists':
        return current !== 'no_stream' && !softDeleted;
      default:
        return current === expected;
    }
  }

  /**
   * The server's deterministic idempotency check: when the events right after the expected revision
   * have exactly the proposed ids, the write was already done and succeeds again without writing. (For
   * `any` the server also consults a best-effort cache of recent ids; that is not modelled.)
   */
  private idempotentReplay(streamName: string, expected: Expected, events: readonly ProposedEvent[]): AppendOutcome | undefined {
    if (expected === 'any' || expected === 'stream_exists' || events.length === 0) return undefined;
    const stream = this.streams.get(streamName);
    if (!stream) return undefined;
    const first = expected === 'no_stream' ? 0 : Number(expected) + 1;
    const replayed = stream.slice(first, first + events.length);
    if (replayed.length !== events.length) return undefined;
    if (!replayed.every((stored, i) => stored.id === events[i]!.id)) return undefined;
    const last = replayed[replayed.length - 1]!;
    return { kind: 'success', lastRevision: last.revision, commit: last.commit, prepare: last.prepare };
  }

  private allocate(streamName: string, event: ProposedEvent): bigint {
    const position = this.nextLogPosition;
    const size =
      recordOverheadBytes +
      BigInt(utf8.encode(streamName).length + utf8.encode(event.type).length + event.data.length + event.metadata.length);
    this.nextLogPosition += size;
    return position;
  }

  private commit(streamName: string, stream: StoredEvent[], written: readonly StoredEvent[]): void {
    if (!this.streams.has(streamName)) this.streams.set(streamName, stream);
    stream.push(...written);
    this.all.push(...written);
    for (const listener of [...this.listeners]) listener(written);
  }

  private maxCount(streamName: string): number | undefined {
    const maxCount = this.metadata(streamName)['$maxCount'];
    return typeof maxCount === 'number' && maxCount > 0 ? maxCount : undefined;
  }

  private metadata(streamName: string): Record<string, unknown> {
    const metadataEvent = this.streams.get(`$$${streamName}`)?.at(-1);
    if (!metadataEvent) return {};
    try {
      const metadata = JSON.parse(Buffer.from(metadataEvent.data).toString('utf8')) as unknown;
      return typeof metadata === 'object' && metadata !== null ? (metadata as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }

  private writeMetadata(streamName: string, metadata: Record<string, unknown>): StoredEvent {
    const event: ProposedEvent = {
      id: crypto.randomUUID(),
      type: '$metadata',
      contentType: 'application/json',
      data: utf8.encode(JSON.stringify(metadata)),
      metadata: new Uint8Array(),
    };
    const outcome = this.append(`$$${streamName}`, 'any', [event]);
    if (outcome.kind !== 'success') throw new Error(`could not write metadata of ${streamName}`);
    return this.streams.get(`$$${streamName}`)!.at(-1)!;
  }
}

function nowTicks(): bigint {
  return BigInt(Date.now()) * 10_000n;
}
