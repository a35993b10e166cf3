/**
 * The peer comparison: Emmett 0.42 and this ledger on the identical command list, in one run, alternating,
 * one JSON line per figure: `{"bench":"<name>","value":<n>,"unit":"<unit>"}`.
 * Run: `pnpm bench peers`: 3 rounds take ~7 min at a quiet 2-core machine's rates, 35 min measured on a busy one (Emmett on SQLite is
 * the slowest run); the first run also installs Emmett.
 *
 * Workload (Emmett's own driver, bench/peers/emmett.mjs, writes it; seed 20240611): 1,000 volunteers;
 * phase accrue: 20,000 RecordServiceHours (1–4 h, elder-care ×1.5 with probability 0.25); phase mixed:
 * 20,000 commands, 70 % hours, 30 % redeem 50 points; phase read: every volunteer's stream folded from the
 * store with no cache. One command at a time. Emmett runs on its in-memory store and on SQLite with one
 * shared connection (WAL, synchronous FULL); ours on InMemoryEventStore and SqliteEventStore. Our mapping of
 * the commands is in bench/peers/ours.ts.
 *
 * Each round runs all four (implementation, store) pairs as fresh processes; odd rounds Emmett first, even
 * rounds ours first, so that a change in machine load hits both alike. Every run's balances and refusals
 * are checked against the command list (bench/peers/workload.ts); a run that fails its check fails the
 * bench, and no figure is printed from it. Figures are medians over the rounds; ratios are ours ÷ Emmett
 * of those medians (> 1: ours is faster).
 *
 * Printed: peer_{emmett,ours}_{memory,sqlite}_{accrue,mixed,read}_per_s, peer_{memory,sqlite}_{phase}_ratio,
 * peer_ours_{store}_{phase}_cpu_us (CPU µs per operation, all threads), peer_{impl}_{store}_rss_after_mixed_mb
 * (resident set of the process right after the mixed phase), and a Markdown table on stderr.
 *
 * Emmett lives in bench/peers/package.json, a private package outside the pnpm workspace (so `pnpm install`
 * never builds sqlite3); it is installed into bench/peers/node_modules on first use, from its own lockfile.
 * If that cannot be done (no registry, no compiler for sqlite3), the bench says why and is skipped — exit 0,
 * or exit 1 when PEER_BENCH_REQUIRED=1.
 *
 * Environment: PEER_BENCH_ROUNDS (default 3), PEER_BENCH_REQUIRED (1: a failed install fails the bench).
 */
import { type SpawnOptions, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectedOutcome, readWorkload } from './peers/workload.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const peersDir = fileURLToPath(new URL('./peers/', import.meta.url));
const tsx = join(root, 'node_modules/.bin/tsx');

const defaultRounds = 3;
const maxRounds = 20;
/** Installing builds sqlite3 from source when no prebuilt binary can be fetched: minutes on 2 cores. */
const installTimeoutMs = 15 * 60_000;
/** One implementation on one store, all three phases; Emmett on SQLite is the slowest (~1.5 min unloaded). */
const runTimeoutMs = 10 * 60_000;
/** The versions the comparison is about; a different install is reinstalled from the lockfile. */
const pinnedPeers: Record<string, string> = { '@event-driven-io/emmett': '0.42.0', '@event-driven-io/emmett-sqlite': '0.42.4', sqlite3: '5.1.7' };

type Impl = 'emmett' | 'ours';
type Store = 'memory' | 'sqlite';
type Phase = 'accrue' | 'mixed' | 'read';
const phases: readonly Phase[] = ['accrue', 'mixed', 'read'];
const stores: readonly Store[] = ['memory', 'sqlite'];
const phaseUnits: Record<Phase, string> = { accrue: 'commands/s', mixed: 'operations/s', read: 'reads/s' };

interface PhaseLine {
  readonly phase: Phase;
  readonly opsPerSec: number;
  readonly cpuUsPerOp?: number;
  readonly rssMb?: number;
  /** SQLite only: commits per command, and those synced (an fsync a caller waited for). */
  readonly commitsPerOp?: number;
  readonly syncedCommitsPerOp?: number;
}
interface RunResult {
  readonly phases: ReadonlyMap<Phase, PhaseLine>;
}

function printFigure(bench: string, value: number, unit: string): void {
  const rounded = Number.isInteger(value) ? value : Number(value.toPrecision(4));
  process.stdout.write(`${JSON.stringify({ bench, value: rounded, unit })}\n`);
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

function readRounds(): number {
  const text = process.env.PEER_BENCH_ROUNDS ?? String(defaultRounds);
  const rounds = Number(text);
  if (!Number.isSafeInteger(rounds) || rounds < 1 || rounds > maxRounds) {
    throw new Error(`PEER_BENCH_ROUNDS=${text}: expected a whole number from 1 to ${maxRounds}`);
  }
  return rounds;
}

/** Runs a program to its end; stdout is collected (and echoed to stderr if asked), stderr goes to ours. Resolves with the exit code (or a reason). */
function runProgram(command: string, args: readonly string[], options: SpawnOptions & { timeoutMs: number; stdoutTo?: 'collect' | 'stderr' }): Promise<{ code: number | null; stdout: string; failure: string | null }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      if (options.stdoutTo === 'stderr') process.stderr.write(chunk);
      stdout += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, failure: error.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, stdout, failure: code === 0 ? null : signal === 'SIGTERM' ? `stopped after ${options.timeoutMs / 60_000} min` : `exited with ${code ?? signal}` });
    });
  });
}

