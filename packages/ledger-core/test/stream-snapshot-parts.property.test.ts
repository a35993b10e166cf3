/**
 * Stream snapshots in parts (pipeline/parted-map.ts, member/snapshot-codec.ts, pipeline/streams.ts): a table
 * split into a head and sealed parts is a Map in every way; a chain of snapshots with parts, each written from the
 * state read back from the one before, folds to exactly the whole stream; a lookup reads only the part it needs;
 * a part that is gone, damaged or of another snapshot is detected, and the ledger folds the stream whole.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EventStore, InMemoryEventStore, Ledger, ManualClock } from '../src/index.js';
import { decodeMemberSnapshot, encodeMemberSnapshot } from '../src/member/snapshot-codec.js';
import { PartedMap, SnapshotPartError, type SnapshotPartSink, type SnapshotPartSource } from '../src/pipeline/parted-map.js';
import { runScenario, scenarioArb } from '../src/testing/index.js';
import { expectSnapshotChainFoldsWhole, fold, memberStreams, plain } from './member-folds.js';

/** Parts kept in a Map, as a store keeps them: a sink to write through, a source to read from, reads counted. */
function partStore() {
  const parts = new Map<string, string>();
  const reads: string[] = [];
  const sink: SnapshotPartSink = { add: (id, text) => void parts.set(id, text), name: () => undefined };
  const source: SnapshotPartSource = (id) => {
    reads.push(id);
    return parts.get(id) ?? null;
  };
  return { parts, reads, sink, source };
}

const clock = () => new ManualClock(new Date('2026-03-01T00:00:00.000Z'));
const admin = { id: 'admin', role: 'admin' as const, communityId: '*' };
const organiser = { id: 'org', role: 'organiser' as const, communityId: 'c1' };

