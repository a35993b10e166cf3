/**
 * Durable commits (fsyncs) a person waits for, on the SQLite store, one command at a time:
 * `{"bench":"sqlite_synced_commits_<step>","value":n,"unit":"commits"}` for an accrual, a redemption's request
 * and its fulfilment (goal: 1 each — the redemption's inner steps are deferred appends that the phase's last,
 * durable append carries). Also the commits each took in all (synced or not). Run: `pnpm bench durability` (seconds).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Actor, Ledger, type LedgerCommandInput, ManualClock } from '@volunteer-ledger/core';
import { SqliteEventStore } from '@volunteer-ledger/store-sqlite';

const communityId = 'bench';
const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };
const organiser: Actor = { id: 'org', role: 'organiser', communityId };
const member: Actor = { id: 'v', role: 'member', communityId };
const start = Date.parse('2026-03-01T00:00:00.000Z');
/** Steps measured, each several times (the figure is the most any of them took). */
const repeats = 5;

function printFigure(bench: string, value: number, unit: string): void {
  process.stdout.write(`${JSON.stringify({ bench, value, unit })}\n`);
}

const dir = mkdtempSync(join(tmpdir(), 'bench-durability-'));
const store = SqliteEventStore.open(join(dir, 'events.sqlite'));
const ledger = new Ledger({ store, clock: new ManualClock(new Date(start)) });

async function must(command: LedgerCommandInput, actor: Actor): Promise<void> {
  const r = await ledger.execute(command, { actor });
  if (!r.ok) throw new Error(`${command.type}: ${r.error.code} ${r.error.message}`);
}

/** Commits and synced commits that `run` caused, the most over `repeats` runs. */
async function commitsOf(run: (i: number) => Promise<void>): Promise<{ commits: number; synced: number }> {
  let most = { commits: 0, synced: 0 };
  for (let i = 0; i < repeats; i += 1) {
    const before = store.stats();
    await run(i);
    const after = store.stats();
    most = { commits: Math.max(most.commits, after.commits - before.commits), synced: Math.max(most.synced, after.syncedCommits - before.syncedCommits) };
  }
  return most;
}

await must({ type: 'RegisterCommunity', communityId, name: 'Bench', timeZone: 'Asia/Shanghai', policy: { basePointsPerHour: '20', levelThresholdsHours: [] } }, admin);
await must({ type: 'AppointOrganiser', communityId, memberId: 'org' }, admin);
await must({ type: 'ListItem', communityId, itemId: 'reward', name: 'reward', kind: 'service', pointsCost: '50', serviceHours: '1.00', serviceCategory: 'culture' }, organiser);
await must({ type: 'RegisterMember', communityId, memberId: 'v' }, organiser);

const accrual = await commitsOf(async (i) => {
  const out = start - (i + 1) * 86_400_000;
  await must({ type: 'RecordCheckedInHours', communityId, memberId: 'v', recordId: `r${i}`, category: 'environment', checkedInAt: new Date(out - 4 * 3_600_000).toISOString(), checkedOutAt: new Date(out).toISOString() }, organiser);
});
const request = await commitsOf((i) => must({ type: 'RequestRedemption', communityId, memberId: 'v', redemptionId: `x${i}`, itemId: 'reward' }, member));
const fulfil = await commitsOf((i) => must({ type: 'FulfilRedemption', communityId, redemptionId: `x${i}` }, organiser));

for (const [step, figures] of [['accrual', accrual], ['redemption_request', request], ['redemption_fulfil', fulfil]] as const) {
  printFigure(`sqlite_synced_commits_${step}`, figures.synced, 'commits');
  printFigure(`sqlite_commits_${step}`, figures.commits, 'commits');
}
await store.close();
rmSync(dir, { recursive: true, force: true });
