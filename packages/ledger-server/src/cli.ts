#!/usr/bin/env node
/**
 * The `ledger` command. Configuration comes from LEDGER_* environment variables (see README.md);
 * secrets are printed only by the commands that create them. Every command and subcommand answers
 * `--help`; relative paths are taken from the directory the command was typed in (paths.ts) and printed
 * absolute; long jobs draw a progress line on a terminal (progress.ts).
 */
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError, loadConfig, type ServerConfig } from './config.js';
import { claimsSchema } from './auth.js';
import { demoCommunityId, seedDemo } from './demo.js';
import { ledgerJobs, Scheduler } from './jobs.js';
import { privateFileMode } from './file-modes.js';
import {
  eventTotal,
  exportBalancesCsv,
  exportEvents,
  exportHoursCsv,
  exportKeys,
  importEvents,
  importFileBytes,
  keysFileFor,
  type KeysFile,
  readKeysFile,
  verifyLedger,
} from './maintenance.js';
import { fromCaller } from './paths.js';
import { progress } from './progress.js';
import { openRuntime, type Runtime, type RuntimeOptions } from './runtime.js';
import { configuredMasterKey, dataDirectory, jwtSecret, masterKeyFileName } from './secrets.js';
import { ListenError, startServer } from './server.js';
import { signHs256Token } from './tokens.js';

/** Roles a credential may carry; `system` is the ledger's own. */
export const credentialRoles = ['admin', 'organiser', 'member'] as const;
/** Longest lifetime `token sign` gives a token: tokens for trying the API should not outlive the trial. */
export const maxTokenTtlSeconds = 30 * 24 * 3600;
const defaultTokenTtlSeconds = 3600;

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

interface CommandContext {
  readonly values: Values;
  readonly positionals: string[];
  readonly config: ServerConfig;
}

/** The exit code, or 'running' for `serve`, which keeps the process alive. */
type Outcome = number | 'running';

