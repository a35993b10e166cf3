/**
 * The service, killed. `ledger serve` — on its embedded default (SQLite), and on EventStoreDB (the stand-in, a
 * process of its own, so only the service dies) — takes concurrent requests over HTTP —
 * check-ins that accrue (with idempotency keys), redemptions (request, then fulfil), transfers and attendances
 * at activities (publish, sign up, check in, check out) and time-bank requests (post with points offered, take,
 * done, confirm) — and is
 * SIGKILLed at a random moment. Restarted on the same data directory, it must still hold everything it answered
 * 2xx, in every round since the first:
 * - a keyed check-in repeated with its key gets the very answer it got before the kill (rule 8), and its record
 *   is there (the same record id without the key is refused as existing);
 * - a redemption answered is there, and fulfilled if its fulfilment was answered; a transfer answered is there,
 *   in the sender's list; either, sent again without a key, gets its first answer (rule 8 without a key);
 * - an attendance answered is on its activity, and a member a kill left present somewhere can be checked out
 *   there and checked in elsewhere;
 * - a time-bank request answered is there, and confirmed if its confirmation was answered;
 * - the trial balance still balances (rule 1), and every account the service shows equals `ledger verify`'s fold.
 * The library-level crash test (sqlite-crash.reliability.test.ts) covers more kinds of operation; this one covers
 * what lies between a caller and the ledger: the HTTP answer, the service's read models and its restart.
 */
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type Reply, client, jwtSecret, testMasterKey } from '../e2e/support.js';

const cli = fileURLToPath(new URL('../../packages/ledger-server/src/cli.ts', import.meta.url));
const standInCli = fileURLToPath(new URL('../../packages/store-eventstoredb/src/testing/stand-in-cli.ts', import.meta.url));
const exec = promisify(execFile);
/** Kills; the service is restarted after each on the same data directory. */
const rounds = 6;
/** Requests in flight at once. */
const workers = 8;
/** The kill comes at a uniformly random moment this long after the round's load starts. */
const maxRunBeforeKillMs = 1_500;
/** tsx compiles on start, and the machine is shared. */
const startTimeoutMs = 45_000;
const members = Array.from({ length: 8 }, (_, i) => `m${i}`);
const hourMs = 3_600_000;

interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly adminKey: string | null;
}

/** What a service process is started with: its data directory, and for EventStoreDB where the node is. */
type StoreEnv = Record<string, string>;

function serve(storeEnv: StoreEnv, printAdminKey: boolean): Promise<Running> {
  const env = { ...process.env, ...storeEnv, LEDGER_PORT: '0', LEDGER_JWT_SECRET: jwtSecret, LEDGER_JOBS_INTERVAL_SECONDS: '0' };
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', cli, 'serve', ...(printAdminKey ? ['--print-admin-key'] : [])], { env });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ledger serve did not get ready: ${output}`)), startTimeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /listening on (http:\/\/\S+)/.exec(output);
      const key = /admin API key .*: (vlk_\S+)/.exec(output);
      if (listening && (!printAdminKey || key)) {
        clearTimeout(timer);
        resolve({ child, url: listening[1]!, adminKey: key ? key[1]! : null });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`ledger serve ended (${code ?? signal}) before it was ready: ${output}`));
    });
  });
}

async function kill(running: Running): Promise<void> {
  if (running.child.exitCode !== null || running.child.signalCode !== null) return;
  const exited = new Promise((resolve) => running.child.once('exit', resolve));
  running.child.kill('SIGKILL');
  await exited;
}

/** What callers were answered 2xx, across every round. */
interface Answered {
  readonly checkIns: Array<{ memberId: string; key: string; body: Record<string, unknown>; answer: Reply }>;
  readonly redemptions: Array<{ memberId: string; redemptionId: string; answer: Reply; fulfilled: boolean }>;
  readonly transfers: Array<{ from: string; transferId: string; body: Record<string, unknown>; answer: Reply }>;
  /** Attendances whose check-in (and, once answered, check-out) was answered. */
  readonly attendances: Array<{ activityId: string; memberId: string; checkedOut: boolean }>;
  /** Time-bank requests whose posting (and, once answered, confirmation) was answered. */
  readonly requests: Array<{ requestId: string; confirmed: boolean }>;
  /** Members a kill left present at an activity, checked out there before their next check-in. */
  leftPresent: number;
}

/**
 * An attendance (签到 / 签退) on an activity of its own, about to start: published, signed up for, checked in
 * and out. Each worker attends for its own member. A member a kill left present elsewhere is checked out there
 * first, found the way an organiser would: from the refusal, which names the activity. That check-out may be
 * answered 409 (done already, before the kill): it must end the presence all the same.
 */
