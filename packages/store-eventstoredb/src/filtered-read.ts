/**
 * A read of `$all` with a server-side filter and a count. The server has served these since 20.6
 * (`ReadAllForwardsFiltered`), but `@eventstore/db-client` 6.x offers filters only on subscriptions, not
 * on `readAll`. So this builds the same `ReadReq` the client builds for `readAll`, adds the
 * `FilterOptions` it builds for `subscribeToAll`, and sends it through the client's own `execute`
 * (channel, credentials, connection name, reconnection on failure) and its own event conversion.
 *
 * `execute`, `callArguments`, `getChannel` and the generated classes are the client's internals; they are used here
 * through one narrow, typed view, pinned by the client's version range in package.json and covered by
 * the tests against the stand-in (which serves these exact messages).
 */
import { createRequire } from 'node:module';
import type { CallOptions, Channel, ClientReadableStream, Metadata } from '@grpc/grpc-js';
import { convertToCommandError, type EventStoreDBClient, type ResolvedEvent } from '@eventstore/db-client';
import type * as SharedPb from '@eventstore/db-client/generated/shared_pb.js';
import type * as StreamsPb from '@eventstore/db-client/generated/streams_pb.js';
import type * as StreamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import type { AllPosition } from './positions.js';

const clientRequire = createRequire(createRequire(import.meta.url).resolve('@eventstore/db-client'));
const streamsPb = clientRequire('../generated/streams_pb.js') as typeof StreamsPb;
const streamsGrpc = clientRequire('../generated/streams_grpc_pb.js') as typeof StreamsGrpc;
const sharedPb = clientRequire('../generated/shared_pb.js') as typeof SharedPb;
const { convertGrpcEvent } = clientRequire('./utils/convertGrpcEvent.js') as {
  convertGrpcEvent: (event: StreamsPb.ReadResp.ReadEvent) => ResolvedEvent;
};

type StreamsClient = InstanceType<typeof StreamsGrpc.StreamsClient>;

/** The protected members of the client this module relies on. */
interface ClientInternals {
  execute<T>(client: typeof StreamsGrpc.StreamsClient, debugName: string, action: (client: StreamsClient) => Promise<T>): Promise<T>;
  callArguments(options: { deadline?: number }, callOptions?: CallOptions): [Metadata, CallOptions];
  getChannel(): Promise<Channel>;
}

/**
 * Closes the client's gRPC channel. `client.dispose()` cancels the client's calls but leaves the channel
 * (its TCP connection and keep-alive pings) open until the process ends; a store that is closed should
 * not hold a connection. (If the client never connected, this opens a channel and closes it at once.)
 */
export async function closeChannel(client: EventStoreDBClient): Promise<void> {
  const channel = await (client as unknown as ClientInternals).getChannel();
  channel.close();
}

export interface FilteredReadOptions {
  /** Inclusive start, as the server reads forwards; `start` for the beginning of the log. */
  readonly from: AllPosition | 'start';
  readonly maxCount: number;
  /** Stream-name prefixes to keep. */
  readonly prefixes: readonly string[];
  readonly deadlineMs: number;
}

export async function readAllFiltered(client: EventStoreDBClient, options: FilteredReadOptions): Promise<ResolvedEvent[]> {
  const internals = client as unknown as ClientInternals;
  const request = buildRequest(options);
  return internals.execute(streamsGrpc.StreamsClient, 'readAllFiltered', (streams) => {
    const call: ClientReadableStream<StreamsPb.ReadResp> = streams.read(
      request,
      ...internals.callArguments({ deadline: options.deadlineMs }),
    );
    return new Promise<ResolvedEvent[]>((resolve, reject) => {
      const events: ResolvedEvent[] = [];
      call.on('data', (response: StreamsPb.ReadResp) => {
        const event = response.getEvent();
        if (event) events.push(convertGrpcEvent(event));
      });
      call.on('error', (error: Error) => reject(convertToCommandError(error)));
      call.on('end', () => resolve(events));
    });
  });
}

function buildRequest({ from, maxCount, prefixes }: FilteredReadOptions): StreamsPb.ReadReq {
  const all = new streamsPb.ReadReq.Options.AllOptions();
  if (from === 'start') {
    all.setStart(new sharedPb.Empty());
  } else {
    const position = new streamsPb.ReadReq.Options.Position();
    position.setCommitPosition(from.commit.toString(10));
    position.setPreparePosition(from.prepare.toString(10));
    all.setPosition(position);
  }
  const expression = new streamsPb.ReadReq.Options.FilterOptions.Expression();
  expression.setPrefixList([...prefixes]);
  const filter = new streamsPb.ReadReq.Options.FilterOptions();
  filter.setStreamIdentifier(expression);
  filter.setCount(new sharedPb.Empty());
  filter.setCheckpointintervalmultiplier(1);
  const uuidOption = new streamsPb.ReadReq.Options.UUIDOption();
  uuidOption.setString(new sharedPb.Empty());

  const options = new streamsPb.ReadReq.Options();
  options.setAll(all);
  options.setReadDirection(streamsPb.ReadReq.Options.ReadDirection.FORWARDS);
  options.setResolveLinks(false);
  options.setCount(maxCount.toString(10));
  options.setUuidOption(uuidOption);
  options.setFilter(filter);
  const request = new streamsPb.ReadReq();
  request.setOptions(options);
  return request;
}
