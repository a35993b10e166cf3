/**
 * What the EventStoreDB store does beyond the shared contract (tests/contract/eventstoredb.contract.test.ts):
 * how it lays events out on the server, what it keeps out of the ledger's global order, positions of
 * legacy transactions, deadlines. Over the in-process stand-in, through the real client.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventStoreDBClient, FORWARDS, START, jsonEvent } from '@eventstore/db-client';
import type { NewEvent, RecordedEvent } from '@volunteer-ledger/core';
import { asNewEvent, contractEvent, contractEvents } from '@volunteer-ledger/store-contract';
import { toEventData } from './envelope.js';
import { EventStoreDbEventStore } from './event-store.js';
import { ulidToUuid } from './ids.js';
import { unpackPosition } from './positions.js';
import type { ProposedEvent } from './testing/stand-in-log.js';
import { EventStoreStandIn, type StandInOptions } from './testing/stand-in-server.js';

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** An event laid out exactly as the store lays it out, for writing behind the store's back. */
function asProposed(event: NewEvent): ProposedEvent {
  const data = toEventData(event);
  return {
    id: data.id,
    type: data.type,
    contentType: data.contentType,
    data: new Uint8Array(Buffer.from(JSON.stringify(data.data))),
    metadata: new Uint8Array(Buffer.from(JSON.stringify(data.metadata))),
  };
}

async function take(subscription: AsyncIterable<RecordedEvent>, count: number): Promise<RecordedEvent[]> {
  const taken: RecordedEvent[] = [];
  for await (const event of subscription) {
    taken.push(event);
    if (taken.length === count) break;
  }
  return taken;
}

