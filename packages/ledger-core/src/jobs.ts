/**
 * Work the ledger does on its own schedule: expiring points and lapsed holds, carrying on processes a crash
 * or a conflict left unfinished, and finishing erasures whose key survived a crash. They read the read models
 * to find what needs doing and act through the ledger as the system, so every effect is an ordinary decided,
 * idempotent command.
 */
import { systemActor } from './events.js';
import type { Ledger } from './ledger.js';
import { defaultRecoveryGraceMs } from './limits.js';
import type { ExecuteResult } from './outcome.js';
import type { ReadModels } from './projections/read-models.js';
import { membersWithExpiredLots } from './projections/views.js';
import { isUnfinishedRedemption } from './redemption/state.js';

export { defaultRecoveryGraceMs };

export interface JobReport {
  readonly visited: number;
  readonly changed: number;
  readonly failures: Array<{ target: string; message: string }>;
}

type Tally = { visited: number; changed: number; failures: JobReport['failures'] };

function tally(report: Tally, target: string, result: ExecuteResult): void {
  report.visited += 1;
  if (result.ok) {
    if (result.value.events.length > 0 && !result.value.replayed) report.changed += 1;
  } else {
    report.failures.push({ target, message: result.error.message });
  }
}

/** Expires lots past their expiry and redemptions whose hold lapsed, as of now. */
export async function expireDue(ledger: Ledger, models: ReadModels): Promise<JobReport> {
  await models.catchUp();
  const now = ledger.clock.now();
  const actor = systemActor('expiry');
  const report: Tally = { visited: 0, changed: 0, failures: [] };
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

/**
 * Carries on every redemption and transfer whose last step is older than the grace period (a request still
 * being worked on is left alone), delivers debits left in transit, and finishes erasures whose key survived.
 */
export async function recoverUnfinished(ledger: Ledger, models: ReadModels, graceMs = defaultRecoveryGraceMs): Promise<JobReport> {
  await models.catchUp();
  const cutoff = new Date(ledger.clock.now().getTime() - graceMs).toISOString();
  const actor = systemActor('recovery');
  const report: Tally = { visited: 0, changed: 0, failures: [] };
  for (const communityId of models.communityIds()) {
    const community = models.community(communityId)!;
    for (const [redemptionId, r] of community.redemptions) {
      if (!isUnfinishedRedemption(r.state.status) || r.updatedAt > cutoff) continue;
      tally(report, `redemption ${redemptionId}`, await ledger.resumeRedemption(communityId, redemptionId, actor));
    }
    for (const [transferId, t] of community.transfers) {
      if ((t.state.status !== 'requested' && t.state.status !== 'debited') || t.updatedAt > cutoff) continue;
      tally(report, `transfer ${transferId}`, await ledger.resumeTransfer(communityId, transferId, actor));
    }
    // Debits with no transfer stream at all: an accrual's overflow to the pool whose delivery never started.
    for (const [transferId, debit] of community.inTransit) {
      if (community.transfers.has(transferId) || debit.since > cutoff) continue;
      tally(report, `transfer ${transferId}`, await ledger.deliverOverflow(communityId, debit.from, transferId));
    }
    for (const [memberId, member] of community.members) {
      if (member.state.erasures === 0) continue;
      report.visited += 1;
      if (await ledger.finishErasure(communityId, memberId)) report.changed += 1;
    }
  }
  return report;
}
