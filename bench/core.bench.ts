/**
 * The core's own figures on the in-memory store, one JSON line each: `{"bench":"<name>","value":<n>,"unit":"<unit>"}`.
 * Run: `tsx --conditions=source bench/core.bench.ts` (about 15 s).
 *
 * - accrue_memory (commands/s, goal ≥ 61,000): 1,000 members, 20,000 RecordCheckedInHours round-robin,
 *   each approved at once by the policy so it accrues points (3 events a command).
 * - latency_10_events_us / latency_10k_events_us (µs, median): one such command on a member whose stream
 *   already holds 10 / 10,000 events, the Ledger's cache warm as in a running service; goal: the ratio
 *   (latency_ratio_10k_to_10) ≤ 1.5, i.e. a command's cost does not grow with its stream.
 * - accrue_memory_per_cpu_s: the same run per CPU-second of this process, for shared machines.
 * - replay_events_per_s: folding one 10,000-event stream from scratch through a fresh Ledger
 *   (read, decode and validate, evolve), median of 20 streams.
 *
 * Back of the envelope: a busy member records ~300 check-ins a year (≈ 900 events); 10,000 events is
 * a decade. A command is parse + authorize + decide + validate 3 events + append to an array; ~10 µs
 * of work, so ~100k commands/s is the ceiling on one core and 61k the goal.
 */
import { Ledger, type LedgerCommandInput, type Actor, InMemoryEventStore, ManualClock } from '@volunteer-ledger/core';

const communityId = 'bench';
const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };
const organiser: Actor = { id: 'org', role: 'organiser', communityId };
const msPerHour = 3_600_000;
const msPerDay = 24 * msPerHour;
const start = Date.parse('2026-03-01T00:00:00.000Z');

function printFigure(bench: string, value: number, unit: string): void {
  const rounded = Number.isInteger(value) ? value : Number(value.toPrecision(4));
  process.stdout.write(`${JSON.stringify({ bench, value: rounded, unit })}\n`);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function newLedger(store = new InMemoryEventStore()): Promise<{ ledger: Ledger; store: InMemoryEventStore }> {
  const ledger = new Ledger({ store, clock: new ManualClock(new Date(start)) });
  const setUp = [
    // No level thresholds: a level adds a fourth event now and then, and the streams here must hold exact counts.
    await ledger.execute({ type: 'RegisterCommunity', communityId, name: 'Bench', timeZone: 'Asia/Shanghai', policy: { levelThresholdsHours: [] } }, { actor: admin }),
    await ledger.execute({ type: 'AppointOrganiser', communityId, memberId: 'org' }, { actor: admin }),
  ];
  for (const r of setUp) if (!r.ok) throw new Error(r.error.message);
  return { ledger, store };
}

async function register(ledger: Ledger, memberIds: readonly string[]): Promise<void> {
  for (const memberId of memberIds) {
    const r = await ledger.execute({ type: 'RegisterMember', communityId, memberId }, { actor: admin });
    if (!r.ok) throw new Error(r.error.message);
  }
}

/** One hour of elder care, `daysAgo` days before the start: under the daily cap, so approved at once. */
const checkIn = (memberId: string, recordId: string, daysAgo: number): LedgerCommandInput => {
  const out = start - daysAgo * msPerDay;
  return {
    type: 'RecordCheckedInHours',
    communityId,
    memberId,
    recordId,
    category: 'elder-care',
    checkedInAt: new Date(out - msPerHour).toISOString(),
    checkedOutAt: new Date(out).toISOString(),
  };
};

async function mustAccrue(ledger: Ledger, command: LedgerCommandInput): Promise<void> {
  const r = await ledger.execute(command, { actor: organiser });
  if (!r.ok || r.value.events.length !== 3) throw new Error(`expected an accrual: ${JSON.stringify(r)}`);
}

async function accrueMemory(members: number, commands: number): Promise<{ perSecond: number; perCpuSecond: number }> {
  const { ledger } = await newLedger();
  const ids = Array.from({ length: members }, (_, i) => `m${i}`);
  await register(ledger, ids);
  const batch = Array.from({ length: commands }, (_, i) => checkIn(ids[i % members]!, `r${i}`, 1 + Math.floor(i / members)));
  const began = performance.now();
  const cpuBefore = process.cpuUsage();
  for (const command of batch) await mustAccrue(ledger, command);
  const cpu = process.cpuUsage(cpuBefore);
  return { perSecond: commands / ((performance.now() - began) / 1000), perCpuSecond: commands / ((cpu.user + cpu.system) / 1e6) };
}

/** Members whose streams hold exactly `events` events (register + check-ins of 3 events). */
async function membersWithHistory(ledger: Ledger, count: number, events: number): Promise<string[]> {
  if ((events - 1) % 3 !== 0) throw new Error(`${events} events is not 1 + 3k`);
  const ids = Array.from({ length: count }, (_, i) => `h${events}-${i}`);
  await register(ledger, ids);
  for (const memberId of ids) {
    for (let k = 0; k < (events - 1) / 3; k += 1) await mustAccrue(ledger, checkIn(memberId, `b${k}`, 20_000 + k));
  }
  return ids;
}

/** Median µs of one check-in on each member in turn, `rounds` times. */
async function latency(ledger: Ledger, ids: readonly string[], rounds: number): Promise<number> {
  const samples: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const memberId of ids) {
      const command = checkIn(memberId, `l${round}`, 1 + round);
      const began = performance.now();
      await mustAccrue(ledger, command);
      samples.push((performance.now() - began) * 1000);
    }
  }
  return median(samples);
}

// Warm-up: JIT and the zod schemas, so the first figure is not a cold start.
await accrueMemory(200, 4_000);

const accrue = await accrueMemory(1_000, 20_000);
printFigure('accrue_memory', Math.round(accrue.perSecond), 'commands/s');
// The same run per second of this process's CPU time: steadier than wall-clock on a shared machine.
printFigure('accrue_memory_per_cpu_s', Math.round(accrue.perCpuSecond), 'commands/cpu-s');

const { ledger, store } = await newLedger();
const short = await membersWithHistory(ledger, 1_000, 10);
const long = await membersWithHistory(ledger, 20, 10_000);
const short_us = await latency(ledger, short, 1);
const long_us = await latency(ledger, long, 50);
printFigure('latency_10_events_us', short_us, 'us');
printFigure('latency_10k_events_us', long_us, 'us');
printFigure('latency_ratio_10k_to_10', long_us / short_us, 'ratio');

const replayRates: number[] = [];
for (const memberId of long) {
  const fresh = new Ledger({ store, clock: new ManualClock(new Date(start)) });
  const began = performance.now();
  const { revision } = await fresh.member(communityId, memberId);
  replayRates.push((revision + 1) / ((performance.now() - began) / 1000));
}
printFigure('replay_events_per_s', Math.round(median(replayRates)), 'events/s');