describe('EventStoreDB store over the stand-in', () => {
  let server: EventStoreStandIn;
  let store: EventStoreDbEventStore;
  let raw: EventStoreDBClient;

  async function startServer(options: StandInOptions = {}) {
    server = await EventStoreStandIn.start(options);
    store = new EventStoreDbEventStore({ connectionString: server.connectionString, readDeadlineMs: 500 });
    raw = EventStoreDBClient.connectionString(server.connectionString);
  }

  beforeEach(async () => startServer());

  afterEach(async () => {
    await store.close();
    await raw.dispose();
    await server.close();
  });

  it('writes the ledger stream under its own name, the ULID as the UUID, data and metadata as JSON', async () => {
    const event = contractEvent({ points: '12.50' }, { type: 'PointsAccrued', schemaVersion: 3 });
    await store.appendToStream('member-c1-m1', [event], { expectedRevision: 'no_stream' });
    const [stored] = await collect(raw.readStream('member-c1-m1'));
    expect(stored!.event!.id).toBe(ulidToUuid(event.eventId));
    expect(stored!.event!.type).toBe('PointsAccrued');
    expect(stored!.event!.isJson).toBe(true);
    expect(stored!.event!.data).toEqual({ points: '12.50' });
    expect(stored!.event!.metadata).toEqual({
      schemaVersion: 3,
      metadata: event.metadata,
      $correlationId: event.metadata.correlationId,
      $causationId: event.metadata.causationId,
    });
  });

  it('keeps system events, its own bookkeeping and foreign streams out of the global order', async () => {
    await store.appendToStream('member-c1-m1', contractEvents(1), { expectedRevision: 'no_stream' });
    await store.idempotency.tryInsert(
      { key: 'k', requestHash: 'a'.repeat(64), status: 'pending', outcome: null, createdAt: '2024-05-01T08:00:00.000Z', expiresAt: '2999-01-01T00:00:00.000Z' },
      '2024-05-01T08:00:00.000Z',
    );
    await store.checkpoints.putCheckpoint('balances', 7n);
    await raw.appendToStream('orders-1', jsonEvent({ type: 'OrderPlaced', data: { n: 1 } }));
    await store.appendToStream('reward-c1-rice', contractEvents(1), { expectedRevision: 'no_stream' });

    // The server's own $all holds all of it, system records included ...
    const everything = await collect(raw.readAll());
    const names = new Set(everything.map((e) => e.event!.streamId));
    expect([...names].some((n) => n.startsWith('$'))).toBe(true);
    expect([...names].some((n) => n.startsWith('ledger-idem-'))).toBe(true);
    expect([...names].some((n) => n.startsWith('ledger-checkpoint-'))).toBe(true);
    expect(names.has('orders-1')).toBe(true);
    // ... the ledger's global order only the ledger's streams, live or not.
    expect((await store.readAll({ maxCount: 100 })).map((e) => e.streamName)).toEqual(['member-c1-m1', 'reward-c1-rice']);
    const subscription = store.subscribeToAll();
    try {
      expect((await take(subscription, 2)).map((e) => e.streamName)).toEqual(['member-c1-m1', 'reward-c1-rice']);
    } finally {
      await subscription.close();
    }
  });

  it('namespaces keep ledgers on one server apart', async () => {
    const other = new EventStoreDbEventStore({ connectionString: server.connectionString, namespace: 'tenant-b-' });
    try {
      await store.appendToStream('member-c1-m1', contractEvents(1), { expectedRevision: 'no_stream' });
      await other.appendToStream('member-c1-m1', contractEvents(2), { expectedRevision: 'no_stream' });
      expect(await store.streamRevision('member-c1-m1')).toBe(0);
      expect(await other.streamRevision('member-c1-m1')).toBe(1);
      expect(await store.readAll({ maxCount: 10 })).toHaveLength(1);
      const theirs = await other.readAll({ maxCount: 10 });
      expect(theirs.map((e) => e.streamName)).toEqual(['member-c1-m1', 'member-c1-m1']);
      expect((await collect(raw.readStream('tenant-b-member-c1-m1'))).length).toBe(2);
    } finally {
      await other.close();
    }
  });

  it('refuses stream names outside its categories and ids that are not ULIDs, writing nothing', async () => {
    await expect(store.appendToStream('orders-1', contractEvents(1), { expectedRevision: 'any' })).rejects.toThrow(RangeError);
    await expect(store.appendToStream('ledger-idem-x', contractEvents(1), { expectedRevision: 'any' })).rejects.toThrow(RangeError);
    await expect(store.readStream('orders-1')).rejects.toThrow(RangeError);
    const badId = contractEvent({ n: 1 }, { eventId: 'evt-1' });
    await expect(store.appendToStream('member-c1-m1', [contractEvent(), badId], { expectedRevision: 'any' })).rejects.toThrow(/not a canonical ULID/);
    expect(await store.streamRevision('member-c1-m1')).toBe('no_stream');
  });

  it('gives events of a legacy explicit transaction (one shared commit position) strictly increasing positions, and resumes after any of them', async () => {
    await store.appendToStream('member-c1-before', contractEvents(1, 0), { expectedRevision: 'no_stream' });
    const transaction = contractEvents(3, 1);
    const interleaved = contractEvents(1, 9);
    server.log.writeExplicitTransaction('member-c1-legacy', transaction.map(asProposed), [
      { streamName: 'member-c1-other', events: interleaved.map(asProposed) },
    ]);
    await store.appendToStream('member-c1-after', contractEvents(1, 4), { expectedRevision: 'no_stream' });

    const all = await store.readAll({ maxCount: 100 });
    expect(all.map((e) => e.data['n'])).toEqual([0, 9, 1, 2, 3, 4]);
    const commits = all.map((e) => unpackPosition(e.position).commit);
    expect(commits[2]).toBe(commits[3]);
    expect(commits[3]).toBe(commits[4]);
    for (let i = 1; i < all.length; i += 1) expect(all[i]!.position > all[i - 1]!.position).toBe(true);
    expect(all.slice(2, 5).map(asNewEvent)).toEqual(transaction);

    // Resuming after the middle event of the transaction yields the rest of it, then what follows.
    const middle = all[3]!.position;
    expect((await store.readAll({ after: middle, maxCount: 100 })).map((e) => e.data['n'])).toEqual([3, 4]);
    const subscription = store.subscribeToAll({ after: middle });
    try {
      expect((await take(subscription, 2)).map((e) => e.data['n'])).toEqual([3, 4]);
    } finally {
      await subscription.close();
    }
    // Read from its stream, the server cannot say where such an event was committed: the store says so
    // rather than invent a position.
    await expect(store.readStream('member-c1-legacy')).rejects.toThrow(/did not report the position/);
  });

  it('a subscription delivers live events, and close() ends an iterator that is waiting', async () => {
    const subscription = store.subscribeToAll();
    const iterator = subscription[Symbol.asyncIterator]();
    const waiting = iterator.next();
    await store.appendToStream('member-c1-m1', contractEvents(1), { expectedRevision: 'no_stream' });
    expect(((await waiting).value as RecordedEvent).streamName).toBe('member-c1-m1');
    const waitingAgain = iterator.next();
    await subscription.close();
    expect((await waitingAgain).done).toBe(true);
  });

  it('the append position is the position of the append`s last event in $all', async () => {
    const result = await store.appendToStream('member-c1-m1', contractEvents(3), { expectedRevision: 'no_stream' });
    const all = await collect(raw.readAll({ fromPosition: START, direction: FORWARDS }));
    const last = all.filter((e) => e.event!.streamId === 'member-c1-m1').at(-1)!;
    expect(unpackPosition(result.position)).toEqual(last.event!.position);
  });

  it('a $all read that misses its deadline fails instead of hanging', async () => {
    await store.close();
    await raw.dispose();
    await server.close();
    await startServer({ readDelayMs: 1_000 });
    await expect(store.readAll({ maxCount: 10 })).rejects.toMatchObject({ type: 'deadline-exceeded' });
  });

  it('deleteExpired scans idempotency streams of its own namespace only', async () => {
    const other = new EventStoreDbEventStore({ connectionString: server.connectionString, namespace: `ns-${randomUUID().slice(0, 6)}-` });
    const record = (key: string) => ({
      key,
      requestHash: 'a'.repeat(64),
      status: 'completed' as const,
      outcome: { ok: true },
      createdAt: '2024-05-01T08:00:00.000Z',
      expiresAt: '2024-05-01T09:00:00.000Z',
    });
    try {
      await store.idempotency.put(record('mine'));
      await other.idempotency.put(record('theirs'));
      expect(await store.idempotency.deleteExpired('2024-05-02T00:00:00.000Z')).toBe(1);
      expect(await other.idempotency.get('theirs')).not.toBeNull();
    } finally {
      await other.close();
    }
  });
});
