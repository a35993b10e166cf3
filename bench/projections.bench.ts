/**
 * Read models on disk at scale, one JSON line each: `{"bench":"<name>","value":<n>,"unit":"<unit>"}`.
 * Run: `tsx --conditions=source bench/projections.bench.ts` (1M events: several minutes, most of them
 * spent writing the events through the real Ledger; see the environment variables below).
 *
 * 1. Writes `events` events into a SQLite event store: the real Ledger writes one community's history —
 *    `membersPerCommunity` members, each with an opening grant; then, 64 operations in flight, 60% check-ins
 *    approved at once, 25% redemptions at the shop (request + fulfil, goods or a volunteer's service), 15%
 *    gifts between neighbours, members and operations drawn from a seeded generator — until it holds
 *    `events / communities` events; that history is then copied for each of `communities` communities
 *    under their own ids, interleaved event by event. (Writing all of it through the Ledger on SQLite runs
 *    at ≈ 1,250 events/s on the shared development VM: 1M events would take 13 minutes.) Skipped when the
 *    data directory already holds that many events (`BENCH_PROJECTION_DIR`).
 * 2. In a child process of its own, starts the service (`openRuntime` + `startServer`, the same code as
 *    `ledger serve`) on that data directory with an empty projection file, so it folds every event from
 *    scratch into SQLite tables, serves a few reads, and reports its memory:
 *    - `rebuild_projection_sqlite_events_per_s`: events folded per second from an empty projection;
 *    - `rss_after_<n>_events_mb`: the process's resident memory once caught up (goal for 1M: ≤ 256 MB);
 *    - `rss_peak_<n>_events_mb`: the most it held at any moment while folding;
 *    - `rss_service_empty_mb`: the same service over an empty store, for scale (Node, tsx, Hono, zod…);
 *    - `projection_file_<n>_events_mb`: the projection file on disk;
 *    - `rebuild_projection_memory_events_per_s`: for scale, the first `memoryReferenceEvents` events folded
 *      by the same code into the in-memory projection store, in the same run (the cost of the fold alone).
 *
 * Back of the envelope: the JSON-document read models held every account's history in the heap,
 * ≈ 1.3 KB of RSS per event (≈ 1,400 MB for 1M). On disk, memory is the fold's row cache
 * (`defaultMaxCacheWeight`, 2M characters of encoded rows, ≈ 8 MB decoded), SQLite's page cache
 * (`projectionCacheSizeKib`, 8 MiB) and one page of events (`catchUpPageSize`, 1,000) in flight: tens of MB above the
 * empty service, whatever the history.
 *
 * Environment: BENCH_PROJECTION_EVENTS (default 1000000), BENCH_PROJECTION_COMMUNITIES (20),
 * BENCH_PROJECTION_MEMBERS (500 per community), BENCH_PROJECTION_DIR (keep and reuse the written store
 * there; default a temporary directory, removed afterwards).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type EventStore, InMemoryEventStore, Ledger, ManualClock, type NewEvent, ReadModels, type RecordedEvent } from '../packages/ledger-core/src/index.js';
import { configFrom, eventStoreFileName, openRuntime, projectionsFileName, startServer } from '../packages/ledger-server/src/index.js';
import { SqliteEventStore } from '../packages/store-sqlite/src/index.js';
import { RefusedCommand, setUpCommunity, Workload } from '../tests/integration/ledger-workload.js';
import { seeded } from './spending.bench.js';
import { printFigure } from './sqlite.bench.js';

const events = Number(process.env.BENCH_PROJECTION_EVENTS ?? 1_000_000);
const communities = Number(process.env.BENCH_PROJECTION_COMMUNITIES ?? 20);
const membersPerCommunity = Number(process.env.BENCH_PROJECTION_MEMBERS ?? 500);
const inFlight = 64;
const templateCommunity = 'c0';
/** Events folded into the in-memory projection store for the reference figure (it holds every row). */
const memoryReferenceEvents = 100_000;
const openingPoints = 500;
const items = [
  { itemId: 'rice', pointsCost: 20, stock: 1_000_000 },
  { itemId: 'haircut', pointsCost: 15, stock: null },
] as const;
/** `1m`, `200k`, `1500`: the event count as the figure names carry it. */
const label = events % 1_000_000 === 0 ? `${events / 1_000_000}m` : events % 1_000 === 0 ? `${events / 1_000}k` : String(events);
const mb = (bytes: number) => bytes / 1_048_576;
const log = (line: string) => process.stderr.write(`projections bench: ${line}\n`);

async function lastPosition(store: EventStore): Promise<bigint> {
  let last = 0n;
  for (let page = await store.readAll({ maxCount: 10_000 }); page.length > 0; page = await store.readAll({ after: last, maxCount: 10_000 })) last = page.at(-1)!.position;
  return last;
}

