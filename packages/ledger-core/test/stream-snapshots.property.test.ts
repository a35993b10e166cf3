/**
 * Stream snapshots (pipeline/streams.ts, pipeline/state-codec.ts, member/snapshot-codec.ts with
 * pipeline/snapshot-map.ts): a member stream read from a snapshot and its tail is the same account, in the same
 * order, as the stream folded whole — also through a chain of snapshots each written from the one before; a
 * stale, corrupt or impossible snapshot is ignored; `validateStoredEvents` reads no snapshot at all.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type EventStore,
  type MemberState,
  Hours,
  InMemoryEventStore,
  Ledger,
  ManualClock,
  Points,
} from '../src/index.js';
import { memberStateVersion } from '../src/member/state.js';
import { checksum, checksumLength, decodeMemberSnapshot, encodeMemberSnapshot } from '../src/member/snapshot-codec.js';
import { SnapshotMap } from '../src/pipeline/snapshot-map.js';
import { decodeState, encodeState } from '../src/pipeline/state-codec.js';
import { minSnapshotIntervalEvents, snapshotVersion } from '../src/pipeline/streams.js';
import { memberKind } from '../src/stream-kinds.js';
import { runScenario, scenarioArb } from '../src/testing/index.js';
import { expectSnapshotChainFoldsWhole, fold, memberStreams, plain } from './member-folds.js';

const currentVersion = snapshotVersion(memberKind);

/** A member snapshot written and read back, as a cold read would see it. */
const throughSnapshot = (state: MemberState, compactShare?: number): MemberState =>
  decodeMemberSnapshot(encodeMemberSnapshot({ state, keys: new Map() }, compactShare === undefined ? {} : { compactShare })).state;
const clock = () => new ManualClock(new Date('2026-03-01T00:00:00.000Z'));

/** What a fresh ledger makes of a member without snapshots: the reference. */
async function foldedWhole(store: EventStore, communityId: string, memberId: string) {
  return new Ledger({ store, clock: clock(), streamSnapshots: false }).member(communityId, memberId);
}