async function attend(api: ReturnType<typeof client>, memberId: string, activityId: string, answered: Answered): Promise<void> {
  const startsAt = Date.now() + 10 * 60_000;
  const activity = { activityId, title: '巡逻', category: 'elder-care', startsAt: new Date(startsAt).toISOString(), endsAt: new Date(startsAt + hourMs).toISOString(), place: 'gate', capacity: 1 };
  const must = (reply: Reply, status: number, what: string) => {
    if (reply.status !== status) expect.fail(`${what}: ${reply.status} ${JSON.stringify(reply.body)}`);
  };
  must(await api('POST', '/v1/communities/c1/activities', activity), 201, `publishing ${activityId}`);
  must(await api('POST', `/v1/communities/c1/activities/${activityId}/sign-ups`, { memberId }), 201, `sign-up for ${activityId}`);
  let checkedIn = await api('POST', `/v1/communities/c1/activities/${activityId}/check-ins`, { memberId });
  const elsewhere = checkedIn.status === 409 && checkedIn.body.code === 'invalid-state' ? (checkedIn.body.details?.activity as string | undefined) : undefined;
  if (elsewhere !== undefined) {
    answered.leftPresent += 1;
    const out = await api('POST', `/v1/communities/c1/activities/${elsewhere}/check-outs`, { memberId });
    if (out.status !== 201 && out.body.code !== 'already-exists') expect.fail(`check-out of ${memberId} left at ${elsewhere}: ${out.status} ${JSON.stringify(out.body)}`);
    checkedIn = await api('POST', `/v1/communities/c1/activities/${activityId}/check-ins`, { memberId });
  }
  must(checkedIn, 201, `check-in at ${activityId}`);
  const attendance = { activityId, memberId, checkedOut: false };
  answered.attendances.push(attendance);
  must(await api('POST', `/v1/communities/c1/activities/${activityId}/check-outs`, { memberId }), 201, `check-out at ${activityId}`);
  attendance.checkedOut = true;
}

/** Each worker's loop: a fixed mix over the members, until the service stops answering (it was killed). */
async function load(api: ReturnType<typeof client>, round: number, worker: number, answered: Answered): Promise<void> {
  const now = Date.now();
  // Each worker starts at another point of the mix, so even a round killed early has done every kind.
  for (let seq = worker; ; seq += 1) {
    const memberId = members[(worker * 3 + seq) % members.length]!;
    const id = `${round}.${worker}.${seq}`;
    try {
      switch (seq % 6) {
        case 0:
        case 1: {
          // One check-in a member a day, on days of this round's own: never near the daily cap.
          const day = round * 10_000 + Math.floor((worker * 1_000 + seq) / 2) + 2;
          const checkedOutAt = new Date(now - day * 24 * hourMs);
          const body = { recordId: `r${id}`, category: 'elder-care', checkedInAt: new Date(checkedOutAt.getTime() - hourMs).toISOString(), checkedOutAt: checkedOutAt.toISOString() };
          const key = `k${id}`;
          const answer = await api('POST', `/v1/communities/c1/members/${memberId}/service-records/checked-in`, body, { 'idempotency-key': key });
          if (answer.status === 201) answered.checkIns.push({ memberId, key, body, answer });
          else expect.fail(`check-in ${id}: ${answer.status} ${JSON.stringify(answer.body)}`);
          break;
        }
        case 2: {
          const redemptionId = `red${id}`;
          const requested = await api('POST', `/v1/communities/c1/members/${memberId}/redemptions`, { redemptionId, itemId: 'rice' });
          if (requested.status !== 201) expect.fail(`redemption ${id}: ${requested.status} ${JSON.stringify(requested.body)}`);
          const redemption = { memberId, redemptionId, answer: requested, fulfilled: false };
          answered.redemptions.push(redemption);
          const fulfilled = await api('POST', `/v1/communities/c1/redemptions/${redemptionId}/fulfil`, {});
          if (fulfilled.status !== 200) expect.fail(`fulfilment ${id}: ${fulfilled.status} ${JSON.stringify(fulfilled.body)}`);
          redemption.fulfilled = true;
          break;
        }
        case 3:
          await attend(api, members[worker % members.length]!, `a${id}`, answered);
          break;
        case 4: {
          // The time bank: points offered are held at posting, and paid to the volunteer at confirmation.
          const requestId = `q${id}`;
          const volunteer = members[(worker * 3 + seq + 1) % members.length]!;
          const wantedAt = new Date(Date.now() + 24 * hourMs).toISOString();
          const posted = await api('POST', '/v1/communities/c1/service-requests', { requestId, memberId, category: 'elder-care', description: '陪同就医', wantedAt, place: 'home', pointsOffered: '2.00' });
          if (posted.status !== 201) expect.fail(`request ${id}: ${posted.status} ${JSON.stringify(posted.body)}`);
          const request = { requestId, confirmed: false };
          answered.requests.push(request);
          for (const [verb, body] of [['take', { memberId: volunteer }], ['done', { hours: '1.00' }], ['confirm', { rating: 5 }]] as const) {
            const reply = await api('POST', `/v1/communities/c1/service-requests/${requestId}/${verb}`, body);
            if (reply.status !== 200 && reply.status !== 201) expect.fail(`${verb} of ${requestId}: ${reply.status} ${JSON.stringify(reply.body)}`);
          }
          request.confirmed = true;
          break;
        }
        default: {
          const transferId = `t${id}`;
          const to = members[(worker * 3 + seq + 1) % members.length]!;
          const body = { transferId, to, points: '1.00' };
          const sent = await api('POST', `/v1/communities/c1/members/${memberId}/transfers`, body);
          if (sent.status !== 201) expect.fail(`transfer ${id}: ${sent.status} ${JSON.stringify(sent.body)}`);
          answered.transfers.push({ from: memberId, transferId, body, answer: sent });
        }
      }
    } catch (fault) {
      // The kill: the connection is refused or cut. Anything else (an answer the ledger should not give) fails the test.
      if (fault instanceof TypeError) return;
      throw fault;
    }
  }
}

