/** The activity-day example runs as a user would run it (`pnpm example:activity-day`), and says what it should. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('examples/embed/activity-day.ts', () => {
  it('runs a Saturday of activities, requests and a wish end to end, and ends with balanced books', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--conditions=source', '--import', 'tsx', 'examples/embed/activity-day.ts'], { cwd: root, timeout: 120_000 });
    expect(stderr).toBe('');
    // Capacity and the wait list.
    expect(stdout).toContain('✔ health-check: 30 seats taken, 5 on the wait list (r31 is number 1)');
    expect(stdout).toContain('✔ haircut: 12 seats taken, wait list r47, r48, r49');
    // Kiosk codes: accepted at their kiosk, refused replayed, refused to the wait list, refused at another activity.
    expect(stdout).toContain('✔ 27 residents checked in at the health check with the kiosk\'s code');
    expect(stdout).toMatch(/✘ r09 scans again with the same code 20 minutes later: this kiosk code is not current/);
    expect(stdout).toMatch(/✘ r33 \(on the wait list\) scans the kiosk: r33 is on the wait list of health-check \(position 1\)/);
    expect(stdout).toMatch(/✘ r05 presents the health-check code at the haircut: this code was not shown by the kiosk of activity haircut/);
    // One member, one place at a time.
    expect(stdout).toMatch(/✘ r20, still at the health check, scans the haircut kiosk: .*a member cannot be at two activities at once/);
    expect(stdout).toContain('✔ r20 checks in at the haircut');
    // Closing and bulk approval: every attendance one record, all approved.
    expect(stdout).toMatch(/社区义诊\s+closed: 30\/30 seats, 27 attended, 27 records, 75\.38 h, 27 approved/);
    expect(stdout).toMatch(/便民义剪\s+closed: 12\/12 seats, 12 attended, 12 records, 29\.88 h, 12 approved/);
    expect(stdout).toMatch(/健康讲座\s+closed: 23\/25 seats, 21 attended, 21 records, 42\.00 h, 21 approved/);
    // Requests: no overdraft; rated once; points moved.
    expect(stdout).toMatch(/✘ r56 asks for a radio repair, offering 80 points: insufficient points: available 70\.00, needed 80\.00/);
    expect(stdout).toMatch(/✘ r56 tries to rate it again: .*rated once/);
    // Credit hours earn points; honour hours count but do not (this community's policy).
    expect(stdout).toMatch(/r40\s+credit\s+4\.50 h\s+honour\s+1\.00 h\s+balance\s+60\.00\s+held 0\.00/);
    expect(stdout).toMatch(/r41\s+credit\s+2\.50 h\s+honour\s+0\.50 h\s+balance\s+35\.00/);
    expect(stdout).toMatch(/r56\s+credit\s+2\.00 h\s+honour\s+0\.00 h\s+balance\s+60\.00\s+held 0\.00/);
    // The wish paid from the pool: 45 donated, 40 spent.
    expect(stdout).toMatch(/_pool\s+credit\s+0\.00 h\s+honour\s+0\.00 h\s+balance\s+5\.00/);
    expect(stdout).toMatch(/redeemed\s+40\.00/);
    expect(stdout).toMatch(/in-transit\s+0\.00/);
    expect(stdout).toMatch(/total\s+0\.00\s+\(balanced\)/);
  });
});
