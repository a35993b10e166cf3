/** Starts the real service on 127.0.0.1:0 over a fresh store, and a small fetch-based client for it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock, EventStore } from '@volunteer-ledger/core';
import { configFrom, openRuntime, type Runtime, type RunningServer, startServer } from '../../packages/ledger-server/src/index.js';

export type StoreKind = 'sqlite' | 'memory' | 'eventstoredb';

export const jwtSecret = 'e2e-test-secret-that-is-at-least-32-characters-long';
/** The operator master key (32 bytes, hex) the EventStoreDB services of the tests share; it is required there. */
export const testMasterKey = 'e2e0'.repeat(16);

export interface TestService {
  readonly url: string;
  readonly runtime: Runtime;
  readonly server: RunningServer;
  /** A platform admin API key. */
  readonly adminKey: string;
  readonly dataDir: string;
  close(): Promise<void>;
}

export async function startService(
  kind: StoreKind,
  options: { clock?: Clock; env?: Record<string, string>; dataDir?: string; keepData?: boolean; adminKey?: string; store?: EventStore } = {},
): Promise<TestService> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ledger-e2e-'));
  const config = configFrom({
    LEDGER_STORE: kind,
    LEDGER_DATA_DIR: dataDir,
    LEDGER_JOBS_INTERVAL_SECONDS: '0',
    LEDGER_JWT_SECRET: jwtSecret,
    LEDGER_SHUTDOWN_TIMEOUT_MS: '2000',
    ...(kind === 'eventstoredb' ? { LEDGER_MASTER_KEY: testMasterKey } : {}),
    ...options.env,
  });
  const runtime = await openRuntime(config, { ...(options.clock ? { clock: options.clock } : {}), ...(options.store ? { store: options.store } : {}) });
  const token = options.adminKey ?? (await runtime.credentials.createApiKey({ role: 'admin', communityId: '*', label: 'e2e' })).token;
  const server = await startServer(runtime, { port: 0, host: '127.0.0.1', log: () => undefined });
  return {
    url: server.url,
    runtime,
    server,
    adminKey: token,
    dataDir,
    async close() {
      await server.close();
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

export function client(url: string, token: string | null) {
  return async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const res = await fetch(url + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (HTML pages, metrics)
    }
    return { status: res.status, headers: res.headers, body: parsed };
  };
}

/** An OpenAPI operation's path with its documented parameter examples filled in (path and query), as "Try it out" sends it. */
export function exampleTarget(path: string, operation: { parameters?: Array<{ in: string; name: string; example?: unknown }> }): string {
  let url = path;
  const query = new URLSearchParams();
  for (const parameter of operation.parameters ?? []) {
    if (parameter.example === undefined) continue;
    if (parameter.in === 'path') url = url.replace(`{${parameter.name}}`, encodeURIComponent(String(parameter.example)));
    if (parameter.in === 'query') query.set(parameter.name, String(parameter.example));
  }
  return query.size ? `${url}?${query}` : url;
}
