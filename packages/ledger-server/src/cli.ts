#!/usr/bin/env node
/**
 * The `ledger` command. Configuration comes from LEDGER_* environment variables (see README.md);
 * secrets are printed only by the commands that create them.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type ServerConfig } from './config.js';
import type { CredentialRole } from './credentials.js';
import { demoCommunityId, seedDemo } from './demo.js';
import { ledgerJobs, Scheduler } from './jobs.js';
import { exportBalancesCsv, exportEvents, exportHoursCsv, importEvents, verifyLedger } from './maintenance.js';
import { openRuntime, type Runtime } from './runtime.js';
import { startServer } from './server.js';
import { signHs256Token } from './tokens.js';

const usage = `ledger <command> [options]

  serve [--print-admin-key]           start the HTTP service (LEDGER_PORT, default 8080)
  admin-key create [--community ID|*] [--role admin|organiser|member] [--subject MEMBER] [--label TEXT]
                                      create an API key and print it (the only time it is shown)
  admin-key list | revoke <id>        list keys (never their secrets) or revoke one
  token sign --sub ID --role ROLE --community ID [--ttl SECONDS]
                                      sign an HS256 JWT with LEDGER_JWT_SECRET (for trying the API)
  jobs run                            run expiry and recovery once
  verify                              replay the whole store, check the ledger's rules, print the trial balance
  export [--out FILE] [--balances FILE] [--hours FILE]
                                      events as JSONL (stdout without --out); balances and hours as CSV
  import --in FILE                    load a JSONL export into an empty store
  rebuild                             drop this instance's read models and fold the whole store again
  demo                                seed the sample community "${demoCommunityId}"

Environment: LEDGER_STORE=sqlite|eventstoredb|memory, LEDGER_DATA_DIR (.data), LEDGER_ESDB_CONNECTION_STRING,
LEDGER_PORT, LEDGER_HOST, LEDGER_JWT_SECRET, LEDGER_JWKS, LEDGER_JWKS_URL (see README.md).`;

const progress = (line: string) => process.stderr.write(`${line}\n`);

async function withRuntime<T>(config: ServerConfig, run: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await openRuntime(config);
  try {
    return await run(runtime);
  } finally {
    await runtime.close();
  }
}

function writerTo(file: string | undefined): { write: (chunk: string) => Promise<void>; end: () => Promise<void> } {
  const stream: WriteStream | NodeJS.WriteStream = file ? createWriteStream(file) : process.stdout;
  return {
    write: (chunk) => (stream.write(chunk) ? Promise.resolve() : new Promise((resolve) => stream.once('drain', () => resolve()))),
    end: () => (file ? new Promise((resolve) => (stream as WriteStream).end(() => resolve())) : Promise.resolve()),
  };
}

async function serve(config: ServerConfig, printAdminKey: boolean): Promise<void> {
  const runtime = await openRuntime(config);
  let adminKey: string | null = null;
  if (printAdminKey) adminKey = (await runtime.credentials.createApiKey({ role: 'admin', communityId: '*', label: 'serve --print-admin-key' })).token;
  const server = await startServer(runtime);
  console.log(`ledger: listening on ${server.url} — ${runtime.describe}`);
  console.log(`ledger: API reference ${server.url}/docs, OpenAPI ${server.url}/openapi.json`);
  if (adminKey) console.log(`ledger: admin API key (asked for with --print-admin-key; shown once): ${adminKey}`);
  else if ((await runtime.credentials.listApiKeys()).length === 0 && !config.LEDGER_JWT_SECRET && !config.LEDGER_JWKS && !config.LEDGER_JWKS_URL) {
    console.log(
      config.LEDGER_STORE === 'memory'
        ? 'ledger: no credentials yet. With the memory store, restart with `ledger serve --print-admin-key` to get an admin key.'
        : 'ledger: no credentials yet. Create an admin API key with `pnpm --filter @volunteer-ledger/server ledger admin-key create` (it is printed once), then send it as "Authorization: Bearer <key>".',
    );
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`ledger: ${signal}: finishing in-flight requests, then closing the store`);
    server.close().then(
      () => process.exit(0),
      (fault: unknown) => {
        console.error('ledger: shutdown failed:', fault);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

export async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(usage);
    return command ? 0 : 2;
  }
  let config: ServerConfig;
  try {
    config = loadConfig();
  } catch (fault) {
    if (fault instanceof ConfigError) {
      console.error(fault.message);
      return 2;
    }
    throw fault;
  }
  const args = command === 'admin-key' || command === 'token' || command === 'jobs' ? rest : [sub, ...rest].filter((a): a is string => a !== undefined);
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'print-admin-key': { type: 'boolean' },
      community: { type: 'string' },
      role: { type: 'string' },
      subject: { type: 'string' },
      sub: { type: 'string' },
      label: { type: 'string' },
      ttl: { type: 'string' },
      out: { type: 'string' },
      in: { type: 'string' },
      balances: { type: 'string' },
      hours: { type: 'string' },
    },
  });
  switch (command) {
    case 'serve':
      await serve(config, values['print-admin-key'] === true);
      return -1; // keeps running
    case 'admin-key':
      return withRuntime(config, async ({ credentials }) => {
        if (sub === 'create') {
          const role = (values.role ?? 'admin') as CredentialRole;
          if (!['admin', 'organiser', 'member'].includes(role)) throw new Error('--role must be admin, organiser or member');
          const { record, token } = await credentials.createApiKey({
            role,
            communityId: values.community ?? '*',
            ...(values.subject ? { subject: values.subject } : {}),
            ...(values.label ? { label: values.label } : {}),
          });
          progress(`created ${record.role} key ${record.id} for community ${record.communityId} acting as ${record.subject}; store it now, it is not shown again:`);
          console.log(token);
          return 0;
        }
        if (sub === 'list') {
          for (const key of await credentials.listApiKeys()) console.log(JSON.stringify(key));
          return 0;
        }
        if (sub === 'revoke' && positionals[0]) {
          const revoked = await credentials.revokeApiKey(positionals[0]);
          console.log(revoked ? `revoked ${positionals[0]}` : `no live key ${positionals[0]}`);
          return revoked ? 0 : 1;
        }
        console.error('usage: ledger admin-key create|list|revoke <id>');
        return 2;
      });
    case 'token': {
      if (sub !== 'sign' || !values.sub || !values.role || !values.community) {
        console.error('usage: ledger token sign --sub ID --role admin|organiser|member --community ID [--ttl SECONDS]');
        return 2;
      }
      if (!config.LEDGER_JWT_SECRET) {
        console.error('LEDGER_JWT_SECRET is not set: there is no HS256 secret to sign with');
        return 2;
      }
      console.log(
        await signHs256Token(
          config.LEDGER_JWT_SECRET,
          { sub: values.sub, role: values.role as CredentialRole, community: values.community },
          { ttlSeconds: Number(values.ttl ?? 3600), ...(config.LEDGER_JWT_ISSUER ? { issuer: config.LEDGER_JWT_ISSUER } : {}), ...(config.LEDGER_JWT_AUDIENCE ? { audience: config.LEDGER_JWT_AUDIENCE } : {}) },
        ),
      );
      return 0;
    }
    case 'jobs':
      return withRuntime(config, async (runtime) => {
        const models = await runtime.openReadModels();
        await new Scheduler(ledgerJobs(runtime.ledger, models), 0, null, (line) => console.log(line)).runOnce();
        return 0;
      });
    case 'verify':
      return withRuntime(config, async (runtime) => {
        // A scratch projection, so verifying neither disturbs this instance's own nor holds the whole history in memory.
        const scratch = runtime.scratchProjections();
        const report = await verifyLedger(runtime.store, progress, scratch.projections).finally(() => scratch.dispose());
        for (const community of report.communities) {
          console.log(`trial balance ${community.communityId}${community.balanced ? '' : '  ** NOT BALANCED **'}`);
          for (const { account, balance } of community.accounts) console.log(`  ${account.padEnd(40)} ${balance.padStart(16)}`);
          console.log(`  ${'total'.padEnd(40)} ${community.total.padStart(16)}`);
        }
        for (const breach of report.breaches) console.log(`BREACH ${breach}`);
        console.log(`${report.events} events, ${report.communities.length} communities, ${report.breaches.length} breaches`);
        return report.breaches.length === 0 ? 0 : 1;
      });
    case 'export':
      return withRuntime(config, async (runtime) => {
        const events = writerTo(values.out);
        const count = await exportEvents(runtime.store, events.write, progress);
        await events.end();
        progress(`${count} events exported${values.out ? ` to ${values.out}` : ''}`);
        if (values.balances || values.hours) {
          const models = await runtime.openReadModels();
          for (const [file, run] of [
            [values.balances, exportBalancesCsv],
            [values.hours, exportHoursCsv],
          ] as const) {
            if (!file) continue;
            const out = writerTo(file);
            progress(`${await run(models, out.write)} rows written to ${file}`);
            await out.end();
          }
        }
        return 0;
      });
    case 'import':
      if (!values.in) {
        console.error('usage: ledger import --in FILE.jsonl');
        return 2;
      }
      return withRuntime(config, async ({ store }) => {
        progress(`${await importEvents(store, values.in!, progress)} events imported`);
        return 0;
      });
    case 'rebuild':
      return withRuntime(config, async ({ models }) => {
        progress(`${await models.rebuild()} events folded`);
        return 0;
      });
    case 'demo':
      return withRuntime(config, async ({ ledger }) => {
        const { commands, refused } = await seedDemo(ledger, progress);
        console.log(`demo community "${demoCommunityId}" seeded: ${commands} commands, ${refused} refused (already there on a re-run)`);
        console.log(`create a key for it: ledger admin-key create --community ${demoCommunityId}`);
        return 0;
      });
    default:
      console.error(`unknown command ${command}\n\n${usage}`);
      return 2;
  }
}

const invokedDirectly = process.argv[1] !== undefined && /cli\.(ts|js)$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code >= 0) process.exitCode = code;
    },
    (fault: unknown) => {
      console.error(`ledger: ${fault instanceof Error ? fault.message : String(fault)}`);
      process.exitCode = 1;
    },
  );
}
