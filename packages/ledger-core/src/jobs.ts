/**
 * Work the ledger does on its own schedule: expiring points and lapsed holds, and recovering processes a
 * crash left unfinished. Both ask the read models what needs doing — a page at a time, so a large
 * community costs no more memory than a small one — and act through the ledger, as the system, so every
 * effect is an ordinary decided, idempotent command.
 */
import { systemActor } from './events.js';
import type { Ledger, ExecuteResult } from './ledger.js';
import { recoverRedemption } from './processes/redemption.js';
import { recoverTransfer } from './processes/transfer.js';
import type { ReadModels } from './projections/read-models.js';

/** A process step older than this with nothing after it is taken as abandoned by whoever ran it. */
export const defaultRecoveryGraceMs = 60_000;

export interface JobReport {
  readonly visited: number;
  readonly changed: number;
  readonly failures: Array<{ target: string; message: string }>;
}

type Tally = { visited: number; changed: number; failures: JobReport['failures'] };

function tally(report: Tally, target: string, result: ExecuteResult): void {
  report.visited += 1;
  if (result.ok) {
    if (result.value.events.length > 0) report.changed += 1;
  } else {
    report.failures.push({ target, message: result.error.message });
  }
}

/** Calls `visit` on every item of a paged query, page after page, each page starting after the last key seen. */
async function eachPaged<T>(pageOf: (after: string | undefined) => Promise<T[]>, keyOf: (item: T) => string, visit: (item: T) => Promise<void>): Promise<void> {
  let after: string | undefined;
  for (;;) {
    const page = await pageOf(after);
    for (const item of page) await visit(item);
    if (page.length === 0) return;
    after = keyOf(page.at(-1)!);
  }
}

/** Expires lots past their expiry and redemptions whose hold lapsed, as of now. */
export async function expireDue(ledger: Ledger, models: ReadModels): Promise<JobReport> {
  await models.catchUp();
  const now = ledger.clock.now();
  const actor = systemActor('expiry');
  const report: Tally = { visited: 0, changed: 0, failures: [] };
  for (const communityId of await models.communityIds()) {
    await eachPaged(
      (after) => models.heldRedemptionsPastExpiry(communityId, now, after === undefined ? {} : { after }),
      (r) => r.redemptionId,
      async (r) => tally(report, `redemption ${r.redemptionId}`, await ledger.execute({ type: 'ExpireRedemption', communityId, redemptionId: r.redemptionId }, { actor })),
    );
    await eachPaged(
      (after) => models.membersWithExpiredLots(communityId, now, after === undefined ? {} : { after }),
      (memberId) => memberId,
      async (memberId) => tally(report, `member ${memberId}`, await ledger.execute({ type: 'ExpirePoints', communityId, memberId, asOf: now.toISOString() }, { actor })),
    );
  }
  return report;
}

/** Finishes or compensates every redemption and transfer whose last step is older than the grace period. */
export async function recoverUnfinished(ledger: Ledger, models: ReadModels, graceMs = defaultRecoveryGraceMs): Promise<JobReport> {
  await models.catchUp();
  const cutoff = new Date(ledger.clock.now().getTime() - graceMs);
  const options = { actor: systemActor('recovery') };
  const report: Tally = { visited: 0, changed: 0, failures: [] };
  for (const communityId of await models.communityIds()) {
    await eachPaged(
      (after) => models.unfinishedRedemptions(communityId, cutoff, after === undefined ? {} : { after }),
      (r) => r.redemptionId,
      async (r) => tally(report, `redemption ${r.redemptionId}`, await recoverRedemption(ledger, communityId, r.redemptionId, options)),
    );
    for (const transfer of await models.unfinishedTransfers(communityId, cutoff)) {
      report.visited += 1;
      try {
        await recoverTransfer(ledger, communityId, transfer.transferId, transfer.from, transfer.to, options);
        report.changed += 1;
      } catch (fault) {
        report.failures.push({ target: `transfer ${transfer.transferId}`, message: fault instanceof Error ? fault.message : String(fault) });
      }
    }
  }
  return report;
}
