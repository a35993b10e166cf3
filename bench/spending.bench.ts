/**
 * The ledger's own CPU cost on a mixed day at the shop, in memory (no disk in the way), one JSON line
 * each: `{"bench":"<name>","value":<n>,"unit":"<unit>"}`.
 * Run: `tsx --conditions=source bench/spending.bench.ts` (about 10–30 s).
 *
 * 1,000 members, 20,000 operations, one at a time, members and kinds drawn from a seeded generator:
 * - 70% accruals: a check-in the default policy approves at once (one command, one append of 3 events);
 * - 30% redemptions of a 50-point item: RequestRedemption + FulfilRedemption (two commands, eight appends
 *   over the redemption, reward and member streams), counted as one operation.
 * Members start with an opening grant (set-up, not measured) so no redemption bounces off "insufficient".
 *
 * Back of the envelope: 0.7 × 1 + 0.3 × 8 ≈ 3.1 appends and 0.7 × 3 + 0.3 × 8 ≈ 4.5 events per
 * operation; 48,000 operations/s leaves ≈ 21 µs per operation, ≈ 7 µs per append — decide, validate,
 * evolve and store included. `rebuild_memory_events_per_s` then folds the ≈ 95k events the run wrote
 * into every read model from scratch (in an in-memory projection store).
 *
 * Goal: mixed_memory ≥ 48,000 operations/s.
 */
import { pathToFileURL } from 'node:url';
import { InMemoryEventStore, Ledger, ManualClock, ReadModels } from '../packages/ledger-core/src/index.js';
import { Workload, setUpCommunity } from '../tests/integration/ledger-workload.js';
import { printFigure } from './sqlite.bench.js';

const communityId = 'c1';
const memberCount = 1_000;
const operations = 20_000;
const accrualShare = 0.7;
const itemId = 'rice';
const itemPointsCost = 50;
/** Enough for every redemption a member can draw, whatever the order. */
const openingPoints = 2_000;

/** A small seeded generator (mulberry32), so every run does the same operations in the same order. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export async function runSpendingBench(): Promise<void> {
  const store = new InMemoryEventStore();
  const clock = new ManualClock(new Date('2026-06-01T04:00:00Z'));
  const ledger = new Ledger({ store, clock });
  const memberIds = Array.from({ length: memberCount }, (_, i) => `m${i}`);
  await setUpCommunity(ledger, { communityId, memberIds, items: [{ itemId, pointsCost: itemPointsCost, stock: 1_000_000 }], openingPoints });
  const workload = new Workload(ledger, communityId, 'bench');

  const random = seeded(20_260_601);
  const plan = Array.from({ length: operations }, () => ({ accrue: random() < accrualShare, member: memberIds[Math.floor(random() * memberCount)]! }));

  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  for (const op of plan) {
    if (op.accrue) await workload.accrue(op.member);
    else await workload.redeem(op.member, itemId);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const elapsedMs = performance.now() - started;
  printFigure('mixed_memory', (operations / elapsedMs) * 1_000, 'operations/s');
  // CPU per operation (all threads, GC included): what the rate would be with a core to itself is 1e6 / it;
  // the goal of 48,000/s is ≈ 21 µs.
  printFigure('mixed_memory_cpu_us', (cpu.user + cpu.system) / operations, 'µs/operation');

  const models = new ReadModels(store);
  const rebuildStarted = performance.now();
  const folded = await models.rebuild();
  const rebuildMs = performance.now() - rebuildStarted;
  if (!(await models.trialBalance(communityId))?.balanced) throw new Error(`rebuilt read models over ${folded} events do not balance`);
  printFigure('rebuild_memory_events_per_s', (folded / rebuildMs) * 1_000, 'events/s');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runSpendingBench();
}
