/**
 * The ledger's event store on EventStoreDB / KurrentDB, through `@eventstore/db-client` (gRPC).
 *
 * - Streams: the ledger's names (`<category>-<community>-<id>`) are server stream names as they are,
 *   behind an optional namespace prefix (empty in production; tests use it to share one server).
 * - Revisions: the port's revision is the server's stream revision; expected revisions map to
 *   `no_stream` / `stream_exists` / `any` / an exact revision, and the server's wrong-expected-version
 *   answer becomes `WrongExpectedRevisionError` with the revision the server reported.
 * - Global order: a read of `$all` filtered on the server by the ledger's category prefixes, so system
 *   events (`$…`) and this store's bookkeeping streams (`ledger-…`) never reach the ledger. Positions pack
 *   the server's (commit, prepare) pair (see positions.ts).
 * - Idempotency records and checkpoints live in the server too (idempotency.ts, checkpoints.ts), so
 *   nothing the port promises to keep is held by this process.
 */
import {
  ANY,
  EventStoreDBClient,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  streamNameFilter,
  type AppendExpectedRevision,
  type ResolvedEvent,
} from '@eventstore/db-client';
import {
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamRevision,
  type Subscription,
  type SubscribeToAllOptions,
  WrongExpectedRevisionError,
  assertAppendable,
  maxReadAllPageSize,
  streamCategories,
} from '@volunteer-ledger/core';
import { EventStoreDbCheckpointStore } from './checkpoints.js';
import { toEventData, toRecordedEvent } from './envelope.js';
import { closeChannel } from './filtered-read.js';
import { EventStoreDbIdempotencyStore } from './idempotency.js';
import { isKnownPosition, packPosition, unpackPosition } from './positions.js';
import { drain, readAllAfter, readLastEvent } from './server-streams.js';

export interface EventStoreDbStoreOptions {
  /**
   * Where the server is, as `@eventstore/db-client` connection strings:
   * - a single node: `esdb://localhost:2113?tls=false` (insecure) or `esdb://localhost:2113` (TLS);
   * - a cluster found by DNS or gossip: `esdb+discover://cluster.example.org:2113`, or the seed nodes
   *   `esdb://node1:2113,node2:2113,node3:2113?nodePreference=leader`.
   * Credentials go in the string: `esdb://admin:changeit@localhost:2113`.
   */
  readonly connectionString: string;
  /**
   * Prefix of every stream this store writes on the server. Default empty. Distinct namespaces keep
   * ledgers (or test runs) on one server apart: each sees only its own streams in global order.
   */
  readonly namespace?: string;
  /**
   * Stream categories that make up the global order (`readAll`, `subscribeToAll`): streams named
   * `<category>-…`. Default: the ledger's `streamCategories`. Appends and reads of other names are refused,
   * since such events would never appear in global order.
   */
  readonly categories?: readonly string[];
  /** Deadline of one `$all` page read, in milliseconds. Default 10,000. */
  readonly readDeadlineMs?: number;
}

const defaultReadDeadlineMs = 10_000;

export class EventStoreDbEventStore implements EventStore {
  readonly idempotency: EventStoreDbIdempotencyStore;
  readonly checkpoints: EventStoreDbCheckpointStore;
  private readonly client: EventStoreDBClient;
  private readonly namespace: string;
  private readonly categories: readonly string[];
  /** Server-side stream-name prefixes of the global order. */
  private readonly globalPrefixes: string[];
  private readonly readDeadlineMs: number;
  private readonly openSubscriptions = new Set<Subscription>();
  private closed = false;

  constructor(options: EventStoreDbStoreOptions) {
    this.client = EventStoreDBClient.connectionString(options.connectionString);
    this.namespace = options.namespace ?? '';
    this.categories = options.categories ?? streamCategories;
    if (this.categories.length === 0) throw new RangeError('the store needs at least one stream category');
    if (this.categories.includes('ledger')) throw new RangeError("'ledger' is reserved for the store's own bookkeeping streams");
    this.globalPrefixes = this.categories.map((category) => `${this.namespace}${category}-`);
    this.readDeadlineMs = options.readDeadlineMs ?? defaultReadDeadlineMs;
    const assertOpen = () => this.assertOpen();
    this.idempotency = new EventStoreDbIdempotencyStore(this.client, `${this.namespace}ledger-idem-`, assertOpen, this.readDeadlineMs);
    this.checkpoints = new EventStoreDbCheckpointStore(this.client, `${this.namespace}ledger-checkpoint-`, assertOpen);
  }

