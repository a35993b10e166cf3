/**
 * Stream snapshots: does a command cost the same whether or not its stream is in the ledger's cache?
 * One JSON line per figure: `{"bench":"<name>","value":<n>,"unit":"<unit>"}`. In-memory store.
 * Run: `pnpm bench snapshots` (a few minutes: the SQLite set-up fsyncs). Snapshots live in the SQLite store;
 * the in-memory store keeps none by default (folding its live events beats parsing a snapshot, measured here).
 *
 * - cold_vs_warm_10k_events (ratio, goal ≤ 2): the median latency of a check-in on a member whose stream holds
 *   10,000 events and is not in the cache (a fresh Ledger on the SQLite store; the community's stream read
 *   beforehand, untimed) ÷ the same on a cached one, sampled in rounds (see `coldVsWarm`). `…_no_snapshots`: the
 *   same with `streamSnapshots: false` (a cold read folds all 10,000 events). Also printed: both latencies.
 * - cache_overflow_ratio (ratio, goal ≤ 2): CPU per check-in, round-robin over twice as many members as the
 *   cache holds (every command misses) ÷ round-robin over 40 % of it (every command hits); members' streams
 *   hold 46 events; on SQLite (`…_no_snapshots`: without snapshots) and in memory (`…_memory`).
 *
 * Back of the envelope: a warm check-in is decide + 3 events appended (~50–100 µs of CPU from source on this
 * VM) + one fsync (~0.3–4 ms here, most of `warm_…`). Cold with a snapshot adds: read the snapshot's head (for
 * 10,000 events ≈ 35 KB: each table's newest ≤ 128 rows, and the Bloom filters of the sealed parts that hold the
 * older rows, ~2.7 characters a row; ~0.05 ms), check its checksum (~0.04 ms over UTF-8 words), parse the small
 * layout (µs), fold a tail of at most max(32, 1/512 of the stream) = 32 events (≈ 16 on average, each read and
 * parsed from SQLite and folded: ~15–30 µs each here, ~0.3 ms). The new record, lot and day a check-in looks up
 * are ruled out by the filters (µs a lookup); a false positive (~0.06 % a part) reads one ~4 KB part (~0.03 ms).
 * So ≈ +0.3–0.5 ms over warm on a quiet machine, about what a cold command costs on a member of any length (the
 * fresh ledger's first command, a small head, the tail): the filters are the only part that grows with
 * history, ≈ 8 characters per check-in ever made (≈ 0.03 µs of reading and checking), where the one-row snapshot
 * read and checked ~115.
 * Measured under load 4–5 on 2 cores (a profile of 150 cold check-ins): head read ~0.06 ms, decode ~0.2 ms, tail
 * read ~0.17 ms and fold ~0.1 ms for ~12 events, snapshot encoding ~0.05 ms a command (one every ~6 check-ins);
 * the tail's read and fold are now most of what a cold command adds, and they do not grow with history.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Actor, type EventStore, InMemoryEventStore, Ledger, type LedgerCommandInput, ManualClock } from '@volunteer-ledger/core';
import { SqliteEventStore } from '@volunteer-ledger/store-sqlite';

const communityId = 'bench';
const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };
const organiser: Actor = { id: 'org', role: 'organiser', communityId };
const msPerHour = 3_600_000;
const msPerDay = 24 * msPerHour;
const start = Date.parse('2026-03-01T00:00:00.000Z');
const longStreamEvents = 10_000;
const rounds = 5;
const coldSamplesPerRound = 4;
const warmSamplesPerRound = 12;
const cacheSize = 1_000;
const overflowMembers = 2 * cacheSize;
const withinMembers = Math.floor(0.4 * cacheSize);
const overflowStreamEvents = 46;

function printFigure(bench: string, value: number, unit: string): void {
  const rounded = Number.isInteger(value) ? value : Number(value.toPrecision(4));
  process.stdout.write(`${JSON.stringify({ bench, value: rounded, unit })}\n`);
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const newLedger = (store: EventStore, options: { streamSnapshots?: boolean; maxCachedStreams?: number } = {}) =>
  new Ledger({ store, clock: new ManualClock(new Date(start)), ...options });

/** One hour of elder care on its own day (`day` days before the start), so the daily cap never bites. */
const checkIn = (memberId: string, recordId: string, day: number): LedgerCommandInput => {
  const out = start - day * msPerDay;
  return { type: 'RecordCheckedInHours', communityId, memberId, recordId, category: 'elder-care', checkedInAt: new Date(out - msPerHour).toISOString(), checkedOutAt: new Date(out).toISOString() };
};

async function must(ledger: Ledger, command: LedgerCommandInput, actor: Actor = organiser): Promise<void> {
  const r = await ledger.execute(command, { actor });
  if (!r.ok) throw new Error(`${command.type}: ${r.error.code} ${r.error.message}`);
}

type StoreName = 'memory' | 'sqlite';
const scratch = mkdtempSync(join(tmpdir(), 'bench-snapshots-'));
let files = 0;
/** A store of its own: SQLite (snapshots kept in the file) or in memory (none: see InMemoryEventStore). */
const openStore = (name: StoreName): EventStore => (name === 'memory' ? new InMemoryEventStore() : SqliteEventStore.open(join(scratch, `s${(files += 1)}.sqlite`)));
/** Members set up this many at a time, so SQLite's group commit carries them (the timed parts run one at a time). */
const setUpConcurrency = 64;