describe('stream snapshots', () => {
  it('restoring a member state from its encoding at any revision and folding the rest equals folding the whole stream', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb({ maxLength: 25 }), async (scenario) => {
        const { t } = await runScenario(scenario);
        for (const [streamName, events] of await memberStreams(t.store)) {
          const whole = fold(events);
          for (let split = 0; split <= events.length; split += 1) {
            const restored = decodeState(encodeState(fold(events.slice(0, split)))) as MemberState;
            expect(fold(events.slice(split), restored), `${streamName} split at ${split}`).toStrictEqual(whole);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('the member codec: a chain of snapshots, each written from the state read from the one before, folds to the whole stream, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenarioArb({ maxLength: 25 }),
        fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 8 }),
        fc.constantFrom(undefined, 0, 1, 1),
        async (scenario, cuts, compactShare) => {
          const { t } = await runScenario(scenario);
          for (const [streamName, events] of await memberStreams(t.store)) {
            expectSnapshotChainFoldsWhole(streamName, events, cuts, (state) => throughSnapshot(state, compactShare));
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('the member codec on one long member: check-ins (some on the same day) and reversals rewrite and delete rows between snapshots', async () => {
    const admin = { id: 'admin', role: 'admin' as const, communityId: '*' };
    const organiser = { id: 'org', role: 'organiser' as const, communityId: 'c1' };
    const step = fc.oneof(
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('check-in' as const), day: fc.integer({ min: 1, max: 12 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('reverse' as const), which: fc.nat() }) },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 10, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(undefined, 0, 1),
        async (steps, cuts, compactShare) => {
          const store = new InMemoryEventStore();
          const ledger = new Ledger({ store, clock: clock() });
          const must = async (command: Parameters<Ledger['execute']>[0], actor: Parameters<Ledger['execute']>[1]['actor']) => {
            const r = await ledger.execute(command, { actor });
            expect(r.ok, JSON.stringify(r)).toBe(true);
          };
          await must({ type: 'RegisterCommunity', communityId: 'c1', name: 'C', policy: { levelThresholdsHours: [] } }, admin);
          await must({ type: 'AppointOrganiser', communityId: 'c1', memberId: 'org' }, admin);
          await must({ type: 'RegisterMember', communityId: 'c1', memberId: 'm1' }, admin);
          const recorded: string[] = [];
          for (const [i, s] of steps.entries()) {
            if (s.kind === 'check-in') {
              const out = Date.parse('2026-02-27T12:00:00.000Z') - s.day * 86_400_000 + (i % 3) * 3_600_000;
              const recordId = `r${i}`;
              const r = await ledger.execute(
                { type: 'RecordCheckedInHours', communityId: 'c1', memberId: 'm1', recordId, category: 'elder-care', checkedInAt: new Date(out - 1_800_000).toISOString(), checkedOutAt: new Date(out).toISOString() },
                { actor: organiser },
              );
              if (r.ok) recorded.push(recordId);
            } else if (recorded.length > 0) {
              const [recordId] = recorded.splice(s.which % recorded.length, 1);
              await must({ type: 'ReverseService', communityId: 'c1', memberId: 'm1', recordId: recordId!, reason: 'test' }, admin);
            }
          }
          const events = (await memberStreams(store)).get('member-c1-m1')!;
          const whole = plain(fold(events));
          const splits = cuts.map((percent) => Math.floor((percent / 100) * events.length)).sort((a, b) => a - b);
          let state = memberKind.initialState();
          let at = 0;
          for (const split of splits) {
            state = throughSnapshot(fold(events.slice(at, split), state), compactShare);
            at = split;
          }
          const restored = plain(fold(events.slice(at), state));
          expect(restored.state, `cut at ${splits.join(', ')}`).toStrictEqual(whole.state);
          expect(restored.order).toStrictEqual(whole.order);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('a snapshot map behaves as a Map under any sequence of operations, across rebases', () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant('set' as const), key: fc.constantFrom('a', 'b', 'c', 'd', 'e'), value: fc.integer({ min: 0, max: 99 }) }),
      fc.record({ op: fc.constant('delete' as const), key: fc.constantFrom('a', 'b', 'c', 'd', 'e') }),
      fc.record({ op: fc.constant('get' as const), key: fc.constantFrom('a', 'b', 'c', 'd', 'e') }),
      fc.record({ op: fc.constant('rebase' as const), compactShare: fc.constantFrom(0, 0.5, 1) }),
      fc.record({ op: fc.constant('clear' as const) }),
    );
    const codec = { encode: (_key: string, value: { n: number }) => String(value.n), decode: (_key: string, row: string) => ({ n: Number(row) }) };
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const model = new Map<string, { n: number }>();
        let map = SnapshotMap.fromText({ count: 0, keys: '', rows: '', patched: [], deleted: [] }, codec);
        for (const step of ops) {
          if (step.op === 'set') {
            model.set(step.key, { n: step.value });
            map.set(step.key, { n: step.value });
          } else if (step.op === 'delete') expect(map.delete(step.key)).toBe(model.delete(step.key));
          else if (step.op === 'get') expect(map.get(step.key)).toEqual(model.get(step.key));
          else if (step.op === 'clear') {
            model.clear();
            map.clear();
          } else if (step.op === 'rebase') {
            const text = map.toText(codec, step.compactShare);
            map.rebase(text, codec);
            // And read afresh from the same text, as a cold read would.
            map = SnapshotMap.fromText(JSON.parse(JSON.stringify(text)), codec);
          }
          expect([...map.entries()]).toEqual([...model.entries()]);
          expect([...map.keys()]).toEqual([...model.keys()]);
          expect(map.size).toBe(model.size);
          for (const key of ['a', 'b', 'c', 'd', 'e']) expect(map.has(key)).toBe(model.has(key));
        }
      }),
      {
        numRuns: 300,
        // Found by a CI run: a key deleted and set again is in the key column twice, and a lookup that found the
        // earlier (deleted) row said the key was gone.
        examples: [
          [
            [
              { op: 'set', key: 'e', value: 0 },
              { op: 'rebase', compactShare: 0 },
              { op: 'delete', key: 'e' },
              { op: 'set', key: 'e', value: 0 },
              { op: 'rebase', compactShare: 0 },
            ],
          ],
        ],
      },
    );
  });

  it('a fresh ledger reading through a snapshot at a random revision sees the same account as a full fold', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb({ maxLength: 25 }), fc.double({ min: 0, max: 1, noNaN: true }), async (scenario, where) => {
        const { t } = await runScenario(scenario, undefined, { store: new InMemoryEventStore({ streamSnapshots: true }) });
        for (const [streamName, events] of await memberStreams(t.store)) {
          const revision = Math.min(events.length - 1, Math.floor(where * events.length));
          const state = encodeMemberSnapshot({ state: fold(events.slice(0, revision + 1)), keys: new Map() });
          await t.store.streamSnapshots!.write({ streamName, revision, stateVersion: currentVersion, state });
          const memberId = streamName.slice(`member-${t.communityId}-`.length);
          const viaSnapshot = await new Ledger({ store: t.store, clock: clock() }).member(t.communityId, memberId);
          const reference = await foldedWhole(t.store, t.communityId, memberId);
          expect(viaSnapshot.revision).toBe(reference.revision);
          expect(plain(viaSnapshot.state), `${streamName} from revision ${revision}`).toStrictEqual(plain(reference.state));
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('stream snapshots: when they are written and read', () => {
  async function longMember(store: EventStore, checkIns: number): Promise<{ ledger: Ledger; communityId: string; memberId: string; streamName: string }> {
    const communityId = 'c1';
    const memberId = 'm1';
    const ledger = new Ledger({ store, clock: clock() });
    const admin = { id: 'admin', role: 'admin' as const, communityId: '*' };
    const organiser = { id: 'org', role: 'organiser' as const, communityId };
    for (const command of [
      { type: 'RegisterCommunity' as const, communityId, name: 'C', policy: { levelThresholdsHours: [] } },
      { type: 'AppointOrganiser' as const, communityId, memberId: 'org' },
      { type: 'RegisterMember' as const, communityId, memberId },
    ]) {
      const r = await ledger.execute(command, { actor: admin });
      expect(r.ok, JSON.stringify(r)).toBe(true);
    }
    for (let i = 0; i < checkIns; i += 1) {
      const out = Date.parse('2026-02-28T12:00:00.000Z') - i * 86_400_000;
      const r = await ledger.execute(
        { type: 'RecordCheckedInHours', communityId, memberId, recordId: `r${i}`, category: 'elder-care', checkedInAt: new Date(out - 3_600_000).toISOString(), checkedOutAt: new Date(out).toISOString() },
        { actor: organiser },
      );
      expect(r.ok, JSON.stringify(r)).toBe(true);
    }
    return { ledger, communityId, memberId, streamName: `member-${communityId}-${memberId}` };
  }

  /** Records the `fromRevision` of every read of `streamName`. */
  function readsOf(store: InMemoryEventStore, streamName: string): number[] {
    const froms: number[] = [];
    const readStream = store.readStream.bind(store);
    store.readStream = async (name, options) => {
      if (name === streamName) froms.push(options?.fromRevision ?? 0);
      return readStream(name, options);
    };
    return froms;
  }

  it('a long member stream gets a snapshot, and a cold read folds only the tail after it', async () => {
    const store = new InMemoryEventStore({ streamSnapshots: true });
    const { communityId, memberId, streamName } = await longMember(store, 40);
    const snapshot = await store.streamSnapshots!.read(streamName);
    expect(snapshot?.stateVersion).toBe(currentVersion);
    expect(snapshot!.revision).toBeGreaterThanOrEqual(minSnapshotIntervalEvents);
    const froms = readsOf(store, streamName);
    const cold = await new Ledger({ store, clock: clock() }).member(communityId, memberId);
    expect(froms).toEqual([snapshot!.revision + 1]);
    const whole = await foldedWhole(store, communityId, memberId);
    expect(cold.revision).toBe(whole.revision);
    expect(plain(cold.state)).toStrictEqual(plain(whole.state));
    expect(cold.state.balance).toEqual(Points.of('400.00'));
    expect(cold.state.hoursTotal).toEqual(Hours.of('40.00'));
  });

  /** The text after the checksum, and a text with `body` sealed by a matching checksum (a well-formed-looking snapshot). */
  const bodyOf = (text: string): string => text.slice(checksumLength);
  const sealed = (body: string): string => `${checksum(body)}${body}`;
  const layoutOf = (body: string): Record<string, unknown> => JSON.parse(body.slice(0, body.indexOf('\n')));
  const withLayout = (body: string, layout: Record<string, unknown>): string => `${JSON.stringify(layout)}${body.slice(body.indexOf('\n'))}`;

  it.each([
    ['of another state version', (s: { stateVersion: string; state: string }) => ({ ...s, stateVersion: `member/${memberStateVersion + 1}/${currentVersion.split('/')[2]}` })],
    ['that is cut short', (s: { stateVersion: string; state: string }) => ({ ...s, state: s.state.slice(0, -7) })],
    ['whose rows were damaged after it was written (an amount changed)', (s: { stateVersion: string; state: string }) => ({ ...s, state: s.state.replace('|1000|', '|9000|') })],
    ['of another format, sealed', (s: { stateVersion: string; state: string }) => ({ ...s, state: sealed(bodyOf(s.state).replace('"format":"tables1"', '"format":"tables0"')) })],
    ['without its keys, sealed', (s: { stateVersion: string; state: string }) => {
      const { keys: _keys, ...layout } = layoutOf(bodyOf(s.state));
      return { ...s, state: sealed(withLayout(bodyOf(s.state), layout)) };
    }],
    ['whose sections do not fill it, sealed', (s: { stateVersion: string; state: string }) => ({ ...s, state: sealed(`${bodyOf(s.state)}x`) })],
    ['whose table claims rows its sections lack, sealed', (s: { stateVersion: string; state: string }) => {
      const layout = layoutOf(bodyOf(s.state)) as { tables: { records: { count: number } } };
      layout.tables.records.count += 1;
      return { ...s, state: sealed(withLayout(bodyOf(s.state), layout)) };
    }],
  ])('a snapshot %s is ignored: the whole stream is folded', async (_what, spoil) => {
    const store = new InMemoryEventStore({ streamSnapshots: true });
    const { communityId, memberId, streamName } = await longMember(store, 40);
    const good = (await store.streamSnapshots!.read(streamName))!;
    expect(good.state).toContain('|1000|');
    // A spoiled copy of the good snapshot at a later revision replaces it.
    const spoiled = spoil({ stateVersion: good.stateVersion, state: good.state });
    expect(spoiled).not.toEqual({ stateVersion: good.stateVersion, state: good.state });
    await store.streamSnapshots!.write({ streamName, revision: good.revision + 1, ...spoiled });
    const froms = readsOf(store, streamName);
    const cold = await new Ledger({ store, clock: clock(), streamSnapshots: true }).member(communityId, memberId);
    expect(froms[0]).toBe(0);
    expect(plain(cold.state)).toStrictEqual(plain((await foldedWhole(store, communityId, memberId)).state));
  });

  it('a snapshot past the end of its stream is ignored', async () => {
    const store = new InMemoryEventStore({ streamSnapshots: true });
    const { communityId, memberId, streamName } = await longMember(store, 40);
    const end = await store.streamRevision(streamName);
    await store.streamSnapshots!.write({ streamName, revision: Number(end) + 5, stateVersion: currentVersion, state: encodeMemberSnapshot({ state: memberKind.initialState(), keys: new Map() }) });
    const cold = await new Ledger({ store, clock: clock() }).member(communityId, memberId);
    expect(plain(cold.state)).toStrictEqual(plain((await foldedWhole(store, communityId, memberId)).state));
    expect(cold.revision).toBe(end);
  });

  it('validateStoredEvents reads no snapshot: every event is folded and checked', async () => {
    const store = new InMemoryEventStore({ streamSnapshots: true });
    const { communityId, memberId, streamName } = await longMember(store, 40);
    const good = (await store.streamSnapshots!.read(streamName))!;
    await store.streamSnapshots!.write({ ...good, revision: good.revision + 1, state: encodeMemberSnapshot({ state: memberKind.initialState(), keys: new Map() }) });
    const froms = readsOf(store, streamName);
    const checked = await new Ledger({ store, clock: clock(), validateStoredEvents: true }).member(communityId, memberId);
    expect(froms).toEqual([0]);
    expect(checked.state.balance).toEqual(Points.of('400.00'));
  });

  it('streamSnapshots: false writes none', async () => {
    const store = new InMemoryEventStore({ streamSnapshots: true });
    const ledger = new Ledger({ store, clock: clock(), streamSnapshots: false });
    await ledger.execute({ type: 'RegisterCommunity', communityId: 'c1', name: 'C' }, { actor: { id: 'a', role: 'admin', communityId: '*' } });
    for (let i = 0; i < minSnapshotIntervalEvents + 2; i += 1) await ledger.execute({ type: 'RegisterMember', communityId: 'c1', memberId: `m${i}` }, { actor: { id: 'a', role: 'admin', communityId: '*' } });
    expect(await store.streamSnapshots!.read('community-c1')).toBeNull();
  });
});

describe('state codec', () => {
  it('brings back maps, sets, points and hours, nested', () => {
    const state = { a: new Map([['x', { p: Points.of('1.50'), s: new Set(['y']) }]]), h: Hours.of('2.25'), n: null, list: [Points.zero] };
    expect(decodeState(encodeState(state))).toStrictEqual(state);
  });

  it('refuses what it could not bring back as it was', () => {
    expect(() => encodeState({ when: new Date(0) })).toThrow(TypeError);
    expect(() => encodeState({ x: { $t: 'map', v: [] } })).toThrow(TypeError);
    expect(() => encodeState({ n: Number.NaN })).toThrow(TypeError);
    expect(() => encodeState({ b: 1n })).toThrow(TypeError);
  });
});

describe('member state version', () => {
  // A reminder, not a proof: when the member state's shape or fold changes, snapshots of the old version must
  // be retired by bumping memberStateVersion. If this fails, decide whether MemberState or evolveMember changed
  // (then bump memberStateVersion in member/state.ts), and update the fingerprint below either way.
  it('member/state.ts and member/lots.ts are the files memberStateVersion was set for', () => {
    const hash = createHash('sha256');
    for (const file of ['../src/member/state.ts', '../src/member/lots.ts']) hash.update(readFileSync(new URL(file, import.meta.url)));
    expect({ memberStateVersion, fingerprint: hash.digest('hex').slice(0, 16) }).toEqual({ memberStateVersion: 1, fingerprint: 'cd56e44980e9a424' });
  });
});
