/**
 * POST hours (or account reads) against two versions of the service in one process, in alternating rounds, so
 * both meet the same machine: `tsx --conditions=source bench/_http-ab.ts <other checkout> [rounds=6] [seconds=3] [post|account]`.
 * The other checkout (e.g. a `git worktree add` of main) is loaded from its own sources beside this one's; each
 * gets its own fresh SQLite store with the same 1,000 members. Prints server CPU µs per request and requests/s
 * per round, and the medians with after/before ratios. The load generator runs in a child process, as in
 * bench/_http-cpu.ts, so `process.cpuUsage()` is the servers' (only one is loaded at a time).
 * STUB_LEDGER=1: every command is answered with one real outcome, kept, without the ledger (no decision, no
 * store, no fold): what is left is the HTTP layer's own work, the part bench/_profile-summary.ts says is the server's.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { seedBenchCommunity, stubLedgerIfAsked } from './_http-seed.js';

const [otherDir, roundsText, secondsText, kindText] = process.argv.slice(2);
if (!otherDir) throw new Error('usage: tsx --conditions=source bench/_http-ab.ts <other checkout> [rounds] [seconds] [post|account]');
const rounds = Number(roundsText ?? 6);
const seconds = Number(secondsText ?? 3);
const kind = kindText === 'account' ? 'account' : 'post';
const memberCount = 1000;
const autocannonPath = createRequire(import.meta.url).resolve('autocannon');
const work = mkdtempSync(join(tmpdir(), 'ledger-http-ab-'));
const driver = join(work, 'drive.cjs');
writeFileSync(
  driver,
  `const autocannon = require(${JSON.stringify(autocannonPath)});
const [url, token, kind, seconds, postedBefore] = process.argv.slice(2);
let n = Number(postedBefore);
const today = Date.parse(new Date().toISOString().slice(0, 10));
const post = (req) => {
  n += 1;
  const start = today - (1 + Math.floor(n / ${memberCount})) * 86400000 + 2 * 3600000;
  const body = JSON.stringify({ recordId: 'r' + n, category: 'elder-care', checkedInAt: new Date(start).toISOString(), checkedOutAt: new Date(start + 1800000).toISOString() });
  return { ...req, path: '/v1/communities/c1/members/m' + (n % ${memberCount}) + '/service-records/checked-in', body };
};
const read = (req) => ({ ...req, path: '/v1/communities/c1/members/m' + ((n += 1) % ${memberCount}) });
const requests = [kind === 'post' ? { method: 'POST', setupRequest: post } : { method: 'GET', setupRequest: read }];
autocannon({ url, connections: 64, duration: Number(seconds), headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' }, requests }, (e, r) => {
  if (e) throw e;
  process.stdout.write(JSON.stringify({ total: r.requests.total, non2xx: r.non2xx, errors: r.errors, p99: r.latency.p99 }));
});
`,
);

interface Side {
  readonly name: string;
  readonly url: string;
  readonly token: string;
  posted: number;
  readonly cpuUs: number[];
  readonly rps: number[];
  readonly p99: number[];
  close(): Promise<void>;
}

async function open(name: string, checkout: string): Promise<Side> {
  const server = (await import(pathToFileURL(join(checkout, 'packages/ledger-server/src/index.ts')).href)) as typeof import('../packages/ledger-server/src/index.js');
  const dataDir = mkdtempSync(join(work, `${name}-`));
  const runtime = await server.openRuntime(server.configFrom({ LEDGER_STORE: 'sqlite', LEDGER_DATA_DIR: dataDir, LEDGER_JOBS_INTERVAL_SECONDS: '0' }));
  const token = await seedBenchCommunity(runtime, memberCount);
  await stubLedgerIfAsked(runtime);
  const running = await server.startServer(runtime, { port: 0, host: '127.0.0.1', log: () => undefined });
  return { name, url: running.url, token, posted: 0, cpuUs: [], rps: [], p99: [], close: () => running.close() };
}

function load(side: Side, durationSeconds: number): Promise<{ total: number; p99: number }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [driver, side.url, side.token, kind, String(durationSeconds), String(side.posted)], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', () => {
      const r = JSON.parse(out) as { total: number; non2xx: number; errors: number; p99: number };
      // Each round's records continue the walk back in time (one a member a day), past any sent but unanswered.
      side.posted += r.total + r.errors + 2_000;
      if (r.non2xx || r.errors) reject(new Error(`${side.name}: failures: ${out}`));
      else resolvePromise(r);
    });
  });
}

async function measure(side: Side, record: boolean): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const { total, p99 } = await load(side, record ? seconds : 2);
  const cpu = process.cpuUsage(c0);
  if (!record) return;
  side.cpuUs.push((cpu.user + cpu.system) / total);
  side.rps.push(total / ((performance.now() - t0) / 1000));
  side.p99.push(p99);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const before = await open('before', resolve(otherDir));
const after = await open('after', resolve('.'));
try {
  await measure(before, false);
  await measure(after, false);
  for (let round = 0; round < rounds; round += 1) {
    // Which goes first alternates, so neither always follows the other's leftovers (a fold, a checkpoint).
    for (const side of round % 2 === 0 ? [before, after] : [after, before]) await measure(side, true);
    console.log(JSON.stringify({ round, beforeCpuUs: +before.cpuUs.at(-1)!.toFixed(1), afterCpuUs: +after.cpuUs.at(-1)!.toFixed(1), beforeRps: Math.round(before.rps.at(-1)!), afterRps: Math.round(after.rps.at(-1)!), beforeP99Ms: before.p99.at(-1), afterP99Ms: after.p99.at(-1) }));
  }
  const summary = (s: Side) => ({ cpuUs: +median(s.cpuUs).toFixed(1), rps: Math.round(median(s.rps)), p99Ms: median(s.p99) });
  const b = summary(before);
  const a = summary(after);
  console.log(JSON.stringify({ kind, before: b, after: a, cpuRatio: +(a.cpuUs / b.cpuUs).toFixed(3), rpsRatio: +(a.rps / b.rps).toFixed(3) }));
} finally {
  await before.close();
  await after.close();
  rmSync(work, { recursive: true, force: true });
}
