/**
 * Stream snapshots (pipeline/streams.ts, pipeline/state-codec.ts): a member stream read from a snapshot and
 * its tail is the same account as the stream folded whole; a stale, corrupt or impossible snapshot is
 * ignored; `validateStoredEvents` reads no snapshot at all.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type EventStore,
  type MemberEvent,
  type MemberState,
  type RecordedEvent,
  Hours,
  InMemoryEventStore,
  Ledger,
  ManualClock,
  Points,
  eventRegistry,
} from '../src/index.js';
import { memberStateVersion } from '../src/member/state.js';
import { decodeState, encodeState, stateCodecVersion } from '../src/pipeline/state-codec.js';
import { minSnapshotIntervalEvents } from '../src/pipeline/streams.js';
import { memberKind } from '../src/stream-kinds.js';
import { runScenario, scenarioArb } from '../src/testing/index.js';

const currentVersion = `member/${memberStateVersion}/codec${stateCodecVersion}`;
const clock = () => new ManualClock(new Date('2026-03-01T00:00:00.000Z'));

function fold(events: readonly RecordedEvent[], state: MemberState = memberKind.initialState()): MemberState {
  return events.reduce((s, e) => memberKind.evolve(s, eventRegistry.decode(e) as MemberEvent), state);
}

/** Streams of `store` that are member streams, with their events. */
async function memberStreams(store: EventStore): Promise<Map<string, RecordedEvent[]>> {
  const streams = new Map<string, RecordedEvent[]>();
  for (const event of await store.readAll({ maxCount: 10_000 })) {
    if (!event.streamName.startsWith('member-')) continue;
    streams.set(event.streamName, [...(streams.get(event.streamName) ?? []), event]);
  }
  return streams;
}

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

  it('a fresh ledger reading through a snapshot at a random revision sees the same account as a full fold', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb({ maxLength: 25 }), fc.double({ min: 0, max: 1, noNaN: true }), async (scenario, where) => {
        const { t } = await runScenario(scenario, undefined, { store: new InMemoryEventStore({ streamSnapshots: true }) });
        for (const [streamName, events] of await memberStreams(t.store)) {
          const revision = Math.min(events.length - 1, Math.floor(where * events.length));
          const state = encodeState({ state: fold(events.slice(0, revision + 1)), keys: new Map() });
          await t.store.streamSnapshots!.write({ streamName, revision, stateVersion: currentVersion, state });
          const memberId = streamName.slice(`member-${t.communityId}-`.length);
          const viaSnapshot = await new Ledger({ store: t.store, clock: clock() }).member(t.communityId, memberId);
          expect(viaSnapshot, `${streamName} from revision ${revision}`).toStrictEqual(await foldedWhole(t.store, t.communityId, memberId));
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
    expect(cold).toStrictEqual(await foldedWhole(store, communityId, memberId));
    expect(cold.state.balance).toEqual(Points.of('400.00'));
    expect(cold.state.hoursTotal).toEqual(Hours.of('40.00'));
  });

  it.each([
    ['of another state version', (s: { stateVersion: string; state: string }) => ({ ...s, stateVersion: `member/${memberStateVersion + 1}/codec${stateCodecVersion}` })],
    ['that is not JSON', (s: { stateVersion: string; state: string }) => ({ ...s, state: s.state.slice(0, -7) })],
    ['whose amounts are not amounts', (s: { stateVersion: string; state: string }) => ({ ...s, state: s.state.replace(/"h":(\d+)/, '"h":"$1"') })],
    ['with an unknown tag', (s: { stateVersion: string; state: string }) => ({ ...s, state: s.state.replace('"$t":"map"', '"$t":"weakmap"') })],
    ['without its keys', (s: { stateVersion: string; state: string }) => ({ ...s, state: JSON.stringify({ state: JSON.parse(s.state).state }) })],
  ])('a snapshot %s is ignored: the whole stream is folded', async (_what, spoil) => {
    const store = new InMemoryEventStore({ streamSnapshots: true });
    const { communityId, memberId, streamName } = await longMember(store, 40);
    const good = (await store.streamSnapshots!.read(streamName))!;
    // A spoiled snapshot at a later revision replaces the good one; its state claims a balance of zero.
    const emptied = encodeState({ state: memberKind.initialState(), keys: new Map() });
    const spoiled = spoil({ stateVersion: good.stateVersion, state: emptied });
    await store.streamSnapshots!.write({ streamName, revision: good.revision + 1, ...spoiled });
    const froms = readsOf(store, streamName);
    const cold = await new Ledger({ store, clock: clock(), streamSnapshots: true }).member(communityId, memberId);
    expect(froms[0]).toBe(0);
    expect(cold).toStrictEqual(await foldedWhole(store, communityId, memberId));
  });

  it('a snapshot past the end of its stream is ignored', async () => {
    const store = new InMemoryEventStore({ streamSnapshots: true });
    const { communityId, memberId, streamName } = await longMember(store, 40);
    const end = await store.streamRevision(streamName);
    await store.streamSnapshots!.write({ streamName, revision: Number(end) + 5, stateVersion: currentVersion, state: encodeState({ state: memberKind.initialState(), keys: new Map() }) });
    const cold = await new Ledger({ store, clock: clock() }).member(communityId, memberId);
    expect(cold).toStrictEqual(await foldedWhole(store, communityId, memberId));
    expect(cold.revision).toBe(end);
  });

  it('validateStoredEvents reads no snapshot: every event is folded and checked', async () => {
    const store = new InMemoryEventStore({ streamSnapshots: true });
    const { communityId, memberId, streamName } = await longMember(store, 40);
    const good = (await store.streamSnapshots!.read(streamName))!;
    await store.streamSnapshots!.write({ ...good, revision: good.revision + 1, state: encodeState({ state: memberKind.initialState(), keys: new Map() }) });
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
