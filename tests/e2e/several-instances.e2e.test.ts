/**
 * Several service instances over one EventStoreDB (DESIGN §7): the EventStoreDB stand-in as a process
 * (`pnpm esdb:standin`, a test double of a node), and two `ledger serve` processes over it, each with its
 * own data directory (its projection file), sharing the master key. API keys and wrapped member keys live
 * in the cluster, so what one instance creates or erases, the other sees at once.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, jwtSecret, testMasterKey } from './support.js';

const cli = fileURLToPath(new URL('../../packages/ledger-server/src/cli.ts', import.meta.url));
const standInCli = fileURLToPath(new URL('../../packages/store-eventstoredb/src/testing/stand-in-cli.ts', import.meta.url));
/** How long a child process may take to say it is listening (tsx compiles on start; the machine is shared). */
const startTimeoutMs = 45_000;

interface Started {
  readonly child: ChildProcessWithoutNullStreams;
  readonly output: () => string;
  readonly match: RegExpExecArray;
}

/** Spawns a node process through tsx and resolves once its output matches `ready`. */
function startProcess(script: string, args: string[], env: Record<string, string>, ready: RegExp): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', script, ...args], { env: { ...process.env, ...env } });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not get ready: ${output}`)), startTimeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, output: () => output, match });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code} before it was ready: ${output}`));
    });
  });
}

async function stop(started: Started | undefined): Promise<void> {
  if (!started || started.child.exitCode !== null) return;
  started.child.kill('SIGTERM');
  await new Promise((resolve) => started.child.once('exit', resolve));
}

