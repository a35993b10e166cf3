/**
 * Listening and stopping. Shutdown order: readiness turns false, the scheduler stops (waiting for a job
 * in progress), the server stops accepting and lets in-flight requests finish (bounded by the shutdown
 * timeout, after which connections are closed), then the store and credentials are closed.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { maxHeaderSize } from 'node:http';
import { serve } from '@hono/node-server';
import { Problem, problemContentType, problemDocument } from './problems.js';
import { createApp, type LedgerApp } from './app.js';
import { createAuthenticator } from './auth.js';
import { ledgerJobs, Scheduler } from './jobs.js';
import type { Runtime } from './runtime.js';
import { join } from 'node:path';
import { dataDirectory } from './secrets.js';
import { KeyRecordCredentialStore } from './credentials.js';
import { KeyRecordSessionStore } from './ui/key-record-sessions.js';
import { SqliteSessionStore, sessionsFileName } from './ui/index.js';

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly ledgerApp: LedgerApp;
  readonly scheduler: Scheduler;
  /** Graceful: finishes in-flight requests, then closes the store. Idempotent. */
  close(): Promise<void>;
}

/** The service could not listen where it was told to; the message names the variable to change. */
export class ListenError extends Error {
  override readonly name = 'ListenError';

  static from(fault: NodeJS.ErrnoException, host: string, port: number): Error {
    const where = `${host}:${port}`;
    const choose = 'set LEDGER_PORT (it wins over PORT) to a free port, or to 0 to let the system pick one';
    switch (fault.code) {
      case 'EADDRINUSE':
        return new ListenError(`port ${port} on ${host} is already in use (another ledger, or another program, listens there): ${choose}`);
      case 'EACCES':
        return new ListenError(`this user may not listen on ${where} (ports below 1024 need privileges): ${choose}`);
      case 'EADDRNOTAVAIL':
      case 'ENOTFOUND':
        return new ListenError(`${host} is not an address of this machine: set LEDGER_HOST to one of its addresses (127.0.0.1, or 0.0.0.0 for all)`);
      default:
        return fault;
    }
  }
}

export interface StartOptions {
  readonly port?: number;
  readonly host?: string;
  readonly log?: (line: string) => void;
}

export async function startServer(runtime: Runtime, options: StartOptions = {}): Promise<RunningServer> {
  const { config } = runtime;
  const log = options.log ?? ((line: string) => console.log(line));
  const models = await runtime.openReadModels({ follow: true });
  // The pages' sessions and sign-in cards live beside the credentials, so they survive a restart.
  // On EventStoreDB instances share no disk: sessions live with the credentials, in the cluster, so any instance
  // honours a card or a session another one made.
  const sessions =
    config.LEDGER_STORE === 'eventstoredb' && runtime.credentials instanceof KeyRecordCredentialStore
      ? new KeyRecordSessionStore(runtime.credentials.records)
      : SqliteSessionStore.open(config.LEDGER_STORE === 'memory' ? ':memory:' : join(dataDirectory(config), sessionsFileName));
  const ledgerApp = createApp({
    sessions,
    ledger: runtime.ledger,
    store: runtime.store,
    models,
    authenticator: createAuthenticator(config, runtime.credentials),
    maxBodyBytes: config.LEDGER_MAX_BODY_BYTES,
    certificateSecret: runtime.secrets.certificate.value,
    ...(config.LEDGER_PUBLIC_URL ? { publicUrl: config.LEDGER_PUBLIC_URL } : {}),
  });
  const scheduler = new Scheduler(ledgerJobs(runtime.ledger, models, () => ledgerApp.reads.noteWrite()), config.LEDGER_JOBS_INTERVAL_SECONDS * 1000, ledgerApp.metrics, log);
  const host = options.host ?? config.LEDGER_HOST;
  const wantedPort = options.port ?? config.LEDGER_PORT;
  const server = await new Promise<Server>((resolve, reject) => {
    // Node would answer a request without Host with a bare 400 before the app sees it; the app refuses it
    // itself, with a problem document like every other refusal.
    const s = serve({ fetch: ledgerApp.app.fetch, port: wantedPort, hostname: host, serverOptions: { requireHostHeader: false } }, () => resolve(s as Server));
    s.once('error', (fault: NodeJS.ErrnoException) => reject(ListenError.from(fault, host, wantedPort)));
  }).catch(async (fault: unknown) => {
    await scheduler.stop();
    await sessions.close();
    throw fault;
  });
  // Requests Node's parser refuses before Hono sees them (oversized headers or URL, malformed HTTP) still
  // get a problem document rather than a bare status line.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const problem = tooLarge
      ? new Problem('headers-too-large', `the request line and headers exceed ${maxHeaderSize} bytes`)
      : new Problem('validation', 'the request is not well-formed HTTP');
    const body = JSON.stringify(problemDocument(problem));
    const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\ncontent-type: ${problemContentType}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log(`ledger: organiser console ${config.LEDGER_PUBLIC_URL ?? url}/console — sign in there with an admin or organiser API key (\`ledger admin-key create\`) or JWT; residents open ${config.LEDGER_PUBLIC_URL ?? url}/app with a sign-in card printed from a member's page in the console`);
  scheduler.start();
  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    ledgerApp,
    scheduler,
    close() {
      closing ??= (async () => {
        ledgerApp.stopAccepting();
        await scheduler.stop();
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => server.closeAllConnections(), config.LEDGER_SHUTDOWN_TIMEOUT_MS);
          server.close(() => {
            clearTimeout(force);
            resolve();
          });
          server.closeIdleConnections();
        });
        await sessions.close();
        await runtime.close();
      })();
      return closing;
    },
  };
}
