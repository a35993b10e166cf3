/**
 * The `ledger` CLI as a user runs it (a child process through tsx): demo, admin-key, verify, export /
 * import, rebuild, jobs; and `serve` shutting down gracefully on SIGTERM with requests in flight.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../../packages/ledger-server/src/cli.ts', import.meta.url));
const exec = promisify(execFile);
const dirs: string[] = [];
const newDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-cli-'));
  dirs.push(dir);
  return dir;
};

async function ledger(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', '--conditions=source', cli, ...args], {
      env: { ...process.env, LEDGER_DATA_DIR: dataDir, LEDGER_JOBS_INTERVAL_SECONDS: '0' },
    });
    return { code: 0, stdout, stderr };
  } catch (fault) {
    const f = fault as { code: number; stdout: string; stderr: string };
    return { code: f.code, stdout: f.stdout, stderr: f.stderr };
  }
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('ledger CLI', () => {
  it('seeds the demo, verifies it, exports, imports into a new store and verifies the same trial balance', async () => {
    const dir = newDir();
    expect((await ledger(dir, 'demo')).stdout).toContain('0 refused');
    const verified = await ledger(dir, 'verify');
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/0 breaches/);
    const trial = verified.stdout.split('\n').filter((l) => l.startsWith('  '));

    const out = join(dir, 'events.jsonl');
    const exported = await ledger(dir, 'export', '--out', out, '--balances', join(dir, 'balances.csv'), '--hours', join(dir, 'hours.csv'));
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(/\d+ events exported/);
    expect(readFileSync(join(dir, 'balances.csv'), 'utf8').split('\n')[0]).toBe('communityId,memberId,balance,held,deficit,hoursTotal,pointsAccruedTotal,level,revision');
    expect(readFileSync(join(dir, 'hours.csv'), 'utf8')).toContain('sunshine,li-wei,li-wei-r1');

    const copy = newDir();
    expect((await ledger(copy, 'import', '--in', out)).code).toBe(0);
    const again = await ledger(copy, 'verify');
    expect(again.code).toBe(0);
    expect(again.stdout.split('\n').filter((l) => l.startsWith('  '))).toEqual(trial);
    expect((await ledger(copy, 'import', '--in', out)).stderr).toContain('not empty');
    expect((await ledger(copy, 'rebuild')).stderr).toMatch(/\d+ events folded/);
    expect((await ledger(copy, 'jobs', 'run')).stdout).toContain('expiry: visited');
  });

  it('prints an API key only when asked, and never lists secrets', async () => {
    const dir = newDir();
    const created = await ledger(dir, 'admin-key', 'create', '--community', 'sunshine');
    expect(created.stdout.trim()).toMatch(/^vlk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const listed = await ledger(dir, 'admin-key', 'list');
    expect(listed.stdout).toContain('"communityId":"sunshine"');
    expect(listed.stdout).not.toContain(created.stdout.trim().split('_')[2]);
    expect((await ledger(dir, 'nonsense')).code).toBe(2);
    const badConfig = await exec(process.execPath, ['--import', 'tsx', '--conditions=source', cli, 'verify'], { env: { ...process.env, LEDGER_PORT: 'eighty' } }).catch((e: { code: number; stderr: string }) => e);
    expect((badConfig as { code: number }).code).toBe(2);
    expect((badConfig as { stderr: string }).stderr).toContain('LEDGER_PORT');
  });

  it('serve explains how to get a credential, and finishes in-flight requests on SIGTERM', async () => {
    const dir = newDir();
    const key = (await ledger(dir, 'admin-key', 'create')).stdout.trim();
    const fresh = newDir();
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', cli, 'serve'], {
      env: { ...process.env, LEDGER_DATA_DIR: dir, LEDGER_PORT: '0', LEDGER_JOBS_INTERVAL_SECONDS: '0' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), 30_000);
      child.stdout.on('data', () => {
        const match = /listening on (http:\/\/[^\s]+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
    });
    expect(output).not.toContain('vlk_');
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    await fetch(`${url}/v1/communities`, { method: 'POST', headers, body: JSON.stringify({ communityId: 'c1', name: 'c1' }) });
    const inFlight = Array.from({ length: 20 }, (_, i) =>
      fetch(`${url}/v1/communities/c1/members`, { method: 'POST', headers, body: JSON.stringify({ memberId: `m${i}` }) }).then(
        (res) => res.status,
        () => 'refused' as const,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    child.kill('SIGTERM');
    const [code, results] = await Promise.all([new Promise<number | null>((resolve) => child.on('exit', resolve)), Promise.all(inFlight)]);
    expect(code).toBe(0);
    expect(output).toContain('finishing in-flight requests');
    for (const result of results) expect(result === 201 || result === 'refused').toBe(true);
    // Every member a client saw created is in the store, and the books still verify.
    const verified = await ledger(dir, 'verify');
    expect(verified.code).toBe(0);

    const first = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', cli, 'serve'], { env: { ...process.env, LEDGER_DATA_DIR: fresh, LEDGER_PORT: '0' } });
    let hint = '';
    first.stdout.on('data', (chunk: Buffer) => (hint += chunk.toString()));
    await new Promise<void>((resolve) => first.stdout.on('data', () => hint.includes('no credentials yet') && resolve()));
    first.kill('SIGTERM');
    await new Promise((resolve) => first.on('exit', resolve));
    expect(hint).toContain('admin-key create');
    expect(hint).not.toContain('vlk_');
  });
});
