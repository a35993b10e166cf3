/**
 * The `ledger` CLI as a user runs it (a child process through tsx): demo, admin-key, verify, export /
 * import, rebuild, jobs; `serve` shutting down gracefully on SIGTERM with requests in flight; and the
 * first hour: --help everywhere, a JWT secret kept on first start, PORT, a busy port, caller-relative
 * paths, progress lines.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../../packages/ledger-server/src/cli.ts', import.meta.url));
const bin = fileURLToPath(new URL('../../packages/ledger-server/bin/ledger.mjs', import.meta.url));
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
    // The member keys in events.jsonl.keys are wrapped under this data directory's master key: a restore brings it along.
    copyFileSync(join(dir, 'master-key'), join(copy, 'master-key'));
    expect((await ledger(copy, 'import', '--in', out)).code).toBe(0);
    const again = await ledger(copy, 'verify');
    expect(again.code).toBe(0);
    expect(again.stdout.split('\n').filter((l) => l.startsWith('  '))).toEqual(trial);
    expect((await ledger(copy, 'import', '--in', out)).stderr).toContain('not empty');
    expect((await ledger(copy, 'rebuild')).stderr).toMatch(/\d+ events folded/);
    expect((await ledger(copy, 'jobs', 'run')).stdout).toContain('expiry: visited');
    // Ten CLI processes, each ~5 s to start through tsx on a loaded two-core machine: more than the default 60 s.
  }, 180_000);

  it('prints an API key only when asked, and never lists secrets', async () => {
    const dir = newDir();
    const created = await ledger(dir, 'admin-key', 'create', '--community', 'sunshine');
    expect(created.stdout.trim()).toMatch(/^vlk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const listed = await ledger(dir, 'admin-key', 'list');
    expect(listed.stdout).toContain('"communityId":"sunshine"');
    // The secret is everything after the id (it may itself contain '_').
    const secret = created.stdout.trim().slice('vlk_'.length + 16 + 1);
    expect(secret).toHaveLength(43);
    expect(listed.stdout).not.toContain(secret);
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

/** tsx's loader by path, so the CLI also starts from a directory outside the workspace. */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Runs the CLI with the given environment (over this process's) and working directory. */
async function run(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', tsxLoader, '--conditions=source', cli, ...args], {
      env: { ...process.env, LEDGER_JOBS_INTERVAL_SECONDS: '0', ...options.env },
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    return { code: 0, stdout, stderr };
  } catch (fault) {
    const f = fault as { code: number; stdout: string; stderr: string };
    return { code: f.code, stdout: f.stdout, stderr: f.stderr };
  }
}

interface Served {
  readonly url: string | null;
  readonly code: number | null;
  /** Everything it printed so far. */
  readonly output: string;
  stop(): Promise<void>;
}

