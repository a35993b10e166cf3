/**
 * Server CPU per request, account GET (or hours POST) against bare Hono hello, in one run (alternating rounds).
 * The load generator (autocannon) runs in a child process, so `process.cpuUsage()` here is the server's alone.
 * Run: `tsx --conditions=source bench/_http-cpu.ts [rounds] [seconds] [hello|account|post]`: `post` measures
 * POST hours (as bench/http.bench.ts sends them) instead of the account read.
 * STORE=memory runs it on the in-memory store (the HTTP layer's share is then most of the cost).
 * PROF=<file> writes a CPU profile of the measured rounds; `tsx bench/_profile-summary.ts <file>` sums it by function.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { configFrom, openRuntime, startServer } from '../packages/ledger-server/src/index.js';
import { seedBenchCommunity, stubLedgerIfAsked } from './_http-seed.js';

const rounds = Number(process.argv[2] ?? 3);
const seconds = Number(process.argv[3] ?? 3);
const only = process.argv[4];
const memberCount = 1000;
const autocannonPath = createRequire(import.meta.url).resolve('autocannon');

/** Hours posted so far: each round's records continue the walk back in time (one a member a day). */
let posted = 0;

function load(dir: string, url: string, token: string | null, account: boolean): Promise<number> {
  const posting = account && only === 'post';
  const driver = join(dir, 'drive.cjs');
  writeFileSync(
    driver,
    `const autocannon = require(${JSON.stringify(autocannonPath)});
const [url, token, account, seconds, postedBefore] = process.argv.slice(2);
let n = Number(postedBefore);
const today = Date.parse(new Date().toISOString().slice(0, 10));
const post = (req) => {
  n += 1;
  const start = today - (1 + Math.floor(n / ${memberCount})) * 86400000 + 2 * 3600000;
  const body = JSON.stringify({ recordId: 'r' + n, category: 'elder-care', checkedInAt: new Date(start).toISOString(), checkedOutAt: new Date(start + 1800000).toISOString() });
  return { ...req, path: '/v1/communities/c1/members/m' + (n % ${memberCount}) + '/service-records/checked-in', body };
};
const requests = account === '1' ? [{ method: 'GET', setupRequest: (req) => ({ ...req, path: '/v1/communities/c1/members/m' + ((n += 1) % ${memberCount}) }) }] : account === 'post' ? [{ method: 'POST', setupRequest: post }] : undefined;
const headers = token === '-' ? {} : { authorization: 'Bearer ' + token, 'content-type': 'application/json' };
autocannon({ url, connections: 64, duration: Number(seconds), headers, ...(requests ? { requests } : {}) }, (e, r) => {
  if (e) throw e;
  process.stdout.write(JSON.stringify({ total: r.requests.total, non2xx: r.non2xx, errors: r.errors, p99: r.latency.p99 }));
});
`,
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [driver, url, token ?? '-', posting ? 'post' : account ? '1' : '0', String(seconds), String(posted)], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', () => {
      const r = JSON.parse(out) as { total: number; non2xx: number; errors: number; p99: number };
      // A POST that was sent but not answered in time still took a record number: leave a gap after each round.
      if (posting) posted += r.total + r.errors + 2_000;
      lastP99 = r.p99;
      if (r.non2xx || r.errors) reject(new Error(`failures: ${out}`));
      else resolve(r.total);
    });
  });
}

const dataDir = mkdtempSync(join(tmpdir(), 'ledger-http-cpu-'));
/** STORE=memory: the in-memory store and read models, so what is left is mostly the HTTP layer's own work. */
const runtime = await openRuntime(configFrom({ LEDGER_STORE: process.env.STORE === 'memory' ? 'memory' : 'sqlite', LEDGER_DATA_DIR: dataDir, LEDGER_JOBS_INTERVAL_SECONDS: '0' }));
const token = await seedBenchCommunity(runtime, memberCount);
await stubLedgerIfAsked(runtime);
const server = await startServer(runtime, { port: 0, host: '127.0.0.1', log: () => undefined });
const hello = new Hono();
/** HELLO_BURN_US=<n>: hello spins n µs per request first, to see what a slower server pays in the kernel per response. */
const burnUs = Number(process.env.HELLO_BURN_US ?? 0);
hello.get('/', (c) => {
  if (burnUs > 0) for (const until = performance.now() + burnUs / 1000; performance.now() < until; );
  return c.text('hello');
});
const helloServer = await new Promise<Server>((resolve) => {
  const s = serve({ fetch: hello.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
});
const helloUrl = `http://127.0.0.1:${(helloServer.address() as AddressInfo).port}/`;

let lastP99 = NaN;

async function measure(account: boolean): Promise<{ rps: number; cpuUs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const total = await load(dataDir, account ? server.url : helloUrl, account ? token : null, account);
  const cpu = process.cpuUsage(c0);
  return { rps: total / ((performance.now() - t0) / 1000), cpuUs: (cpu.user + cpu.system) / total };
}

if (only !== 'account') await measure(false);
if (only !== 'hello') await measure(true);
// PROF=<file>: a CPU profile of the measured rounds only (not the set-up).
const profile = process.env.PROF;
const session = profile ? new (await import('node:inspector')).Session() : null;
const post = (method: string, params?: object) => new Promise<unknown>((resolve, reject) => session!.post(method, params ?? {}, (e, r) => (e ? reject(e) : resolve(r))));
if (session) {
  session.connect();
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 100 });
  await post('Profiler.start');
}
/** The SQLite store's group commit: appends per transaction and per fsync over the round (absent on memory). */
const commitStats = () => (runtime.store as { stats?: () => { commits: number; syncedCommits: number; appends: number } }).stats?.() ?? null;
for (let r = 0; r < rounds; r++) {
  const s0 = commitStats();
  // A profile of POSTs is of POSTs alone.
  const h = only === 'account' || (only === 'post' && session) ? { rps: NaN, cpuUs: NaN } : await measure(false);
  const a = only === 'hello' ? { rps: NaN, cpuUs: NaN } : await measure(true);
  const s1 = commitStats();
  const groupCommit = s0 && s1 ? { appendsPerCommit: +((s1.appends - s0.appends) / Math.max(1, s1.commits - s0.commits)).toFixed(1), appendsPerSyncedCommit: +((s1.appends - s0.appends) / Math.max(1, s1.syncedCommits - s0.syncedCommits)).toFixed(1) } : {};
  console.log(JSON.stringify({ ...groupCommit, round: r, helloRps: Math.round(h.rps), accountRps: Math.round(a.rps), rpsRatio: +(a.rps / h.rps).toFixed(3), helloCpuUs: +h.cpuUs.toFixed(1), accountCpuUs: +a.cpuUs.toFixed(1), accountP99Ms: lastP99, cpuRatio: +(h.cpuUs / a.cpuUs).toFixed(3) }));
}
if (session) {
  const { profile: taken } = (await post('Profiler.stop')) as { profile: unknown };
  writeFileSync(profile!, JSON.stringify(taken));
}
helloServer.close();
await server.close();
rmSync(dataDir, { recursive: true, force: true });
