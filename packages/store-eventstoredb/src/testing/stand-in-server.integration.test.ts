/**
 * The stand-in's protocol behaviour, driven through the real `@eventstore/db-client`: what a client
 * sees from a node. Each expectation is one the server's source or documentation states (see README.md).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { EventStoreStandIn, type StandInOptions } from './stand-in-server.js';

const u64Max = (1n << 64n) - 1n;

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

function n(resolved: ResolvedEvent): number {
  return (resolved.event!.data as { n: number }).n;
}

function event(n: number, type = 'Counted') {
  return jsonEvent({ type, data: { n, note: '志愿服务 🎉' }, metadata: { actor: 'test' } });
}

describe.each<[string, StandInOptions]>([
  ['BatchAppend (servers since 21.10)', { batchAppend: true }],
  ['Append (older servers)', { batchAppend: false }],
])('stand-in through the real client, appending with %s', (_name, options) => {
  let server: EventStoreStandIn;
  let client: EventStoreDBClient;

  beforeEach(async () => {
    server = await EventStoreStandIn.start(options);
    client = EventStoreDBClient.connectionString(server.connectionString);
  });

  afterEach(async () => {
    await client.dispose();
    await server.close();
  });

  it('tells the client through server features which append RPC to use', async () => {
    await client.appendToStream('orders-1', [event(0)], { expectedRevision: NO_STREAM });
    expect(server.calls.get('GetSupportedMethods')).toBe(1);
    expect(server.calls.get(options.batchAppend ? 'BatchAppend' : 'Append')).toBe(1);
    expect(server.calls.get(options.batchAppend ? 'Append' : 'BatchAppend')).toBeUndefined();
  });

  it('appends, numbers revisions from 0 and reads forwards and backwards with counts', async () => {
    const first = await client.appendToStream('orders-1', [event(0), event(1), event(2)], { expectedRevision: NO_STREAM });
    expect(first.nextExpectedRevision).toBe(2n);
    const second = await client.appendToStream('orders-1', [event(3)], { expectedRevision: 2n });
    expect(second.nextExpectedRevision).toBe(3n);
    expect(second.position!.commit > first.position!.commit).toBe(true);

    const forwards = await collect(client.readStream('orders-1'));
    expect(forwards.map((e) => e.event!.revision)).toEqual([0n, 1n, 2n, 3n]);
    expect(forwards.map((e) => (e.event!.data as { n: number }).n)).toEqual([0, 1, 2, 3]);
    expect(forwards[0]!.event!.data).toEqual({ n: 0, note: '志愿服务 🎉' });
    expect(forwards[0]!.event!.metadata).toEqual({ actor: 'test' });
    // Self-committed events know their position even when read from their stream.
    expect(forwards[3]!.event!.position).toEqual(second.position);

    const slice = await collect(client.readStream('orders-1', { fromRevision: 1n, maxCount: 2 }));
    expect(slice.map((e) => e.event!.revision)).toEqual([1n, 2n]);
    const last = await collect(client.readStream('orders-1', { direction: BACKWARDS, fromRevision: END, maxCount: 1 }));
    expect(last.map((e) => e.event!.revision)).toEqual([3n]);
    const down = await collect(client.readStream('orders-1', { direction: BACKWARDS, fromRevision: 2n }));
    expect(down.map((e) => e.event!.revision)).toEqual([2n, 1n, 0n]);
    expect(await collect(client.readStream('orders-1', { fromRevision: 10n }))).toEqual([]);
  });

  it('a stream that does not exist is reported as not found', async () => {
    await expect(collect(client.readStream('nobody'))).rejects.toBeInstanceOf(StreamNotFoundError);
    await expect(collect(client.readStream('nobody', { direction: BACKWARDS, fromRevision: END }))).rejects.toBeInstanceOf(
      StreamNotFoundError,
    );
  });

  it('refuses a wrong expected revision with the current revision, writing nothing', async () => {
    await client.appendToStream('orders-1', [event(0), event(1)], { expectedRevision: NO_STREAM });
    const cases: Array<{ expected: AppendExpectedRevision; stream: string; current: bigint | 'no_stream' }> = [
      { expected: NO_STREAM, stream: 'orders-1', current: 1n },
      { expected: 0n, stream: 'orders-1', current: 1n },
      { expected: 5n, stream: 'orders-1', current: 1n },
      { expected: 'stream_exists', stream: 'orders-2', current: 'no_stream' },
      { expected: 0n, stream: 'orders-2', current: 'no_stream' },
    ];
    for (const { expected, stream, current } of cases) {
      const error = await client.appendToStream(stream, [event(9)], { expectedRevision: expected }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      expect(error).toMatchObject({ streamName: stream, expectedVersion: expected, actualVersion: current });
    }
    expect((await collect(client.readStream('orders-1'))).length).toBe(2);
    await expect(collect(client.readStream('orders-2'))).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  it('re-appending the same event ids after the same expected revision succeeds without writing twice', async () => {
    const events = [event(0), event(1)];
    const first = await client.appendToStream('orders-1', events, { expectedRevision: NO_STREAM });
    const again = await client.appendToStream('orders-1', events, { expectedRevision: NO_STREAM });
    expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
    expect(again.position).toEqual(first.position);
    expect((await collect(client.readStream('orders-1'))).length).toBe(2);
    // Other ids after the same expectation are a conflict, as usual.
    await expect(client.appendToStream('orders-1', [event(2)], { expectedRevision: NO_STREAM })).rejects.toBeInstanceOf(
      WrongExpectedVersionError,
    );
  });

  it('reads $all in (commit, prepare) order: forwards from a position inclusive, backwards exclusive', async () => {
    await client.appendToStream('a-1', [event(0), event(1)], { expectedRevision: NO_STREAM });
    await client.appendToStream('b-1', [event(2)], { expectedRevision: NO_STREAM });
    await client.appendToStream('a-1', [event(3)], { expectedRevision: 1n });

    const all = (await collect(client.readAll())) as AllStreamResolvedEvent[];
    const user = all.filter((e) => !e.event!.streamId.startsWith('$'));
    expect(user.map((e) => (e.event!.data as { n: number }).n)).toEqual([0, 1, 2, 3]);
    // A fresh node's own records are in $all, except $epoch-information (the default $all filter).
    expect(all.some((e) => e.event!.streamId === '$users')).toBe(true);
    expect(all.some((e) => e.event!.streamId === '$epoch-information')).toBe(false);
    for (const e of all) expect(e.event!.position!.commit).toBe(e.commitPosition);
    const commits = all.map((e) => e.commitPosition!);
    expect([...commits].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(commits);

    const third = user[2]!.event!.position!;
    const fromThird = (await collect(client.readAll({ fromPosition: third }))) as AllStreamResolvedEvent[];
    expect(fromThird.map((e) => (e.event!.data as { n: number }).n)).toEqual([2, 3]);
    const beforeThird = (await collect(client.readAll({ fromPosition: third, direction: BACKWARDS, maxCount: 2 }))) as AllStreamResolvedEvent[];
    expect(beforeThird.map((e) => (e.event!.data as { n: number }).n)).toEqual([1, 0]);
    const newest = (await collect(client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 }))) as AllStreamResolvedEvent[];
    expect((newest[0]!.event!.data as { n: number }).n).toBe(3);
    expect(await collect(client.readAll({ fromPosition: END, direction: FORWARDS }))).toEqual([]);
  });

  it('subscribes to $all with a stream-name filter: confirmation, catch-up, caught-up, live, checkpoints', async () => {
    await client.appendToStream('member-c1-a', [event(0), event(1)], { expectedRevision: NO_STREAM });
    await client.appendToStream('other-1', [event(100)], { expectedRevision: NO_STREAM });
    const checkpoints: bigint[] = [];
    const subscription = client.subscribeToAll({
      fromPosition: START,
      filter: streamNameFilter({
        prefixes: ['member-'],
        checkpointInterval: 1,
        maxSearchWindow: 2,
        checkpointReached: (_s, position) => {
          checkpoints.push(position.commit);
        },
      }),
    });
    let confirmed = false;
    let caughtUp = false;
    subscription.on('confirmation', () => (confirmed = true));
    subscription.on('caughtUp', () => (caughtUp = true));
    const seen: number[] = [];
    const iterator = subscription[Symbol.asyncIterator]();
    for (let i = 0; i < 2; i += 1) seen.push(n((await iterator.next()).value as ResolvedEvent));
    await client.appendToStream('other-1', [event(101)], { expectedRevision: 0n });
    await client.appendToStream('member-c1-b', [event(2)], { expectedRevision: NO_STREAM });
    seen.push(n((await iterator.next()).value as ResolvedEvent));
    expect(seen).toEqual([0, 1, 2]);
    expect(confirmed).toBe(true);
    expect(caughtUp).toBe(true);
    expect(checkpoints.length).toBeGreaterThan(0);
    await subscription.unsubscribe();
  });

  it('a subscription from a position starts strictly after it', async () => {
    await client.appendToStream('member-c1-a', [event(0), event(1), event(2)], { expectedRevision: NO_STREAM });
    const all = (await collect(client.readAll())).filter((e) => e.event!.streamId === 'member-c1-a');
    const subscription = client.subscribeToAll({
      fromPosition: all[0]!.event!.position!,
      filter: streamNameFilter({ prefixes: ['member-'] }),
    });
    const iterator = subscription[Symbol.asyncIterator]();
    const first = (await iterator.next()).value as ResolvedEvent;
    expect(n(first)).toBe(1);
    await subscription.unsubscribe();
  });

  it('refuses an append larger than the maximum append size', async () => {
    await server.close();
    server = await EventStoreStandIn.start({ ...options, maxAppendSizeBytes: 1_000 });
    await client.dispose();
    client = EventStoreDBClient.connectionString(server.connectionString);
    const big = jsonEvent({ type: 'Big', data: { text: 'x'.repeat(2_000) } });
    await expect(client.appendToStream('orders-1', [big])).rejects.toMatchObject({ type: 'maximum-append-size-exceeded' });
    await expect(collect(client.readStream('orders-1'))).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  it('an append that misses its deadline fails with deadline exceeded and writes nothing', async () => {
    await server.close();
    server = await EventStoreStandIn.start({ ...options, appendDelayMs: 300 });
    await client.dispose();
    client = EventStoreDBClient.connectionString(server.connectionString);
    await expect(client.appendToStream('orders-1', [event(0)], { deadline: 50 })).rejects.toMatchObject({
      type: 'deadline-exceeded',
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    await expect(collect(client.readStream('orders-1'))).rejects.toBeInstanceOf(StreamNotFoundError);
  });

  it('a soft-deleted stream reads as not found; appending recreates it, revisions continuing, the old events hidden', async () => {
    await client.appendToStream('orders-1', [event(0), event(1)], { expectedRevision: NO_STREAM });
    await expect(client.deleteStream('orders-1', { expectedRevision: 5n })).rejects.toBeInstanceOf(WrongExpectedVersionError);
    const deleted = await client.deleteStream('orders-1', { expectedRevision: 1n });
    expect(deleted.position).toBeDefined();
    await expect(collect(client.readStream('orders-1'))).rejects.toBeInstanceOf(StreamNotFoundError);
    const recreated = await client.appendToStream('orders-1', [event(2)], { expectedRevision: NO_STREAM });
    expect(recreated.nextExpectedRevision).toBe(2n);
    const read = await collect(client.readStream('orders-1'));
    expect(read.map(n)).toEqual([2]);
    expect(read[0]!.event!.revision).toBe(2n);
    // $all keeps the old events until a scavenge.
    expect((await collect(client.readAll())).filter((e) => e.event?.streamId === 'orders-1').map(n)).toEqual([0, 1, 2]);
  });

  it('a tombstoned stream reads, appends and deletes as deleted, for ever; its tombstone is in $all', async () => {
    await client.appendToStream('orders-2', [event(0)], { expectedRevision: NO_STREAM });
    await expect(client.tombstoneStream('orders-2', { expectedRevision: NO_STREAM })).rejects.toBeInstanceOf(WrongExpectedVersionError);
    await client.tombstoneStream('orders-2', { expectedRevision: 0n });
    await expect(collect(client.readStream('orders-2'))).rejects.toBeInstanceOf(StreamDeletedError);
    await expect(client.appendToStream('orders-2', [event(1)], { expectedRevision: NO_STREAM })).rejects.toBeInstanceOf(StreamDeletedError);
    await expect(client.appendToStream('orders-2', [event(1)])).rejects.toBeInstanceOf(StreamDeletedError);
    await expect(client.tombstoneStream('orders-2')).rejects.toBeInstanceOf(StreamDeletedError);
    await expect(client.deleteStream('orders-2')).rejects.toBeInstanceOf(StreamDeletedError);
    const inAll = (await collect(client.readAll())).filter((e) => e.event?.streamId === 'orders-2');
    expect(inAll.map((e) => e.event!.type)).toEqual(['Counted', '$streamDeleted']);
    expect(inAll[1]!.event!.revision).toBe((1n << 63n) - 1n);
    expect(server.calls.get('Tombstone')).toBe(3);
  });

  it('a stream never written can be tombstoned, and then never created', async () => {
    await client.tombstoneStream('orders-3');
    await expect(client.appendToStream('orders-3', [event(0)], { expectedRevision: NO_STREAM })).rejects.toBeInstanceOf(StreamDeletedError);
  });
});

describe('stand-in: stream metadata and legacy transactions', () => {
  let server: EventStoreStandIn;
  let client: EventStoreDBClient;

  beforeEach(async () => {
    server = await EventStoreStandIn.start();
    client = EventStoreDBClient.connectionString(server.connectionString);
  });

  afterEach(async () => {
    await client.dispose();
    await server.close();
  });

  it('honours $maxCount on stream reads; $all keeps the events until a scavenge', async () => {
    await client.setStreamMetadata('orders-1', { maxCount: 2 });
    await client.appendToStream('orders-1', [event(0), event(1), event(2)]);
    const events = await collect(client.readStream('orders-1'));
    expect(events.map((e) => e.event!.revision)).toEqual([1n, 2n]);
    const inAll = (await collect(client.readAll())).filter((e) => e.event!.streamId === 'orders-1');
    expect(inAll).toHaveLength(3);
  });

  it('events of an explicit transaction share the commit position and sort after writes that committed first', async () => {
    const proposed = (n: number) => ({
      id: crypto.randomUUID(),
      type: 'Counted',
      contentType: 'application/json',
      data: new Uint8Array(Buffer.from(JSON.stringify({ n }))),
      metadata: new Uint8Array(),
    });
    server.log.writeExplicitTransaction('legacy-1', [proposed(0), proposed(1)], [{ streamName: 'other-1', events: [proposed(9)] }]);
    const all = (await collect(client.readAll())).filter((e) => !e.event!.streamId.startsWith('$'));
    expect(all.map(n)).toEqual([9, 0, 1]);
    const [interleaved, t0, t1] = all.map((e) => e.event!.position!);
    expect(t0!.commit).toBe(t1!.commit);
    expect(t0!.prepare < t1!.prepare).toBe(true);
    expect(t0!.prepare < interleaved!.prepare).toBe(true);
    expect(interleaved!.commit < t0!.commit).toBe(true);
    // Read from their stream, such events have no known position.
    const fromStream = await collect(client.readStream('legacy-1'));
    expect(fromStream[0]!.event!.position).toEqual({ commit: u64Max, prepare: u64Max });
    expect(fromStream[0]!.commitPosition).toBeUndefined();
  });
});