function installedPeerVersion(name: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(peersDir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

/** True when the pinned peers are installed and sqlite3's native module loads. */
async function peersReady(): Promise<boolean> {
  for (const [name, version] of Object.entries(pinnedPeers)) if (installedPeerVersion(name) !== version) return false;
  const probe = await runProgram(process.execPath, ['-e', "require('sqlite3')"], { cwd: peersDir, timeoutMs: 60_000 });
  return probe.code === 0;
}

/**
 * Installs bench/peers from its lockfile, outside the workspace. A short fetch timeout and one retry, so
 * that an unreachable registry is reported in about a minute instead of pnpm's several.
 */
async function installPeers(): Promise<string | null> {
  process.stderr.write('bench/peers: installing Emmett 0.42 and sqlite3 into bench/peers/node_modules (once; sqlite3 may build from source, a few minutes)\n');
  const args = ['install', '--ignore-workspace', '--frozen-lockfile', '--config.fetch-retries=1', '--config.fetch-timeout=20000'];
  const options = { cwd: peersDir, timeoutMs: installTimeoutMs, stdoutTo: 'stderr' as const };
  let result = await runProgram('pnpm', args, options);
  if (result.code === null && result.failure?.includes('ENOENT')) result = await runProgram('npx', ['-y', 'pnpm@9', ...args], options);
  const networkError = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|ENETUNREACH|ERR_PNPM_META_FETCH_FAIL|ERR_SOCKET_TIMEOUT)\b/.exec(result.stdout);
  if (result.failure !== null && networkError !== null) return `the npm registry could not be reached: ${networkError[1]}`;
  if (result.failure !== null) return `pnpm install ${result.failure}`;
  return (await peersReady()) ? null : 'pnpm install finished but the pinned Emmett packages or sqlite3 do not load';
}

async function ensurePeers(): Promise<boolean> {
  if (await peersReady()) return true;
  const failure = await installPeers();
  if (failure === null) return true;
  const required = process.env.PEER_BENCH_REQUIRED === '1';
  process.stderr.write(
    [
      `bench/peers: ${required ? 'FAILED' : 'skipped'} — could not install the peer packages (${failure}; see pnpm's output above).`,
      '  The comparison needs Emmett 0.42 from the npm registry once (`npm config get registry` says which registry),',
      '  and a C++ compiler, make and python if no prebuilt sqlite3 binary can be downloaded.',
      '  When both are available, run `pnpm bench peers` again; nothing else in `pnpm bench` depends on it.',
      required ? '' : '  Set PEER_BENCH_REQUIRED=1 to make this a failure instead of a skip.',
    ]
      .filter(Boolean)
      .join('\n') + '\n',
  );
  process.exitCode = required ? 1 : 0;
  return false;
}

function parseLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The phase lines of one run, or an error saying why the run does not count. */
function phaseLines(lines: readonly Record<string, unknown>[], label: string): Map<Phase, PhaseLine> {
  const found = new Map<Phase, PhaseLine>();
  for (const line of lines) {
    if (phases.includes(line.phase as Phase) && typeof line.opsPerSec === 'number') found.set(line.phase as Phase, line as unknown as PhaseLine);
  }
  const missing = phases.filter((p) => !found.has(p));
  if (missing.length > 0) throw new Error(`${label}: no figure for ${missing.join(', ')}`);
  return found;
}

async function runEmmett(store: Store, workloadExpected: ReturnType<typeof expectedOutcome>): Promise<RunResult> {
  const emmettStore = store === 'memory' ? 'memory' : 'sqlite-shared';
  const label = `emmett ${emmettStore}`;
  const result = await runProgram(process.execPath, ['emmett.mjs', '--stores', emmettStore], { cwd: peersDir, timeoutMs: runTimeoutMs });
  if (result.failure !== null) throw new Error(`${label}: ${result.failure}`);
  const lines = parseLines(result.stdout);
  const check = lines.find((l) => l.phase === 'check');
  // The driver checks against its own model of the same seed; we also hold it to the dumped command list.
  if (check?.check !== 'PASS' || check.sumBalances !== workloadExpected.sumBalances || check.domainErrors !== workloadExpected.domainErrors) {
    throw new Error(`${label}: check failed: ${JSON.stringify(check)}; expected sum ${workloadExpected.sumBalances}, refusals ${workloadExpected.domainErrors}`);
  }
  return { phases: phaseLines(lines, label) };
}

async function runOurs(store: Store, workloadFile: string): Promise<RunResult> {
  const label = `ours ${store}`;
  const result = await runProgram(tsx, ['--conditions=source', 'bench/peers/ours.ts', '--workload', workloadFile, '--store', store], { cwd: root, timeoutMs: runTimeoutMs });
  const lines = parseLines(result.stdout);
  const check = lines.find((l) => l.type === 'check');
  if (result.failure !== null || check?.pass !== true) throw new Error(`${label}: ${result.failure ?? 'check failed'}: ${JSON.stringify(check ?? null)}`);
  return { phases: phaseLines(lines, label) };
}

async function main(): Promise<void> {
  const rounds = readRounds();
  if (!(await ensurePeers())) return;

  const workDir = mkdtempSync(join(tmpdir(), 'peer-workload-'));
  try {
    const workloadFile = join(workDir, 'workload.jsonl');
    const dump = await runProgram(process.execPath, ['emmett.mjs', '--dump-workload', workloadFile, '--dump-only'], { cwd: peersDir, timeoutMs: 60_000 });
    if (dump.failure !== null || !existsSync(workloadFile)) throw new Error(`dumping the workload with bench/peers/emmett.mjs: ${dump.failure ?? 'no file written'}`);
    const expected = expectedOutcome(readWorkload(workloadFile));

    const results = new Map<string, RunResult[]>();
    const record = (impl: Impl, store: Store, result: RunResult) => {
      const key = `${impl} ${store}`;
      results.set(key, [...(results.get(key) ?? []), result]);
      const figures = phases.map((p) => `${p} ${Math.round(result.phases.get(p)!.opsPerSec)}/s`).join(', ');
      process.stderr.write(`  ${key}: ${figures}, check passed\n`);
    };
    for (let round = 1; round <= rounds; round += 1) {
      process.stderr.write(`bench/peers: round ${round} of ${rounds}\n`);
      const order: Impl[] = round % 2 === 1 ? ['emmett', 'ours'] : ['ours', 'emmett'];
      for (const impl of order) {
        for (const store of stores) record(impl, store, impl === 'emmett' ? await runEmmett(store, expected) : await runOurs(store, workloadFile));
      }
    }

    const medianOf = (impl: Impl, store: Store, phase: Phase, field: 'opsPerSec' | 'cpuUsPerOp' | 'rssMb' | 'commitsPerOp' | 'syncedCommitsPerOp'): number | null => {
      const values = (results.get(`${impl} ${store}`) ?? []).map((r) => r.phases.get(phase)?.[field]).filter((v): v is number => typeof v === 'number');
      return values.length === 0 ? null : median(values);
    };
    const table = ['| phase | Emmett memory | ours memory | ratio | Emmett SQLite (one shared connection) | ours SQLite | ratio |', '|---|---:|---:|---:|---:|---:|---:|'];
    for (const phase of phases) {
      const row: string[] = [phase];
      for (const store of stores) {
        const emmett = medianOf('emmett', store, phase, 'opsPerSec')!;
        const ours = medianOf('ours', store, phase, 'opsPerSec')!;
        printFigure(`peer_emmett_${store}_${phase}_per_s`, Math.round(emmett), phaseUnits[phase]);
        printFigure(`peer_ours_${store}_${phase}_per_s`, Math.round(ours), phaseUnits[phase]);
        printFigure(`peer_${store}_${phase}_ratio`, ours / emmett, 'x');
        row.push(String(Math.round(emmett)), String(Math.round(ours)), (ours / emmett).toFixed(2));
      }
      table.push(`| ${row.join(' | ')} |`);
    }
    for (const store of stores) {
      for (const phase of phases) {
        const cpu = medianOf('ours', store, phase, 'cpuUsPerOp');
        if (cpu !== null) printFigure(`peer_ours_${store}_${phase}_cpu_us`, cpu, 'µs/op');
      }
    }
    // The I/O behind the SQLite rates, the same in every run: a redemption's goal is one synced commit a phase.
    for (const phase of ['accrue', 'mixed'] as const) {
      const commits = medianOf('ours', 'sqlite', phase, 'commitsPerOp');
      const synced = medianOf('ours', 'sqlite', phase, 'syncedCommitsPerOp');
      if (commits !== null) printFigure(`peer_ours_sqlite_${phase}_commits_per_op`, commits, 'commits/op');
      if (synced !== null) printFigure(`peer_ours_sqlite_${phase}_synced_commits_per_op`, synced, 'commits/op');
    }
    for (const impl of ['emmett', 'ours'] as const) {
      for (const store of stores) {
        const rss = medianOf(impl, store, 'mixed', 'rssMb');
        if (rss !== null) printFigure(`peer_${impl}_${store}_rss_after_mixed_mb`, rss, 'MB');
      }
    }
    process.stderr.write(`${table.join('\n')}\n(medians of ${rounds} alternating rounds; all ${rounds * 4} runs' balances checked against the command list)\n`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
