import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type EventStore,
  type ExpectedRevision,
  type IdempotencyRecord,
  type NewEvent,
  type RecordedEvent,
  type StreamRevision,
  maxEventsPerAppend,
  maxReadAllPageSize,
  WrongExpectedRevisionError,
} from '@volunteer-ledger/core';
import { asNewEvent, contractEvent, contractEvents } from './events.js';
import { checkAgainstModel, modelSteps } from './model.js';

/** One store under test, fresh and empty. */
export interface ContractSubject {
  readonly store: EventStore;
  /**
   * Durable stores: opens the same durable store again. The suite closes the previous instance first;
   * `cleanup` must close whatever `reopen` returned.
   */
  readonly reopen?: () => Promise<EventStore>;
  /** Closes every store it opened and removes what the subject created (files, streams, databases). */
  readonly cleanup: () => Promise<void>;
}

export type ContractFactory = () => Promise<ContractSubject>;

export interface ContractOptions {
  /** The store keeps what it acknowledged across close and reopen; `reopen` is then required. */
  readonly durable: boolean;
  /** Events in the large-stream test. Default 10,000. */
  readonly largeStreamEvents?: number;
  /** Generated runs of the model property. Default 25. */
  readonly propertyRuns?: number;
  /** How long a subscription may take to deliver before a test fails. Default 5,000 ms. */
  readonly deliveryTimeoutMs?: number;
}

/** How long the suite waits to be sure that nothing more is delivered. */
const quietPeriodMs = 100;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to be rejected, but it resolved');
    },
    (error: unknown) => error,
  );
}

async function expectWrongRevision(
  promise: Promise<unknown>,
  streamName: string,
  expected: ExpectedRevision,
  actual: StreamRevision,
): Promise<void> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(WrongExpectedRevisionError);
  expect(error).toMatchObject({ streamName, expected, actual });
}

/** Takes `count` events from a subscription, failing after `timeoutMs`. */
async function take(iterator: AsyncIterator<RecordedEvent>, count: number, timeoutMs: number): Promise<RecordedEvent[]> {
  const taken: RecordedEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  while (taken.length < count) {
    const next = await nextWithin(iterator, deadline - Date.now());
    if (next === 'timeout') throw new Error(`subscription delivered ${taken.length} of ${count} events within ${timeoutMs} ms`);
    if (next.done) throw new Error(`subscription ended after ${taken.length} of ${count} events`);
    taken.push(next.value);
  }
  return taken;
}

