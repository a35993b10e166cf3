/** Unit tests of what a first start relies on: secrets kept in the data directory, caller-relative paths, the progress line. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configFrom } from './config.js';
import { fromCaller } from './paths.js';
import { progress, progressText } from './progress.js';
import { certificateSecret, jwtSecret, keptSecret } from './secrets.js';

const dirs: string[] = [];
const newDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-first-start-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('kept secrets', () => {
  it('generates a 256-bit secret once, in a file only its owner can read, and reads the same one after', () => {
    const file = join(newDir(), 'jwt-secret');
    const first = keptSecret(file);
    expect(first.created).toBe(true);
    expect(first.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(keptSecret(file)).toEqual({ value: first.value, file, created: false });
    expect(readFileSync(file, 'utf8').trim()).toBe(first.value);
  });

  it('refuses a secret file other users can read, saying how to fix it', () => {
    const file = join(newDir(), 'jwt-secret');
    writeFileSync(file, 'x'.repeat(43), { mode: 0o644 });
    expect(() => keptSecret(file)).toThrow(/chmod 600/);
  });

  it('uses LEDGER_JWT_SECRET when set, generates none when RS256 keys are configured, keeps one in the data dir otherwise', () => {
    const dir = newDir();
    expect(jwtSecret(configFrom({ LEDGER_DATA_DIR: dir, LEDGER_JWT_SECRET: 's'.repeat(32) }))).toEqual({ value: 's'.repeat(32), file: null, created: false });
    expect(jwtSecret(configFrom({ LEDGER_DATA_DIR: dir, LEDGER_JWKS: '{"keys":[]}' }))).toBeNull();
    expect(jwtSecret(configFrom({ LEDGER_DATA_DIR: dir, LEDGER_STORE: 'memory' }))).toBeNull();
    const kept = jwtSecret(configFrom({ LEDGER_DATA_DIR: join(dir, 'new') }));
    expect(kept).toMatchObject({ file: join(dir, 'new', 'jwt-secret'), created: true });
  });

  it('keeps the certificate key apart from the JWT secret', () => {
    const dir = newDir();
    const config = configFrom({ LEDGER_DATA_DIR: dir });
    expect(certificateSecret(config).value).not.toBe(jwtSecret(config)!.value);
    expect(certificateSecret(config).created).toBe(false);
  });
});

describe('caller-relative paths', () => {
  it('resolve against INIT_CWD (where pnpm was typed) when set, else the working directory', () => {
    const saved = process.env.INIT_CWD;
    try {
      process.env.INIT_CWD = '/home/zhang/ledger';
      expect(fromCaller('events.jsonl')).toBe('/home/zhang/ledger/events.jsonl');
      expect(fromCaller('/tmp/x.jsonl')).toBe('/tmp/x.jsonl');
      delete process.env.INIT_CWD;
      expect(fromCaller('events.jsonl')).toBe(join(process.cwd(), 'events.jsonl'));
    } finally {
      if (saved === undefined) delete process.env.INIT_CWD;
      else process.env.INIT_CWD = saved;
    }
  });
});

describe('progress line', () => {
  it('shows a bar, the percentage, the count and the rate; the count and rate alone without a total', () => {
    expect(progressText('verify', 'events', 2_500, 10_000, 500)).toBe('verify [######------------------] 25% 2,500/10,000 events · 5,000 events/s');
    expect(progressText('export', 'events', 1_200, null, 2_000)).toBe('export 1,200 events · 600 events/s');
  });

  it('draws on a terminal, at most every 100 ms, and ends with the final state', () => {
    let now = 0;
    const written: string[] = [];
    const bar = progress({ label: 'rebuild', unit: 'events', total: 300, stream: { isTTY: true, write: (chunk: string) => written.push(chunk) > 0 }, now: () => now });
    now = 10;
    bar.advance(100);
    now = 50;
    bar.advance(100);
    now = 200;
    bar.advance(100);
    bar.done();
    expect(written.filter((w) => w.startsWith('\r'))).toHaveLength(3);
    expect(written[0]).toContain('33% 100/300');
    expect(written.at(-2)).toContain('100% 300/300 events · 1,500 events/s');
    expect(written.at(-1)).toBe('\n');
  });

  it('stays quiet when the output is not a terminal', () => {
    const written: string[] = [];
    const bar = progress({ label: 'verify', unit: 'events', total: 10, stream: { isTTY: false, write: (chunk: string) => written.push(chunk) > 0 } });
    bar.advance(10);
    bar.done();
    expect(written).toEqual([]);
  });
});
