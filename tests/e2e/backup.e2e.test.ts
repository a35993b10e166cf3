/**
 * Backups that keep people's data: `ledger export --out FILE` writes FILE and FILE.keys; `ledger import
 * --in FILE` into an empty data directory, given the exporting service's master key, restores both, so
 * profiles, certificates and API keys from before work on the restored service. The CLI runs as a user
 * runs it (a child process through tsx); the service runs in-process over each data directory.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startService } from './support.js';

const exec = promisify(execFile);
const cli = fileURLToPath(new URL('../../packages/ledger-server/src/cli.ts', import.meta.url));
const certificateSecret = 'backup-e2e-certificate-secret-of-at-least-32-chars';
const profile = { name: '王芳', phone: '13900000000', idNumber: '110101198805051234' };

const dirs: string[] = [];
const newDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-backup-'));
  dirs.push(dir);
  return dir;
};

async function ledger(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', '--conditions=source', cli, ...args], {
      env: { ...process.env, LEDGER_JOBS_INTERVAL_SECONDS: '0', LEDGER_CERTIFICATE_SECRET: certificateSecret, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (fault) {
    const f = fault as { code: number; stdout: string; stderr: string };
    return { code: f.code, stdout: f.stdout, stderr: f.stderr };
  }
}

describe('export → import into an empty data directory', () => {
  const source = newDir();
  const out = join(newDir(), 'backup.jsonl');
  let memberKey: string;
  let verificationUrlPath: string;

  beforeAll(async () => {
    const service = await startService('sqlite', { dataDir: source, keepData: true, env: { LEDGER_CERTIFICATE_SECRET: certificateSecret } });
    const admin = client(service.url, service.adminKey);
    expect((await admin('POST', '/v1/communities', { communityId: 'c1', name: '阳光社区' })).status).toBe(201);
    expect((await admin('POST', '/v1/communities/c1/members', { memberId: 'wang-fang', profile })).status).toBe(201);
    expect((await admin('POST', '/v1/communities/c1/members/wang-fang/service-records/reported', { recordId: 'r1', category: 'elder-care', serviceDate: '2026-03-01', hours: '3.00', activityHours: '3.00' })).status).toBe(201);
    expect((await admin('POST', '/v1/communities/c1/members/wang-fang/service-records/r1/approve', {})).status).toBe(200);
    memberKey = (await service.runtime.credentials.createApiKey({ role: 'member', communityId: 'c1', subject: 'wang-fang' })).token;
    const cert = (await client(service.url, memberKey)('GET', '/v1/communities/c1/members/wang-fang/certificate')).body;
    expect(cert.member.name).toBe(profile.name);
    verificationUrlPath = new URL(cert.verificationUrl).pathname + new URL(cert.verificationUrl).search;
    await service.close();
    await service.runtime.close();
  });
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('writes FILE and FILE.keys, both 0600, the member keys still wrapped', async () => {
    const exported = await ledger({ LEDGER_DATA_DIR: source }, 'export', '--out', out);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(/key records .* exported to .*backup\.jsonl\.keys/);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(statSync(`${out}.keys`).mode & 0o777).toBe(0o600);
    const keys = readFileSync(`${out}.keys`, 'utf8');
    expect(keys).toContain('"kind":"member-key"');
    expect(keys).toContain('"kind":"api-key"');
    // The master key itself is never in a backup.
    expect(keys).not.toContain(readFileSync(join(source, 'master-key'), 'utf8').trim());
  });

  it('refuses to import FILE.keys without the master key they are wrapped under, changing nothing', async () => {
    const target = join(newDir(), 'restored');
    const refused = await ledger({ LEDGER_DATA_DIR: target }, 'import', '--in', out);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/wrapped under master key [0-9a-f]{16}, but no master key is configured.*LEDGER_MASTER_KEY_FILE.*Nothing was imported/s);
    expect(existsSync(target)).toBe(false);
  });

  it('restores events and keys: profiles, certificates and API keys from before work', async () => {
    const target = newDir();
    const env = { LEDGER_DATA_DIR: target, LEDGER_MASTER_KEY_FILE: join(source, 'master-key') };
    const imported = await ledger(env, 'import', '--in', out);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toMatch(/\d+ key records .* restored from/);

    const restored = await startService('sqlite', { dataDir: target, env: { LEDGER_MASTER_KEY_FILE: join(source, 'master-key'), LEDGER_CERTIFICATE_SECRET: certificateSecret } });
    try {
      const admin = client(restored.url, restored.adminKey);
      expect((await admin('GET', '/v1/communities/c1/members/wang-fang/profile')).body).toMatchObject({ profile, erased: false });
      // The member's API key from before the export authenticates on the restored service.
      const member = client(restored.url, memberKey);
      const account = await member('GET', '/v1/communities/c1/members/wang-fang');
      expect(account.status).toBe(200);
      expect(account.body).toMatchObject({ hoursTotal: '3.00' });
      const cert = (await member('GET', '/v1/communities/c1/members/wang-fang/certificate')).body;
      expect(cert.member).toMatchObject({ name: profile.name, idNumberMasked: '110***********1234' });
      // A certificate issued before the export still verifies.
      const page = await fetch(restored.url + verificationUrlPath);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('核验通过');
    } finally {
      await restored.close();
      await restored.runtime.close();
    }
  });

  it('--without-keys says loudly what it means, and profiles from before do not open after such an import', async () => {
    const bare = join(newDir(), 'bare.jsonl');
    const exported = await ledger({ LEDGER_DATA_DIR: source }, 'export', '--out', bare, '--without-keys');
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(/WARNING: --without-keys: .* the events only.*every member profile .* as erased/s);
    expect(existsSync(`${bare}.keys`)).toBe(false);

    const target = newDir();
    const imported = await ledger({ LEDGER_DATA_DIR: target }, 'import', '--in', bare);
    expect(imported.code).toBe(0);
    expect(imported.stderr).toMatch(/WARNING: no .*bare\.jsonl\.keys.*reads as erased/s);
    const restored = await startService('sqlite', { dataDir: target });
    try {
      const admin = client(restored.url, restored.adminKey);
      expect((await admin('GET', '/v1/communities/c1/members/wang-fang/profile')).body).toMatchObject({ profile: null });
      expect((await client(restored.url, memberKey)('GET', '/v1/communities/c1/members/wang-fang')).status).toBe(401);
    } finally {
      await restored.close();
      await restored.runtime.close();
    }
  });
});
