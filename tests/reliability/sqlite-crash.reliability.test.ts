import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type AccountEntry, type EventStore, Ledger, type RecordedEvent, ReadModels, recoverUnfinished } from '../../packages/ledger-core/src/index.js';
import { SqliteEventStore, SqliteProjectionStore } from '../../packages/store-sqlite/src/index.js';
import { crossCheck, everythingReadable } from '../support/read-models.js';
import { type LedgerAck, crashCommunityId, crashMemberIds, crashProjectionFile } from './sqlite-crash-ledger.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const childScript = join(here, 'sqlite-crash-child.ts');

/** Kill rounds; each starts a child on the same databases, so later rounds recover earlier crashes. */
const crashRounds = 10;
/**
 * On a loaded machine a child gets less done before it is killed: rounds go on past `crashRounds` until every
 * kind of operation has been acknowledged enough times (`enoughOf`), or this many rounds have run.
 */
const maxCrashRounds = 40;
/** The kinds of ledger operation the child acknowledges. */
const operationKinds = ['accrue', 'grant', 'redeem', 'transfer', 'attend', 'serve', 'wish'] as const;
/**
 * Acknowledgements each kind needs: more than `crashRounds` for a single command, half that for the kinds that
 * take four or five commands (an attendance, a time-bank request, a wish), which a kill cuts short more often.
 * (Asking as many of those failed on a machine loaded by other test runs: 10 requests in 40 rounds.)
 */
const enoughOf = (op: (typeof operationKinds)[number]): number => (op === 'attend' || op === 'serve' || op === 'wish' ? crashRounds / 2 : crashRounds) + 1;
/** The child is killed at a uniformly random moment this long after it reports ready. */
const maxRunBeforeKillMs = 750;
/** A round whose child never gets ready has hung: fail rather than wait for the test timeout. */
const readyTimeoutMs = 15_000;

interface Ack {
  readonly appendId: string;
  readonly stream: string;
  readonly lastRevision: number;
  readonly position: bigint;
  readonly count: number;
}

/** What the parent knows after the rounds so far: only what the child printed before it died. */
export interface CrashEvidence {
  readonly acks: Ack[];
  readonly claims: string[];
}

/** What the parent knows of the ledger workload: every operation acknowledged so far, and those of the last round. */
export interface LedgerEvidence {
  readonly done: LedgerAck[];
  readonly doneLastRound: LedgerAck[];
}

/**
 * What must hold after every crash and reopen. Each check gets the reopened store and everything it
 * holds in global order. To check more (e.g. that read models rebuild to the same balances), push a
 * check here.
 */
export const crashChecks: Array<(store: EventStore, all: readonly RecordedEvent[], evidence: CrashEvidence) => Promise<void>> = [
  async (_store, all) => {
    // Global order: strictly increasing positions, no event twice.
    for (let i = 1; i < all.length; i += 1) expect(all[i]!.position > all[i - 1]!.position).toBe(true);
    expect(new Set(all.map((e) => e.eventId)).size).toBe(all.length);
  },
  async (store, all) => {
    // Every stream's revisions are 0..n with no gap, in the stream and in the global order alike.
    for (const stream of new Set(all.map((e) => e.streamName))) {
      const events = await store.readStream(stream);
      expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => i));
      expect(all.filter((e) => e.streamName === stream).map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
    }
  },
  async (_store, all) => {
    // Nothing torn, nothing duplicated: each append's events are all there once, contiguous in its stream.
    const byAppend = new Map<string, RecordedEvent[]>();
    for (const event of all) {
      const id = event.data['appendId'] as string;
      byAppend.set(id, [...(byAppend.get(id) ?? []), event]);
    }
    for (const [appendId, events] of byAppend) {
      const count = events[0]!.data['count'] as number;
      expect(events.map((e) => e.data['index']), `append ${appendId}`).toEqual(Array.from({ length: count }, (_, i) => i));
      expect(new Set(events.map((e) => e.streamName)).size).toBe(1);
      expect(events.map((e) => e.revision - events[0]!.revision)).toEqual(events.map((_, i) => i));
    }
  },
  async (_store, all, evidence) => {
    // Every acknowledged append is there, where and as the acknowledgement said.
    const byId = new Map(all.map((e) => [`${e.data['appendId'] as string}#${e.data['index'] as number}`, e]));
    for (const ack of evidence.acks) {
      const last = byId.get(`${ack.appendId}#${ack.count - 1}`);
      expect(last, `acknowledged append ${ack.appendId} is missing`).toBeDefined();
      expect(last!.streamName).toBe(ack.stream);
      expect(last!.revision).toBe(ack.lastRevision);
      expect(last!.position).toBe(ack.position);
    }
  },
  async (store, _all, evidence) => {
    // Every idempotency key whose claim was acknowledged is still claimed.
    for (const key of evidence.claims) expect(await store.idempotency.get(key), `claimed key ${key} is missing`).not.toBeNull();
  },
];

/** Reads the whole store in global order. */
async function readEverything(store: EventStore): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for (let page = await store.readAll({ maxCount: 10_000 }); page.length > 0; page = await store.readAll({ after: all[all.length - 1]!.position, maxCount: 10_000 })) {
    all.push(...page);
  }
  return all;
}