/** A store with the community and `memberIds` members of `events` events each (register + 3 per check-in). */
async function storeWith(name: StoreName, memberIds: readonly string[], events: number): Promise<{ store: EventStore; days: Map<string, number> }> {
  if ((events - 1) % 3 !== 0) throw new Error(`${events} events is not 1 + 3k`);
  const store = openStore(name);
  const ledger = newLedger(store);
  await must(ledger, { type: 'RegisterCommunity', communityId, name: 'Bench', timeZone: 'Asia/Shanghai', policy: { levelThresholdsHours: [] } }, admin);
  await must(ledger, { type: 'AppointOrganiser', communityId, memberId: 'org' }, admin);
  const days = new Map<string, number>();
  const setUp = async (memberId: string) => {
    await must(ledger, { type: 'RegisterMember', communityId, memberId }, admin);
    for (let k = 1; k <= (events - 1) / 3; k += 1) await must(ledger, checkIn(memberId, `b${k}`, k));
    days.set(memberId, (events - 1) / 3);
  };
  for (let i = 0; i < memberIds.length; i += setUpConcurrency) await Promise.all(memberIds.slice(i, i + setUpConcurrency).map(setUp));
  return { store, days };
}

function nextCheckIn(days: Map<string, number>, memberId: string): LedgerCommandInput {
  const day = days.get(memberId)! + 1;
  days.set(memberId, day);
  return checkIn(memberId, `t${day}`, day);
}

async function timed(run: () => Promise<void>): Promise<number> {
  const began = performance.now();
  await run();
  return (performance.now() - began) * 1000;
}

/**
 * Cold and warm samples taken in rounds (a few cold, then a few warm on a ledger made and warmed for the round),
 * so that both medians see the same stretch of a shared machine's load; all cold first and all warm after let a
 * burst of other work land on one side only. (A warm ledger cannot be kept across cold samples: their appends
 * would make its next command a conflict and a retry.)
 */
async function coldVsWarm(store: EventStore, days: Map<string, number>, streamSnapshots: boolean): Promise<{ cold: number; warm: number }> {
  const cold: number[] = [];
  const warm: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (let i = 0; i < coldSamplesPerRound; i += 1) {
      const fresh = newLedger(store, { streamSnapshots });
      await fresh.setup(communityId);
      const command = nextCheckIn(days, 'long');
      cold.push(await timed(() => must(fresh, command)));
    }
    const warmLedger = newLedger(store, { streamSnapshots });
    for (let i = 0; i < 3; i += 1) await must(warmLedger, nextCheckIn(days, 'long'));
    for (let i = 0; i < warmSamplesPerRound; i += 1) {
      const command = nextCheckIn(days, 'long');
      warm.push(await timed(() => must(warmLedger, command)));
    }
  }
  return { cold: median(cold), warm: median(warm) };
}

/** CPU µs per check-in, round-robin over `memberIds` for `rounds` rounds (after one untimed round). */
async function roundRobinCpuUs(ledger: Ledger, memberIds: readonly string[], days: Map<string, number>, rounds: number): Promise<number> {
  for (const memberId of memberIds) await must(ledger, nextCheckIn(days, memberId));
  const before = process.cpuUsage();
  for (let round = 0; round < rounds; round += 1) for (const memberId of memberIds) await must(ledger, nextCheckIn(days, memberId));
  const cpu = process.cpuUsage(before);
  return (cpu.user + cpu.system) / (rounds * memberIds.length);
}

const overflowMemberIds = Array.from({ length: overflowMembers }, (_, i) => `m${i}`);
async function cacheOverflow(store: EventStore, days: Map<string, number>, streamSnapshots: boolean): Promise<{ within: number; over: number }> {
  const memberIds = overflowMemberIds;
  const within = await roundRobinCpuUs(newLedger(store, { streamSnapshots, maxCachedStreams: cacheSize }), memberIds.slice(0, withinMembers), days, 5);
  const over = await roundRobinCpuUs(newLedger(store, { streamSnapshots, maxCachedStreams: cacheSize }), memberIds, days, 1);
  return { within, over };
}

// The 10k-event stream: on SQLite, where a cold read parses every event and a snapshot saves most of that work.
{
  const { store, days } = await storeWith('sqlite', ['long'], longStreamEvents);
  await coldVsWarm(store, days, true); // warm-up: JIT, schemas, the page cache
  for (const streamSnapshots of [true, false]) {
    const suffix = streamSnapshots ? '' : '_no_snapshots';
    const { cold, warm } = await coldVsWarm(store, days, streamSnapshots);
    printFigure(`cold_10k_events_us${suffix}`, cold, 'us');
    printFigure(`warm_10k_events_us${suffix}`, warm, 'us');
    printFigure(`cold_vs_warm_10k_events${suffix}`, cold / warm, 'ratio');
  }
  await store.close();
}

// Round-robin past the cache: in memory (no snapshots there) and on SQLite, with and without snapshots.
for (const name of ['memory', 'sqlite'] as const) {
  const { store, days } = await storeWith(name, overflowMemberIds, overflowStreamEvents);
  for (const streamSnapshots of name === 'memory' ? [false] : [true, false]) {
    const suffix = `${name === 'memory' ? '_memory' : ''}${streamSnapshots || name === 'memory' ? '' : '_no_snapshots'}`;
    const { within, over } = await cacheOverflow(store, days, streamSnapshots);
    printFigure(`cache_within_cpu_us${suffix}`, within, 'us');
    printFigure(`cache_overflow_cpu_us${suffix}`, over, 'us');
    printFigure(`cache_overflow_ratio${suffix}`, over / within, 'ratio');
  }
  await store.close();
}
rmSync(scratch, { recursive: true, force: true });