/**
 * One community's history, written by the real Ledger (in memory): its members with opening grants, then
 * operations, 64 in flight, until it holds `perCommunity` events.
 */
async function writeTemplate(perCommunity: number): Promise<InMemoryEventStore> {
  const store = new InMemoryEventStore();
  const ledger = new Ledger({ store, clock: new ManualClock(new Date('2026-06-01T04:00:00Z')) });
  const memberIds = Array.from({ length: membersPerCommunity }, (_, m) => `m${m}`);
  await setUpCommunity(ledger, { communityId: templateCommunity, memberIds, items, openingPoints, inFlight });
  const workload = new Workload(ledger, templateCommunity, 'bench');
  const random = seeded(20_260_601);
  const target = BigInt(perCommunity);
  let position = await lastPosition(store);
  let refused = 0;
  const reached = (p: string | null) => {
    if (p !== null && BigInt(p) > position) position = BigInt(p);
  };
  const worker = async () => {
    while (position < target) {
      const member = memberIds[Math.floor(random() * memberIds.length)]!;
      const draw = random();
      try {
        if (draw < 0.6) reached((await workload.accrue(member)).outcome.position);
        else if (draw < 0.85) reached((await workload.redeem(member, draw < 0.75 ? 'rice' : 'haircut')).fulfilled.position);
        else {
          const other = memberIds[(memberIds.indexOf(member) + 1 + Math.floor(random() * (memberIds.length - 1))) % memberIds.length]!;
          reached((await workload.transfer(member, other, 5)).position);
        }
      } catch (fault) {
        // A member who spent everything is refused like at any shop; the run goes on without them.
        if (!(fault instanceof RefusedCommand)) throw fault;
        refused += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  log(`one community's history: ${position} events written by the Ledger (${refused} operations refused)`);
  return store;
}

/** `member-c0-m1` → `member-c7-m1`, and the community ids in the events that carry one. */
function forCommunity(event: RecordedEvent, communityId: string, copy: number): { streamName: string; revision: number; event: NewEvent } {
  const data = 'communityId' in event.data ? { ...event.data, communityId } : event.data;
  return {
    streamName: event.streamName.replace(`-${templateCommunity}`, `-${communityId}`),
    revision: event.revision,
    event: { eventId: `${event.eventId}.${copy}`, type: event.type, schemaVersion: event.schemaVersion, data, metadata: event.metadata },
  };
}

/**
 * Writes `events` events into the SQLite store in `dataDir`: one community's history written by the real
 * Ledger, copied for every community under its own id, the copies interleaved event by event as traffic of
 * several communities interleaves. Skipped when the store already holds that many.
 */
async function writeEvents(dataDir: string): Promise<void> {
  const file = join(dataDir, eventStoreFileName);
  const existing = SqliteEventStore.open(file);
  const position = await lastPosition(existing);
  await existing.close();
  if (position >= BigInt(events)) {
    log(`reusing ${dataDir}: it holds ${position} events`);
    return;
  }
  if (position > 0n) throw new Error(`${dataDir} holds ${position} events, fewer than ${events}: give BENCH_PROJECTION_DIR an empty directory`);
  const started = performance.now();
  const template = await writeTemplate(Math.ceil(events / communities));
  const history: RecordedEvent[] = [];
  for (let page = await template.readAll({ maxCount: 10_000 }); page.length > 0; page = await template.readAll({ after: page.at(-1)!.position, maxCount: 10_000 })) history.push(...page);
  // Appended through the port, as the Ledger appended them (an accrual's three events in one append), a
  // chunk at a time in flight: the store group-commits them in the order they were asked, so positions
  // follow the interleaving.
  const appends: RecordedEvent[][] = [];
  for (const event of history) {
    const last = appends.at(-1)?.at(-1);
    if (last && last.streamName === event.streamName && last.revision + 1 === event.revision) appends.at(-1)!.push(event);
    else appends.push([event]);
  }
  const store = SqliteEventStore.open(file);
  try {
    const chunk = 100;
    for (let i = 0; i < appends.length; i += chunk) {
      const copies = appends.slice(i, i + chunk).flatMap((run) => Array.from({ length: communities }, (_, c) => run.map((event) => forCommunity(event, `c${c}`, c))));
      await Promise.all(
        copies.map((run) => store.appendToStream(run[0]!.streamName, run.map((copy) => copy.event), { expectedRevision: run[0]!.revision === 0 ? 'no_stream' : run[0]!.revision - 1 })),
      );
    }
  } finally {
    await store.close();
  }
  log(`wrote ${history.length * communities} events (${communities} communities × ${history.length}) in ${Math.round((performance.now() - started) / 1000)} s`);
}

/** Runs this file again as `--serve DIR` and collects its figures. */
function measureInChild(dataDir: string, mode: '--serve' | '--serve-empty'): Promise<void> {
  const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ['--conditions=source', fileURLToPath(import.meta.url), mode, dataDir], { stdio: ['ignore', 'inherit', 'inherit'] });
    // Stopped (bench/run.ts's timeout, Ctrl-C): the child goes too, rather than fold on unseen.
    const stop = (signal: NodeJS.Signals) => {
      child.kill(signal);
      process.exit(1);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    child.on('error', reject);
    child.on('close', (code) => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      if (code === 0) resolve();
      else reject(new Error(`the measuring child exited with ${code}`));
    });
  });
}

