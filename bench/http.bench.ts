/**
 * HTTP figures, one JSON line each: `{"bench":"<name>","value":<n>,"unit":"<unit>"}`.
 * Run: `tsx --conditions=source bench/http.bench.ts` (about 40 s).
 *
 * autocannon (64 connections, in a worker thread of its own) against the service on SQLite (a fresh temporary store with 1,000
 * members), and against a bare Hono hello-world on the same machine in the same run, for scale:
 * - http_get_account_*: GET an account (API key auth → read rules → read-model view → JSON + ETag);
 * - http_post_hours_*: POST checked-in hours, approved at once by the default policy (auth → validate →
 *   decide → one durable append, group-committed);
 * - http_hello_rps: the ceiling of Node + Hono on this machine.
 *
 * Back of the envelope: a bare Hono response costs ~55-80 µs of server CPU here (bench/_http-cpu.ts measures
 * it with the load generator in another process), so hello is ~15-25k/s on one core; a third of it is the
 * response's writev. An account read adds one middleware for every request (request id, metrics, Host),
 * one for /v1 (cached API key → the same principal object, read rule), a remembered path-id check, one
 * map lookup in the router's memo (src/router.ts: RegExpRouter refuses our route set), the kept view and
 * its JSON (`ReadModels.account`), and a response with plain header objects — ~20-25 µs of JavaScript
 * measured, so ≥ 60% of hello was the goal. Measured (2026-11-30, 12 alternating rounds each, medians):
 * ~165 µs of server CPU a read against ~75 µs for hello (before: ~235), 0.45 of hello's CPU per request
 * (before: 0.31); requests/s 0.43 of hello (before: 0.37). The rest of the gap is mostly the kernel:
 * writev costs a read ~2× what it costs hello (a slower server finds the load generator asleep and pays
 * for waking it on each response), see HELLO_BURN_US in bench/_http-cpu.ts.
 * A POST adds the body (read straight into a buffer), zod parsing, the decision, an append whose fsync is
 * shared by every append in flight (group commit: ~55-60 appends a transaction at 64 connections, so the fsync
 * is ~20 µs a POST), and folding its 3 events into the read models, all on the one thread. Where a POST's time
 * goes (bench/_http-cpu.ts post with PROF, summed by bench/_profile-summary.ts; 2026-12-01, ~1,080/s, 710 µs
 * of server CPU a POST, load average ~4 on the 2-core VM; shares of the main thread's samples, 17% of them idle,
 * GC or V8's own): read-model fold 23% (SQLite row writes and their commit two thirds of it), the store's group
 * commit 18% (inserting the 3 event rows alone 9%, COMMIT with its fsync 3.5%), the core's decision and append
 * 10% + its zod parse 2.4% + snapshot 1.7% + fingerprint 1.1%, and the HTTP layer ~27% (Node's parser and
 * socket 8%, response JSON and write 7%, of it mostly the kernel's writev, route validation 4.5%, own code 4%,
 * Hono 2%). The HTTP layer alone (STUB_LEDGER=1: every command answered with one kept outcome) cost ~360-400 µs
 * a POST under that load, ~250 µs after one validation layer instead of three, plain response headers and the
 * command built without object spreads (a literal spreading two objects costs ~2-3 µs on Node 20): bench/_http-ab.ts,
 * 8 alternating rounds, lower in every round; on SQLite the CPU a POST fell by ~11-13% (two 8-round runs), and
 * this bench alternated 4 times gave 722, 1,036, 1,136, 906 req/s before, 1,168, 1,293, 1,098, 1,095 after
 * (p99 388, 177, 175, 210 ms before; 154, 124, 149, 127 after; load average 0.6-4). So ~1,000-1,300/s on this
 * machine, against 3,000/s asked: two thirds of a POST is the store, the fold and the core, not the HTTP service.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import autocannon from 'autocannon';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { configFrom, openRuntime, startServer } from '../packages/ledger-server/src/index.js';
import { printFigure } from './sqlite.bench.js';
import { seedBenchCommunity } from './_http-seed.js';

const connections = 64;
/** The load generator runs in its own thread, so it does not share the server's event loop. */
const workers = 1;
const durationSeconds = 8;
const rounds = 3;
const roundSeconds = 3;
const memberCount = 1_000;