/** Starts `serve`; resolves with its URL once it listens, or with its exit code and output if it stops first. */
function startServe(env: Record<string, string>): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', cli, 'serve'], { env: { ...process.env, LEDGER_JOBS_INTERVAL_SECONDS: '0', ...env } });
  let output = '';
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve neither listened nor stopped: ${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, code: null, get output() { return output; }, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ url: null, code, get output() { return output; }, stop });
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('ledger CLI: the first hour', () => {
  it('a fresh data dir: token sign works at once, serve keeps the same secret (0600) and says so, and a member reads their own balance with the JWT', async () => {
    const dir = newDir();
    const env = { LEDGER_DATA_DIR: dir, LEDGER_PORT: '0', LEDGER_JWT_SECRET: '' };
    const signed = await run(['token', 'sign', '--sub', 'li-wei', '--role', 'member', '--community', 'sunshine'], { env });
    expect(signed.code).toBe(0);
    expect(signed.stderr).toContain(`generated a JWT signing secret in ${join(dir, 'jwt-secret')}`);
    expect((await run(['demo'], { env })).code).toBe(0);
    expect(statSync(join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600);
    const served = await startServe(env);
    try {
      await expect.poll(() => served.output).toContain(`JWTs (HS256) are checked with the secret kept in ${join(dir, 'jwt-secret')}`);
      const res = await fetch(`${served.url}/v1/communities/sunshine/members/li-wei`, { headers: { authorization: `Bearer ${signed.stdout.trim()}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ memberId: 'li-wei', balance: expect.stringMatching(/^\d+\.\d\d$/) });
    } finally {
      await served.stop();
    }
    const other = newDir();
    const first = await startServe({ LEDGER_DATA_DIR: other, LEDGER_PORT: '0', LEDGER_JWT_SECRET: '' });
    await expect.poll(() => first.output).toContain('no LEDGER_JWT_SECRET was set');
    await first.stop();
    expect(first.output).toContain(`no LEDGER_JWT_SECRET was set, so a JWT signing secret was generated and kept in ${join(other, 'jwt-secret')} (mode 0600)`);
  });

  it('honours PORT when LEDGER_PORT is unset; LEDGER_PORT wins over it', async () => {
    const dir = newDir();
    const port = await freePort();
    const byPort = await startServe({ LEDGER_DATA_DIR: dir, PORT: String(port), LEDGER_PORT: '' });
    await byPort.stop();
    expect(byPort.url).toBe(`http://127.0.0.1:${port}`);
    const both = await startServe({ LEDGER_DATA_DIR: dir, PORT: String(port), LEDGER_PORT: '0' });
    await both.stop();
    expect(both.url).not.toBe(`http://127.0.0.1:${port}`);
  });

  it('a busy port stops serve with a message naming the variable to set, not a stack trace', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      const served = await startServe({ LEDGER_DATA_DIR: newDir(), LEDGER_PORT: String(port) });
      expect(served.code).toBe(1);
      expect(served.output).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(served.output).toContain('set LEDGER_PORT');
      expect(served.output).not.toMatch(/EADDRINUSE|\n\s+at /);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('takes relative paths from the directory the command was typed in (INIT_CWD under pnpm) and prints them absolute', async () => {
    const dir = newDir();
    const typedIn = newDir();
    const packageDir = newDir();
    await run(['demo'], { env: { LEDGER_DATA_DIR: dir } });
    // Through bin/ledger.mjs, as an installed `ledger` runs, from a directory outside the workspace.
    const exported = await exec(process.execPath, [bin, 'export', '--out', 'events.jsonl'], { env: { ...process.env, LEDGER_DATA_DIR: dir, INIT_CWD: typedIn }, cwd: packageDir }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (fault: { code: number; stdout: string; stderr: string }) => fault,
    );
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(new RegExp(`\\d+ events exported to ${join(typedIn, 'events.jsonl')}`));
    expect(existsSync(join(typedIn, 'events.jsonl'))).toBe(true);
    expect(existsSync(join(packageDir, 'events.jsonl'))).toBe(false);
    // The data directory too: a relative LEDGER_DATA_DIR lands where the command was typed.
    mkdirSync(join(typedIn, 'copy'), { mode: 0o700 });
    copyFileSync(join(dir, 'master-key'), join(typedIn, 'copy', 'master-key'));
    const imported = await run(['import', '--in', 'events.jsonl'], { env: { LEDGER_DATA_DIR: 'copy', INIT_CWD: typedIn }, cwd: packageDir });
    expect(imported.stderr).toContain(`events imported from ${join(typedIn, 'events.jsonl')}`);
    expect(existsSync(join(typedIn, 'copy', 'ledger.sqlite'))).toBe(true);
  });

  it('long jobs are quiet when stderr is not a terminal: only their result lines', async () => {
    const dir = newDir();
    await run(['demo'], { env: { LEDGER_DATA_DIR: dir } });
    for (const args of [['verify'], ['rebuild'], ['export', '--out', join(dir, 'e.jsonl')]]) {
      const result = await run(args, { env: { LEDGER_DATA_DIR: dir } });
      expect(result.code).toBe(0);
      expect(result.stderr).not.toMatch(/%|\r/);
    }
  });

  // `script` (util-linux) gives the CLI a terminal, as a person at a shell has.
  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('long jobs draw a progress line with percentage and rate on a terminal (skipped where util-linux `script` is missing)', async () => {
    const dir = newDir();
    await run(['demo'], { env: { LEDGER_DATA_DIR: dir } });
    const copy = newDir();
    const file = join(dir, 'events.jsonl');
    for (const [label, args, env] of [
      ['verify', ['verify'], { LEDGER_DATA_DIR: dir }],
      ['rebuild', ['rebuild'], { LEDGER_DATA_DIR: dir }],
      ['export', ['export', '--out', file], { LEDGER_DATA_DIR: dir }],
      ['import', ['import', '--in', file], { LEDGER_DATA_DIR: copy, LEDGER_MASTER_KEY_FILE: join(dir, 'master-key') }],
    ] as const) {
      const line = [process.execPath, '--import', 'tsx', '--conditions=source', cli, ...args].map((a) => `'${a}'`).join(' ');
      const { stdout } = await exec('script', ['-qec', line, '/dev/null'], { env: { ...process.env, ...env } });
      const unit = label === 'import' ? 'bytes' : 'events';
      expect(stdout, label).toMatch(new RegExp(`${label} \\[#+\\] 100% [\\d,]+/[\\d,]+ ${unit} · [\\d,]+ ${unit}/s`));
    }
  });
});
