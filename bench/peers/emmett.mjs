#!/usr/bin/env node
// Volunteer-points peer benchmark for Emmett (event-driven-io).
//
// One self-contained program: it builds a deterministic workload, drives it
// through Emmett's DeciderCommandHandler against one or more Emmett event
// stores, and prints one JSON line per (store, phase) plus a check line.
//
// Adapted for `pnpm bench peers` from ../shared/peer-bench/run.mjs, with the
// workload, the decider and the model unchanged (same seed, same mapping):
// - the PostgreSQL store is left out (its packages are not installed here);
// - --dump-only writes the workload and stops (the bench needs only the list);
// - each phase line carries the process's resident set after it (rssMb).
//
//   node emmett.mjs                      # memory + sqlite
//   node emmett.mjs --stores memory,sqlite-shared
//   node emmett.mjs --dump-workload w.jsonl --dump-only
//   node emmett.mjs --help
//
// Every store runs in its own child process (a fresh V8 heap), one after the
// other, so that one store's garbage does not slow the next.

import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const HERE = path.dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------

const DEFAULTS = {
  stores: null, // resolved below
  volunteers: 1000,
  commands: 20000, // phase 1 'accrue'
  mixed: null, // phase 2 'mixed'; defaults to --commands
  seed: 20240611,
  concurrency: 1,
  sqliteFile: null, // defaults to /tmp/peer-emmett-<pid>.sqlite
  dumpWorkload: null,
  dumpOnly: false,
  keepFiles: false,
};

const HELP = `usage: node emmett.mjs [options]

  --stores LIST        comma list of: memory, sqlite, sqlite-shared
                       (default: memory,sqlite)
                         memory         Emmett getInMemoryEventStore()
                         sqlite         Emmett getSQLiteEventStore({ fileName }) as documented:
                                        Emmett's default pool, i.e. a new sqlite3 connection per call
                         sqlite-shared  same store and durability, but handed one long-lived
                                        connection (connectionOptions.singleton) -- NOT the default
  --volunteers V       number of volunteers / streams (default ${DEFAULTS.volunteers})
  --commands N         phase 1 'accrue' commands (default ${DEFAULTS.commands})
  --mixed M            phase 2 'mixed' commands (default: same as --commands)
  --seed S             PRNG seed for the workload (default ${DEFAULTS.seed})
  --concurrency C      commands in flight at once, each on a distinct volunteer (default 1)
  --sqlite-file PATH   SQLite database file (default /tmp/peer-emmett-<pid>.sqlite, deleted after)
  --keep-files         keep the SQLite file
  --dump-workload PATH write the generated command list as JSON lines and continue
  --dump-only          with --dump-workload: stop after writing it
  --help
`;

const parseArgs = (argv) => {
  const o = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`missing value for ${a}`);
      return v;
    };
    switch (a) {
      case '--stores': o.stores = next().split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--volunteers': o.volunteers = int(next(), a); break;
      case '--commands': o.commands = int(next(), a); break;
      case '--mixed': o.mixed = int(next(), a); break;
      case '--seed': o.seed = int(next(), a); break;
      case '--concurrency': o.concurrency = int(next(), a); break;
      case '--sqlite-file': o.sqliteFile = next(); break;
      case '--keep-files': o.keepFiles = true; break;
      case '--dump-workload': o.dumpWorkload = next(); break;
      case '--dump-only': o.dumpOnly = true; break;
      case '--help': case '-h': process.stdout.write(HELP); process.exit(0); break;
      default: throw new Error(`unknown option ${a}\n${HELP}`);
    }
  }
  if (o.mixed === null) o.mixed = o.commands;
  if (o.stores === null) o.stores = ['memory', 'sqlite'];
  for (const s of o.stores) {
    if (!STORES.includes(s)) throw new Error(`unknown store '${s}' (known: ${STORES.join(', ')})`);
  }
  if (o.volunteers < 1) throw new Error('--volunteers must be >= 1');
  if (o.concurrency < 1 || o.concurrency > o.volunteers)
    throw new Error('--concurrency must be between 1 and --volunteers (commands in flight are on distinct volunteers)');
  return o;
};

