/**
 * Runs every `bench/*.bench.ts` in turn, each as its own child process (`tsx --conditions=source`), so one
 * bench's heap, JIT state and open handles cannot colour the next; forwards their JSON lines to stdout and
 * their diagnostics to stderr. Exits non-zero if any bench failed, after running the rest.
 *
 *   pnpm bench                 # all of them
 *   pnpm bench core sqlite     # only bench/core.bench.ts and bench/sqlite.bench.ts
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
/**
 * A bench that runs longer than this is stopped and counted as failed. projections.bench.ts folds 1M
 * events into SQLite, which took 12 to over 15 minutes on the shared development VM under other jobs' load.
 */
const benchTimeoutMs = 40 * 60_000;
/** Benches that need longer: the peer comparison runs Emmett on SQLite (~1.5 min a run) in every round, and installs it once. */
const benchTimeoutMsByFile: Readonly<Record<string, number>> = { 'peers.bench.ts': 60 * 60_000 };

const only = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => only.length === 0 || only.includes(name.replace(/\.bench\.ts$/, '')))
  .sort();

function runOne(file: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(tsx, ['--conditions=source', `bench/${file}`], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const timeoutMs = benchTimeoutMsByFile[file] ?? benchTimeoutMs;
    const timer = setTimeout(() => {
      process.stderr.write(`bench/${file}: still running after ${timeoutMs / 60_000} min; stopping it\n`);
      child.kill('SIGTERM');
    }, timeoutMs);
    child.stdout.pipe(process.stdout, { end: false });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) process.stderr.write(`bench/${file}: exited with ${code ?? signal}\n`);
      resolve(code ?? 1);
    });
  });
}

let failed = 0;
for (const file of files) {
  process.stderr.write(`— bench/${file}\n`);
  if ((await runOne(file)) !== 0) failed += 1;
}
if (files.length === 0) process.stderr.write(`no bench matches ${only.join(', ')}\n`);
process.exitCode = failed > 0 || files.length === 0 ? 1 : 0;
