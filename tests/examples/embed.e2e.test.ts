/** Runs examples/embed/main.ts as a child process, as `pnpm example:embed` does, so the example cannot rot. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

describe('examples/embed', () => {
  it('runs, and prints the balances, hours and levels the policy gives', async () => {
    const { stdout, stderr } = await promisify(execFile)(tsx, ['--conditions=source', 'examples/embed/main.ts'], { cwd: root, timeout: 60_000 });
    expect(stderr).toBe('');
    expect(stdout).toContain('wang: checked in 2.50 h of elder-care, approved automatically → 25.00 points');
    expect(stdout).toContain('zhang: checked in 4.00 h of safety patrol (×1.5), approved automatically → 60.00 points');
    expect(stdout).toContain('zhang: reported 1.50 h of culture, approved by li → 75.00 points');
    expect(stdout).toContain('li: approving her own record is refused: not-allowed');
    const table = stdout.split('\n').filter((line) => /^(wang|zhang|li)\s+-?\d/.test(line)).map((line) => line.trim().split(/\s+/));
    expect(table).toEqual([
      ['wang', '45.00', '2.50', '1'],
      ['zhang', '75.00', '5.50', '2'],
      ['li', '0.00', '0.00', '0'],
    ]);
  });
});
