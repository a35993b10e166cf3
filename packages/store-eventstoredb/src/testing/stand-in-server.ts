/**
 * An in-process stand-in for an EventStoreDB / KurrentDB node's gRPC API, for tests on machines where no
 * server can run. It hosts the service definitions generated inside `@eventstore/db-client` itself
 * (`generated/*_grpc_pb.js`, serializers included) on a `@grpc/grpc-js` server, so the bytes on the wire
 * are exactly the ones the real client sends and expects. Behaviour follows the server's source (KurrentDB
 * `Services/Transport/Grpc/Streams.*.cs`, `Enumerators`, `RpcExceptions`); see README.md for what is and
 * is not modelled.
 *
 * Insecure only (like a node started with `--insecure`): no TLS, no authentication, no ACLs. Binds to
 * 127.0.0.1, on a random port unless told one. Everything is kept in memory, for as long as the process runs.
 */
import { randomUUID } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import * as grpc from '@grpc/grpc-js';
import type * as SharedPb from '@eventstore/db-client/generated/shared_pb.js';
import type * as StatusPb from '@eventstore/db-client/generated/status_pb.js';
import type * as StreamsPb from '@eventstore/db-client/generated/streams_pb.js';
import type * as StreamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import type * as FeaturesPb from '@eventstore/db-client/generated/serverfeatures_pb.js';
import type * as FeaturesGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import {
  type AllPositionBound,
  type DeleteOutcome,
  type EventFilter,
  type Expected,
  type ProposedEvent,
  type StoredEvent,
  defaultAllFilter,
  StandInLog,
  unknownPosition,
} from './stand-in-log.js';

// The generated code is CommonJS and lives inside the client package: load it from there, so that the
// stand-in and the client share one copy of every message class.
const clientRequire = createRequire(createRequire(import.meta.url).resolve('@eventstore/db-client'));
const streamsPb = clientRequire('../generated/streams_pb.js') as typeof StreamsPb;
const streamsGrpc = clientRequire('../generated/streams_grpc_pb.js') as typeof StreamsGrpc;
const sharedPb = clientRequire('../generated/shared_pb.js') as typeof SharedPb;
const statusPb = clientRequire('../generated/status_pb.js') as typeof StatusPb;
const featuresPb = clientRequire('../generated/serverfeatures_pb.js') as typeof FeaturesPb;
const featuresGrpc = clientRequire('../generated/serverfeatures_grpc_pb.js') as typeof FeaturesGrpc;
const anyPb = clientRequire('google-protobuf/google/protobuf/any_pb.js') as {
  Any: new () => { pack(serialized: Uint8Array, typeName: string): void };
};

type ReadReq = StreamsPb.ReadReq;
type ReadResp = StreamsPb.ReadResp;
type AppendReq = StreamsPb.AppendReq;
type AppendResp = StreamsPb.AppendResp;
type BatchAppendReq = StreamsPb.BatchAppendReq;
type BatchAppendResp = StreamsPb.BatchAppendResp;
type DeleteReq = StreamsPb.DeleteReq;
type DeleteResp = StreamsPb.DeleteResp;
type TombstoneReq = StreamsPb.TombstoneReq;
type TombstoneResp = StreamsPb.TombstoneResp;
type ReadOptions = StreamsPb.ReadReq.Options;
/** What every server call has: cancellation and events (grpc-js does not export its own name for it). */
type SurfaceCall = EventEmitter & { readonly cancelled: boolean };

export interface StandInOptions {
  /**
   * Advertise and serve `Streams.BatchAppend` (what servers since 21.10 do, and what the client then uses
   * for appends). False serves only `Streams.Append`, like older servers. Default true.
   */
  readonly batchAppend?: boolean;
  /** What `ServerFeatures.GetSupportedMethods` reports. Default `24.10.0`. */
  readonly serverVersion?: string;
  /** The server's `MaxAppendSize` in bytes. Default 1,048,576 (the server's default). */
  readonly maxAppendSizeBytes?: number;
  /** Delay before an append is committed, to provoke deadlines in tests. Default 0. */
  readonly appendDelayMs?: number;
  /** Delay before a (non-subscription) read starts, to provoke deadlines in tests. Default 0. */
  readonly readDelayMs?: number;
  /** The port to listen on, on 127.0.0.1. Default 0: a free port the system picks. */
  readonly port?: number;
}

/** The server's `DefaultReadBatchSize`: the default filter search window of a subscription. */
const defaultSearchWindow = 32;
const defaultMaxAppendSizeBytes = 1_048_576;