/**
 * What must hold in the ledger's database after every crash and reopen, given everything it holds in
 * global order and what the child acknowledged. Push a check here to check more.
 */
export const ledgerCrashChecks: Array<(store: EventStore, all: readonly RecordedEvent[], evidence: LedgerEvidence) => Promise<void>> = [
  async (_store, all, evidence) => {
    // Every acknowledged operation's events are there, once, in the stream the outcome named.
    const byId = new Map(all.map((e) => [e.eventId, e]));
    expect(byId.size).toBe(all.length);
    for (const ack of evidence.done) {
      expect(ack.events.length, `acknowledged ${ack.op} with no events`).toBeGreaterThan(0);
      for (const event of ack.events) {
        const stored = byId.get(event.eventId);
        expect(stored, `event ${event.eventId} of an acknowledged ${ack.op} is missing`).toBeDefined();
        expect(stored!.streamName).toBe(event.streamName);
      }
    }
  },
  async (store) => {
    // Rules 1 and 9: every read model rebuilt from scratch balances, and each account equals a fresh fold of its stream.
    const models = new ReadModels(store);
    await models.rebuild();
    expect(await models.communityIds()).toEqual([crashCommunityId]);
    const fresh = new Ledger({ store });
    for (const communityId of await models.communityIds()) {
      expect((await models.trialBalance(communityId))!.total, `trial balance of ${communityId}`).toBe('0.00');
      const members: AccountEntry[] = [];
      for (let page = await models.members(communityId); page.length > 0; page = await models.members(communityId, { after: page.at(-1)!.memberId })) members.push(...page);
      expect(members.map((m) => m.memberId)).toEqual(expect.arrayContaining([...crashMemberIds]));
      for (const model of members) {
        const memberId = model.memberId;
        const { state, revision } = await fresh.member(communityId, memberId);
        const summary = (s: typeof state, r: number) => ({
          revision: r,
          balance: s.balance.toString(),
          held: s.held.toString(),
          deficit: s.deficit.toString(),
          hoursTotal: s.hoursTotal.toString(),
          pointsAccruedTotal: s.pointsAccruedTotal.toString(),
          lots: [...s.lots.values()].map((lot) => `${lot.lotId}:${lot.remaining.toString()}/${lot.held.toString()}`),
        });
        expect(summary(model.state, model.revision), `account ${memberId}`).toEqual(summary(state, revision));
      }
    }
  },
  async (store, all, evidence) => {
    // Rule 8 across a crash: repeating an acknowledged keyed command returns the stored outcome and writes nothing.
    const fresh = new Ledger({ store });
    for (const ack of evidence.doneLastRound) {
      if (ack.key === undefined) continue;
      const repeated = await fresh.execute(ack.command!, { actor: ack.actor!, idempotencyKey: ack.key });
      expect(repeated.ok, `repeat of ${ack.op} ${ack.key}`).toBe(true);
      if (!repeated.ok) continue;
      expect(repeated.value.replayed).toBe(true);
      expect(repeated.value.events.map((e) => e.eventId)).toEqual(ack.events.map((e) => e.eventId));
    }
    expect((await readEverything(store)).length).toBe(all.length);
  },
];