  async appendToStream(
    streamName: string,
    events: readonly NewEvent[],
    options: { readonly expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    this.assertOpen();
    assertAppendable(streamName, events);
    this.assertInGlobalOrder(streamName);
    const expected = options.expectedRevision;
    try {
      const result = await this.client.appendToStream(this.serverName(streamName), events.map(toEventData), {
        expectedRevision: toServerExpected(expected),
      });
      // The server answers with the position of the append's last event (its commit = prepare).
      if (!isKnownPosition(result.position)) throw new Error(`the server acknowledged the append to ${streamName} without a position`);
      return { nextExpectedRevision: Number(result.nextExpectedRevision), position: packPosition(result.position) };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const actual = error.actualVersion;
        throw new WrongExpectedRevisionError(streamName, expected, typeof actual === 'bigint' ? Number(actual) : 'no_stream');
      }
      throw error;
    }
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    this.assertInGlobalOrder(streamName);
    const fromRevision = options.fromRevision ?? 0;
    if (options.maxCount !== undefined && options.maxCount <= 0) return [];
    let read: ResolvedEvent[];
    try {
      read = await drain(
        this.client.readStream(this.serverName(streamName), {
          fromRevision: BigInt(fromRevision),
          maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
        }),
      );
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return read.map((resolved) => toRecordedEvent(resolved, streamName));
  }

  async streamRevision(streamName: string): Promise<StreamRevision> {
    this.assertOpen();
    this.assertInGlobalOrder(streamName);
    const last = await readLastEvent(this.client, this.serverName(streamName));
    return last === 'no_stream' ? 'no_stream' : Number(last.revision);
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    this.assertOpen();
    const page = await readAllAfter(this.client, {
      prefixes: this.globalPrefixes,
      after: options.after,
      maxCount: Math.min(options.maxCount, maxReadAllPageSize),
      deadlineMs: this.readDeadlineMs,
    });
    return page.map(({ resolved }) => this.fromGlobalOrder(resolved));
  }

  /**
   * The client's filtered subscription to `$all` (catch-up, then live, server-side), from `after`. The
   * server starts strictly after the given position; events at or before the last delivered one are
   * dropped as well, so each is delivered once even if the server repeated one.
   */
  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    this.assertOpen();
    const source = this.client.subscribeToAll({
      fromPosition: options.after === undefined ? START : unpackPosition(options.after),
      filter: streamNameFilter({ prefixes: this.globalPrefixes }),
    });
    const iterator = source[Symbol.asyncIterator]() as AsyncIterator<ResolvedEvent>;
    let last = options.after;
    let stopped = false;
    let wake: (() => void) | undefined;
    const stoppedSignal = new Promise<'stopped'>((resolve) => {
      wake = () => resolve('stopped');
    });
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      wake?.();
      this.openSubscriptions.delete(subscription);
      await source.unsubscribe();
      source.destroy();
    };
    const fromGlobalOrder = (resolved: ResolvedEvent) => this.fromGlobalOrder(resolved);

    async function* events(): AsyncGenerator<RecordedEvent> {
      try {
        while (!stopped) {
          const pending = iterator.next();
          // Once stopped, the source may reject its last pending read; nobody waits for it any more.
          pending.catch(() => undefined);
          const next = await Promise.race([pending, stoppedSignal]);
          if (next === 'stopped' || next.done) return;
          const event = fromGlobalOrder(next.value);
          if (last !== undefined && event.position <= last) continue;
          last = event.position;
          yield event;
        }
      } finally {
        await stop();
      }
    }

    const generator = events();
    const subscription: Subscription = {
      [Symbol.asyncIterator]: () => generator,
      async close() {
        await stop();
        await generator.return(undefined);
      },
    };
    this.openSubscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.openSubscriptions].map((subscription) => subscription.close()));
    await this.client.dispose();
    await closeChannel(this.client);
  }

  private fromGlobalOrder(resolved: ResolvedEvent): RecordedEvent {
    const serverName = resolved.event?.streamId ?? '';
    return toRecordedEvent(resolved, serverName.slice(this.namespace.length));
  }

  private serverName(streamName: string): string {
    return `${this.namespace}${streamName}`;
  }

  private assertInGlobalOrder(streamName: string): void {
    if (!this.categories.some((category) => streamName.startsWith(`${category}-`))) {
      throw new RangeError(
        `stream ${JSON.stringify(streamName)} is outside the categories this store keeps in global order ` +
          `(${this.categories.join(', ')}); name it <category>-<community>-<id>`,
      );
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('event store is closed');
  }
}

function toServerExpected(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      if (!Number.isSafeInteger(expected) || expected < 0) throw new RangeError(`expected revision ${expected} is not a revision`);
      return BigInt(expected);
  }
}