export class EventStoreStandIn {
  /** Calls received, by method name (`Read`, `Append`, `BatchAppend`, `GetSupportedMethods`). */
  readonly calls = new Map<string, number>();
  readonly log = new StandInLog();
  private readonly activeCalls = new Set<SurfaceCall>();
  private closed = false;

  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
    private readonly options: Required<StandInOptions>,
  ) {}

  /** Starts a stand-in on 127.0.0.1 (a random port unless one is given), with the system records a fresh node writes. */
  static async start(options: StandInOptions = {}): Promise<EventStoreStandIn> {
    const settings: Required<StandInOptions> = {
      batchAppend: options.batchAppend ?? true,
      serverVersion: options.serverVersion ?? '24.10.0',
      maxAppendSizeBytes: options.maxAppendSizeBytes ?? defaultMaxAppendSizeBytes,
      appendDelayMs: options.appendDelayMs ?? 0,
      readDelayMs: options.readDelayMs ?? 0,
      port: options.port ?? 0,
    };
    const server = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`127.0.0.1:${settings.port}`, grpc.ServerCredentials.createInsecure(), (error, boundPort) =>
        error ? reject(error) : resolve(boundPort),
      );
    });
    const standIn = new EventStoreStandIn(server, port, settings);
    standIn.register();
    standIn.writeSystemRecords();
    return standIn;
  }

  /** The connection string a client uses for this single node. */
  get connectionString(): string {
    return `esdb://127.0.0.1:${this.port}?tls=false`;
  }

  /** Stops at once: open calls (subscriptions included) are cancelled. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const call of this.activeCalls) call.emit('cancelled', 'server shutting down');
    this.server.forceShutdown();
  }

  private register(): void {
    const streams: grpc.UntypedServiceImplementation = {
      read: (call: grpc.ServerWritableStream<ReadReq, ReadResp>) => this.track('Read', call, () => this.read(call)),
      append: (call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>) =>
        this.track('Append', call, () => this.append(call, callback)),
      delete: (call: grpc.ServerUnaryCall<DeleteReq, DeleteResp>, callback: grpc.sendUnaryData<DeleteResp>) =>
        this.track('Delete', call, async () => this.deleteStream(call.request, callback)),
      tombstone: (call: grpc.ServerUnaryCall<TombstoneReq, TombstoneResp>, callback: grpc.sendUnaryData<TombstoneResp>) =>
        this.track('Tombstone', call, async () => this.tombstoneStream(call.request, callback)),
    };
    if (this.options.batchAppend) {
      streams['batchAppend'] = (call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>) =>
        this.track('BatchAppend', call, () => this.batchAppend(call));
    }
    this.server.addService(streamsGrpc.StreamsService, streams);
    this.server.addService(featuresGrpc.ServerFeaturesService, {
      getSupportedMethods: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<FeaturesPb.SupportedMethods>) => {
        this.count('GetSupportedMethods');
        callback(null, this.supportedMethods());
      },
    });
  }

  private track(method: string, call: SurfaceCall, run: () => Promise<void>): void {
    this.count(method);
    this.activeCalls.add(call);
    call.on('cancelled', () => this.activeCalls.delete(call));
    run()
      .catch((error: unknown) => fail(call, internalError(error)))
      .finally(() => this.activeCalls.delete(call));
  }

  private count(method: string): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
  }

  /** What a fresh node writes before any client does: its epoch and the default admin user. */
  private writeSystemRecords(): void {
    const json = (value: unknown) => new Uint8Array(Buffer.from(JSON.stringify(value)));
    const system = (type: string, data: unknown): ProposedEvent => ({
      id: randomUUID(),
      type,
      contentType: 'application/json',
      data: json(data),
      metadata: new Uint8Array(),
    });
    this.log.append('$epoch-information', 'any', [system('$epoch', { epochNumber: 0 })]);
    this.log.append('$user-admin', 'any', [system('$UserCreated', { loginName: 'admin', fullName: 'Event Store Administrator' })]);
    this.log.append('$users', 'any', [system('$User', 'admin')]);
  }

  private supportedMethods(): FeaturesPb.SupportedMethods {
    const methods: FeaturesPb.SupportedMethod[] = [];
    const add = (path: string, features: string[]) => {
      const [, service, method] = path.split('/');
      const supported = new featuresPb.SupportedMethod();
      supported.setServiceName(service!.toLowerCase());
      supported.setMethodName(method!.toLowerCase());
      supported.setFeaturesList(features);
      methods.push(supported);
    };
    add(streamsGrpc.StreamsService.read.path, ['position', 'events']);
    add(streamsGrpc.StreamsService.append.path, []);
    add(streamsGrpc.StreamsService.delete.path, []);
    add(streamsGrpc.StreamsService.tombstone.path, []);
    if (this.options.batchAppend) add(streamsGrpc.StreamsService.batchAppend.path, []);
    add(featuresGrpc.ServerFeaturesService.getSupportedMethods.path, []);
    const result = new featuresPb.SupportedMethods();
    result.setMethodsList(methods);
    result.setEventStoreServerVersion(this.options.serverVersion);
    return result;
  }

  // ---------------------------------------------------------------- Streams.Read

  private async read(call: grpc.ServerWritableStream<ReadReq, ReadResp>): Promise<void> {
    const options = call.request.getOptions();
    if (!options) return fail(call, invalidArgument("'options' is a required argument"));
    const uuidOption = options.getUuidOption();
    if (!uuidOption) return fail(call, invalidArgument(`'uuidOption' is a required argument of type UUIDOption`));
    const structuredIds = uuidOption.getContentCase() !== streamsPb.ReadReq.Options.UUIDOption.ContentCase.STRING;

    const Cases = streamsPb.ReadReq.Options;
    const target = options.getStreamOptionCase();
    const count = options.getCountOptionCase();
    const filtered = options.getFilterOptionCase();
    const backwards = options.getReadDirection() === streamsPb.ReadReq.Options.ReadDirection.BACKWARDS;
    const combination = `(${target}, ${count}, ${backwards ? 'Backwards' : 'Forwards'}, ${filtered})`;

    if (count === Cases.CountOptionCase.COUNT) {
      if (this.options.readDelayMs > 0) await delay(this.options.readDelayMs);
      if (call.cancelled) return;
    }
    if (target === Cases.StreamOptionCase.STREAM && count === Cases.CountOptionCase.COUNT && filtered === Cases.FilterOptionCase.NO_FILTER) {
      return this.readStream(call, options, backwards, structuredIds);
    }
    if (target === Cases.StreamOptionCase.ALL && count === Cases.CountOptionCase.COUNT) {
      const filter = this.filterOf(call, options);
      if (!filter) return;
      return this.readAll(call, options, backwards, filter, structuredIds);
    }
    if (target === Cases.StreamOptionCase.ALL && count === Cases.CountOptionCase.SUBSCRIPTION && !backwards) {
      const filter = this.filterOf(call, options);
      if (!filter) return;
      return this.subscribeToAll(call, options, filter, structuredIds);
    }
    if (target === Cases.StreamOptionCase.STREAM && count === Cases.CountOptionCase.SUBSCRIPTION && !backwards) {
      return fail(call, { code: grpc.status.UNIMPLEMENTED, details: 'the stand-in does not implement subscriptions to a single stream' });
    }
    return fail(call, invalidArgument(`The combination of ${combination} is invalid.`));
  }

  private async readStream(
    call: grpc.ServerWritableStream<ReadReq, ReadResp>,
    options: ReadOptions,
    backwards: boolean,
    structuredIds: boolean,
  ): Promise<void> {
    const streamOptions = options.getStream()!;
    const identifier = streamOptions.getStreamIdentifier();
    const name = identifier ? Buffer.from(identifier.getStreamName_asU8()).toString('utf8') : '';
    if (name.length === 0) return fail(call, invalidArgument("'streamIdentifier' is a required argument"));
    // The server's enumerator fails a read of a hard-deleted stream with StreamDeleted (a soft-deleted one reads as not found).
    if (this.log.isTombstoned(name)) return fail(call, streamDeleted(name));
    const stream = this.log.stream(name);
    if (!stream) {
      const notFound = new streamsPb.ReadResp.StreamNotFound();
      notFound.setStreamIdentifier(identifier!);
      const response = new streamsPb.ReadResp();
      response.setStreamNotFound(notFound);
      await write(call, response);
      return void call.end();
    }
    const first = this.log.firstReadableRevision(name);
    const last = BigInt(stream.length - 1);
    const Revision = streamsPb.ReadReq.Options.StreamOptions.RevisionOptionCase;
    const revisionCase = streamOptions.getRevisionOptionCase();
    let from: bigint;
    if (revisionCase === Revision.START) from = backwards ? -1n : first;
    else if (revisionCase === Revision.END) from = backwards ? last : last + 1n;
    else from = BigInt(streamOptions.getRevision());
    let remaining = BigInt(options.getCount());
    if (backwards) {
      for (let revision = from > last ? last : from; revision >= first && remaining > 0n; revision -= 1n, remaining -= 1n) {
        if (call.cancelled) return;
        await write(call, eventResponse(stream[Number(revision)]!, 'stream', structuredIds));
      }
    } else {
      for (let revision = from < first ? first : from; revision <= last && remaining > 0n; revision += 1n, remaining -= 1n) {
        if (call.cancelled) return;
        await write(call, eventResponse(stream[Number(revision)]!, 'stream', structuredIds));
      }
    }
    call.end();
  }

  private async readAll(
    call: grpc.ServerWritableStream<ReadReq, ReadResp>,
    options: ReadOptions,
    backwards: boolean,
    filter: EventFilter,
    structuredIds: boolean,
  ): Promise<void> {
    const bound = allBound(options.getAll()!);
    let remaining = BigInt(options.getCount());
    for (const event of this.log.readAll(backwards ? 'backwards' : 'forwards', bound, filter)) {
      if (remaining <= 0n || call.cancelled) break;
      await write(call, eventResponse(event, 'all', structuredIds));
      remaining -= 1n;
    }
    if (!call.cancelled) call.end();
  }

  /**
   * Catch-up, then live, as the server's `AllSubscription(Filtered)` enumerators do: confirmation first;
   * events strictly after the start position; for filtered subscriptions a checkpoint every
   * `checkpointIntervalMultiplier × window` considered events and one when catch-up ends; `CaughtUp`
   * when live. If the client reads too slowly while live, the subscription falls behind and
   * goes back to catching up from where it was, so memory stays bounded.
   */
  private async subscribeToAll(
    call: grpc.ServerWritableStream<ReadReq, ReadResp>,
    options: ReadOptions,
    filter: EventFilter,
    structuredIds: boolean,
  ): Promise<void> {
    const filterOptions = options.getFilter();
    const window = filterOptions?.hasMax() ? filterOptions.getMax() : defaultSearchWindow;
    const checkpointInterval = filterOptions ? Math.max(1, filterOptions.getCheckpointintervalmultiplier()) * window : 0;
    if (filterOptions && filterOptions.getCheckpointintervalmultiplier() === 0) {
      return fail(call, invalidArgument('checkpointIntervalMultiplier must not be zero'));
    }

    const confirmation = new streamsPb.ReadResp.SubscriptionConfirmation();
    confirmation.setSubscriptionId(randomUUID());
    const confirmed = new streamsPb.ReadResp();
    confirmed.setConfirmation(confirmation);
    await write(call, confirmed);

    const allOptions = options.getAll()!;
    const bound = allBound(allOptions);
    let cursor: number;
    if (bound === 'start') cursor = 0;
    else if (bound === 'end') cursor = this.log.eventCount;
    else {
      cursor = this.log.firstIndexAtOrAfter(bound);
      const atBound = this.log.eventAt(cursor);
      if (atBound && atBound.commit === bound.commit && atBound.prepare === bound.prepare) cursor += 1;
    }
    let considered = 0;
    let lastConsidered: AllPositionBound | undefined;

    const checkpoint = (position: AllPositionBound): ReadResp => {
      const message = new streamsPb.ReadResp.Checkpoint();
      message.setCommitPosition(position.commit.toString());
      message.setPreparePosition(position.prepare.toString());
      const response = new streamsPb.ReadResp();
      response.setCheckpoint(message);
      return response;
    };
    // Returns false when the client's buffer is full.
    const consider = (event: StoredEvent): boolean => {
      let open = true;
      considered += 1;
      lastConsidered = event;
      if (filter(event)) open = call.write(eventResponse(event, 'all', structuredIds)) && open;
      if (checkpointInterval > 0 && considered % checkpointInterval === 0) open = call.write(checkpoint(event)) && open;
      return open;
    };

    let stopLive: (() => void) | undefined;
    let finished = false;
    const ended = new Promise<void>((resolve) => {
      const end = () => {
        finished = true;
        resolve();
      };
      call.on('cancelled', end);
      call.on('close', end);
      call.on('error', end);
    });
    let wakeCatchUp: (() => void) | undefined;

    for (;;) {
      // Catch-up: read the log from the cursor until there is nothing left, respecting back-pressure.
      while (cursor < this.log.eventCount) {
        if (finished || call.cancelled) return;
        if (!consider(this.log.eventAt(cursor++)!)) await drained(call);
      }
      if (call.cancelled) return;
      // Caught up. Going live happens in the same turn of the event loop as the last catch-up read, so no
      // commit can slip between them.
      if (checkpointInterval > 0 && lastConsidered) call.write(checkpoint(lastConsidered));
      const caughtUp = new streamsPb.ReadResp();
      caughtUp.setCaughtUp(new streamsPb.ReadResp.CaughtUp());
      call.write(caughtUp);
      const fellBehind = new Promise<void>((resolve) => {
        wakeCatchUp = resolve;
      });
      stopLive = this.log.onCommitted(() => {
        // The committed batch is already in the log: deliver from the cursor, whatever the batch was.
        while (cursor < this.log.eventCount) {
          if (!consider(this.log.eventAt(cursor++)!)) {
            // The client's buffer is full: fall behind and catch up again once it drains. (The server
            // does the same; it does not send FellBehind to clients.)
            stopLive?.();
            wakeCatchUp?.();
            return;
          }
        }
      });
      await Promise.race([fellBehind, ended]);
      stopLive();
      if (finished || call.cancelled) return;
      await Promise.race([drained(call), ended]);
      if (finished || call.cancelled) return;
    }
  }

  private filterOf(call: grpc.ServerWritableStream<ReadReq, ReadResp>, options: ReadOptions): EventFilter | undefined {
    if (options.getFilterOptionCase() !== streamsPb.ReadReq.Options.FilterOptionCase.FILTER) return defaultAllFilter;
    const filter = options.getFilter()!;
    if (filter.getWindowCase() === streamsPb.ReadReq.Options.FilterOptions.WindowCase.WINDOW_NOT_SET) {
      fail(call, invalidArgument("'WINDOW_NOT_SET' is not a valid WindowOneofCase"));
      return undefined;
    }
    const onStreamName = filter.getFilterCase() === streamsPb.ReadReq.Options.FilterOptions.FilterCase.STREAM_IDENTIFIER;
    const expression = onStreamName ? filter.getStreamIdentifier() : filter.getEventType();
    if (!expression) {
      fail(call, invalidArgument('a filter needs a stream identifier or an event type expression'));
      return undefined;
    }
    const field = (event: StoredEvent) => (onStreamName ? event.streamName : event.type);
    const regex = expression.getRegex();
    if (regex.length > 0) {
      let compiled: RegExp;
      try {
        compiled = new RegExp(regex, 'u');
      } catch (error) {
        fail(call, invalidArgument(`invalid filter regex ${JSON.stringify(regex)}: ${String(error)}`));
        return undefined;
      }
      return (event) => defaultAllFilter(event) && compiled.test(field(event));
    }
    const prefixes = expression.getPrefixList();
    return (event) => defaultAllFilter(event) && prefixes.some((prefix) => field(event).startsWith(prefix));
  }

  // ---------------------------------------------------------------- Streams.Append

  private async append(call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>): Promise<void> {
    const requests = await collect(call);
    if (requests === undefined) return;
    const [header, ...messages] = requests;
    const options = header?.getOptions();
    if (!options) return callback(unknownError('Exception was thrown by handler. InvalidOperationException'));
    const name = Buffer.from(options.getStreamIdentifier()!.getStreamName_asU8()).toString('utf8');
    const Case = streamsPb.AppendReq.Options.ExpectedStreamRevisionCase;
    let expected: Expected;
    switch (options.getExpectedStreamRevisionCase()) {
      case Case.REVISION:
        expected = BigInt(options.getRevision());
        break;
      case Case.NO_STREAM:
        expected = 'no_stream';
        break;
      case Case.ANY:
        expected = 'any';
        break;
      case Case.STREAM_EXISTS:
        expected = 'stream_exists';
        break;
      default:
        return callback(invalidArgument(`'${options.getExpectedStreamRevisionCase()}' is not a valid ExpectedStreamRevisionOneofCase`));
    }
    const events: ProposedEvent[] = [];
    let size = 0;
    for (const message of messages) {
      const proposed = message.getProposedMessage();
      if (!proposed) return callback(unknownError('Exception was thrown by handler. InvalidOperationException'));
      const event = toProposedEvent(proposed.getId(), proposed.getMetadataMap(), proposed.getData_asU8(), proposed.getCustomMetadata_asU8());
      if ('error' in event) return callback(event.error);
      size += sizeOnDisk(event);
      if (size > this.options.maxAppendSizeBytes) return callback(maxAppendSizeExceeded(this.options.maxAppendSizeBytes));
      events.push(event);
    }
    if (this.options.appendDelayMs > 0) await delay(this.options.appendDelayMs);
    // A call whose deadline passed (or that the client cancelled) is not written.
    if (call.cancelled) return;

    const outcome = this.log.append(name, expected, events);
    if (outcome.kind === 'stream_deleted') return callback(streamDeleted(name));
    const response = new streamsPb.AppendResp();
    if (outcome.kind === 'success') {
      const success = new streamsPb.AppendResp.Success();
      if (outcome.lastRevision < 0n) success.setNoStream(new sharedPb.Empty());
      else success.setCurrentRevision(outcome.lastRevision.toString());
      const position = new streamsPb.AppendResp.Position();
      position.setCommitPosition(outcome.commit.toString());
      position.setPreparePosition(outcome.prepare.toString());
      success.setPosition(position);
      response.setSuccess(success);
    } else {
      const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
      if (expected === 'any') {
        wrong.setExpectedAny(new sharedPb.Empty());
        wrong.setAny2060(new sharedPb.Empty());
      } else if (expected === 'stream_exists') {
        wrong.setExpectedStreamExists(new sharedPb.Empty());
        wrong.setStreamExists2060(new sharedPb.Empty());
      } else if (expected === 'no_stream') {
        // The server also sets the deprecated expected_revision_2060 to 2^64 - 1 here; this client does not read it.
        wrong.setExpectedNoStream(new sharedPb.Empty());
      } else {
        wrong.setExpectedRevision(expected.toString());
        wrong.setExpectedRevision2060(Number(expected));
      }
      if (outcome.current === 'no_stream') {
        wrong.setCurrentNoStream(new sharedPb.Empty());
        wrong.setNoStream2060(new sharedPb.Empty());
      } else {
        wrong.setCurrentRevision(outcome.current.toString());
        wrong.setCurrentRevision2060(Number(outcome.current));
      }
      response.setWrongExpectedVersion(wrong);
    }
    callback(null, response);
  }

  // ---------------------------------------------------------------- Streams.Delete and Streams.Tombstone

  /** A soft delete (KurrentDB `Streams.Delete.cs`): the stream reads as not found until written again. */
  private deleteStream(request: DeleteReq, callback: grpc.sendUnaryData<DeleteResp>): void {
    const answer = this.removeStream(request.getOptions(), streamsPb.DeleteReq.Options.ExpectedStreamRevisionCase, (name, expected) =>
      this.log.softDelete(name, expected),
    );
    if ('error' in answer) return callback(answer.error);
    const position = new streamsPb.DeleteResp.Position();
    position.setCommitPosition(answer.commit);
    position.setPreparePosition(answer.prepare);
    callback(null, new streamsPb.DeleteResp().setPosition(position));
  }

  /** A hard delete (KurrentDB `Streams.Tombstone.cs`): the stream is deleted for ever. */
  private tombstoneStream(request: TombstoneReq, callback: grpc.sendUnaryData<TombstoneResp>): void {
    const answer = this.removeStream(request.getOptions(), streamsPb.TombstoneReq.Options.ExpectedStreamRevisionCase, (name, expected) =>
      this.log.tombstone(name, expected),
    );
    if ('error' in answer) return callback(answer.error);
    const position = new streamsPb.TombstoneResp.Position();
    position.setCommitPosition(answer.commit);
    position.setPreparePosition(answer.prepare);
    callback(null, new streamsPb.TombstoneResp().setPosition(position));
  }

  /** What Delete and Tombstone share: their options (same shape), the expected-revision check, the errors. */
  private removeStream(
    options: StreamsPb.DeleteReq.Options | StreamsPb.TombstoneReq.Options | undefined,
    Case: { readonly REVISION: number; readonly NO_STREAM: number; readonly ANY: number; readonly STREAM_EXISTS: number },
    remove: (name: string, expected: Expected) => DeleteOutcome,
  ): { readonly commit: string; readonly prepare: string } | { readonly error: grpc.ServiceError } {
    const identifier = options?.getStreamIdentifier();
    if (!options || !identifier) return { error: invalidArgument("'options' is a required argument") };
    const expected = expectedOf(options.getExpectedStreamRevisionCase(), Case, () => BigInt(options.getRevision()));
    if (expected === undefined) return { error: invalidArgument(`'${options.getExpectedStreamRevisionCase()}' is not a valid ExpectedStreamRevisionOneofCase`) };
    const name = Buffer.from(identifier.getStreamName_asU8()).toString('utf8');
    const outcome = remove(name, expected);
    if (outcome.kind === 'stream_deleted') return { error: streamDeleted(name) };
    if (outcome.kind === 'wrong_expected_version') return { error: wrongExpectedVersion(name, expected, outcome.current) };
    return { commit: outcome.commit.toString(), prepare: outcome.prepare.toString() };
  }

  // ---------------------------------------------------------------- Streams.BatchAppend

  private async batchAppend(call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>): Promise<void> {
    interface Pending {
      readonly name: string;
      readonly identifier: SharedPb.StreamIdentifier;
      readonly expected: Expected;
      readonly deadline: number;
      readonly events: ProposedEvent[];
      size: number;
      failed: boolean;
    }
    const pending = new Map<string, Pending>();
    let inFlight = 0;
    let inputEnded = false;
    const finishIfDone = () => {
      if (inputEnded && inFlight === 0 && !call.cancelled) call.end();
    };
    const respond = (correlationId: SharedPb.UUID, identifier: SharedPb.StreamIdentifier | undefined, fill: (r: BatchAppendResp) => void) => {
      const response = new streamsPb.BatchAppendResp();
      response.setCorrelationId(correlationId);
      if (identifier) response.setStreamIdentifier(identifier);
      fill(response);
      if (!call.cancelled) call.write(response);
    };

    call.on('data', (request: BatchAppendReq) => {
      const correlationId = request.getCorrelationId();
      if (!correlationId) return;
      const key = uuidText(correlationId);
      const options = request.getOptions();
      if (options && !pending.has(key)) {
        const identifier = options.getStreamIdentifier();
        if (!identifier) {
          return respond(correlationId, undefined, (r) => r.setError(status(grpc.status.INVALID_ARGUMENT, 'Required field StreamIdentifier not set.')));
        }
        const Case = streamsPb.BatchAppendReq.Options.ExpectedStreamPositionCase;
        const expected: Expected =
          options.getExpectedStreamPositionCase() === Case.STREAM_POSITION
            ? BigInt(options.getStreamPosition())
            : options.getExpectedStreamPositionCase() === Case.NO_STREAM
              ? 'no_stream'
              : options.getExpectedStreamPositionCase() === Case.STREAM_EXISTS
                ? 'stream_exists'
                : 'any';
        const deadline = options.getDeadline()?.toDate().getTime() ?? Number.POSITIVE_INFINITY;
        if (deadline <= Date.now()) {
          return respond(correlationId, identifier, (r) => r.setError(status(grpc.status.DEADLINE_EXCEEDED, 'Timeout', timeoutDetails())));
        }
        pending.set(key, {
          name: Buffer.from(identifier.getStreamName_asU8()).toString('utf8'),
          identifier,
          expected,
          deadline,
          events: [],
          size: 0,
          failed: false,
        });
      }
      const write = pending.get(key);
      if (!write) return;
      for (const proposed of request.getProposedMessagesList()) {
        const event = toProposedEvent(proposed.getId(), proposed.getMetadataMap(), proposed.getData_asU8(), proposed.getCustomMetadata_asU8());
        if ('error' in event) {
          pending.delete(key);
          return respond(correlationId, write.identifier, (r) => r.setError(status(grpc.status.INVALID_ARGUMENT, event.error.details)));
        }
        write.size += sizeOnDisk(event);
        write.events.push(event);
      }
      if (write.size > this.options.maxAppendSizeBytes) {
        pending.delete(key);
        return respond(correlationId, write.identifier, (r) =>
          r.setError(status(grpc.status.INVALID_ARGUMENT, 'MaximumAppendSizeExceeded', maxAppendSizeDetails(this.options.maxAppendSizeBytes))),
        );
      }
      if (!request.getIsFinal()) return;
      pending.delete(key);
      inFlight += 1;
      void (async () => {
        if (this.options.appendDelayMs > 0) await delay(this.options.appendDelayMs);
        if (Date.now() >= write.deadline) {
          respond(correlationId, write.identifier, (r) => r.setError(status(grpc.status.DEADLINE_EXCEEDED, 'Timeout', timeoutDetails())));
        } else if (!call.cancelled) {
          const outcome = this.log.append(write.name, write.expected, write.events);
          respond(correlationId, write.identifier, (r) => {
            if (outcome.kind === 'success') {
              const success = new streamsPb.BatchAppendResp.Success();
              if (outcome.lastRevision < 0n) success.setNoStream(new (emptyPb())() as never);
              else success.setCurrentRevision(outcome.lastRevision.toString());
              const position = new sharedPb.AllStreamPosition();
              position.setCommitPosition(outcome.commit.toString());
              position.setPreparePosition(outcome.prepare.toString());
              success.setPosition(position);
              r.setSuccess(success);
            } else if (outcome.kind === 'stream_deleted') {
              r.setError(status(grpc.status.FAILED_PRECONDITION, 'StreamDeleted', streamDeletedDetails(write.identifier)));
            } else {
              r.setError(status(grpc.status.ALREADY_EXISTS, 'WrongExpectedVersion', wrongExpectedVersionDetails(outcome.current, write.expected)));
            }
          });
        }
        inFlight -= 1;
        finishIfDone();
      })();
    });
    await new Promise<void>((resolve) => {
      call.on('end', () => {
        inputEnded = true;
        finishIfDone();
        resolve();
      });
      call.on('cancelled', () => resolve());
      call.on('error', () => resolve());
    });
  }
}