function run(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon({ ...options, workers }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/**
 * In workers mode autocannon loads request builders from files (functions cannot cross threads), so
 * they are written to a temporary directory as CommonJS modules.
 */
function requestBuilders(dir: string): { getAccount: string; postHours: string } {
  const getAccount = join(dir, 'get-account.cjs');
  const postHours = join(dir, 'post-hours.cjs');
  writeFileSync(
    getAccount,
    `let n = 0;\nmodule.exports = (req) => ({ ...req, path: '/v1/communities/c1/members/m' + ((n += 1) % ${memberCount}) });\n`,
  );
  // One half-hour record per member per day, walking back in time: never near the daily cap.
  writeFileSync(
    postHours,
    `const { threadId } = require('node:worker_threads');
let n = 0;
const today = Date.parse(new Date().toISOString().slice(0, 10));
module.exports = (req) => {
  n += 1;
  const member = n % ${memberCount};
  const start = today - (1 + Math.floor(n / ${memberCount})) * 86400000 + 2 * 3600000;
  return {
    ...req,
    path: '/v1/communities/c1/members/m' + member + '/service-records/checked-in',
    body: JSON.stringify({
      recordId: 'r' + threadId + '-' + n,
      category: 'elder-care',
      checkedInAt: new Date(start).toISOString(),
      checkedOutAt: new Date(start + 1800000).toISOString(),
    }),
  };
};
`,
  );
  return { getAccount, postHours };
}

async function startHello(): Promise<{ url: string; close: () => Promise<unknown> }> {
  const app = new Hono();
  app.get('/', (c) => c.text('hello'));
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => new Promise((resolve) => server.close(resolve)) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ledger-http-bench-'));
  const runtime = await openRuntime(configFrom({ LEDGER_STORE: 'sqlite', LEDGER_DATA_DIR: dataDir, LEDGER_JOBS_INTERVAL_SECONDS: '0' }));
  const token = await seedBenchCommunity(runtime, memberCount);
  const server = await startServer(runtime, { port: 0, host: '127.0.0.1', log: () => undefined });
  const hello = await startHello();
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  try {
    const builders = requestBuilders(dataDir);
    const getAccount: autocannon.Options = {
      url: server.url,
      connections,
      headers,
      requests: [{ method: 'GET', setupRequest: builders.getAccount as never }],
    };
    // Hello and account reads alternate in short rounds, so a change in the machine's load during the run
    // affects both alike; the medians are reported.
    await run({ url: hello.url, connections, duration: 2 });
    await run({ ...getAccount, duration: 2 });
    const helloRps: number[] = [];
    const accountRps: number[] = [];
    const accountP99: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      helloRps.push((await run({ url: hello.url, connections, duration: roundSeconds })).requests.average);
      const got = await run({ ...getAccount, duration: roundSeconds });
      if (got.non2xx > 0 || got.errors > 0) throw new Error(`account reads failed: ${got.non2xx} non-2xx, ${got.errors} errors`);
      accountRps.push(got.requests.average);
      accountP99.push(got.latency.p99);
    }
    printFigure('http_hello_rps', median(helloRps), 'req/s');
    printFigure('http_get_account_rps', median(accountRps), 'req/s');
    printFigure('http_get_account_p99_ms', median(accountP99), 'ms');
    printFigure('http_get_account_vs_hello', median(accountRps) / median(helloRps), 'ratio');

    const postHours: autocannon.Options = {
      url: server.url,
      connections,
      headers,
      requests: [{ method: 'POST', setupRequest: builders.postHours as never }],
    };
    const posted = await run({ ...postHours, duration: durationSeconds });
    if (posted.non2xx > 0 || posted.errors > 0) throw new Error(`hour posts failed: ${posted.non2xx} non-2xx, ${posted.errors} errors`);
    printFigure('http_post_hours_rps', posted.requests.average, 'req/s');
    printFigure('http_post_hours_p99_ms', posted.latency.p99, 'ms');
  } finally {
    await hello.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
