/** The CLI's arguments, in process: --help on every command and subcommand, refusals that name what to type. */
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from './cli.js';

let out: string[];
let err: string[];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => void out.push(String(line)));
  vi.spyOn(console, 'error').mockImplementation((line: unknown) => void err.push(String(line)));
});
afterEach(() => vi.restoreAllMocks());

const root = mkdtempSync(join(tmpdir(), 'ledger-cli-unit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('ledger --help', () => {
  const commands = ['serve', 'admin-key create', 'admin-key list', 'admin-key revoke', 'token sign', 'jobs run', 'verify', 'export', 'import', 'rebuild', 'demo'];

  it.each(commands)('ledger %s --help prints its usage, exits 0 and touches no data', async (command) => {
    const dataDir = join(root, 'never-created');
    vi.stubEnv('LEDGER_DATA_DIR', dataDir);
    expect(await main([...command.split(' '), '--help'])).toBe(0);
    expect(out.join('\n')).toContain(`usage: ledger ${command}`);
    expect(await main(['help', ...command.split(' ')])).toBe(0);
    expect(existsSync(dataDir)).toBe(false);
    vi.unstubAllEnvs();
  });

  it.each(['admin-key', 'token', 'jobs'])('ledger %s --help lists its subcommands', async (group) => {
    expect(await main([group, '--help'])).toBe(0);
    expect(out.join('\n')).toContain(`usage: ledger ${group} <`);
  });

  it('ledger --help lists every command', async () => {
    expect(await main(['--help'])).toBe(0);
    for (const command of commands) expect(out.join('\n')).toContain(`  ${command} `);
  });
});

describe('refusals name what to type', () => {
  it('an unknown option shows the command usage (exit 2)', async () => {
    expect(await main(['verify', '--fast'])).toBe(2);
    expect(err.join('\n')).toContain("Unknown option '--fast'");
    expect(err.join('\n')).toContain('usage: ledger verify');
  });

  it('an unknown subcommand lists the group (exit 2)', async () => {
    expect(await main(['admin-key', 'rotate'])).toBe(2);
    expect(err.join('\n')).toContain('admin-key <create|list|revoke>');
  });

  it('token sign --role superuser is refused with the valid roles named; a bad --sub or --ttl too', async () => {
    expect(await main(['token', 'sign', '--sub', 'zhang-wei', '--role', 'superuser', '--community', 'sunshine'])).toBe(2);
    expect(err.join('\n')).toContain('--role superuser is not a role; use admin, organiser, member');
    expect(await main(['token', 'sign', '--sub', 'zhang wei', '--role', 'member', '--community', 'sunshine'])).toBe(2);
    expect(err.join('\n')).toContain('--sub zhang wei: sub must be an id');
    expect(await main(['token', 'sign', '--sub', 'zhang-wei', '--role', 'member', '--community', '*'])).toBe(2);
    expect(await main(['token', 'sign', '--sub', 'zhang-wei', '--role', 'member', '--community', 'sunshine', '--ttl', '1h'])).toBe(2);
    expect(err.join('\n')).toContain('--ttl 1h must be a whole number of seconds');
    expect(out).toEqual([]);
  });

  it('admin-key create --role superuser is refused before any key is made', async () => {
    const dataDir = join(root, 'keys');
    vi.stubEnv('LEDGER_DATA_DIR', dataDir);
    expect(await main(['admin-key', 'create', '--role', 'superuser'])).toBe(2);
    expect(err.join('\n')).toContain('use admin, organiser, member');
    expect(existsSync(dataDir)).toBe(false);
    vi.unstubAllEnvs();
  });
});