// ---------------------------------------------------------------- helpers

function emptyPb(): new () => unknown {
  return (clientRequire('google-protobuf/google/protobuf/empty_pb.js') as { Empty: new () => unknown }).Empty;
}

function eventResponse(event: StoredEvent, source: 'stream' | 'all', structuredIds: boolean): ReadResp {
  // Reading $all, the server knows every event's position. Reading a stream (from the index), it knows
  // it only for events that committed themselves; events of explicit transactions get 2^64 - 1.
  const known = source === 'all' || event.selfCommitted;
  const commit = known ? event.commit : unknownPosition;
  const prepare = known ? event.prepare : unknownPosition;

  const recorded = new streamsPb.ReadResp.ReadEvent.RecordedEvent();
  recorded.setId(uuidMessage(event.id, structuredIds));
  const identifier = new sharedPb.StreamIdentifier();
  identifier.setStreamName(new Uint8Array(Buffer.from(event.streamName, 'utf8')));
  recorded.setStreamIdentifier(identifier);
  recorded.setStreamRevision(event.revision.toString());
  recorded.setCommitPosition(commit.toString());
  recorded.setPreparePosition(prepare.toString());
  recorded.getMetadataMap().set('type', event.type);
  recorded.getMetadataMap().set('content-type', event.contentType);
  recorded.getMetadataMap().set('created', event.createdTicks.toString());
  recorded.setCustomMetadata(event.metadata);
  recorded.setData(event.data);

  const readEvent = new streamsPb.ReadResp.ReadEvent();
  readEvent.setEvent(recorded);
  if (known) readEvent.setCommitPosition(commit.toString());
  else readEvent.setNoPosition(new sharedPb.Empty());
  const response = new streamsPb.ReadResp();
  response.setEvent(readEvent);
  return response;
}