interface Command {
  /** As typed: `verify`, `admin-key create`. */
  readonly name: string;
  readonly synopsis: string;
  readonly summary: string;
  /** More lines for `--help`. */
  readonly details?: string;
  readonly options: Options;
  /** Most positional arguments accepted. */
  readonly positionals?: number;
  run(context: CommandContext): Promise<Outcome>;
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const help: Options = { help: { type: 'boolean', short: 'h' } };

async function withRuntime<T>(config: ServerConfig, run: (runtime: Runtime) => Promise<T>, options: RuntimeOptions = {}): Promise<T> {
  const runtime = await openRuntime(config, options);
  try {
    return await run(runtime);
  } finally {
    await runtime.close();
  }
}

function writerTo(file: string | null): { write: (chunk: string) => Promise<void>; end: () => Promise<void> } {
  // Exports hold members' records: private to the user, like the data directory.
  const stream: WriteStream | NodeJS.WriteStream = file ? createWriteStream(file, { mode: privateFileMode }) : process.stdout;
  return {
    write: (chunk) => (stream.write(chunk) ? Promise.resolve() : new Promise((resolve) => stream.once('drain', () => resolve()))),
    end: () => (file ? new Promise((resolve) => (stream as WriteStream).end(() => resolve())) : Promise.resolve()),
  };
}

/** A path option made absolute from the caller's directory; null when not given. */
const pathOption = (value: string | boolean | undefined): string | null => (typeof value === 'string' ? fromCaller(value) : null);

function describeSecrets(runtime: Runtime): string[] {
  const lines: string[] = [];
  const { jwt } = runtime.secrets;
  if (jwt?.file && jwt.created) {
    lines.push(`no LEDGER_JWT_SECRET was set, so a JWT signing secret was generated and kept in ${jwt.file} (mode 0600); \`ledger token sign\` signs with it. Set LEDGER_JWT_SECRET to use your own.`);
  } else if (jwt?.file) {
    lines.push(`JWTs (HS256) are checked with the secret kept in ${jwt.file}`);
  }
  const { master } = runtime.secrets;
  if (master.created && master.file) {
    lines.push(
      `no LEDGER_MASTER_KEY was set, so a master key was generated in ${master.file} (mode 0600); it wraps every member's profile key. ` +
        'In production keep it elsewhere (a secret manager, passed as LEDGER_MASTER_KEY or LEDGER_MASTER_KEY_FILE) and back it up apart from the data: ' +
        'whoever holds both the data and this key can read every profile, and without it no profile opens again.',
    );
  } else {
    lines.push(`member keys are wrapped under master key ${master.key.id} (from ${master.from}${master.file ? `, ${master.file}` : ''})`);
  }
  const migrated = (runtime.credentials as { migratedKeys?: number }).migratedKeys ?? 0;
  if (migrated > 0) lines.push(`wrapped ${migrated} member keys that an older version had stored in clear`);
  return lines;
}

async function serve(config: ServerConfig, printAdminKey: boolean): Promise<Outcome> {
  const runtime = await openRuntime(config);
  let adminKey: string | null = null;
  if (printAdminKey) adminKey = (await runtime.credentials.createApiKey({ role: 'admin', communityId: '*', label: 'serve --print-admin-key' })).token;
  let server;
  try {
    server = await startServer(runtime);
  } catch (fault) {
    await runtime.close();
    if (fault instanceof ListenError) {
      console.error(`ledger: ${fault.message}`);
      return 1;
    }
    throw fault;
  }
  console.log(`ledger: listening on ${server.url} — ${runtime.describe}`);
  console.log(`ledger: API reference ${server.url}/docs, OpenAPI ${server.url}/openapi.json`);
  for (const line of describeSecrets(runtime)) console.log(`ledger: ${line}`);
  if (adminKey) console.log(`ledger: admin API key (asked for with --print-admin-key; shown once): ${adminKey}`);
  else if ((await runtime.credentials.listApiKeys()).length === 0) {
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
  return 'running';
}

const commands: readonly Command[] = [
  {
    name: 'serve',
    synopsis: 'serve [--print-admin-key]',
    summary: 'start the HTTP service (LEDGER_PORT, else PORT, default 8080)',
    details:
      'On first start the service keeps a JWT signing secret in the data directory unless LEDGER_JWT_SECRET is set.\n' +
      '--print-admin-key  create an admin API key and print it once (the way in with LEDGER_STORE=memory)',
    options: { 'print-admin-key': { type: 'boolean' } },
    run: ({ config, values }) => serve(config, values['print-admin-key'] === true),
  },
  {
    name: 'admin-key create',
    synopsis: 'admin-key create [--community ID|*] [--role admin|organiser|member] [--subject MEMBER] [--label TEXT]',
    summary: 'create an API key and print it (the only time it is shown)',
    details:
      '--community  the community the key is bound to; * (the default) spans every community and is for admin keys only\n' +
      '--role       admin (default), organiser or member\n' +
      '--subject    the member id an organiser or member key acts as\n' +
      '--label      a note to recognise the key by in `admin-key list`',
    options: { community: { type: 'string' }, role: { type: 'string' }, subject: { type: 'string' }, label: { type: 'string' } },
    run: ({ config, values }) => {
      const role = typeof values.role === 'string' ? values.role : 'admin';
      if (!isCredentialRole(role)) return Promise.resolve(refuse(`--role ${role} is not a role; use ${credentialRoles.join(', ')}`));
      return withRuntime(config, async ({ credentials }) => {
        const { record, token } = await credentials.createApiKey({
          role,
          communityId: typeof values.community === 'string' ? values.community : '*',
          ...(typeof values.subject === 'string' ? { subject: values.subject } : {}),
          ...(typeof values.label === 'string' ? { label: values.label } : {}),
        });
        log(`created ${record.role} key ${record.id} for community ${record.communityId} acting as ${record.subject}; store it now, it is not shown again:`);
        console.log(token);
        return 0;
      });
    },
  },
  {
    name: 'admin-key list',
    synopsis: 'admin-key list',
    summary: 'list API keys as JSON lines (never their secrets)',
    options: {},
    run: ({ config }) =>
      withRuntime(config, async ({ credentials }) => {
        for (const key of await credentials.listApiKeys()) console.log(JSON.stringify(key));
        return 0;
      }),
  },
  {
    name: 'admin-key revoke',
    synopsis: 'admin-key revoke <id>',
    summary: 'revoke an API key by its id (see `admin-key list`); other processes stop accepting it within 5 s',
    options: {},
    positionals: 1,
    run: ({ config, positionals }) => {
      const id = positionals[0];
      if (!id) return Promise.resolve(refuse('name the key to revoke: ledger admin-key revoke <id> (ids are in `ledger admin-key list`)'));
      return withRuntime(config, async ({ credentials }) => {
        const revoked = await credentials.revokeApiKey(id);
        console.log(revoked ? `revoked ${id}` : `no live key ${id}`);
        return revoked ? 0 : 1;
      });
    },
  },
  {
    name: 'token sign',
    synopsis: 'token sign --sub ID --role admin|organiser|member --community ID|* [--ttl SECONDS]',
    summary: 'sign an HS256 JWT as a member app would (for trying the API)',
    details:
      'Signs with LEDGER_JWT_SECRET, or with the secret the service keeps in its data directory (created here if the\n' +
      'service has not started yet). --sub is the member id the token acts as; --community * is for admins only.\n' +
      `--ttl  lifetime in seconds (default ${defaultTokenTtlSeconds}, at most ${maxTokenTtlSeconds})`,
    options: { sub: { type: 'string' }, role: { type: 'string' }, community: { type: 'string' }, ttl: { type: 'string' } },
    run: async ({ config, values }) => {
      const claims = claimsSchema.safeParse({ sub: values.sub, role: values.role, community: values.community });
      if (!claims.success) {
        const problems = claims.error.issues.map((issue) => {
          const field = String(issue.path[0] ?? 'claims');
          if (field === 'role') return `--role ${values.role === undefined ? 'is missing' : `${String(values.role)} is not a role`}; use ${credentialRoles.join(', ')}`;
          const given = values[field];
          if (given === undefined) return `--${field} is missing`;
          return `--${field} ${String(given)}: ${issue.message}`;
        });
        return refuse(problems.join('\n'));
      }
      const ttlSeconds = Number(values.ttl ?? defaultTokenTtlSeconds);
      if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > maxTokenTtlSeconds) {
        return refuse(`--ttl ${String(values.ttl)} must be a whole number of seconds from 1 to ${maxTokenTtlSeconds}`);
      }
      const secret = jwtSecret(config);
      if (!secret) {
        return refuse(
          config.LEDGER_STORE === 'memory'
            ? 'the memory store keeps no secret file: set LEDGER_JWT_SECRET (at least 32 characters) for both the service and this command'
            : 'the service checks RS256 tokens against LEDGER_JWKS / LEDGER_JWKS_URL; sign them with your own private key, or also set LEDGER_JWT_SECRET',
        );
      }
      if (secret.created) log(`generated a JWT signing secret in ${secret.file} (mode 0600); the service checks tokens with it from its next start`);
      console.log(
        await signHs256Token(secret.value, claims.data, {
          ttlSeconds,
          ...(config.LEDGER_JWT_ISSUER ? { issuer: config.LEDGER_JWT_ISSUER } : {}),
          ...(config.LEDGER_JWT_AUDIENCE ? { audience: config.LEDGER_JWT_AUDIENCE } : {}),
        }),
      );
      return 0;
    },
  },
  {
    name: 'jobs run',
    synopsis: 'jobs run',
    summary: 'run expiry and recovery once (the service runs them every LEDGER_JOBS_INTERVAL_SECONDS)',
    options: {},
    run: ({ config }) =>
      withRuntime(config, async (runtime) => {
        const models = await runtime.openReadModels();
        await new Scheduler(ledgerJobs(runtime.ledger, models), 0, null, (line) => console.log(line)).runOnce();
        return 0;
      }),
  },
  {
    name: 'verify',
    synopsis: 'verify',
    summary: "replay the whole store, check the ledger's rules, print every community's trial balance",
    details: 'Exits 1 when any rule is breached (each breach is printed).',
    options: {},
    run: ({ config }) =>
      withRuntime(config, async (runtime) => {
        const store = runtime.store;
        const bar = progress({ label: 'verify', unit: 'events', total: await eventTotal(store) });
        // A scratch projection, so verifying neither disturbs this instance's own nor holds the whole history in memory.
        const scratch = runtime.scratchProjections();
        const report = await verifyLedger(store, bar.advance, scratch.projections).finally(() => scratch.dispose());
        bar.done();
        for (const community of report.communities) {
          console.log(`trial balance ${community.communityId}${community.balanced ? '' : '  ** NOT BALANCED **'}`);
          for (const { account, balance } of community.accounts) console.log(`  ${account.padEnd(40)} ${balance.padStart(16)}`);
          console.log(`  ${'total'.padEnd(40)} ${community.total.padStart(16)}`);
        }
        for (const breach of report.breaches) console.log(`BREACH ${breach}`);
        console.log(`${report.events} events, ${report.communities.length} communities, ${report.breaches.length} breaches`);
        return report.breaches.length === 0 ? 0 : 1;
      }),
  },
  {
    name: 'export',
    synopsis: 'export [--out FILE [--without-keys]] [--balances FILE] [--hours FILE]',
    summary: 'events as JSONL (stdout without --out) and key records in FILE.keys; balances and hours as CSV',
    details:
      '--out FILE       events to FILE, and beside it FILE.keys: the member keys (still wrapped under the master key, so\n' +
      '                 useless without it) and the API keys (hashes only). Both files are mode 0600.\n' +
      '--without-keys   leave FILE.keys out: after an import, no member profile written before will open.\n' +
      'A backup is FILE + FILE.keys + the master key (kept apart). Relative paths are taken from the directory the command was typed in.',
    options: { out: { type: 'string' }, 'without-keys': { type: 'boolean' }, balances: { type: 'string' }, hours: { type: 'string' } },
    run: ({ config, values }) => {
      const out = pathOption(values.out);
      const withoutKeys = values['without-keys'] === true;
      if (withoutKeys && !out) return Promise.resolve(refuse('--without-keys goes with --out FILE (events on stdout never carry keys)'));
      const csvs = [
        [pathOption(values.balances), exportBalancesCsv],
        [pathOption(values.hours), exportHoursCsv],
      ] as const;
      return withRuntime(config, async (runtime) => {
        const events = writerTo(out);
        const bar = progress({ label: 'export', unit: 'events', total: await eventTotal(runtime.store) });
        const count = await exportEvents(runtime.store, events.write, bar.advance);
        await events.end();
        bar.done();
        log(`${count} events exported${out ? ` to ${out}` : ''}`);
        if (out && !withoutKeys) {
          const records = await exportKeys(runtime.credentials, keysFileFor(out));
          log(`${records} key records (member keys wrapped under master key ${runtime.credentials.masterKey.id}, API keys) exported to ${keysFileFor(out)}`);
          log(`keep the master key apart from these files: ${describeMasterKey(runtime)}; without it the member keys cannot be unwrapped`);
        } else {
          log(withoutKeysWarning(out));
        }
        if (csvs.some(([file]) => file)) {
          const models = await runtime.openReadModels();
          for (const [file, run] of csvs) {
            if (!file) continue;
            const writer = writerTo(file);
            log(`${await run(models, writer.write)} rows written to ${file}`);
            await writer.end();
          }
        }
        return 0;
      });
    },
  },
  {
    name: 'import',
    synopsis: 'import --in FILE',
    summary: 'load a JSONL export into an empty store, and its key records from FILE.keys when there',
    details:
      'FILE.keys holds member keys wrapped under the master key of the exporting service: start this command with that\n' +
      'master key (LEDGER_MASTER_KEY, LEDGER_MASTER_KEY_FILE, or its master-key file copied into the data directory).\n' +
      'Relative paths are taken from the directory the command was typed in.',
    options: { in: { type: 'string' } },
    run: ({ config, values }) => {
      const file = pathOption(values.in);
      if (!file) return Promise.resolve(refuse('name the export to load: ledger import --in FILE.jsonl'));
      const keysFile = keysFileFor(file);
      let keys: KeysFile | null = null;
      if (existsSync(keysFile)) {
        keys = readKeysFile(keysFile);
        // Checked before anything is opened, so a wrong key creates no data directory and no new master key.
        const configured = configuredMasterKey(config);
        if (configured?.key.id !== keys.masterKeyId) {
          return Promise.resolve(
            refuse(
              `${keysFile} holds member keys wrapped under master key ${keys.masterKeyId}, but ${configured ? `the master key in use is ${configured.key.id} (from ${configured.from})` : 'no master key is configured'}. ` +
                `Import with the exporting service's master key: set LEDGER_MASTER_KEY or LEDGER_MASTER_KEY_FILE to it` +
                (config.LEDGER_STORE === 'sqlite' ? `, or copy its master-key file to ${join(dataDirectory(config), masterKeyFileName)} (mode 0600)` : '') +
                '. Nothing was imported.',
            ),
          );
        }
      }
      return withRuntime(config, async ({ store, credentials }) => {
        const bar = progress({ label: 'import', unit: 'bytes', total: importFileBytes(file) });
        const count = await importEvents(store, file, bar.advance);
        bar.done();
        log(`${count} events imported from ${file}`);
        if (keys) {
          const added = await credentials.importRecords(keys.records);
          log(`${added} key records (member keys, API keys) restored from ${keysFile}`);
        } else {
          log(
            `WARNING: no ${keysFile} beside the export, so no member keys were restored: every member profile recorded before ` +
              'the export reads as erased (names, phones, ID numbers cannot be opened), and API keys from before do not work.',
          );
        }
        return 0;
      });
    },
  },
  {
    name: 'rebuild',
    synopsis: 'rebuild',
    summary: "drop this instance's read models and fold the whole store again",
    options: {},
    run: async ({ config }) => {
      // The bar needs the store's total, known only once the runtime is open.
      let advance: (count: number) => void = () => undefined;
      return withRuntime(
        config,
        async ({ models, store }) => {
          const bar = progress({ label: 'rebuild', unit: 'events', total: await eventTotal(store) });
          advance = bar.advance;
          const folded = await models.rebuild();
          bar.done();
          log(`${folded} events folded`);
          return 0;
        },
        { onReadModelEvents: (count) => advance(count) },
      );
    },
  },
  {
    name: 'demo',
    synopsis: 'demo',
    summary: `seed the sample community "${demoCommunityId}" (阳光社区)`,
    options: {},
    run: ({ config }) =>
      withRuntime(config, async ({ ledger }) => {
        const { commands: count, refused } = await seedDemo(ledger, log);
        console.log(`demo community "${demoCommunityId}" seeded: ${count} commands, ${refused} refused (already there on a re-run)`);
        console.log(`create a key for it: ledger admin-key create --community ${demoCommunityId}`);
        return 0;
      }),
  },
];

const isCredentialRole = (role: string): role is (typeof credentialRoles)[number] => (credentialRoles as readonly string[]).includes(role);

function describeMasterKey(runtime: Runtime): string {
  const { master } = runtime.secrets;
  return master.file ? `it is ${master.key.id}, kept in ${master.file}` : `it is ${master.key.id}, from ${master.from}`;
}

function withoutKeysWarning(out: string | null): string {
  return (
    `WARNING: ${out ? `--without-keys: ${out} holds` : 'stdout got'} the events only, no member keys and no API keys. ` +
    'A ledger imported from it will show every member profile recorded before the export as erased (names, phones, ID numbers ' +
    `cannot be opened), and API keys from before will not work.${out ? '' : ' Use --out FILE to get the keys in FILE.keys.'}`
  );
}

function refuse(message: string): number {
  console.error(message);
  return 2;
}

const environment = `Environment: LEDGER_STORE=sqlite|eventstoredb|memory, LEDGER_DATA_DIR (.data, from the directory you are in),
LEDGER_ESDB_CONNECTION_STRING, LEDGER_PORT (else PORT; LEDGER_PORT wins), LEDGER_HOST, LEDGER_JWT_SECRET, LEDGER_JWKS,
LEDGER_JWKS_URL, LEDGER_CERTIFICATE_SECRET, LEDGER_PUBLIC_URL, LEDGER_MASTER_KEY or LEDGER_MASTER_KEY_FILE (see the server's README.md).`;

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `ledger <command> [options]     (ledger <command> --help for its options)

${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

${environment}`;
}