const int = (v, name) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} needs a non-negative integer, got ${v}`);
  return n;
};

const STORES = ['memory', 'sqlite', 'sqlite-shared'];

// ---------------------------------------------------------------------------
// Domain: the 'volunteer points' decider. Points are integers in hundredths.
// ---------------------------------------------------------------------------

const BASE_POINTS_PER_HOUR = 10; // points
const HUNDREDTHS = 100;
// rate as a fraction num/den so that the arithmetic stays integral
const RATES = {
  'elder-care': { num: 3, den: 2 }, // 1.5x
  general: { num: 1, den: 1 }, // 1x
};
const REDEEM_COST = 50 * HUNDREDTHS; // 50 points

/** points in hundredths for `hours` (an integer) of `category` */
const pointsFor = (hours, category) => {
  const r = RATES[category];
  if (!r) throw new Error(`unknown category ${category}`);
  return (hours * BASE_POINTS_PER_HOUR * HUNDREDTHS * r.num) / r.den;
};

const initialState = () => ({ balance: 0, held: 0, lifetimeHours: 0 });

const evolve = (state, event) => {
  const { type, data } = event;
  switch (type) {
    case 'ServiceHoursRecorded':
      return { ...state, lifetimeHours: state.lifetimeHours + data.hours };
    case 'PointsAccrued':
      return { ...state, balance: state.balance + data.points };
    case 'RewardRedeemed':
      return { ...state, balance: state.balance - data.cost };
    default:
      return state;
  }
};

// ---------------------------------------------------------------------------
// Workload: deterministic (mulberry32 PRNG) so every store, every run and a
// later non-Emmett implementation see exactly the same command sequence.
// ---------------------------------------------------------------------------

const mulberry32 = (seed) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const recordHours = (rnd, volunteerId) => ({
  volunteerId,
  type: 'RecordServiceHours',
  data: {
    hours: 1 + Math.floor(rnd() * 4), // 1..4 whole hours
    category: rnd() < 0.25 ? 'elder-care' : 'general',
  },
});

const buildWorkload = ({ volunteers, commands, mixed, seed }) => {
  const rnd = mulberry32(seed);
  const accrue = new Array(commands);
  for (let i = 0; i < commands; i++) accrue[i] = recordHours(rnd, i % volunteers);
  const mixedCmds = new Array(mixed);
  for (let i = 0; i < mixed; i++) {
    const volunteerId = i % volunteers;
    mixedCmds[i] =
      rnd() < 0.7
        ? recordHours(rnd, volunteerId)
        : { volunteerId, type: 'RedeemReward', data: { cost: REDEEM_COST } };
  }
  return { accrue, mixed: mixedCmds };
};

// The driver's own independent model: plain arithmetic on the command list,
// no Emmett, no decide/evolve. Used for the end-of-run check.
const modelWorkload = (workload, volunteers) => {
  const balance = new Array(volunteers).fill(0);
  let accrued = 0;
  let redeemed = 0;
  let domainErrors = 0;
  let events = 0;
  for (const c of [...workload.accrue, ...workload.mixed]) {
    if (c.type === 'RecordServiceHours') {
      const p = pointsFor(c.data.hours, c.data.category);
      balance[c.volunteerId] += p;
      accrued += p;
      events += 2;
    } else if (balance[c.volunteerId] >= c.data.cost) {
      balance[c.volunteerId] -= c.data.cost;
      redeemed += c.data.cost;
      events += 1;
    } else {
      domainErrors++;
    }
  }
  return { balance, accrued, redeemed, domainErrors, events };
};

// ---------------------------------------------------------------------------
// Output helpers
// ---------------------------------------------------------------------------

const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const log = (...a) => process.stderr.write(a.join(' ') + '\n');

const PACKAGES = ['@event-driven-io/emmett', '@event-driven-io/emmett-sqlite', 'sqlite3', 'uuid', 'async-retry'];

const packageVersions = () => {
  const out = {};
  for (const p of PACKAGES) {
    try {
      const pj = JSON.parse(fs.readFileSync(path.join(HERE, 'node_modules', p, 'package.json'), 'utf8'));
      out[p] = pj.version;
    } catch {
      out[p] = null;
    }
  }
  return out;
};

// ---------------------------------------------------------------------------
// Stores
// ---------------------------------------------------------------------------

const openStore = async (name, o) => {
  switch (name) {
    case 'memory': {
      const { getInMemoryEventStore } = await import('@event-driven-io/emmett');
      return { eventStore: getInMemoryEventStore(), info: {}, close: async () => {} };
    }
    case 'sqlite':
    case 'sqlite-shared': {
      const { getSQLiteEventStore, sqliteConnection } = await import('@event-driven-io/emmett-sqlite');
      const fileName = o.sqliteFile ?? path.join(os.tmpdir(), `peer-emmett-${process.pid}.sqlite`);
      const removeFiles = () => {
        for (const f of [fileName, `${fileName}-wal`, `${fileName}-shm`, `${fileName}-journal`]) fs.rmSync(f, { force: true });
      };
      removeFiles();
      let shared = null;
      const options = { fileName };
      if (name === 'sqlite-shared') {
        shared = sqliteConnection({ fileName });
        options.connectionOptions = { singleton: true, connection: shared };
      }
      const eventStore = getSQLiteEventStore(options);
      await eventStore.schema.migrate(); // schema creation is not timed
      // Read the durability settings through a connection made by Emmett's own factory,
      // i.e. exactly what each of its per-call connections gets.
      const probe = shared ?? sqliteConnection({ fileName });
      const pragma = async (p) => {
        const row = await probe.querySingle(`PRAGMA ${p}`);
        return row ? Object.values(row)[0] : null;
      };
      const info = {
        fileName,
        sqliteVersion: (await probe.querySingle('SELECT sqlite_version() AS v')).v,
        journal_mode: await pragma('journal_mode'),
        synchronous: await pragma('synchronous'), // 0=OFF 1=NORMAL 2=FULL 3=EXTRA
        busy_timeout: await pragma('busy_timeout'),
        wal_autocheckpoint: await pragma('wal_autocheckpoint'),
        connectionPerCall: name === 'sqlite',
      };
      info.synchronousName = ['OFF', 'NORMAL', 'FULL', 'EXTRA'][info.synchronous] ?? String(info.synchronous);
      if (!shared) probe.close();
      return {
        eventStore,
        info,
        close: async () => {
          if (shared) await new Promise((r) => setTimeout(r, 10));
          if (shared) shared.close();
          if (!o.keepFiles) removeFiles();
        },
      };
    }
    default:
      throw new Error(`unknown store ${name}`);
  }
};

// ---------------------------------------------------------------------------
// One store, all phases (runs inside a child process)
// ---------------------------------------------------------------------------

const runStore = async (store, o) => {
  const { DeciderCommandHandler, IllegalStateError } = await import('@event-driven-io/emmett');

  const decide = (command, state) => {
    const { type, data } = command;
    const { volunteerId } = data;
    switch (type) {
      case 'RecordServiceHours':
        return [
          { type: 'ServiceHoursRecorded', data: { volunteerId, hours: data.hours, category: data.category } },
          { type: 'PointsAccrued', data: { volunteerId, points: pointsFor(data.hours, data.category), category: data.category } },
        ];
      case 'RedeemReward':
        if (state.balance - state.held < data.cost)
          throw new IllegalStateError(`insufficient balance: ${state.balance - state.held} < ${data.cost}`);
        return { type: 'RewardRedeemed', data: { volunteerId, cost: data.cost } };
      default:
        throw new Error(`unknown command ${type}`);
    }
  };

  const handle = DeciderCommandHandler({
    decide,
    evolve,
    initialState,
    mapToStreamId: (id) => `volunteer-${id}`,
  });

  const workload = buildWorkload(o);
  const model = modelWorkload(workload, o.volunteers);
  const { eventStore, info, close } = await openStore(store, o);
  emit({ type: 'store', store, ...info });

  let failed = null;
  try {
    const runCommands = async (phase, cmds) => {
      let domainErrors = 0;
      const one = async (c) => {
        try {
          await handle(eventStore, String(c.volunteerId), { type: c.type, data: { volunteerId: c.volunteerId, ...c.data } });
        } catch (err) {
          if (err instanceof IllegalStateError || err?.name === 'IllegalStateError') domainErrors++;
          else throw err;
        }
      };
      const t0 = performance.now();
      if (o.concurrency === 1) {
        for (const c of cmds) await one(c);
      } else {
        // Batches of distinct volunteers (round-robin guarantees distinctness when C <= V);
        // each batch completes before the next, so per-volunteer order is preserved.
        for (let i = 0; i < cmds.length; i += o.concurrency) {
          await Promise.all(cmds.slice(i, i + o.concurrency).map(one));
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      emit({ store, phase, ops: cmds.length, seconds: round(seconds), opsPerSec: round(cmds.length / seconds), domainErrors, concurrency: o.concurrency, rssMb: round(process.memoryUsage().rss / 2 ** 20) });
      return domainErrors;
    };

    const accrueErrors = await runCommands('accrue', workload.accrue);
    const mixedErrors = await runCommands('mixed', workload.mixed);

    // Phase 3: rehydrate every volunteer from its events.
    const balances = new Array(o.volunteers);
    let eventsRead = 0;
    const t0 = performance.now();
    for (let v = 0; v < o.volunteers; v++) {
      const r = await eventStore.aggregateStream(`volunteer-${v}`, { evolve, initialState });
      balances[v] = r.state.balance;
      eventsRead += Number(r.currentStreamVersion);
    }
    const seconds = (performance.now() - t0) / 1000;
    emit({ store, phase: 'read', ops: o.volunteers, seconds: round(seconds), opsPerSec: round(o.volunteers / seconds), eventsRead });

    // Check against the driver's independent model.
    const sumBalances = balances.reduce((a, b) => a + b, 0);
    let mismatchedVolunteers = 0;
    for (let v = 0; v < o.volunteers; v++) if (balances[v] !== model.balance[v]) mismatchedVolunteers++;
    const domainErrors = accrueErrors + mixedErrors;
    const ok =
      sumBalances === model.accrued - model.redeemed &&
      mismatchedVolunteers === 0 &&
      domainErrors === model.domainErrors &&
      eventsRead === model.events;
    emit({
      store,
      phase: 'check',
      check: ok ? 'PASS' : 'FAIL',
      sumBalances,
      expected: model.accrued - model.redeemed,
      totalAccrued: model.accrued,
      totalRedeemed: model.redeemed,
      domainErrors,
      expectedDomainErrors: model.domainErrors,
      eventsRead,
      expectedEvents: model.events,
      mismatchedVolunteers,
    });
    if (!ok) process.exitCode = 1;
  } catch (err) {
    failed = err;
  } finally {
    await close();
  }
  if (failed) {
    emit({ store, phase: 'error', check: 'FAIL', error: String(failed?.stack ?? failed) });
    process.exitCode = 1;
  }
};

const round = (x) => Math.round(x * 1000) / 1000;

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

const main = async () => {
  const o = parseArgs(process.argv.slice(2));

  if (process.env.PEER_EMMETT_CHILD === '1') {
    await runStore(o.stores[0], o);
    return;
  }

  emit({
    type: 'env',
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    packages: packageVersions(),
    workload: {
      volunteers: o.volunteers,
      accrueCommands: o.commands,
      mixedCommands: o.mixed,
      seed: o.seed,
      concurrency: o.concurrency,
      redeemCost: REDEEM_COST,
    },
  });

  if (o.dumpWorkload) {
    const w = buildWorkload(o);
    const lines = [
      ...w.accrue.map((c) => JSON.stringify({ phase: 'accrue', ...c })),
      ...w.mixed.map((c) => JSON.stringify({ phase: 'mixed', ...c })),
    ];
    fs.writeFileSync(o.dumpWorkload, lines.join('\n') + '\n');
    log(`workload written to ${o.dumpWorkload} (${lines.length} commands)`);
    if (o.dumpOnly) return;
  }

  let allOk = true;
  for (const store of o.stores) {
    log(`--- ${store}`);
    const args = process.argv.slice(2).filter((a, i, arr) => a !== '--stores' && arr[i - 1] !== '--stores');
    const child = fork(fileURLToPath(import.meta.url), [...args, '--stores', store], {
      env: { ...process.env, PEER_EMMETT_CHILD: '1' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const code = await new Promise((resolve) => child.on('exit', (c, sig) => resolve(sig ? 128 : c)));
    if (code !== 0) {
      allOk = false;
      log(`store ${store} exited with ${code}`);
    }
  }
  emit({ type: 'summary', check: allOk ? 'PASS' : 'FAIL' });
  if (!allOk) process.exitCode = 1;
};

main().catch((err) => {
  log(String(err?.stack ?? err));
  process.exit(2);
});