describe('two service processes over one EventStoreDB (the stand-in)', () => {
  const root = mkdtempSync(join(tmpdir(), 'ledger-instances-'));
  let standIn: Started | undefined;
  let a: Started | undefined;
  let b: Started | undefined;
  let adminKeyFromA: string;
  let onA: ReturnType<typeof client>;
  let onB: ReturnType<typeof client>;

  beforeAll(async () => {
    standIn = await startProcess(standInCli, ['--port', '0'], {}, /LEDGER_ESDB_CONNECTION_STRING='([^']+)'/);
    const shared = {
      LEDGER_STORE: 'eventstoredb',
      LEDGER_ESDB_CONNECTION_STRING: standIn.match[1]!,
      LEDGER_MASTER_KEY: testMasterKey,
      LEDGER_JWT_SECRET: jwtSecret,
      LEDGER_CERTIFICATE_SECRET: 'several-instances-certificate-secret-32+',
      LEDGER_PORT: '0',
      LEDGER_JOBS_INTERVAL_SECONDS: '0',
    };
    const listening = /listening on (http:\/\/\S+)/;
    [a, b] = await Promise.all([
      startProcess(cli, ['serve', '--print-admin-key'], { ...shared, LEDGER_DATA_DIR: join(root, 'a') }, /admin API key .*: (vlk_\S+)/),
      startProcess(cli, ['serve'], { ...shared, LEDGER_DATA_DIR: join(root, 'b') }, listening),
    ]);
    adminKeyFromA = a.match[1]!;
    onA = client(listening.exec(a.output())![1]!, adminKeyFromA);
    onB = client(b.match[1]!, adminKeyFromA);
  });
  afterAll(async () => {
    await Promise.all([stop(a), stop(b)]);
    await stop(standIn);
    rmSync(root, { recursive: true, force: true });
  });

  it('an instance started without the master key, or with another one, stops at once saying what to do', async () => {
    const env = { ...process.env, LEDGER_STORE: 'eventstoredb', LEDGER_ESDB_CONNECTION_STRING: standIn!.match[1]!, LEDGER_PORT: '0', LEDGER_JWT_SECRET: jwtSecret };
    const run = (extra: Record<string, string>) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', cli, 'serve'], { env: { ...env, ...extra, LEDGER_DATA_DIR: mkdtempSync(join(root, 'c-')) } });
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.once('exit', (code) => resolve({ code, output }));
      });
    const [missing, wrong] = await Promise.all([run({}), run({ LEDGER_MASTER_KEY: 'f'.repeat(64) })]);
    expect(missing.code).toBe(1);
    expect(missing.output).toMatch(/LEDGER_STORE=eventstoredb needs the operator master key .*LEDGER_MASTER_KEY/s);
    expect(wrong.code).toBe(1);
    expect(wrong.output).toMatch(/wrapped under master key [0-9a-f]{16}, but .* holds key [0-9a-f]{16}.*Start with the master key this store was created with/s);
    expect(`${missing.output}${wrong.output}`).not.toContain('listening on');
  });

  it('keeps nothing shared on the local disk: each data directory holds only its projection file', () => {
    for (const dir of ['a', 'b']) expect(readdirSync(join(root, dir)).filter((name) => !name.startsWith('projections.sqlite'))).toEqual([]);
  });

  it('an API key created through A authenticates on B', async () => {
    const created = await onB('POST', '/v1/communities', { communityId: 'c1', name: '阳光社区' });
    expect(created.status).toBe(201);
    expect((await client(b!.match[1]!, 'vlk_0000000000000000_' + 'x'.repeat(43))('GET', '/v1/communities/c1')).status).toBe(401);
  });

  it('a member registered with a profile on A is readable on B; an erasure through B makes it unreadable on A at once', async () => {
    const profile = { name: '赵敏', phone: '13700000000', idNumber: '110101199202021234' };
    const registered = await onA('POST', '/v1/communities/c1/members', { memberId: 'zhao-min', profile });
    expect(registered.status).toBe(201);
    const at = registered.headers.get('x-ledger-position')!;
    const onBRead = await onB('GET', '/v1/communities/c1/members/zhao-min/profile', undefined, { 'x-min-position': at });
    expect(onBRead.status).toBe(200);
    expect(onBRead.body).toEqual({ profile, erased: false });

    expect((await onA('GET', '/v1/communities/c1/members/zhao-min/profile')).body.profile).toEqual(profile);
    const erased = await onB('POST', '/v1/communities/c1/members/zhao-min/erasure', { reason: 'moved away' });
    expect(erased.status).toBe(200);
    // No position token: A may not have folded the erasure yet, but the key is gone from the cluster, so nothing opens.
    expect((await onA('GET', '/v1/communities/c1/members/zhao-min/profile')).body.profile).toBeNull();
    const afterErasure = await onA('GET', '/v1/communities/c1/members/zhao-min/profile', undefined, { 'x-min-position': erased.headers.get('x-ledger-position')! });
    expect(afterErasure.body).toEqual({ profile: null, erased: true });
  });

  it('a write on A, read through B with its position token, is seen', async () => {
    expect((await onA('POST', '/v1/communities/c1/members', { memberId: 'm1' })).status).toBe(201);
    const granted = await onA('POST', '/v1/communities/c1/members/m1/grants', { grantId: 'g1', points: '25', reason: '敬老活动' });
    expect(granted.status).toBe(201);
    const read = await onB('GET', '/v1/communities/c1/members/m1', undefined, { 'x-min-position': granted.headers.get('x-ledger-position')! });
    expect(read.status).toBe(200);
    expect(read.body.balance).toBe('25.00');
  });

  it('concurrent redemptions through A and B never overdraw', async () => {
    const pointsCost = 30;
    const granted = 100;
    expect((await onA('POST', '/v1/communities/c1/members', { memberId: 'buyer' })).status).toBe(201);
    expect((await onA('POST', '/v1/communities/c1/members/buyer/grants', { grantId: 'g-buyer', points: String(granted), reason: '积分发放' })).status).toBe(201);
    expect((await onB('POST', '/v1/communities/c1/catalogue', { itemId: 'oil', name: '食用油', kind: 'goods', pointsCost: `${pointsCost}.00`, stock: 20 })).status).toBe(201);
    const attempts = 8;
    const replies = await Promise.all(
      Array.from({ length: attempts }, (_, i) => (i % 2 ? onA : onB)('POST', '/v1/communities/c1/members/buyer/redemptions', { redemptionId: `r${i}`, itemId: 'oil' })),
    );
    const accepted = replies.filter((reply) => reply.status === 201);
    // Every refusal is a clear 4xx (insufficient points, or a conflict to retry), never a server error.
    for (const reply of replies) expect(reply.status === 201 || (reply.status >= 400 && reply.status < 500), JSON.stringify(reply.body)).toBe(true);
    expect(accepted.length).toBeLessThanOrEqual(Math.floor(granted / pointsCost));
    expect(accepted.length).toBeGreaterThan(0);
    const positions = replies.map((reply) => reply.headers.get('x-ledger-position')).filter((p): p is string => p !== null);
    const latest = positions.reduce((max, p) => (BigInt(p) > BigInt(max) ? p : max), '0');
    for (const call of [onA, onB]) {
      const account = await call('GET', '/v1/communities/c1/members/buyer', undefined, { 'x-min-position': latest });
      expect(account.body).toMatchObject({ balance: `${granted}.00`, held: `${accepted.length * pointsCost}.00` });
      expect(Number(account.body.available)).toBeGreaterThanOrEqual(0);
    }
  });
});