/** Runs the child until a random moment after it is ready, SIGKILLs it, and returns what it acknowledged. */
async function crashRound(filename: string, ledgerFilename: string, round: number): Promise<CrashEvidence & { done: LedgerAck[]; killedAfterMs: number }> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', childScript, filename, ledgerFilename, String(round)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );

  const readyAt = Date.now() + readyTimeoutMs;
  while (!stdout.startsWith('ready\n')) {
    if (child.exitCode !== null) throw new Error(`crash child exited early (code ${child.exitCode}): ${stderr}`);
    if (Date.now() > readyAt) {
      child.kill('SIGKILL');
      throw new Error(`crash child not ready after ${readyTimeoutMs} ms: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const killedAfterMs = Math.floor(Math.random() * maxRunBeforeKillMs);
  await new Promise((r) => setTimeout(r, killedAfterMs));
  child.kill('SIGKILL');
  const exit = await exited;
  if (exit.signal !== 'SIGKILL') throw new Error(`crash child ended by itself (code ${exit.code}) instead of being killed: ${stderr}`);

  // Only complete lines count: the last one may have been cut by the kill.
  const lines = stdout.split('\n').slice(0, -1);
  const acks: Ack[] = [];
  const claims: string[] = [];
  const done: LedgerAck[] = [];
  for (const line of lines) {
    if (line.startsWith('done ')) {
      done.push(JSON.parse(line.slice('done '.length)) as LedgerAck);
      continue;
    }
    const [kind, ...fields] = line.split(' ');
    if (kind === 'ack') {
      const [appendId, stream, lastRevision, position, count] = fields;
      acks.push({ appendId: appendId!, stream: stream!, lastRevision: Number(lastRevision), position: BigInt(position!), count: Number(count) });
    } else if (kind === 'claim') {
      claims.push(fields[0]!);
    }
  }
  return { acks, claims, done, killedAfterMs };
}

describe('SQLite store survives SIGKILL under concurrent load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-sqlite-crash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`keeps every acknowledged append and ledger operation, whole and once, with balanced books, across ${crashRounds} kills or more`, async () => {
    const filename = join(dir, 'events.sqlite');
    const ledgerFilename = join(dir, 'ledger.sqlite');
    const evidence: CrashEvidence = { acks: [], claims: [] };
    const ledgerEvidence: LedgerEvidence = { done: [], doneLastRound: [] };
    let eventsSeen = 0;
    const enoughOfEveryKind = () => operationKinds.every((op) => ledgerEvidence.done.filter((ack) => ack.op === op).length >= enoughOf(op));
    for (let round = 0; round < maxCrashRounds && (round < crashRounds || !enoughOfEveryKind()); round += 1) {
      const result = await crashRound(filename, ledgerFilename, round);
      evidence.acks.push(...result.acks);
      evidence.claims.push(...result.claims);
      ledgerEvidence.done.push(...result.done);
      ledgerEvidence.doneLastRound.splice(0, Infinity, ...result.done);

      const store = SqliteEventStore.open(filename);
      try {
        const all = await readEverything(store);
        for (const check of crashChecks) await check(store, all, evidence);
        expect(all.length).toBeGreaterThanOrEqual(eventsSeen);
        eventsSeen = all.length;
      } finally {
        await store.close();
      }

      const ledgerStore = SqliteEventStore.open(ledgerFilename, { pollIntervalMs: 0 });
      try {
        const all = await readEverything(ledgerStore);
        for (const check of ledgerCrashChecks) await check(ledgerStore, all, ledgerEvidence);
        // Rule 9 across a kill: the child's projection file, wherever the kill caught its commits, catches up
        // from its checkpoint to exactly what a rebuild from scratch gives.
        const survivor = await new ReadModels(ledgerStore, { projections: SqliteProjectionStore.open(crashProjectionFile(ledgerFilename)) }).open();
        const rebuilt = new ReadModels(ledgerStore);
        await rebuilt.rebuild();
        const asOf = new Date();
        const views = await everythingReadable(survivor, asOf);
        expect(views).toEqual(await everythingReadable(rebuilt, asOf));
        for (const c of views) expect(crossCheck(c)).toEqual([]);
        await survivor.projections.close();
      } finally {
        await ledgerStore.close();
      }
    }
    const tally = Object.fromEntries(operationKinds.map((op) => [op, ledgerEvidence.done.filter((ack) => ack.op === op).length]));
    console.info(`crash test: ${evidence.acks.length} raw appends and ${JSON.stringify(tally)} ledger operations acknowledged`);
    // The test means nothing if the children never got to write: demand real load of every kind.
    expect(evidence.acks.length).toBeGreaterThan(crashRounds * 10);
    expect(evidence.claims.length).toBeGreaterThan(0);
    for (const op of operationKinds) {
      expect(ledgerEvidence.done.filter((ack) => ack.op === op).length, `acknowledged ${op} operations`).toBeGreaterThanOrEqual(enoughOf(op));
    }

    // After the last kill, recovery finishes or compensates every process it left half done, and the books still balance.
    const ledgerStore = SqliteEventStore.open(ledgerFilename, { pollIntervalMs: 0 });
    try {
      const ledger = new Ledger({ store: ledgerStore });
      const report = await recoverUnfinished(ledger, await new ReadModels(ledgerStore, { projections: SqliteProjectionStore.open(crashProjectionFile(ledgerFilename)) }).open(), 0);
      expect(report.failures).toEqual([]);
      console.info(`crash test: final recovery visited ${report.visited}, changed ${report.changed}`);
      const models = new ReadModels(ledgerStore);
      await models.rebuild();
      expect(await models.redemptions(crashCommunityId, { status: 'requested' })).toEqual([]);
      expect(await models.redemptions(crashCommunityId, { status: 'fulfilling' })).toEqual([]);
      expect(await models.redemptions(crashCommunityId, { status: 'cancelling' })).toEqual([]);
      // No debit left in transit and no transfer left half begun, however recent.
      expect(await models.unfinishedTransfers(crashCommunityId, new Date('2999-01-01T00:00:00Z'))).toEqual([]);
      // No service request left between its phases (a hold placed, a payment in transit), no activity and no wish.
      expect(await models.unfinishedProcesses('service-request', crashCommunityId, new Date('2999-01-01T00:00:00Z'))).toEqual([]);
      expect(await models.unfinishedProcesses('activity', crashCommunityId, new Date('2999-01-01T00:00:00Z'))).toEqual([]);
      expect(await models.unfinishedProcesses('wish', crashCommunityId, new Date('2999-01-01T00:00:00Z'))).toEqual([]);
      expect((await models.trialBalance(crashCommunityId))!.balanced).toBe(true);
    } finally {
      await ledgerStore.close();
    }
    // Extra rounds on a loaded machine take time: the bound is maxCrashRounds, not the default test timeout.
  }, 300_000);
});
