/**
 * HTTP figures, one JSON line each: `{"bench":"<name>","value":<n>,"unit":"<unit>"}`.
 * Run: `tsx --conditions=source bench/http.bench.ts` (about 40 s).
 *
 * autocannon with 64 connections against the service on SQLite (a fresh temporary store with 1,000
 * members), and against a bare Hono hello-world on the same machine in the same run, for scale:
 * - http_get_account_*: GET an account (API key auth → read rules → read-model view → JSON + ETag);
 * - http_post_hours_*: POST checked-in hours, approved at once by the default policy (auth → validate →
 *   decide → one durable append, group-committed);
 * - http_hello_rps: the ceiling of Node + Hono on this machine.
 *
 * Back of the envelope: a bare Hono response costs ~40-60 µs of CPU here, so hello is ~15-25k/s on one
 * core. An account read adds a SHA-256 and an indexed SQLite lookup for the key (~10 µs), the view
 * (~20 µs for a small account) and a larger JSON body: goal ≥ 50% of hello. A POST adds zod parsing,
 * the decision and an append whose fsync is shared by every append in flight (group commit), so it is
 * bound by CPU per command, not by the disk: a few thousand per second.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import autocannon from 'autocannon';
import { Hono } from 'hono';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { configFrom, openRuntime, startServer } from '../packages/ledger-server/src/index.js';
import { printFigure } from './sqlite.bench.js';

const connections = 64;
const durationSeconds = 8;
const memberCount = 1_000;

function run(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

async function hello(): Promise<number> {
  const app = new Hono();
  app.get('/', (c) => c.text('hello'));
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s as Server));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  await run({ url, connections, duration: 2 });
  const result = await run({ url, connections, duration: durationSeconds });
  await new Promise((resolve) => server.close(resolve));
  return result.requests.average;
}

async function main(): Promise<void> {
  const helloRps = await hello();
  printFigure('http_hello_rps', helloRps, 'req/s');

  const dataDir = mkdtempSync(join(tmpdir(), 'ledger-http-bench-'));
  const runtime = await openRuntime(configFrom({ LEDGER_STORE: 'sqlite', LEDGER_DATA_DIR: dataDir, LEDGER_JOBS_INTERVAL_SECONDS: '0' }));
  const { token } = await runtime.credentials.createApiKey({ role: 'admin', communityId: 'c1' });
  const actor = { id: 'bench-admin', role: 'admin' as const, communityId: 'c1' };
  await runtime.ledger.execute({ type: 'RegisterCommunity', communityId: 'c1', name: 'bench' }, { actor });
  await Promise.all(
    Array.from({ length: memberCount }, async (_, i) => {
      await runtime.ledger.execute({ type: 'RegisterMember', communityId: 'c1', memberId: `m${i}` }, { actor });
      await runtime.ledger.execute({ type: 'GrantPoints', communityId: 'c1', memberId: `m${i}`, grantId: 'g0', points: '10.00', reason: 'bench' }, { actor });
    }),
  );
  const server = await startServer(runtime, { port: 0, host: '127.0.0.1', log: () => undefined });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  try {
    let reads = 0;
    const getAccount: autocannon.Options = {
      url: server.url,
      connections,
      headers,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/v1/communities/c1/members/m${(reads += 1) % memberCount}` }) }],
    };
    await run({ ...getAccount, duration: 2 });
    const got = await run({ ...getAccount, duration: durationSeconds });
    if (got.non2xx > 0 || got.errors > 0) throw new Error(`account reads failed: ${got.non2xx} non-2xx, ${got.errors} errors`);
    printFigure('http_get_account_rps', got.requests.average, 'req/s');
    printFigure('http_get_account_p99_ms', got.latency.p99, 'ms');
    printFigure('http_get_account_vs_hello', got.requests.average / helloRps, 'ratio');

    let posts = 0;
    const today = Date.parse(new Date().toISOString().slice(0, 10));
    const postHours: autocannon.Options = {
      url: server.url,
      connections,
      headers,
      requests: [
        {
          method: 'POST',
          setupRequest: (req) => {
            const n = (posts += 1);
            const member = n % memberCount;
            // One half-hour record per member per day, walking back in time: never near the daily cap.
            const start = today - (1 + Math.floor(n / memberCount)) * 86_400_000 + 2 * 3_600_000;
            return {
              ...req,
              path: `/v1/communities/c1/members/m${member}/service-records/checked-in`,
              body: JSON.stringify({
                recordId: `r${n}`,
                category: 'elder-care',
                checkedInAt: new Date(start).toISOString(),
                checkedOutAt: new Date(start + 1_800_000).toISOString(),
              }),
            };
          },
        },
      ],
    };
    const posted = await run({ ...postHours, duration: durationSeconds });
    if (posted.non2xx > 0 || posted.errors > 0) throw new Error(`hour posts failed: ${posted.non2xx} non-2xx, ${posted.errors} errors`);
    printFigure('http_post_hours_rps', posted.requests.average, 'req/s');
    printFigure('http_post_hours_p99_ms', posted.latency.p99, 'ms');
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
