/**
 * SQLite store figures, one JSON line each: `{"bench":"<name>","value":<n>,"unit":"<unit>"}`.
 * Run: `tsx --conditions=source bench/sqlite.bench.ts` (about 30 s).
 *
 * Back of the envelope: a community of 2,000 members recording ~100 events each a year is 200k events
 * a year; rebuilding every projection from scratch must read them in about a second (≥ 200k events/s).
 * An append costs one fsync without group commit, so single-flight appends run at most at the disk's
 * fdatasync rate (`fsync_per_s`); with 64 in flight, group commit should beat that rate several times.
 *
 * The helpers are exported so that ledger-level figures (accrue_sqlite_1 / accrue_sqlite_64) can reuse
 * them: create a store with `createTempStore`, drive commands through `measureInFlight`, print with
 * `printFigure`.
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { NewEvent } from '../packages/ledger-core/src/index.js';
import { contractEvent } from '../packages/store-contract/src/index.js';
import { SqliteEventStore } from '../packages/store-sqlite/src/index.js';

export interface TempStore {
  readonly store: SqliteEventStore;
  readonly dir: string;
  readonly filename: string;
  cleanup(): Promise<void>;
}

/** A fresh durable store (default settings: WAL, synchronous=FULL) in its own temp directory. */
export function createTempStore(baseDir: string = tmpdir()): TempStore {
  const dir = mkdtempSync(join(baseDir, 'ledger-bench-'));
  const filename = join(dir, 'events.sqlite');
  const store = SqliteEventStore.open(filename);
  return {
    store,
    dir,
    filename,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function printFigure(bench: string, value: number, unit: string): void {
  const rounded = Number.isInteger(value) ? value : Number(value.toPrecision(4));
  process.stdout.write(`${JSON.stringify({ bench, value: rounded, unit })}\n`);
}

export function percentile(sortedMs: readonly number[], fraction: number): number {
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor(sortedMs.length * fraction))]!;
}

/** Runs `total` operations with `inFlight` of them outstanding at any time; returns rate and latencies. */
export async function measureInFlight(
  inFlight: number,
  total: number,
  operation: (i: number) => Promise<unknown>,
): Promise<{ perSecond: number; sortedLatenciesMs: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        const i = next;
        next += 1;
        const t = performance.now();
        await operation(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  return { perSecond: (total / elapsedMs) * 1_000, sortedLatenciesMs: latencies.sort((a, b) => a - b) };
}

/** The disk's fdatasync rate: 4 KiB overwrite + fdatasync, in `dir`, for `durationMs`. */
export function measureFsyncPerSecond(dir: string, durationMs = 1_500): number {
  const path = join(dir, 'fsync-probe.bin');
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(4_096, 7);
  let syncs = 0;
  const started = performance.now();
  try {
    while (performance.now() - started < durationMs) {
      writeSync(fd, block, 0, block.length, 0);
      fdatasyncSync(fd);
      syncs += 1;
    }
  } finally {
    closeSync(fd);
    unlinkSync(path);
  }
  return (syncs / (performance.now() - started)) * 1_000;
}

/** An event shaped like a points accrual, ~400 bytes of JSON. */
export function accrualLikeEvent(i: number): NewEvent {
  return contractEvent(
    {
      memberId: `m-${i % 2_000}`,
      recordId: `rec-${i}`,
      lotId: `lot-${i}`,
      category: 'elder-care',
      hours: '2.50',
      points: '25.00',
      pointsPerHour: '10.00',
      multiplier: '1.00',
      policyVersion: 3,
      expiresAt: '2026-05-01T00:00:00.000Z',
      note: '为老助餐 🍚',
    },
    { type: 'PointsAccrued' },
  );
}

const rebuildEvents = 200_000;
const singleFlightAppends = 2_000;
const groupCommitAppends = 20_000;

/** Prints every SQLite figure; `bench/run.ts` may call it, and ledger-level figures may follow it. */
export async function runSqliteBench(): Promise<void> {
  const appendBench = createTempStore();
  try {
    printFigure('fsync_per_s', measureFsyncPerSecond(appendBench.dir), 'ops/s');

    const single = await measureInFlight(1, singleFlightAppends, (i) =>
      appendBench.store.appendToStream(`member-c1-m${i % 100}`, [accrualLikeEvent(i)], { expectedRevision: 'any' }),
    );
    printFigure('append_sqlite_p50_ms', percentile(single.sortedLatenciesMs, 0.5), 'ms');
    printFigure('append_sqlite_p99_ms', percentile(single.sortedLatenciesMs, 0.99), 'ms');
    printFigure('append_sqlite_1_per_s', single.perSecond, 'appends/s');

    const grouped = await measureInFlight(64, groupCommitAppends, (i) =>
      appendBench.store.appendToStream(`member-c1-m${i % 1_000}`, [accrualLikeEvent(i)], { expectedRevision: 'any' }),
    );
    printFigure('append_sqlite_64_per_s', grouped.perSecond, 'appends/s');
  } finally {
    await appendBench.cleanup();
  }

  const rebuildBench = createTempStore();
  try {
    const batch = 1_000;
    const fills: Promise<unknown>[] = [];
    for (let from = 0; from < rebuildEvents; from += batch) {
      const events = Array.from({ length: batch }, (_, k) => accrualLikeEvent(from + k));
      fills.push(rebuildBench.store.appendToStream(`member-c1-bulk${from / batch}`, events, { expectedRevision: 'no_stream' }));
    }
    await Promise.all(fills);

    const started = performance.now();
    let read = 0;
    let after: bigint | undefined;
    for (;;) {
      const page = await rebuildBench.store.readAll({ after, maxCount: 10_000 });
      if (page.length === 0) break;
      read += page.length;
      after = page[page.length - 1]!.position;
    }
    const elapsedMs = performance.now() - started;
    if (read !== rebuildEvents) throw new Error(`rebuild read ${read} events, expected ${rebuildEvents}`);
    printFigure('rebuild_sqlite_events_per_s', (read / elapsedMs) * 1_000, 'events/s');
  } finally {
    await rebuildBench.cleanup();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runSqliteBench();
}
