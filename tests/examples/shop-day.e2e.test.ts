/** The shop-day example runs as a user would run it, and says what the README says it says. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('examples/embed/shop-day.ts', () => {
  it('runs a shop day end to end and ends with balanced books', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=source', '--import', 'tsx', 'examples/embed/shop-day.ts'], { cwd: root });
    expect(stdout).toContain('✔ the organiser hands it over');
    expect(stdout).toMatch(/✘ li tries a second bag this month: .*the limit is 1/);
    expect(stdout).toMatch(/✘ zhao \(no points yet\) tries to redeem rice: insufficient points: available 0\.00, needed 50\.00/);
    expect(stdout).toMatch(/chen\s+balance\s+25\.00/);
    expect(stdout).toMatch(/_pool\s+balance\s+5\.00/);
    expect(stdout).toMatch(/Shelf: 大米 5kg 9 left/);
    expect(stdout).toMatch(/expired\s+50\.00/);
    expect(stdout).toMatch(/redeemed\s+65\.00/);
    expect(stdout).toMatch(/issuance\s+-115\.00/);
    expect(stdout).toMatch(/total\s+0\.00\s+\(balanced\)/);
  });
});
