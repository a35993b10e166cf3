/** Runs examples/http/walkthrough.ts as it is, against a fresh service on SQLite — twice, as a re-run must work too. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService } from './support.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../examples/http/walkthrough.ts', import.meta.url));

describe('examples/http', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startService('sqlite');
  });
  afterAll(async () => service?.close());

  it('the walk-through runs as it is, and again', async () => {
    for (const balance of ['10.00', '20.00']) {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, LEDGER_URL: service.url, LEDGER_API_KEY: service.adminKey } });
      expect(stdout).toContain(`now ${balance}`);
      // The statement starts with this run's redemption (newest first), described as a resident reads it.
      const lines = stdout.slice(stdout.indexOf('newest first:')).split('\n').slice(1, 6);
      expect(lines[0]).toMatch(new RegExp(`-30\\.00 →\\s+${balance.replace('.', '\\.')}  兑换「大米 5kg」，已领取$`));
      expect(lines.join('\n')).toContain('助老服务 荣誉时长 2.00 小时，审核通过（每小时 10 积分 × 2）');
      expect(stdout).toContain('done');
    }
  });

  it('explains what it needs when no key is given', async () => {
    const failed = await run(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, LEDGER_API_KEY: '' } }).catch((e: { code: number; stderr: string }) => e);
    expect((failed as { code: number }).code).toBe(2);
    expect((failed as { stderr: string }).stderr).toContain('admin-key create');
  });
});
