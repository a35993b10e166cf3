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
 * - the default `$all` filter and stream-name / event-type filters, by prefix or regular expression.
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
  | { readonly kind: 'wrong_expected_version'; readonly current: bigint | 'no_stream' };

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
    const current = this.currentRevision(streamName);
    if (!this.expectedHolds(expected, current)) {
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
    const last = written[written.length - 1]!;
    return { kind: 'success', lastRevision: last.revision, commit: last.commit, prepare: last.prepare };
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

  /** The stream's events, or undefined when it has none. */
  stream(streamName: string): readonly StoredEvent[] | undefined {
    const stream = this.streams.get(streamName);
    return stream && stream.length > 0 ? stream : undefined;
  }

  /** The first revision a stream read may return, given the stream's `$maxCount` metadata. */
  firstReadableRevision(streamName: string): bigint {
    const stream = this.streams.get(streamName);
    if (!stream) return 0n;
    const maxCount = this.maxCount(streamName);
    if (maxCount === undefined) return 0n;
    return BigInt(Math.max(0, stream.length - maxCount));
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

  private expectedHolds(expected: Expected, current: bigint | 'no_stream'): boolean {
    switch (expected) {
      case 'any':
        return true;
      case 'no_stream':
        return current === 'no_stream';
      case 'stream_exists':
        return current !== 'no_stream';
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
    const metadataEvent = this.streams.get(`$$${streamName}`)?.at(-1);
    if (!metadataEvent) return undefined;
    try {
      const metadata = JSON.parse(Buffer.from(metadataEvent.data).toString('utf8')) as { $maxCount?: unknown };
      return typeof metadata.$maxCount === 'number' && metadata.$maxCount > 0 ? metadata.$maxCount : undefined;
    } catch {
      return undefined;
    }
  }
}

function nowTicks(): bigint {
  return BigInt(Date.now()) * 10_000n;
}