function uuidMessage(id: string, structured: boolean): SharedPb.UUID {
  const uuid = new sharedPb.UUID();
  if (!structured) {
    uuid.setString(id);
    return uuid;
  }
  const hex = id.replaceAll('-', '');
  const signed = (bits: string) => BigInt.asIntN(64, BigInt(`0x${bits}`)).toString();
  const parts = new sharedPb.UUID.Structured();
  parts.setMostSignificantBits(signed(hex.slice(0, 16)));
  parts.setLeastSignificantBits(signed(hex.slice(16)));
  uuid.setStructured(parts);
  return uuid;
}

function uuidText(uuid: SharedPb.UUID): string {
  if (uuid.hasStructured()) {
    const parts = uuid.getStructured()!;
    const hex =
      BigInt.asUintN(64, BigInt(parts.getMostSignificantBits())).toString(16).padStart(16, '0') +
      BigInt.asUintN(64, BigInt(parts.getLeastSignificantBits())).toString(16).padStart(16, '0');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  return uuid.getString().toLowerCase();
}

function toProposedEvent(
  id: SharedPb.UUID | undefined,
  metadata: { get(key: string): string | undefined },
  data: Uint8Array,
  customMetadata: Uint8Array,
): ProposedEvent | { error: grpc.ServiceError } {
  const type = metadata.get('type');
  if (type === undefined) return { error: requiredMetadataMissing('type') };
  const contentType = metadata.get('content-type');
  if (contentType === undefined) return { error: requiredMetadataMissing('content-type') };
  if (!id) return { error: invalidArgument("'id' is a required argument") };
  let text: string;
  try {
    text = uuidText(id);
  } catch {
    return { error: invalidArgument('event id is not a UUID') };
  }
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text)) {
    return { error: invalidArgument(`event id ${JSON.stringify(text)} is not a UUID`) };
  }
  return { id: text, type, contentType, data: new Uint8Array(data), metadata: new Uint8Array(customMetadata) };
}

