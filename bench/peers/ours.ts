/**
 * Replays the peer workload (Emmett's `--dump-workload` file) through this ledger, on the in-memory or the
 * SQLite store, one command at a time, and prints one JSON line per phase plus a check line:
 *   {"type":"phase","impl":"ours","store":"memory","phase":"accrue","ops":20000,"seconds":…,"opsPerSec":…,"cpuUsPerOp":…,"rssMb":…}
 *   {"type":"check","impl":"ours","store":"memory","pass":true,…}
 *
 *   tsx --conditions=source bench/peers/ours.ts --workload w.jsonl --store memory|sqlite [--concurrency C]
 *
 * Runs from the TypeScript sources (the "source" export condition), like every other bench, so it measures
 * the code in the working tree without a build. Ported from ../shared/peer-bench/ours.mjs; the mapping is
 * unchanged:
 *   RecordServiceHours {volunteerId, hours, category} → RecordCheckedInHours of `hours` hours, approved at once
 *     by the policy (10 points/h, elder-care ×1.5; "general" → environment, ×1): 3 events, like Emmett's 2.
 *     Each command of a volunteer lands on its own calendar day, so the daily cap never bites.
 *   RedeemReward {volunteerId, cost 50} → RequestRedemption + FulfilRedemption of a 50-point service item
 *     (our two-phase redemption: hold, then spend). Emmett's is one event on one stream.
 *   read → ledger.account(community, member) on a fresh Ledger (no cache: a full rehydration, as Emmett's
 *     aggregateStream).
 * The check compares every volunteer's balance, the sum and the refusals with `expectedOutcome`, computed
 * from the command list alone.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Actor, type EventStore, InMemoryEventStore, Ledger, type LedgerCommandInput, ManualClock } from '@volunteer-ledger/core';
import { SqliteEventStore } from '@volunteer-ledger/store-sqlite';
import { type PeerCommand, expectedOutcome, readWorkload } from './workload.js';

const { values: args } = parseArgs({
  options: { workload: { type: 'string' }, store: { type: 'string', default: 'memory' }, concurrency: { type: 'string', default: '1' } },
});
if (args.workload === undefined) throw new Error('ours.ts: --workload FILE is required (write one with `node bench/peers/emmett.mjs --dump-workload FILE --dump-only`)');
const storeName = args.store;
if (storeName !== 'memory' && storeName !== 'sqlite') throw new Error(`ours.ts: unknown --store ${storeName}; expected memory or sqlite`);
const concurrency = Number(args.concurrency);
if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new Error(`ours.ts: --concurrency must be a whole number ≥ 1, got ${args.concurrency}`);

const emit = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
const msPerHour = 3_600_000;
const msPerDay = 24 * msPerHour;

const sqliteFile = storeName === 'sqlite' ? join(tmpdir(), `peer-ours-${process.pid}.sqlite`) : null;
const removeSqliteFiles = () => {
  if (sqliteFile !== null) for (const f of [sqliteFile, `${sqliteFile}-wal`, `${sqliteFile}-shm`]) rmSync(f, { force: true });
};
removeSqliteFiles();
const sqliteStore = sqliteFile === null ? null : SqliteEventStore.open(sqliteFile);
const store: EventStore = sqliteStore ?? new InMemoryEventStore();

const commands = readWorkload(args.workload);
const communityId = 'peer';
const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };
const organiser: Actor = { id: 'org', role: 'organiser', communityId };
const start = Date.parse('2026-01-01T00:00:00Z');
const clock = new ManualClock(new Date(start));
const ledger = new Ledger({ store, clock });

async function must(command: LedgerCommandInput, actor: Actor, what: string): Promise<void> {
  const r = await ledger.execute(command, { actor });
  if (!r.ok) throw new Error(`${what}: ${r.error.code} ${r.error.message}`);
}

// Set-up, not timed.
await must(
  { type: 'RegisterCommunity', communityId, name: 'Peer', timeZone: 'Asia/Shanghai', policy: { basePointsPerHour: '10', categoryMultipliers: { 'elder-care': '1.5' }, levelThresholdsHours: [] } },
  admin,
  'community',
);
await must({ type: 'AppointOrganiser', communityId, memberId: 'org' }, admin, 'organiser');
await must({ type: 'ListItem', communityId, itemId: 'reward', name: 'reward', kind: 'service', pointsCost: '50', serviceHours: '1.00', serviceCategory: 'culture' }, organiser, 'item');
const volunteers = [...new Set(commands.map((c) => c.volunteerId))];
for (const v of volunteers) await must({ type: 'RegisterMember', communityId, memberId: String(v) }, organiser, 'member');

const daysUsed = new Map<string, number>();
let sequence = 0;
let domainErrors = 0;

async function run(c: PeerCommand): Promise<void> {
  const memberId = String(c.volunteerId);
  sequence += 1;
  if (c.type === 'RecordServiceHours') {
    const day = (daysUsed.get(memberId) ?? 0) + 1;
    daysUsed.set(memberId, day);
    const out = start - day * msPerDay + 12 * msPerHour;
    const command: LedgerCommandInput = {
      type: 'RecordCheckedInHours',
      communityId,
      memberId,
      recordId: `r${sequence}`,
      category: c.data.category === 'elder-care' ? 'elder-care' : 'environment',
      checkedInAt: new Date(out - c.data.hours * msPerHour).toISOString(),
      checkedOutAt: new Date(out).toISOString(),
    };
    await must(command, organiser, 'hours');
    return;
  }
  const redemptionId = `x${sequence}`;
  const r = await ledger.execute({ type: 'RequestRedemption', communityId, memberId, redemptionId, itemId: 'reward' }, { actor: { id: memberId, role: 'member', communityId } });
  if (!r.ok) {
    if (r.error.code === 'insufficient-points') {
      domainErrors += 1;
      return;
    }
    throw new Error(`redeem: ${r.error.code} ${r.error.message}`);
  }
  await must({ type: 'FulfilRedemption', communityId, redemptionId }, organiser, 'fulfil');
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const rssMb = () => Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10;

async function phase(name: 'accrue' | 'mixed'): Promise<void> {
  const cmds = commands.filter((c) => c.phase === name);
  const began = performance.now();
  const cpuBefore = process.cpuUsage();
  const statsBefore = sqliteStore?.stats();
  if (concurrency === 1) for (const c of cmds) await run(c);
  else {
    // C commands at once, each on a distinct volunteer (round-robin), as the Emmett driver's --concurrency does.
    for (let i = 0; i < cmds.length; i += concurrency) await Promise.all(cmds.slice(i, i + concurrency).map(run));
  }
  const seconds = (performance.now() - began) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  // SQLite: commits per command, and those synced (an fsync somebody waited for): the I/O a phase costs, which
  // unlike the timings does not depend on how busy the machine is.
  const stats = sqliteStore?.stats();
  const commits =
    stats === undefined || statsBefore === undefined
      ? {}
      : { commitsPerOp: round3((stats.commits - statsBefore.commits) / cmds.length), syncedCommitsPerOp: round3((stats.syncedCommits - statsBefore.syncedCommits) / cmds.length) };
  emit({ type: 'phase', impl: 'ours', store: storeName, phase: name, ops: cmds.length, seconds: Math.round(seconds * 1000) / 1000, opsPerSec: Math.round(cmds.length / seconds), cpuUsPerOp: Math.round((cpu.user + cpu.system) / cmds.length), rssMb: rssMb(), ...commits });
}

await phase('accrue');
await phase('mixed');

// read: every volunteer rehydrated on a fresh Ledger (empty cache), like Emmett's aggregateStream.
const fresh = new Ledger({ store, clock });
const balances = new Map<number, number>();
const began = performance.now();
const cpuBefore = process.cpuUsage();
for (const v of volunteers) balances.set(v, (await fresh.account(communityId, String(v))).balance.hundredths);
const seconds = (performance.now() - began) / 1000;
const cpu = process.cpuUsage(cpuBefore);
emit({ type: 'phase', impl: 'ours', store: storeName, phase: 'read', ops: volunteers.length, seconds: Math.round(seconds * 1000) / 1000, opsPerSec: Math.round(volunteers.length / seconds), cpuUsPerOp: Math.round((cpu.user + cpu.system) / volunteers.length), rssMb: rssMb() });

const expected = expectedOutcome(commands);
let sumBalances = 0;
let mismatchedVolunteers = 0;
for (const [v, balance] of balances) {
  sumBalances += balance;
  if (balance !== (expected.balances.get(v) ?? 0)) mismatchedVolunteers += 1;
}
const pass = mismatchedVolunteers === 0 && sumBalances === expected.sumBalances && domainErrors === expected.domainErrors && balances.size === expected.balances.size;
emit({ type: 'check', impl: 'ours', store: storeName, pass, sumBalances, expected: expected.sumBalances, domainErrors, expectedDomainErrors: expected.domainErrors, mismatchedVolunteers });

await sqliteStore?.close();
removeSqliteFiles();
process.exitCode = pass ? 0 : 1;
