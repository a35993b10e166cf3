/**
 * Work the ledger does on its own schedule: expiring points and lapsed holds, and recovering processes a
 * crash left unfinished. Both read the read models to find what needs doing and act through the ledger,
 * as the system, so every effect is an ordinary decided, idempotent command.
 */
import { systemActor } from './events.js';
import type { Ledger, ExecuteResult } from './ledger.js';
import { recoverRedemption } from './processes/redemption.js';
import { recoverTransfer } from './processes/transfer.js';
import type { ReadModels } from './projections/read-models.js';
import { membersWithExpiredLots } from './projections/views.js';

/** A process step older than this with nothing after it is taken as abandoned by whoever ran it. */
export const defaultRecoveryGraceMs = 60_000;

export interface JobReport {
  readonly visited: number;
  readonly changed: number;
  readonly failures: Array<{ target: string; message: string }>;
}

function tally(report: { visited: number; changed: number; failures: JobReport['failures'] }, target: string, result: ExecuteResult): void {
  report.visited += 1;
  if (result.ok) {
    if (result.value.events.length > 0) report.changed += 1;
  } else {
    report.failures.push({ target, message: result.error.message });
  }
}

/** Expires lots past their expiry and redemptions whose hold lapsed, as of now. */
export async function expireDue(ledger: Ledger, models: ReadModels): Promise<JobReport> {
  await models.catchUp();
  const now = ledger.clock.now();
  const actor = systemActor('expiry');
  const report = { visited: 0, changed: 0, failures: [] as JobReport['failures'] };
  for (const communityId of models.communityIds()) {
    const community = models.community(communityId)!;
    for (const [redemptionId, r] of community.redemptions) {
      if (r.state.status !== 'held' || r.state.expiresAt > now.toISOString()) continue;
      tally(report, `redemption ${redemptionId}`, await ledger.execute({ type: 'ExpireRedemption', communityId, redemptionId }, { actor }));
    }
    for (const memberId of membersWithExpiredLots(community, now)) {
      tally(report, `member ${memberId}`, await ledger.execute({ type: 'ExpirePoints', communityId, memberId, asOf: now.toISOString() }, { actor }));
    }
  }
  return report;
}

/** Finishes or compensates every redemption and transfer whose last step is older than the grace period. */
export async function recoverUnfinished(ledger: Ledger, models: ReadModels, graceMs = defaultRecoveryGraceMs): Promise<JobReport> {
  await models.catchUp();
  const cutoff = new Date(ledger.clock.now().getTime() - graceMs).toISOString();
  const options = { actor: systemActor('recovery') };
  const report = { visited: 0, changed: 0, failures: [] as JobReport['failures'] };
  for (const communityId of models.communityIds()) {
    const community = models.community(communityId)!;
    for (const [redemptionId, r] of community.redemptions) {
      const unfinished = r.state.status === 'requested' || r.state.status === 'fulfilling' || r.state.status === 'held';
      if (!unfinished || r.updatedAt > cutoff) continue;
      tally(report, `redemption ${redemptionId}`, await recoverRedemption(ledger, communityId, redemptionId, options));
    }
    const debits = new Map(community.inTransit);
    for (const [transferId, t] of community.transfers) {
      if (t.state.status === 'requested' && t.updatedAt <= cutoff && !debits.has(transferId)) {
        debits.set(transferId, { from: t.state.from, to: t.state.to, since: t.updatedAt });
      }
    }
    for (const [transferId, debit] of debits) {
      if (debit.since > cutoff) continue;
      report.visited += 1;
      try {
        await recoverTransfer(ledger, communityId, transferId, debit.from, debit.to, options);
        report.changed += 1;
      } catch (fault) {
        report.failures.push({ target: `transfer ${transferId}`, message: fault instanceof Error ? fault.message : String(fault) });
      }
    }
  }
  return report;
}