/** The server's `Event.SizeOnDisk`, approximately: payload, metadata and type name. */
function sizeOnDisk(event: ProposedEvent): number {
  return event.data.length + event.metadata.length + Buffer.byteLength(event.type, 'utf8');
}

function allBound(all: StreamsPb.ReadReq.Options.AllOptions): AllPositionBound | 'start' | 'end' {
  const Case = streamsPb.ReadReq.Options.AllOptions.AllOptionCase;
  switch (all.getAllOptionCase()) {
    case Case.END:
      return 'end';
    case Case.POSITION: {
      const position = all.getPosition()!;
      return { commit: BigInt(position.getCommitPosition()), prepare: BigInt(position.getPreparePosition()) };
    }
    default:
      return 'start';
  }
}

async function collect<T>(call: grpc.ServerReadableStream<T, unknown>): Promise<T[] | undefined> {
  return new Promise((resolve) => {
    const requests: T[] = [];
    call.on('data', (request: T) => requests.push(request));
    call.on('end', () => resolve(requests));
    call.on('cancelled', () => resolve(undefined));
    call.on('error', () => resolve(undefined));
  });
}

async function write(call: grpc.ServerWritableStream<ReadReq, ReadResp>, response: ReadResp): Promise<void> {
  if (!call.write(response)) await drained(call);
}