/** The child: the service, as `ledger serve` starts it, over `dataDir`. */
async function serve(dataDir: string, empty: boolean): Promise<void> {
  const runtime = await openRuntime(configFrom({ LEDGER_STORE: 'sqlite', LEDGER_DATA_DIR: dataDir, LEDGER_JOBS_INTERVAL_SECONDS: '0' }));
  const started = performance.now();
  const models = await runtime.openReadModels();
  const foldMs = performance.now() - started;
  const server = await startServer(runtime, { port: 0, host: '127.0.0.1', log: () => undefined });
  try {
    const rss = process.memoryUsage().rss;
    if (empty) {
      printFigure('rss_service_empty_mb', mb(rss), 'MB');
      return;
    }
    const folded = models.eventsFolded;
    log(`folded ${folded} events in ${Math.round(foldMs / 1000)} s; cache ${JSON.stringify(models.cacheStats())}`);
    // A few reads, as a resident and an organiser make them, answered from disk.
    const { token } = await runtime.credentials.createApiKey({ role: 'admin', communityId: '*', label: 'bench' });
    for (const path of ['/v1/communities/c3/members/m7', '/v1/communities/c3/members/m7/statement?limit=20', '/v1/communities/c3/reports/summary?from=2000-01-01&to=2100-01-01', '/v1/communities/c3/reports/leaderboard?from=2000-01-01&to=2100-01-01']) {
      const res = await fetch(server.url + path, { headers: { authorization: `Bearer ${token}` } });
      if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    }
    printFigure('rebuild_projection_sqlite_events_per_s', (folded / foldMs) * 1_000, 'events/s');
    printFigure(`rss_after_${label}_events_mb`, mb(process.memoryUsage().rss), 'MB');
    printFigure(`rss_peak_${label}_events_mb`, process.resourceUsage().maxRSS / 1_024, 'MB');
    printFigure(`heap_used_after_${label}_events_mb`, mb(process.memoryUsage().heapUsed), 'MB');
    const file = join(dataDir, projectionsFileName);
    printFigure(`projection_file_${label}_events_mb`, mb(statSync(file).size + (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0)), 'MB');
  } finally {
    await server.close();
  }
}

/** The reference: the same fold into the in-memory projection store, over the first events of the store. */
async function foldInMemory(dataDir: string): Promise<void> {
  const store = SqliteEventStore.open(join(dataDir, eventStoreFileName));
  try {
    const limit = BigInt(memoryReferenceEvents);
    const upTo: EventStore = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'readAll') return async (options: Parameters<EventStore['readAll']>[0]) => (await target.readAll(options)).filter((e) => e.position <= limit);
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const models = new ReadModels(upTo);
    const started = performance.now();
    const folded = await models.rebuild();
    printFigure('rebuild_projection_memory_events_per_s', (folded / (performance.now() - started)) * 1_000, 'events/s');
  } finally {
    await store.close();
  }
}

export async function runProjectionsBench(): Promise<void> {
  const kept = process.env.BENCH_PROJECTION_DIR;
  const dataDir = kept ?? mkdtempSync(join(tmpdir(), 'ledger-projections-bench-'));
  mkdirSync(dataDir, { recursive: true });
  const emptyDir = mkdtempSync(join(tmpdir(), 'ledger-projections-empty-'));
  try {
    await writeEvents(dataDir);
    // Every measurement starts from an empty projection: it folds the whole store.
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(dataDir, `${projectionsFileName}${suffix}`), { force: true });
    await measureInChild(emptyDir, '--serve-empty');
    await measureInChild(dataDir, '--serve');
    await foldInMemory(dataDir);
  } finally {
    rmSync(emptyDir, { recursive: true, force: true });
    if (!kept) rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [mode, dir] = process.argv.slice(2);
  if (mode === '--serve' || mode === '--serve-empty') await serve(dir!, mode === '--serve-empty');
  else await runProjectionsBench();
}
