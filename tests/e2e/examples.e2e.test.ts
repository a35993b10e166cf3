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
    for (const expected of ['now 10.00', 'now 20.00']) {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, LEDGER_URL: service.url, LEDGER_API_KEY: service.adminKey } });
      expect(stdout).toContain(expected);
      expect(stdout).toContain('done');
    }
  });

  it('explains what it needs when no key is given', async () => {
    const failed = await run(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, LEDGER_API_KEY: '' } }).catch((e: { code: number; stderr: string }) => e);
    expect((failed as { code: number }).code).toBe(2);
    expect((failed as { stderr: string }).stderr).toContain('admin-key create');
  });
});