function drained(call: grpc.ServerWritableStream<ReadReq, ReadResp>): Promise<void> {
  return new Promise((resolve) => {
    if (call.cancelled) return resolve();
    const done = () => {
      call.off('drain', done);
      call.off('cancelled', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function fail(call: SurfaceCall, error: Partial<grpc.ServiceError>): void {
  if (call.cancelled) return;
  call.emit('error', error);
}

function serviceError(code: grpc.status, details: string, metadata: Record<string, string> = {}): grpc.ServiceError {
  const trailers = new grpc.Metadata();
  for (const [key, value] of Object.entries(metadata)) trailers.set(key, value);
  return Object.assign(new Error(details), { code, details, metadata: trailers });
}

/** The oneof of a delete's or tombstone's expected revision, as the log's `Expected`; undefined when unset. */
function expectedOf(
  which: number,
  Case: { readonly REVISION: number; readonly NO_STREAM: number; readonly ANY: number; readonly STREAM_EXISTS: number },
  revision: () => bigint,
): Expected | undefined {
  if (which === Case.REVISION) return revision();
  if (which === Case.NO_STREAM) return 'no_stream';
  if (which === Case.ANY) return 'any';
  if (which === Case.STREAM_EXISTS) return 'stream_exists';
  return undefined;
}

/** The server's `RpcExceptions.StreamDeleted`. */
function streamDeleted(streamName: string): grpc.ServiceError {
  return serviceError(grpc.status.FAILED_PRECONDITION, `Event stream '${streamName}' is deleted.`, { exception: 'stream-deleted', 'stream-name': streamName });
}

/** The server's `RpcExceptions.WrongExpectedVersion` (unary calls; BatchAppend answers with a status instead). */
function wrongExpectedVersion(streamName: string, expected: Expected, current: bigint | 'no_stream'): grpc.ServiceError {
  // The server's numbers for the special expectations: NoStream -1, Any -2, StreamExists -4.
  const expectedNumber = expected === 'no_stream' ? '-1' : expected === 'any' ? '-2' : expected === 'stream_exists' ? '-4' : expected.toString();
  return serviceError(grpc.status.FAILED_PRECONDITION, `Append failed due to WrongExpectedVersion. Stream: ${streamName}, Expected version: ${expectedNumber}`, {
    exception: 'wrong-expected-version',
    'stream-name': streamName,
    'expected-version': expectedNumber,
    ...(current === 'no_stream' ? {} : { 'actual-version': current.toString() }),
  });
}

function streamDeletedDetails(identifier: SharedPb.StreamIdentifier): { bytes: Uint8Array; typeName: string } {
  const details = new sharedPb.StreamDeleted();
  details.setStreamIdentifier(identifier);
  return { bytes: details.serializeBinary(), typeName: 'event_store.client.StreamDeleted' };
}

function invalidArgument(details: string): grpc.ServiceError {
  return serviceError(grpc.status.INVALID_ARGUMENT, details);
}

function unknownError(details: string): grpc.ServiceError {
  return serviceError(grpc.status.UNKNOWN, details);
}

function internalError(error: unknown): grpc.ServiceError {
  return serviceError(grpc.status.INTERNAL, `stand-in failure: ${error instanceof Error ? error.message : String(error)}`);
}

function requiredMetadataMissing(property: string): grpc.ServiceError {
  return serviceError(grpc.status.INVALID_ARGUMENT, `Required Metadata Property '${property}' is missing`, {
    exception: 'missing-required-metadata-property',
    'required-metadata-properties': 'type,content-type',
  });
}

function maxAppendSizeExceeded(maxAppendSize: number): grpc.ServiceError {
  return serviceError(grpc.status.INVALID_ARGUMENT, `Maximum Append Size of ${maxAppendSize} Exceeded.`, {
    exception: 'maximum-append-size-exceeded',
    'maximum-append-size': String(maxAppendSize),
  });
}

function status(code: grpc.status, message: string, details?: { bytes: Uint8Array; typeName: string }): StatusPb.Status {
  const result = new statusPb.Status();
  result.setCode(code as unknown as StatusPb.Status.AsObject['code']);
  result.setMessage(message);
  if (details) {
    const any = new anyPb.Any();
    any.pack(details.bytes, details.typeName);
    result.setDetails(any as never);
  }
  return result;
}

function timeoutDetails(): { bytes: Uint8Array; typeName: string } {
  return { bytes: new sharedPb.Timeout().serializeBinary(), typeName: 'event_store.client.Timeout' };
}

function maxAppendSizeDetails(maxAppendSize: number): { bytes: Uint8Array; typeName: string } {
  const details = new sharedPb.MaximumAppendSizeExceeded();
  details.setMaxappendsize(maxAppendSize);
  return { bytes: details.serializeBinary(), typeName: 'event_store.client.MaximumAppendSizeExceeded' };
}

function wrongExpectedVersionDetails(current: bigint | 'no_stream', expected: Expected): { bytes: Uint8Array; typeName: string } {
  const details = new sharedPb.WrongExpectedVersion();
  if (current === 'no_stream') details.setCurrentNoStream(new (emptyPb())() as never);
  else details.setCurrentStreamRevision(current.toString());
  if (expected === 'any') details.setExpectedAny(new (emptyPb())() as never);
  else if (expected === 'no_stream') details.setExpectedNoStream(new (emptyPb())() as never);
  else if (expected === 'stream_exists') details.setExpectedStreamExists(new (emptyPb())() as never);
  else details.setExpectedStreamPosition(expected.toString());
  return { bytes: details.serializeBinary(), typeName: 'event_store.client.WrongExpectedVersion' };
}