describe('a parted snapshot table', () => {
  it('behaves as a Map under any sequence of operations, across snapshots written with parts and read back cold', () => {
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const op = fc.oneof(
      fc.record({ op: fc.constant('set' as const), key: fc.constantFrom(...keys), value: fc.integer({ min: 0, max: 99 }) }),
      fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom(...keys) }),
      fc.record({ op: fc.constant('get' as const), key: fc.constantFrom(...keys) }),
      fc.record({ op: fc.constant('snapshot' as const), partRows: fc.constantFrom(1, 2, 3, 100), compactShare: fc.constantFrom(0, 0.5, 1), cold: fc.boolean() }),
      fc.record({ op: fc.constant('clear' as const) }),
    );
    const codec = { encode: (_key: string, value: { n: number }) => String(value.n), decode: (_key: string, row: string) => ({ n: Number(row) }) };
    fc.assert(
      // Long enough that rows are sealed into parts and then set, deleted and read again across cold reads.
      fc.property(fc.array(op, { minLength: 20, maxLength: 60 }), (ops) => {
        const model = new Map<string, { n: number }>();
        const { sink, source } = partStore();
        let map = PartedMap.empty('t', codec, source);
        for (const step of ops) {
          if (step.op === 'set') {
            model.set(step.key, { n: step.value });
            map.set(step.key, { n: step.value });
          } else if (step.op === 'delete') expect(map.delete(step.key)).toBe(model.delete(step.key));
          else if (step.op === 'get') expect(map.get(step.key)).toEqual(model.get(step.key));
          else if (step.op === 'clear') {
            model.clear();
            map.clear();
          } else {
            const { text, commit } = map.toText(step.compactShare, sink, step.partRows);
            commit();
            // Read afresh from the head's text and the stored parts, as a cold read would.
            if (step.cold) map = PartedMap.fromText('t', JSON.parse(JSON.stringify(text)), codec, source);
          }
          expect([...map.entries()]).toEqual([...model.entries()]);
          expect([...map.keys()]).toEqual([...model.keys()]);
          expect(map.size).toBe(model.size);
          for (const key of keys) expect(map.has(key)).toBe(model.has(key));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('finds a key by reading only the part that holds it, and rules absent keys out without reading any', () => {
    const codec = { encode: (_key: string, value: number) => String(value), decode: (_key: string, row: string) => Number(row) };
    const { sink, source, reads, parts } = partStore();
    const map = PartedMap.empty('t', codec, source);
    for (let i = 0; i < 1000; i += 1) map.set(`k${i}`, i);
    const { text, commit } = map.toText(0, sink, 50);
    commit();
    expect(parts.size).toBe(20);
    const cold = PartedMap.fromText('t', text, codec, source);
    expect(cold.get('k777')).toBe(777);
    expect(reads).toHaveLength(1);
    for (let i = 0; i < 200; i += 1) expect(cold.has(`absent${i}`)).toBe(false);
    // 200 absent keys against 19 unread parts' filters (~0.14 % false positives each: ~5 expected), where a
    // filter-less search would read all 19.
    expect(reads.length).toBeLessThanOrEqual(12);
    expect(cold.size).toBe(1000);
  });

  it.each([
    ['gone', (_text: string) => null],
    ['damaged (a row changed)', (text: string) => text.replace('|', '~')],
    ['cut short', (text: string) => text.slice(0, -3)],
  ])('a part that is %s is detected when it is needed', (_what, spoil) => {
    const codec = { encode: (_key: string, value: number) => `${value}|${value}`, decode: (_key: string, row: string) => Number(row.split('|')[0]) };
    const { sink, source } = partStore();
    const map = PartedMap.empty('t', codec, source);
    for (let i = 0; i < 100; i += 1) map.set(`k${i}`, i);
    const { text, commit } = map.toText(0, sink, 10);
    commit();
    const cold = PartedMap.fromText('t', text, codec, (id) => {
      const part = source(id);
      return part === null || !part.includes('k5\u007f') ? part : spoil(part);
    });
    expect(cold.get('k77')).toBe(77);
    expect(() => cold.get('k5')).toThrow(SnapshotPartError);
  });
});

describe('member snapshots with parts', () => {
  it('a chain of snapshots with parts, each written from the state read back from the one before, folds to the whole stream, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenarioArb({ maxLength: 25 }),
        fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 8 }),
        fc.constantFrom(1, 2, 5),
        fc.constantFrom(undefined, 0, 1),
        async (scenario, cuts, partRows, compactShare) => {
          const { t } = await runScenario(scenario);
          for (const [streamName, events] of await memberStreams(t.store)) {
            const { sink, source } = partStore();
            expectSnapshotChainFoldsWhole(streamName, events, cuts, (state) => {
              const text = encodeMemberSnapshot({ state, keys: new Map() }, { parts: sink, partRows, ...(compactShare === undefined ? {} : { compactShare }) });
              return decodeMemberSnapshot(text, { parts: source }).state;
            });
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a snapshot that names parts is refused without a store to read them from', async () => {
    const { ledger, store } = await longMember(12);
    void ledger;
    const events = (await memberStreams(store)).get('member-c1-m1')!;
    const { sink } = partStore();
    const text = encodeMemberSnapshot({ state: fold(events), keys: new Map() }, { parts: sink, partRows: 4 });
    expect(() => decodeMemberSnapshot(text)).toThrow(TypeError);
  });
});

/** A ledger on an in-memory store with snapshots, and a member with `checkIns` check-ins (3 events each). */
async function longMember(checkIns: number): Promise<{ ledger: Ledger; store: InMemoryEventStore }> {
  const store = new InMemoryEventStore({ streamSnapshots: true });
  const ledger = new Ledger({ store, clock: clock() });
  for (const command of [
    { type: 'RegisterCommunity' as const, communityId: 'c1', name: 'C', policy: { levelThresholdsHours: [] } },
    { type: 'AppointOrganiser' as const, communityId: 'c1', memberId: 'org' },
    { type: 'RegisterMember' as const, communityId: 'c1', memberId: 'm1' },
  ]) expect((await ledger.execute(command, { actor: admin })).ok).toBe(true);
  for (let i = 0; i < checkIns; i += 1) expect((await ledger.execute(checkIn(i), { actor: organiser })).ok).toBe(true);
  return { ledger, store };
}

function checkIn(i: number) {
  const out = Date.parse('2026-02-28T12:00:00.000Z') - i * 86_400_000;
  return { type: 'RecordCheckedInHours' as const, communityId: 'c1', memberId: 'm1', recordId: `r${i}`, category: 'elder-care', checkedInAt: new Date(out - 3_600_000).toISOString(), checkedOutAt: new Date(out).toISOString() };
}

describe('a ledger reading member snapshots with parts', () => {
  const streamName = 'member-c1-m1';
  const wholeOf = async (store: EventStore) => new Ledger({ store, clock: clock(), streamSnapshots: false }).member('c1', 'm1');

  /** The ids of the parts a member snapshot's text names, every table's. */
  const partIdsOf = (state: string): string[] => {
    const layout = JSON.parse(state.slice(16).split('\n')[0]!) as { tables: Record<string, { parts?: [id: string, count: number, filterLength: number][] }> };
    return Object.values(layout.tables).flatMap((table) => (table.parts ?? []).map(([id]) => id));
  };

  it('a cold check-in reads no more than a part or two of a long member, and the member read through its parts is the member folded whole', async () => {
    const { store } = await longMember(600);
    const snapshots = store.streamSnapshots!;
    expect(partIdsOf((await snapshots.read(streamName))!.state).filter((id) => id.startsWith('records.')).length).toBeGreaterThanOrEqual(2);
    const reads: string[] = [];
    const readPart = snapshots.readPart.bind(snapshots);
    snapshots.readPart = (name, id) => {
      reads.push(id);
      return readPart(name, id);
    };
    const cold = new Ledger({ store, clock: clock() });
    expect((await cold.execute(checkIn(600), { actor: organiser })).ok).toBe(true);
    // Its lookups are for new keys (record, lot, day): a part is read only on a filter's false positive.
    const named = partIdsOf((await snapshots.read(streamName))!.state).length;
    expect(named).toBeGreaterThanOrEqual(7);
    expect(reads.length).toBeLessThanOrEqual(4);
    const viaParts = await new Ledger({ store, clock: clock() }).member('c1', 'm1');
    const whole = await wholeOf(store);
    expect(viaParts.revision).toBe(whole.revision);
    expect(plain(viaParts.state)).toStrictEqual(plain(whole.state));
  });

  /** The member's first records part, spoiled by `spoil` whenever it is read (`another`: the text of another of its parts). */
  async function spoilFirstRecordsPart(store: InMemoryEventStore, spoil: (text: string, another: string) => string | null): Promise<string[]> {
    const snapshots = store.streamSnapshots!;
    const partIds = partIdsOf((await snapshots.read(streamName))!.state);
    const readPart = snapshots.readPart.bind(snapshots);
    const spoiled: string[] = [];
    snapshots.readPart = (name, id) => {
      const text = readPart(name, id);
      if (text === null || !id.startsWith('records.') || !text.includes('r0\u007f')) return text;
      spoiled.push(id);
      const another = partIds.find((other) => other !== id)!;
      return spoil(text, readPart(name, another)!);
    };
    return spoiled;
  }

  /** Records the `fromRevision` of every read of the member's stream. */
  function readsOf(store: InMemoryEventStore): number[] {
    const froms: number[] = [];
    const readStream = store.readStream.bind(store);
    store.readStream = async (name, options) => {
      if (name === streamName) froms.push(options?.fromRevision ?? 0);
      return readStream(name, options);
    };
    return froms;
  }

  const spoilers: [string, (text: string, another: string) => string | null][] = [
    ['gone', () => null],
    ['damaged (an amount changed)', (text) => text.replace('|1000|', '|9000|')],
    ['another part in its place', (_text, another) => another],
  ];

  it.each(spoilers)('a part that is %s: a fresh read folds the stream whole', async (_what, spoil) => {
    const { store } = await longMember(300);
    const spoiled = await spoilFirstRecordsPart(store, spoil);
    const froms = readsOf(store);
    const read = await new Ledger({ store, clock: clock() }).member('c1', 'm1');
    expect(spoiled.length).toBeGreaterThan(0);
    expect(froms.at(-1)).toBe(0);
    expect(plain(read.state)).toStrictEqual(plain((await wholeOf(store)).state));
  });

  it.each(spoilers)('a part that is %s: a command that needs it is decided on the stream folded whole', async (_what, spoil) => {
    const { store } = await longMember(300);
    const spoiled = await spoilFirstRecordsPart(store, spoil);
    const cold = new Ledger({ store, clock: clock() });
    const reversed = await cold.execute({ type: 'ReverseService', communityId: 'c1', memberId: 'm1', recordId: 'r0', reason: 'test' }, { actor: admin });
    expect(reversed.ok, JSON.stringify(reversed)).toBe(true);
    expect(spoiled.length).toBeGreaterThan(0);
    // Once: a decision on the snapshot's state that lost the record would have been refused (not found).
    const events = await store.readStream(streamName);
    expect(events.filter((e) => e.type === 'ServiceReversed')).toHaveLength(1);
    expect(plain((await cold.member('c1', 'm1')).state)).toStrictEqual(plain((await wholeOf(store)).state));
    expect((await wholeOf(store)).state.records.get('r0')?.status).toBe('reversed');
  });
});

describe('ledgers taking turns on a long member whose snapshot is in parts', () => {
  it('check-ins and reversals (which rewrite sealed parts), each ledger reading the snapshot the one before wrote, end at the member folded whole', async () => {
    const step = fc.oneof(
      { weight: 3, arbitrary: fc.constant({ kind: 'check-in' as const }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('reverse' as const), which: fc.nat() }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'new ledger' as const }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 10, maxLength: 60 }), async (steps) => {
        const { store } = await longMember(140);
        let ledger = new Ledger({ store, clock: clock() });
        const approved = Array.from({ length: 140 }, (_, i) => `r${i}`);
        let next = 140;
        for (const s of steps) {
          if (s.kind === 'new ledger') ledger = new Ledger({ store, clock: clock() });
          else if (s.kind === 'check-in') {
            const r = await ledger.execute(checkIn(next), { actor: organiser });
            expect(r.ok, JSON.stringify(r)).toBe(true);
            approved.push(`r${next}`);
            next += 1;
          } else {
            const [recordId] = approved.splice(s.which % approved.length, 1);
            const r = await ledger.execute({ type: 'ReverseService', communityId: 'c1', memberId: 'm1', recordId: recordId!, reason: 'test' }, { actor: admin });
            expect(r.ok, JSON.stringify(r)).toBe(true);
          }
        }
        const whole = await new Ledger({ store, clock: clock(), streamSnapshots: false }).member('c1', 'm1');
        const cold = await new Ledger({ store, clock: clock() }).member('c1', 'm1');
        expect(cold.revision).toBe(whole.revision);
        expect(plain(cold.state)).toStrictEqual(plain(whole.state));
        expect(plain((await ledger.member('c1', 'm1')).state)).toStrictEqual(plain(whole.state));
      }),
      { numRuns: 12 },
    );
  });
});