/** Everything answered 2xx so far is there, as it was answered. */
async function checkAnswered(api: ReturnType<typeof client>, answered: Answered): Promise<void> {
  for (const c of answered.checkIns) {
    const repeated = await api('POST', `/v1/communities/c1/members/${c.memberId}/service-records/checked-in`, c.body, { 'idempotency-key': c.key });
    expect(repeated.status, `repeat of check-in ${c.key}`).toBe(201);
    expect(repeated.body, `repeat of check-in ${c.key}`).toEqual(c.answer.body);
    const unkeyed = await api('POST', `/v1/communities/c1/members/${c.memberId}/service-records/checked-in`, c.body);
    expect([200, 201, 409], `check-in ${c.key} without its key`).toContain(unkeyed.status);
  }
  for (const r of answered.redemptions) {
    const read = await api('GET', `/v1/communities/c1/redemptions/${r.redemptionId}`);
    expect(read.status, `redemption ${r.redemptionId}`).toBe(200);
    if (r.fulfilled) expect(read.body.status, `redemption ${r.redemptionId}`).toBe('fulfilled');
    // Rule 8 without a key: the request sent again gets its first answer, kept answer lost in the kill or not.
    const again = await api('POST', `/v1/communities/c1/members/${r.memberId}/redemptions`, { redemptionId: r.redemptionId, itemId: 'rice' });
    expect([again.status, again.body], `redemption ${r.redemptionId} requested again`).toEqual([r.answer.status, r.answer.body]);
  }
  const bySender = new Map<string, Set<string>>();
  for (const t of answered.transfers) {
    if (!bySender.has(t.from)) {
      const listed = await api('GET', `/v1/communities/c1/members/${t.from}/transfers?limit=1000`);
      expect(listed.status).toBe(200);
      bySender.set(t.from, new Set((listed.body.transfers as Array<{ transferId: string }>).map((x) => x.transferId)));
    }
    expect(bySender.get(t.from)!.has(t.transferId), `transfer ${t.transferId} from ${t.from}`).toBe(true);
    const again = await api('POST', `/v1/communities/c1/members/${t.from}/transfers`, t.body);
    expect([again.status, again.body], `transfer ${t.transferId} sent again`).toEqual([t.answer.status, t.answer.body]);
  }
  for (const a of answered.attendances) {
    const attendees = await api('GET', `/v1/communities/c1/activities/${a.activityId}/attendees`);
    expect(attendees.status, `attendees of ${a.activityId}`).toBe(200);
    const seen = JSON.stringify(attendees.body);
    expect(seen, `${a.memberId} at ${a.activityId}`).toContain(a.memberId);
  }
  for (const r of answered.requests) {
    const read = await api('GET', `/v1/communities/c1/service-requests/${r.requestId}`);
    expect(read.status, `request ${r.requestId}`).toBe(200);
    if (r.confirmed) expect(read.body.status, `request ${r.requestId}`).toBe('confirmed');
  }
  const trial = await api('GET', '/v1/communities/c1/reports/trial-balance');
  expect(trial.body).toMatchObject({ total: '0.00', balanced: true });
}

