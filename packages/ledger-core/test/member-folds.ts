/**
 * What the snapshot property tests (`stream-snapshots`, `stream-snapshot-parts`) share: member streams as a store
 * holds them, folded whole or through a chain of snapshots, and compared with their maps' key order.
 */
import { expect } from 'vitest';
import { type EventStore, type MemberEvent, type MemberState, type RecordedEvent, eventRegistry } from '../src/index.js';
import { memberKind } from '../src/stream-kinds.js';

/**
 * A member state with its maps as plain Maps, and the order of every map's keys: a state read from a snapshot
 * holds `SnapshotMap`s, which toStrictEqual would call another type, and Map equality ignores order, which
 * decisions that iterate (spend order ties, expiry) do not.
 */
export function plain(state: MemberState): { state: Record<string, unknown>; order: Record<string, unknown[]> } {
  const copy: Record<string, unknown> = {};
  const order: Record<string, unknown[]> = {};
  for (const [name, value] of Object.entries(state)) {
    copy[name] = value instanceof Map ? new Map(value) : value;
    if (value instanceof Map || value instanceof Set) order[name] = [...value.keys()];
  }
  return { state: copy, order };
}

export function fold(events: readonly RecordedEvent[], state: MemberState = memberKind.initialState()): MemberState {
  return events.reduce((s, e) => memberKind.evolve(s, eventRegistry.decode(e) as MemberEvent), state);
}

/** Streams of `store` that are member streams, with their events. */
export async function memberStreams(store: EventStore): Promise<Map<string, RecordedEvent[]>> {
  const streams = new Map<string, RecordedEvent[]>();
  for (const event of await store.readAll({ maxCount: 10_000 })) {
    if (!event.streamName.startsWith('member-')) continue;
    streams.set(event.streamName, [...(streams.get(event.streamName) ?? []), event]);
  }
  return streams;
}

/**
 * Folds a member stream in pieces cut at `cuts` (percentages of its length), each piece's state passed `through`
 * a snapshot written and read back, and expects the end to be the whole fold: the same state, keys in the same order.
 */
export function expectSnapshotChainFoldsWhole(streamName: string, events: readonly RecordedEvent[], cuts: readonly number[], through: (state: MemberState) => MemberState): void {
  const whole = plain(fold(events));
  const splits = cuts.map((percent) => Math.floor((percent / 100) * events.length)).sort((a, b) => a - b);
  let state = memberKind.initialState();
  let at = 0;
  for (const split of splits) {
    // Read some rows before the snapshot (as deciders do), so built rows are written as patches.
    for (const lot of state.lots.values()) void lot;
    state = through(fold(events.slice(at, split), state));
    at = split;
  }
  const restored = plain(fold(events.slice(at), state));
  expect(restored.state, `${streamName} cut at ${splits.join(', ')}`).toStrictEqual(whole.state);
  expect(restored.order, `${streamName} order`).toStrictEqual(whole.order);
}
