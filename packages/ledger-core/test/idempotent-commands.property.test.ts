/**
 * DESIGN §4 rule 8, idempotent commands: the same command with the same idempotency key, retried any
 * number of times — one after another, all at once, or after a crash between the append and the
 * completion of the idempotency record — has the effect of one; the same key with another payload is
 * refused with idempotency-key-reused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type EventStore,
  type ExecuteResult,
  type IdempotencyRecord,
  type IdempotencyStore,
  InMemoryEventStore,
  Ledger,
  type LedgerCommandInput,
  idempotencyLeaseMs,
  streamNames,
} from '../src/index.js';
import { type TestLedger, createTestLedger, hoursArb, pointsArb } from '../src/testing/index.js';

/** An idempotency store that dies (throws) when told to, at the moment a claim would be completed. */
class CrashingIdempotency implements IdempotencyStore {
  crashOnComplete = false;
  constructor(private readonly inner: IdempotencyStore) {}
  get(key: string) {
    return this.inner.get(key);
  }
  tryInsert(record: IdempotencyRecord, now: string) {
    return this.inner.tryInsert(record, now);
  }
  async put(record: IdempotencyRecord) {
    if (this.crashOnComplete && record.status === 'completed') {
      this.crashOnComplete = false;
      throw new Error('simulated crash: the process died after the append, before completing the idempotency record');
    }
    return this.inner.put(record);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
  deleteExpired(now: string) {
    return this.inner.deleteExpired(now);
  }
}

function crashableStore(): { store: EventStore; idempotency: CrashingIdempotency } {
  const inner = new InMemoryEventStore();
  const idempotency = new CrashingIdempotency(inner.idempotency);
  const store: EventStore = {
    appendToStream: (s, e, o) => inner.appendToStream(s, e, o),
    readStream: (s, o) => inner.readStream(s, o),
    streamRevision: (s) => inner.streamRevision(s),
    readAll: (o) => inner.readAll(o),
    subscribeToAll: (o) => inner.subscribeToAll(o),
    idempotency,
    checkpoints: inner.checkpoints,
    close: () => inner.close(),
  };
  return { store, idempotency };
}

/** A command worth retrying: each kind appends events to m1's stream. */
const retriedCommandArb: fc.Arbitrary<LedgerCommandInput> = fc.oneof(
  pointsArb({ maxCents: 50_000 }).map((points): LedgerCommandInput => ({ type: 'GrantPoints', communityId: 'c1', memberId: 'm1', grantId: 'g1', points, reason: 'retried' })),
  fc.integer({ min: 1, max: 600 }).map((minutes): LedgerCommandInput => ({
    type: 'RecordCheckedInHours',
    communityId: 'c1',
    memberId: 'm1',
    recordId: 'r1',
    category: 'culture',
    checkedInAt: new Date(Date.parse('2026-03-01T00:00:00Z') - minutes * 60_000).toISOString(),
    checkedOutAt: '2026-03-01T00:00:00.000Z',
  })),
  hoursArb({ maxCents: 800 }).map((hours): LedgerCommandInput => ({ type: 'ReportHours', communityId: 'c1', memberId: 'm1', recordId: 'r1', category: 'safety', serviceDate: '2026-02-28', hours, activityHours: '8.00' })),
);

/** The same command with another payload (another amount, another record). */
function otherPayload(command: LedgerCommandInput): LedgerCommandInput {
  if (command.type === 'GrantPoints') return { ...command, points: command.points === '1.00' ? '2.00' : '1.00' };
  return { ...command, recordId: 'r2' } as LedgerCommandInput;
}

const actorFor = (t: TestLedger, command: LedgerCommandInput) => (command.type === 'GrantPoints' ? t.admin : t.organisers[0]!);
const m1Events = (t: TestLedger) => t.store.readStream(streamNames.member('c1', 'm1'));
const eventIds = (result: ExecuteResult) => (result.ok ? result.value.events.map((e) => e.eventId) : result.error.code);

async function onlyOnce(t: TestLedger, first: ExecuteResult, before: number): Promise<void> {
  expect(first.ok, JSON.stringify(first)).toBe(true);
  const stream = await m1Events(t);
  expect(stream.length - before, 'events appended once').toBe(first.ok ? first.value.events.length : 0);
  expect(stream.slice(before).map((e) => e.eventId)).toEqual(eventIds(first));
}

describe('rule 8: idempotent commands', () => {
  it('retried sequentially N times: one effect, the same outcome each time, replayed after the first', async () => {
    await fc.assert(
      fc.asyncProperty(retriedCommandArb, fc.integer({ min: 2, max: 6 }), async (command, n) => {
        const t = await createTestLedger();
        const before = (await m1Events(t)).length;
        const results: ExecuteResult[] = [];
        for (let i = 0; i < n; i += 1) results.push(await t.execute(command, actorFor(t, command), 'key-1'));
        await onlyOnce(t, results[0]!, before);
        for (const r of results.slice(1)) {
          expect(eventIds(r)).toEqual(eventIds(results[0]!));
          expect(r.ok && r.value.replayed).toBe(true);
        }
        const other = await t.execute(otherPayload(command), actorFor(t, command), 'key-1');
        expect(other.ok ? 'accepted' : other.error.code).toBe('idempotency-key-reused');
        expect((await m1Events(t)).length - before).toBe(results[0]!.ok ? results[0]!.value.events.length : -1);
      }),
      { numRuns: 40 },
    );
  });

  it('retried concurrently (Promise.all): one effect; every answer is that outcome or "in flight"', async () => {
    await fc.assert(
      fc.asyncProperty(retriedCommandArb, fc.integer({ min: 2, max: 8 }), async (command, n) => {
        const t = await createTestLedger();
        const before = (await m1Events(t)).length;
        const results = await Promise.all(Array.from({ length: n }, () => t.execute(command, actorFor(t, command), 'key-1')));
        const accepted = results.filter((r) => r.ok);
        expect(accepted.length).toBeGreaterThanOrEqual(1);
        for (const r of results) if (!r.ok) expect(r.error.code).toBe('idempotency-key-in-flight');
        for (const r of accepted) expect(eventIds(r)).toEqual(eventIds(accepted[0]!));
        await onlyOnce(t, accepted[0]!, before);
        // Once settled, a retry gets the stored outcome.
        const later = await t.execute(command, actorFor(t, command), 'key-1');
        expect(eventIds(later)).toEqual(eventIds(accepted[0]!));
      }),
      { numRuns: 40 },
    );
  });

  it('retried after a crash between the append and the idempotency record: one effect, the original outcome', async () => {
    await fc.assert(
      fc.asyncProperty(retriedCommandArb, fc.boolean(), async (command, loseRecord) => {
        const { store, idempotency } = crashableStore();
        const t = await createTestLedger({ store });
        const before = (await m1Events(t)).length;
        idempotency.crashOnComplete = true;
        await expect(t.execute(command, actorFor(t, command), 'key-1')).rejects.toThrow(/simulated crash/);
        const appended = (await m1Events(t)).slice(before);
        expect(appended.length, 'the append happened before the crash').toBeGreaterThan(0);
        // The process restarts: a new Ledger (empty cache) on the same store.
        const restarted = new Ledger({ store, clock: t.clock });
        const retry = () => restarted.execute(command, { actor: actorFor(t, command), idempotencyKey: 'key-1' });
        if (loseRecord) {
          // The claim itself was lost too: the key recorded in the events' metadata still decides.
          await store.idempotency.delete('c1:' + actorFor(t, command).id + ':key-1');
        } else {
          const early = await retry();
          expect(early.ok ? 'accepted' : early.error.code, 'within the lease the crashed attempt still counts as in flight').toBe('idempotency-key-in-flight');
          t.clock.advance(idempotencyLeaseMs + 1);
        }
        const result = await retry();
        expect(result.ok && result.value.replayed).toBe(true);
        expect(eventIds(result)).toEqual(appended.map((e) => e.eventId));
        expect((await m1Events(t)).length - before, 'nothing appended twice').toBe(appended.length);
        const other = await restarted.execute(otherPayload(command), { actor: actorFor(t, command), idempotencyKey: 'key-1' });
        expect(other.ok ? 'accepted' : other.error.code).toBe('idempotency-key-reused');
        expect((await m1Events(t)).length - before).toBe(appended.length);
      }),
      { numRuns: 40 },
    );
  });

  it('the same key with another payload is refused even after the retention period, from the events themselves', async () => {
    const t = await createTestLedger();
    const command: LedgerCommandInput = { type: 'GrantPoints', communityId: 'c1', memberId: 'm1', grantId: 'g1', points: '5.00', reason: 'x' };
    expect((await t.execute(command, t.admin, 'k')).ok).toBe(true);
    t.clock.advance(25 * 60 * 60_000);
    await t.store.idempotency.deleteExpired(t.clock.now().toISOString());
    const other = await t.execute({ ...command, points: '6.00' }, t.admin, 'k');
    expect(other.ok ? 'accepted' : other.error.code).toBe('idempotency-key-reused');
  });

  // Was a bug (found by this test): a refusal found in the stream was stored as the key's outcome under the
  // other payload's hash, so the original request, retried, was refused. Now the claim is freed instead.
  it('after a crash, a wrong-payload attempt does not stop the original request from replaying', async () => {
    const { store, idempotency } = crashableStore();
    const t = await createTestLedger({ store });
    const command: LedgerCommandInput = { type: 'GrantPoints', communityId: 'c1', memberId: 'm1', grantId: 'g1', points: '5.00', reason: 'x' };
    idempotency.crashOnComplete = true;
    await expect(t.execute(command, t.admin, 'k')).rejects.toThrow(/simulated crash/);
    t.clock.advance(idempotencyLeaseMs + 1);
    const other = await t.execute({ ...command, points: '6.00' }, t.admin, 'k');
    expect(other.ok ? 'accepted' : other.error.code).toBe('idempotency-key-reused');
    const original = await t.execute(command, t.admin, 'k');
    expect(original.ok ? 'replayed' : original.error.code).toBe('replayed');
  });
});
