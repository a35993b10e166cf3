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
    // The statement as a resident reads it: newest first, in Chinese, with category and item names.
    const statement = stdout.slice(stdout.indexOf("li's statement, newest first:"));
    const donation = statement.indexOf('-5.00 →    5.00  捐赠给爱心积分池');
    const accrual = statement.indexOf('60.00 →   60.00  助老服务 信用时长 6.00 小时，签到时长自动确认（每小时 10 积分）');
    expect(donation).toBeGreaterThan(0);
    expect(accrual).toBeGreaterThan(donation);
    expect(statement).toContain('兑换「大米 5kg」，已领取');
    expect(stdout).toMatch(/expired\s+50\.00/);
    expect(stdout).toMatch(/redeemed\s+65\.00/);
    expect(stdout).toMatch(/issuance\s+-115\.00/);
    expect(stdout).toMatch(/total\s+0\.00\s+\(balanced\)/);
  });
});