function commandHelp(command: Command): string {
  return `usage: ledger ${command.synopsis}

${command.summary}${command.details ? `\n\n${command.details}` : ''}`;
}

function groupHelp(group: string): string {
  const members = commands.filter((c) => c.name.startsWith(`${group} `));
  return `usage: ledger ${group} <${members.map((c) => c.name.slice(group.length + 1)).join('|')}> [options]

${members.map((c) => `  ledger ${c.synopsis}\n      ${c.summary}`).join('\n')}`;
}

const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h' || arg === 'help';

/** The command named by the first one or two words, and the arguments after them. */
function findCommand(argv: readonly string[]): { command: Command; args: string[] } | { group: string; rest: string[] } | null {
  const [first, second, ...rest] = argv;
  const two = commands.find((c) => c.name === `${first} ${second}`);
  if (two) return { command: two, args: rest };
  const one = commands.find((c) => c.name === first);
  if (one) return { command: one, args: argv.slice(1) };
  if (first && commands.some((c) => c.name.startsWith(`${first} `))) return { group: first, rest: argv.slice(1) };
  return null;
}

export async function main(argv: string[]): Promise<Outcome> {
  if (argv.length === 0 || (isHelp(argv[0]) && argv.length === 1)) {
    console.log(overview());
    return argv.length === 0 ? 2 : 0;
  }
  // `ledger help verify` reads as `ledger verify --help`.
  const words = isHelp(argv[0]) ? [...argv.slice(1), '--help'] : argv;
  const found = findCommand(words);
  if (!found) return refuse(`unknown command ${words[0]}\n\n${overview()}`);
  if ('group' in found) {
    if (found.rest.length === 0 || isHelp(found.rest[0])) {
      console.log(groupHelp(found.group));
      return found.rest.length === 0 ? 2 : 0;
    }
    return refuse(`unknown command ${found.group} ${found.rest[0]}\n\n${groupHelp(found.group)}`);
  }
  const { command, args } = found;
  let parsed: { values: Values; positionals: string[] };
  try {
    // No option is `multiple`, so every value is a string or a boolean.
    parsed = parseArgs({ args, allowPositionals: true, strict: true, options: { ...help, ...command.options } }) as { values: Values; positionals: string[] };
  } catch (fault) {
    return refuse(`${fault instanceof Error ? fault.message : String(fault)}\n\n${commandHelp(command)}`);
  }
  if (parsed.values.help === true) {
    console.log(commandHelp(command));
    return 0;
  }
  if (parsed.positionals.length > (command.positionals ?? 0)) {
    return refuse(`unexpected argument ${parsed.positionals[command.positionals ?? 0]}\n\n${commandHelp(command)}`);
  }
  let config: ServerConfig;
  try {
    config = loadConfig();
  } catch (fault) {
    if (fault instanceof ConfigError) return refuse(fault.message);
    throw fault;
  }
  return command.run({ values: parsed.values, positionals: parsed.positionals, config });
}

const invokedDirectly = process.argv[1] !== undefined && /cli\.(ts|js)$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      if (code !== 'running') process.exitCode = code;
    },
    (fault: unknown) => {
      console.error(`ledger: ${fault instanceof Error ? fault.message : String(fault)}`);
      process.exitCode = 1;
    },
  );
}