/**
 * The EventStoreDB stand-in as a process of its own (a test double of a node: `pnpm esdb:standin`), so the kill
 * takes the service and not the store, as it would with a real cluster.
 */
function startStandIn(): Promise<{ child: ChildProcessWithoutNullStreams; connectionString: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', standInCli, '--port', '0']);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the EventStoreDB stand-in did not get ready: ${output}`)), startTimeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /LEDGER_ESDB_CONNECTION_STRING='([^']+)'/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, connectionString: match[1]! });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the EventStoreDB stand-in exited (${code}) before it was ready: ${output}`));
    });
  });
}

describe.each(['sqlite', 'eventstoredb'] as const)('ledger serve on %s survives SIGKILL under concurrent HTTP load', (store) => {
  const dataDir = mkdtempSync(join(tmpdir(), `ledger-service-crash-${store}-`));
  let running: Running | null = null;
  let standIn: ChildProcessWithoutNullStreams | null = null;
  afterAll(async () => {
    if (running) await kill(running);
    if (standIn && standIn.exitCode === null) {
      const exited = new Promise((resolve) => standIn!.once('exit', resolve));
      standIn.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`keeps everything it answered 2xx, across ${rounds} kills`, async () => {
    let storeEnv: StoreEnv = { LEDGER_DATA_DIR: dataDir };
    if (store === 'eventstoredb') {
      const started = await startStandIn();
      standIn = started.child;
      storeEnv = {
        ...storeEnv,
        LEDGER_STORE: 'eventstoredb',
        LEDGER_ESDB_CONNECTION_STRING: started.connectionString,
        LEDGER_MASTER_KEY: testMasterKey,
        LEDGER_CERTIFICATE_SECRET: 'service-crash-certificate-secret-of-32+',
      };
    }
    running = await serve(storeEnv, true);
    const adminKey = running.adminKey!;
    let api = client(running.url, adminKey);
    expect((await api('POST', '/v1/communities', { communityId: 'c1', name: '社区' })).status).toBe(201);
    for (const memberId of members) {
      expect((await api('POST', '/v1/communities/c1/members', { memberId })).status).toBe(201);
      expect((await api('POST', `/v1/communities/c1/members/${memberId}/grants`, { grantId: 'opening', points: '100000.00', reason: 'opening balance' })).status).toBe(201);
    }
    expect((await api('POST', '/v1/communities/c1/catalogue', { itemId: 'rice', name: '大米', kind: 'goods', pointsCost: '5.00', stock: 1_000_000 })).status).toBe(201);

    const answered: Answered = { checkIns: [], redemptions: [], transfers: [], attendances: [], requests: [], leftPresent: 0 };
    for (let round = 0; round < rounds; round += 1) {
      const loads = Array.from({ length: workers }, (_, worker) => load(api, round, worker, answered));
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * maxRunBeforeKillMs)));
      await kill(running);
      await Promise.all(loads);

      running = await serve(storeEnv, false);
      api = client(running.url, adminKey);
      await checkAnswered(api, answered);
    }
    console.info(
      `service crash test on ${store}: ${answered.checkIns.length} check-ins, ${answered.redemptions.length} redemptions, ${answered.transfers.length} transfers, ${answered.attendances.length} attendances, ${answered.requests.length} time-bank requests answered over ${rounds} kills; ${answered.leftPresent} members left present by a kill`,
    );
    // The test means nothing unless the service got to answer: demand real load of every kind.
    expect(answered.checkIns.length).toBeGreaterThan(rounds);
    expect(answered.redemptions.filter((r) => r.fulfilled).length).toBeGreaterThan(0);
    expect(answered.transfers.length).toBeGreaterThan(0);
    expect(answered.attendances.filter((a) => a.checkedOut).length).toBeGreaterThan(0);
    expect(answered.requests.filter((r) => r.confirmed).length).toBeGreaterThan(0);

    await kill(running);
    running = null;
    const verified = await exec(process.execPath, ['--import', 'tsx', '--conditions=source', cli, 'verify'], {
      env: { ...process.env, ...storeEnv, LEDGER_JWT_SECRET: jwtSecret, LEDGER_JOBS_INTERVAL_SECONDS: '0' },
    });
    expect(verified.stdout).toMatch(/0 breaches/);
  }, 300_000);
});