async function nextWithin(
  iterator: AsyncIterator<RecordedEvent>,
  timeoutMs: number,
): Promise<IteratorResult<RecordedEvent> | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, timeoutMs));
  });
  try {
    return await Promise.race([iterator.next(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function readEverything(store: EventStore, pageSize = maxReadAllPageSize): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  let after: bigint | undefined;
  for (;;) {
    const page = await store.readAll({ after, maxCount: pageSize });
    if (page.length === 0) return all;
    all.push(...page);
    after = page[page.length - 1]!.position;
  }
}

function expectStrictlyIncreasing(positions: readonly bigint[]): void {
  for (let i = 1; i < positions.length; i += 1) {
    expect(positions[i]! > positions[i - 1]!, `position ${positions[i]} follows ${positions[i - 1]}`).toBe(true);
  }
}

function idempotencyRecord(key: string, overrides: Partial<IdempotencyRecord> = {}): IdempotencyRecord {
  return {
    key,
    requestHash: 'a'.repeat(64),
    status: 'pending',
    outcome: null,
    createdAt: '2024-05-01T08:00:00.000Z',
    expiresAt: '2024-05-01T08:05:00.000Z',
    ...overrides,
  };
}

/** Unicode that breaks naive storage: CJK, emoji with joiners and skin tones, astral-plane CJK, RTL text. */
const unicodeSamples = {
  chinese: '志愿服务积分：为老助餐、义诊、调解',
  emoji: '🎉👩‍👩‍👧‍👦👍🏽',
  astral: '𠮷𩸽𝄞',
  mixed: 'Zoë – 张三 – مرحبا – \u0000 null char – tab\tnewline\n',
};

/** Decimal strings must come back exactly as written: no float, no trimmed zeros, no exponent. */
const decimalSamples = ['0.10', '-12.50', '100000000000.01', '0', '0.00', '-0.01', '12345678901234567890.123456789'];

/**
 * The event store contract: what every `EventStore` must do, identically (DESIGN §3). Call it from a
 * vitest test file with a factory that returns a fresh, empty store per test.
 */
export function describeEventStoreContract(name: string, factory: ContractFactory, options: ContractOptions): void {
  const largeStreamEvents = options.largeStreamEvents ?? 10_000;
  const propertyRuns = options.propertyRuns ?? 25;
  const deliveryTimeoutMs = options.deliveryTimeoutMs ?? 5_000;

  describe(`event store contract: ${name}`, () => {
    let subject: ContractSubject;
    let store: EventStore;

    beforeEach(async () => {
      subject = await factory();
      store = subject.store;
    });

    afterEach(async () => {
      await store.close();
      await subject.cleanup();
    });

    async function reopen(): Promise<EventStore> {
      if (!subject.reopen) throw new Error(`${name} is declared durable but its subject has no reopen()`);
      await store.close();
      store = await subject.reopen();
      return store;
    }

    describe('revisions', () => {
      it('a stream that was never written does not exist', async () => {
        expect(await store.streamRevision('member-c1-nobody')).toBe('no_stream');
        expect(await store.readStream('member-c1-nobody')).toEqual([]);
      });

      it('numbers a stream 0, 1, 2, … and reports the last revision and position', async () => {
        const first = await store.appendToStream('member-c1-m1', contractEvents(3), { expectedRevision: 'no_stream' });
        expect(first.nextExpectedRevision).toBe(2);
        const second = await store.appendToStream('member-c1-m1', contractEvents(2, 3), { expectedRevision: 2 });
        expect(second.nextExpectedRevision).toBe(4);
        expect(await store.streamRevision('member-c1-m1')).toBe(4);

        const events = await store.readStream('member-c1-m1');
        expect(events.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
        expect(events.map((e) => e.data['n'])).toEqual([0, 1, 2, 3, 4]);
        expect(events.every((e) => e.streamName === 'member-c1-m1')).toBe(true);
        expect(typeof events[0]!.position).toBe('bigint');
        expect(first.position).toBe(events[2]!.position);
        expect(second.position).toBe(events[4]!.position);
      });

      it('a deferred append is numbered, checked, read and ordered like any other (only its durability may wait)', async () => {
        await store.appendToStream('redemption-c1-r1', contractEvents(1), { expectedRevision: 'no_stream', durability: 'deferred' });
        await expect(store.appendToStream('redemption-c1-r1', contractEvents(1), { expectedRevision: 'no_stream', durability: 'deferred' })).rejects.toThrow(WrongExpectedRevisionError);
        const second = await store.appendToStream('redemption-c1-r1', contractEvents(1, 1), { expectedRevision: 0, durability: 'deferred' });
        const third = await store.appendToStream('redemption-c1-r1', contractEvents(1, 2), { expectedRevision: 1 });
        expect([second.nextExpectedRevision, third.nextExpectedRevision]).toEqual([1, 2]);
        expect(third.position > second.position).toBe(true);
        expect((await store.readStream('redemption-c1-r1')).map((e) => e.data['n'])).toEqual([0, 1, 2]);
      });

      it('deferred appends made durable by syncDeferred (where a store lets them wait) are read by readAll, in order', async () => {
        await store.appendToStream('redemption-c1-r1', contractEvents(2), { expectedRevision: 'no_stream', durability: 'deferred' });
        await store.appendToStream('member-c1-a', contractEvents(1), { expectedRevision: 'no_stream', durability: 'deferred' });
        // A store whose appends are all durable has no syncDeferred: its deferred appends are durable already.
        await store.syncDeferred?.();
        const all = await store.readAll({ maxCount: 100 });
        expect(all.map((e) => `${e.streamName}/${e.revision}`)).toEqual(['redemption-c1-r1/0', 'redemption-c1-r1/1', 'member-c1-a/0']);
      });

      it('keeps streams apart', async () => {
        await store.appendToStream('member-c1-a', contractEvents(2), { expectedRevision: 'no_stream' });
        await store.appendToStream('member-c1-b', contractEvents(1), { expectedRevision: 'no_stream' });
        expect(await store.streamRevision('member-c1-a')).toBe(1);
        expect(await store.streamRevision('member-c1-b')).toBe(0);
        expect((await store.readStream('member-c1-b')).map((e) => e.revision)).toEqual([0]);
      });
    });

    describe('expected revision', () => {
      // [expected, stream state before (number of events), holds]
      const cases: Array<[ExpectedRevision, number, boolean]> = [
        ['no_stream', 0, true],
        ['no_stream', 2, false],
        ['stream_exists', 0, false],
        ['stream_exists', 2, true],
        ['any', 0, true],
        ['any', 2, true],
        [1, 2, true],
        [0, 2, false],
        [2, 2, false],
        [0, 0, false],
      ];

      it.each(cases)('expected %s on a stream of %i events: holds = %s', async (expected, existing, holds) => {
        const stream = 'reward-c1-rice';
        if (existing > 0) await store.appendToStream(stream, contractEvents(existing), { expectedRevision: 'no_stream' });
        const actual: StreamRevision = existing === 0 ? 'no_stream' : existing - 1;
        const before = await store.readAll({ maxCount: 100 });

        const attempt = store.appendToStream(stream, contractEvents(2, 100), { expectedRevision: expected });
        if (holds) {
          expect((await attempt).nextExpectedRevision).toBe(existing + 1);
          expect(await store.streamRevision(stream)).toBe(existing + 1);
        } else {
          await expectWrongRevision(attempt, stream, expected, actual);
          expect(await store.streamRevision(stream)).toBe(actual);
          expect(await store.readAll({ maxCount: 100 })).toEqual(before);
        }
      });

      it('the error says what was expected, what was found and what to do', async () => {
        await store.appendToStream('member-c1-m1', contractEvents(1), { expectedRevision: 'no_stream' });
        const error = await rejection(store.appendToStream('member-c1-m1', contractEvents(1), { expectedRevision: 5 }));
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect((error as Error).message).toContain('member-c1-m1');
        expect((error as Error).message).toContain('expected 5, actual 0');
      });
    });

    describe('concurrency', () => {
      it('two appends with the same expected revision: exactly one wins', async () => {
        await store.appendToStream('member-c1-m1', contractEvents(1), { expectedRevision: 'no_stream' });
        const outcomes = await Promise.allSettled([
          store.appendToStream('member-c1-m1', contractEvents(2), { expectedRevision: 0 }),
          store.appendToStream('member-c1-m1', contractEvents(3), { expectedRevision: 0 }),
        ]);
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o) => o.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
        const winner = (won[0] as PromiseFulfilledResult<{ nextExpectedRevision: number }>).value;
        expect(await store.streamRevision('member-c1-m1')).toBe(winner.nextExpectedRevision);
        expect(await store.readStream('member-c1-m1')).toHaveLength(winner.nextExpectedRevision + 1);
      });

      it('many appends racing for a new stream: exactly one wins, the rest see it', async () => {
        const racers = 25;
        const outcomes = await Promise.allSettled(
          Array.from({ length: racers }, (_, i) =>
            store.appendToStream('redemption-c1-r1', contractEvents(2, i * 10), { expectedRevision: 'no_stream' }),
          ),
        );
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') {
            expect(outcome.reason).toBeInstanceOf(WrongExpectedRevisionError);
            expect(outcome.reason).toMatchObject({ expected: 'no_stream', actual: 1 });
          }
        }
        expect(await store.readStream('redemption-c1-r1')).toHaveLength(2);
      });

      it('a failed append among concurrent ones fails alone', async () => {
        await store.appendToStream('member-c1-x', contractEvents(1), { expectedRevision: 'no_stream' });
        const outcomes = await Promise.allSettled([
          store.appendToStream('member-c1-a', contractEvents(1), { expectedRevision: 'no_stream' }),
          store.appendToStream('member-c1-x', contractEvents(1), { expectedRevision: 7 }),
          store.appendToStream('member-c1-b', contractEvents(2), { expectedRevision: 'any' }),
          store.appendToStream('member-c1-x', contractEvents(1), { expectedRevision: 0 }),
          store.appendToStream('member-c1-c', contractEvents(1), { expectedRevision: 'stream_exists' }),
        ]);
        expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'rejected']);
        expect(await store.streamRevision('member-c1-a')).toBe(0);
        expect(await store.streamRevision('member-c1-b')).toBe(1);
        expect(await store.streamRevision('member-c1-x')).toBe(1);
        expect(await store.streamRevision('member-c1-c')).toBe('no_stream');
      });

      it('concurrent appends across streams: every stream contiguous, global order strictly increasing', async () => {
        const streams = Array.from({ length: 8 }, (_, i) => `member-c1-m${i}`);
        const appends = Array.from({ length: 64 }, (_, i) =>
          store.appendToStream(streams[i % streams.length]!, contractEvents(1 + (i % 3)), { expectedRevision: 'any' }),
        );
        const results = await Promise.all(appends);
        const all = await readEverything(store);
        expect(all).toHaveLength(results.reduce((n, _, i) => n + 1 + (i % 3), 0));
        expectStrictlyIncreasing(all.map((e) => e.position));
        for (const stream of streams) {
          expect(all.filter((e) => e.streamName === stream).map((e) => e.revision)).toEqual(
            (await store.readStream(stream)).map((e) => e.revision),
          );
          const revisions = (await store.readStream(stream)).map((e) => e.revision);
          expect(revisions).toEqual(revisions.map((_, i) => i));
        }
        const positions = new Set(all.map((e) => e.position));
        for (const result of results) expect(positions.has(result.position)).toBe(true);
      });
    });

    describe('global order', () => {
      it('positions strictly increase across streams, in append order', async () => {
        const appended: NewEvent[] = [];
        const positions: bigint[] = [];
        for (const [i, stream] of ['member-c1-a', 'member-c1-b', 'member-c1-a', 'reward-c1-x', 'member-c1-b'].entries()) {
          const events = contractEvents(1 + (i % 2), i * 10);
          positions.push((await store.appendToStream(stream, events, { expectedRevision: 'any' })).position);
          appended.push(...events);
        }
        expectStrictlyIncreasing(positions);
        const all = await store.readAll({ maxCount: 100 });
        expect(all.map((e) => e.eventId)).toEqual(appended.map((e) => e.eventId));
        expectStrictlyIncreasing(all.map((e) => e.position));
      });

      it('readAll is exclusive of `after` and pages through everything', async () => {
        for (let i = 0; i < 10; i += 1) {
          await store.appendToStream(`member-c1-m${i % 3}`, contractEvents(3, i * 3), { expectedRevision: 'any' });
        }
        const all = await store.readAll({ maxCount: 1_000 });
        expect(all).toHaveLength(30);
        const checkpoint = all[11]!.position;
        expect((await store.readAll({ after: checkpoint, maxCount: 1_000 })).map((e) => e.eventId)).toEqual(
          all.slice(12).map((e) => e.eventId),
        );
        expect(await store.readAll({ after: all[29]!.position, maxCount: 10 })).toEqual([]);
        expect(await store.readAll({ after: checkpoint, maxCount: 0 })).toEqual([]);
        const paged = await readEverything(store, 7);
        expect(paged.map((e) => e.eventId)).toEqual(all.map((e) => e.eventId));
        expect(await store.readAll({ maxCount: 4 })).toHaveLength(4);
      });
    });

    describe('subscribeToAll', () => {
      it('catches up, then delivers live events in order, each once; close() ends it', async () => {
        const first = await store.appendToStream('member-c1-a', contractEvents(3), { expectedRevision: 'no_stream' });
        const subscription = store.subscribeToAll();
        const iterator = subscription[Symbol.asyncIterator]();
        const caughtUp = await take(iterator, 3, deliveryTimeoutMs);
        expect(caughtUp.map((e) => e.data['n'])).toEqual([0, 1, 2]);
        expect(caughtUp[2]!.position).toBe(first.position);

        await store.appendToStream('member-c1-b', contractEvents(2, 3), { expectedRevision: 'no_stream' });
        await store.appendToStream('member-c1-a', contractEvents(1, 5), { expectedRevision: 2 });
        const live = await take(iterator, 3, deliveryTimeoutMs);
        expect(live.map((e) => e.data['n'])).toEqual([3, 4, 5]);
        expect(await nextWithin(iterator, quietPeriodMs)).toBe('timeout');

        await subscription.close();
        await subscription.close();
        const ended = await nextWithin(iterator, deliveryTimeoutMs);
        expect(ended).not.toBe('timeout');
        expect((ended as IteratorResult<RecordedEvent>).done).toBe(true);
      });

      it('starts strictly after `after`', async () => {
        await store.appendToStream('member-c1-a', contractEvents(4), { expectedRevision: 'no_stream' });
        const all = await store.readAll({ maxCount: 10 });
        const subscription = store.subscribeToAll({ after: all[1]!.position });
        try {
          const got = await take(subscription[Symbol.asyncIterator](), 2, deliveryTimeoutMs);
          expect(got.map((e) => e.eventId)).toEqual(all.slice(2).map((e) => e.eventId));
        } finally {
          await subscription.close();
        }
      });

      it('appends racing with catch-up are delivered each once, in order', async () => {
        await store.appendToStream('member-c1-seed', contractEvents(50), { expectedRevision: 'no_stream' });
        const subscription = store.subscribeToAll();
        const collected: RecordedEvent[] = [];
        const consumer = (async () => {
          for await (const event of subscription) collected.push(event);
        })();
        const writes = Array.from({ length: 40 }, (_, i) =>
          store.appendToStream(`member-c1-w${i % 5}`, contractEvents(1 + (i % 4)), { expectedRevision: 'any' }),
        );
        await Promise.all(writes);
        const total = (await readEverything(store)).length;
        const deadline = Date.now() + deliveryTimeoutMs;
        while (collected.length < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        await new Promise((r) => setTimeout(r, quietPeriodMs));
        await subscription.close();
        await consumer;
        expect(collected).toHaveLength(total);
        expectStrictlyIncreasing(collected.map((e) => e.position));
        expect(collected.map((e) => e.eventId)).toEqual((await readEverything(store)).map((e) => e.eventId));
      });
    });

    describe('idempotency records', () => {
      const now = '2024-05-01T08:01:00.000Z';

      it('tryInsert claims a free key once; a live record wins over a second claim', async () => {
        expect(await store.idempotency.get('k1')).toBeNull();
        const first = idempotencyRecord('k1');
        expect(await store.idempotency.tryInsert(first, now)).toEqual({ inserted: true, record: first });
        const second = idempotencyRecord('k1', { requestHash: 'b'.repeat(64) });
        expect(await store.idempotency.tryInsert(second, now)).toEqual({ inserted: false, record: first });
        expect(await store.idempotency.get('k1')).toEqual(first);
      });

      it('an expired record (expiresAt at or before now) is replaced', async () => {
        const old = idempotencyRecord('k1', { expiresAt: now });
        await store.idempotency.tryInsert(old, '2024-05-01T07:00:00.000Z');
        const fresh = idempotencyRecord('k1', { requestHash: 'c'.repeat(64), createdAt: now, expiresAt: '2024-05-02T00:00:00.000Z' });
        expect(await store.idempotency.tryInsert(fresh, now)).toEqual({ inserted: true, record: fresh });
        expect(await store.idempotency.get('k1')).toEqual(fresh);
        // And a record that has not expired yet is not replaced: now is one millisecond before expiry.
        const third = idempotencyRecord('k1', { requestHash: 'd'.repeat(64) });
        expect(await store.idempotency.tryInsert(third, '2024-05-01T23:59:59.999Z')).toEqual({ inserted: false, record: fresh });
      });

      it('concurrent claims of one key: exactly one is inserted and all see it', async () => {
        const claims = Array.from({ length: 20 }, (_, i) =>
          store.idempotency.tryInsert(idempotencyRecord('race', { requestHash: String(i).padStart(64, '0') }), now),
        );
        const results = await Promise.all(claims);
        const inserted = results.filter((r) => r.inserted);
        expect(inserted).toHaveLength(1);
        for (const result of results) expect(result.record).toEqual(inserted[0]!.record);
        expect(await store.idempotency.get('race')).toEqual(inserted[0]!.record);
      });

      it('put overwrites exactly (outcome JSON included); delete removes', async () => {
        await store.idempotency.tryInsert(idempotencyRecord('k1'), now);
        const completed = idempotencyRecord('k1', {
          status: 'completed',
          outcome: { status: 201, body: { points: '12.50', note: unicodeSamples.chinese + unicodeSamples.emoji, list: [1, null, true] } },
          expiresAt: '2024-05-02T08:00:00.000Z',
        });
        await store.idempotency.put(completed);
        expect(await store.idempotency.get('k1')).toStrictEqual(completed);
        await store.idempotency.put(idempotencyRecord('k2', { status: 'completed', outcome: '0.10' }));
        expect((await store.idempotency.get('k2'))?.outcome).toBe('0.10');
        await store.idempotency.delete('k1');
        await store.idempotency.delete('never-there');
        expect(await store.idempotency.get('k1')).toBeNull();
        expect(await store.idempotency.get('k2')).not.toBeNull();
      });

      it('deleteExpired removes records expired at or before now and counts them', async () => {
        await store.idempotency.put(idempotencyRecord('past', { expiresAt: '2024-05-01T07:00:00.000Z' }));
        await store.idempotency.put(idempotencyRecord('exact', { expiresAt: now }));
        await store.idempotency.put(idempotencyRecord('future', { expiresAt: '2024-05-01T08:01:00.001Z' }));
        expect(await store.idempotency.deleteExpired(now)).toBe(2);
        expect(await store.idempotency.deleteExpired(now)).toBe(0);
        expect(await store.idempotency.get('past')).toBeNull();
        expect(await store.idempotency.get('exact')).toBeNull();
        expect(await store.idempotency.get('future')).not.toBeNull();
      });
    });

    describe('checkpoints', () => {
      it('stores positions by name, overwrites, keeps bigints exact', async () => {
        expect(await store.checkpoints.getCheckpoint('balances')).toBeNull();
        await store.checkpoints.putCheckpoint('balances', 5n);
        await store.checkpoints.putCheckpoint('statements', 2n ** 62n + 7n);
        expect(await store.checkpoints.getCheckpoint('balances')).toBe(5n);
        await store.checkpoints.putCheckpoint('balances', 3n);
        expect(await store.checkpoints.getCheckpoint('balances')).toBe(3n);
        expect(await store.checkpoints.getCheckpoint('statements')).toBe(2n ** 62n + 7n);
      });
    });

    describe('payloads', () => {
      it('round-trips unicode in data, metadata and stream names', async () => {
        const stream = 'member-社区一-张三😀';
        const event = contractEvent(
          { ...unicodeSamples, [unicodeSamples.chinese]: unicodeSamples.astral, nested: { list: [unicodeSamples.emoji] } },
          { metadata: { ...contractEventMetadataWith(unicodeSamples.chinese + unicodeSamples.astral) } },
        );
        await store.appendToStream(stream, [event], { expectedRevision: 'no_stream' });
        const [read] = await store.readStream(stream);
        expect(asNewEvent(read!)).toStrictEqual(event);
        expect(read!.streamName).toBe(stream);
        const [fromAll] = await store.readAll({ maxCount: 1 });
        expect(asNewEvent(fromAll!)).toStrictEqual(event);
      });

      it('round-trips metadata and decimal strings unchanged', async () => {
        const event = contractEvent(
          { amounts: decimalSamples, points: '0.10', balance: '-12.50', total: '100000000000.01', count: 3, ratio: 0.5, ok: false, none: null },
          {
            type: 'PointsAccrued',
            schemaVersion: 7,
            metadata: {
              actor: 'organiser:o-17',
              correlationId: '01HZX3V5J8K2M4N6P8Q0R2S4T6',
              causationId: '01HZX3V5J8K2M4N6P8Q0R2S4T7',
              idempotencyKey: 'c1:member:m1:key-42',
              requestHash: 'f'.repeat(64),
              recordedAt: '2024-05-01T08:00:00.123Z',
            },
          },
        );
        await store.appendToStream('member-c1-m1', [event], { expectedRevision: 'no_stream' });
        const [read] = await store.readStream('member-c1-m1');
        expect(asNewEvent(read!)).toStrictEqual(event);
        for (const [i, sample] of decimalSamples.entries()) expect((read!.data['amounts'] as string[])[i]).toBe(sample);
      });
    });

    describe('limits', () => {
      it('rejects an empty append and one over maxEventsPerAppend, writing nothing', async () => {
        await expect(store.appendToStream('member-c1-m1', [], { expectedRevision: 'any' })).rejects.toThrow(RangeError);
        await expect(
          store.appendToStream('member-c1-m1', contractEvents(maxEventsPerAppend + 1), { expectedRevision: 'any' }),
        ).rejects.toThrow(RangeError);
        expect(await store.streamRevision('member-c1-m1')).toBe('no_stream');
        expect(await store.readAll({ maxCount: 10 })).toEqual([]);
        const full = await store.appendToStream('member-c1-m1', contractEvents(maxEventsPerAppend), { expectedRevision: 'no_stream' });
        expect(full.nextExpectedRevision).toBe(maxEventsPerAppend - 1);
      });

      it(`reads a stream of ${largeStreamEvents} events whole and in slices`, async () => {
        const stream = 'member-c1-busy';
        let expected: ExpectedRevision = 'no_stream';
        for (let from = 0; from < largeStreamEvents; from += maxEventsPerAppend) {
          const count = Math.min(maxEventsPerAppend, largeStreamEvents - from);
          expected = (await store.appendToStream(stream, contractEvents(count, from), { expectedRevision: expected })).nextExpectedRevision;
        }
        const all = await store.readStream(stream);
        expect(all).toHaveLength(largeStreamEvents);
        expect(all.every((e, i) => e.revision === i && e.data['n'] === i)).toBe(true);
        const tail = await store.readStream(stream, { fromRevision: largeStreamEvents - 10 });
        expect(tail.map((e) => e.revision)).toEqual(Array.from({ length: 10 }, (_, i) => largeStreamEvents - 10 + i));
        const slice = await store.readStream(stream, { fromRevision: 5_000, maxCount: 100 });
        expect(slice.map((e) => e.revision)).toEqual(Array.from({ length: 100 }, (_, i) => 5_000 + i));
        expect(await store.readStream(stream, { fromRevision: largeStreamEvents })).toEqual([]);
        expect(await store.readStream(stream, { maxCount: 0 })).toEqual([]);
        const page = await store.readAll({ maxCount: maxReadAllPageSize * 2 });
        expect(page.length).toBeGreaterThan(0);
        expect(page.length).toBeLessThanOrEqual(maxReadAllPageSize);
        expect((await readEverything(store)).length).toBe(largeStreamEvents);
      });
    });

    describe('lifecycle', () => {
      it('close is idempotent and later calls fail', async () => {
        await store.close();
        await store.close();
        await expect(store.appendToStream('member-c1-m1', contractEvents(1), { expectedRevision: 'any' })).rejects.toThrow();
        await expect(store.readStream('member-c1-m1')).rejects.toThrow();
      });
    });

    describe('model property', () => {
      it('random appends with random expected revisions match a model after every step', async () => {
        await fc.assert(
          fc.asyncProperty(modelSteps, async (steps) => {
            const run = await factory();
            try {
              await checkAgainstModel(run.store, steps);
            } finally {
              await run.store.close();
              await run.cleanup();
            }
          }),
          { numRuns: propertyRuns },
        );
      });
    });

    if (options.durable) {
      describe('durability (close and reopen)', () => {
        it('keeps events, revisions and positions; new positions are never reused', async () => {
          await store.appendToStream('member-c1-a', contractEvents(3), { expectedRevision: 'no_stream' });
          const last = await store.appendToStream('member-c1-b', [contractEvent({ amount: '0.10', note: unicodeSamples.astral })], {
            expectedRevision: 'no_stream',
          });
          const before = await readEverything(store);
          const reopened = await reopen();
          expect(await readEverything(reopened)).toStrictEqual(before);
          expect(await reopened.streamRevision('member-c1-a')).toBe(2);
          const next = await reopened.appendToStream('member-c1-a', contractEvents(1), { expectedRevision: 2 });
          expect(next.nextExpectedRevision).toBe(3);
          expect(next.position > last.position).toBe(true);
          await expectWrongRevision(
            reopened.appendToStream('member-c1-b', contractEvents(1), { expectedRevision: 'no_stream' }),
            'member-c1-b',
            'no_stream',
            0,
          );
        });

        it('keeps idempotency records and checkpoints', async () => {
          const pending = idempotencyRecord('k-pending');
          const completed = idempotencyRecord('k-done', { status: 'completed', outcome: { points: '-12.50', 名: '张三' } });
          await store.idempotency.tryInsert(pending, '2024-05-01T08:01:00.000Z');
          await store.idempotency.put(completed);
          await store.checkpoints.putCheckpoint('balances', 41n);
          const reopened = await reopen();
          expect(await reopened.idempotency.get('k-pending')).toStrictEqual(pending);
          expect(await reopened.idempotency.get('k-done')).toStrictEqual(completed);
          expect(await reopened.checkpoints.getCheckpoint('balances')).toBe(41n);
          expect((await reopened.idempotency.tryInsert(idempotencyRecord('k-pending', { requestHash: 'e'.repeat(64) }), '2024-05-01T08:01:00.000Z')).inserted).toBe(false);
        });
      });
    }
  });
}

function contractEventMetadataWith(actor: string) {
  return {
    actor,
    correlationId: 'corr-' + actor,
    causationId: null,
    idempotencyKey: null,
    requestHash: null,
    recordedAt: '2024-05-01T08:00:00.000Z',
  };
}
