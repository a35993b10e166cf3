/**
 * Work the ledger does on its own schedule: expiring points and lapsed holds, carrying on processes a crash
 * or a conflict left unfinished, and finishing erasures whose key survived a crash. They ask the read models
 * (or, for erasures, the store's global order) what needs doing — a page at a time, so a large community costs
 * no more memory than a small one — and act through the ledger as the system, so every effect is an ordinary
 * decided, idempotent command.
 */
import type { CommandInput } from './commands.js';
import { systemActor } from './events.js';
import { communityFromStreamName } from './ids.js';
import type { Ledger } from './ledger.js';
import { defaultRecoveryGraceMs, subscriptionPageSize } from './limits.js';
import type { ExecuteResult } from './outcome.js';
import type { ReadModels } from './projections/read-models.js';

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

/** Calls `visit` on every item of a query paged by seq (activities, requests, wishes), page after page. */
async function eachBySeq<T extends { seq: number }>(pageOf: (afterSeq: number | undefined) => Promise<T[]>, visit: (item: T) => Promise<void>): Promise<void> {
  let afterSeq: number | undefined;
  for (;;) {
    const page = await pageOf(afterSeq);
    for (const item of page) await visit(item);
    if (page.length === 0) return;
    afterSeq = page.at(-1)!.seq;
  }
}

/** Expires lots past their expiry, redemptions whose hold lapsed and service requests nobody served by their expiry (their holds released), as of now. */
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
    await eachBySeq(
      (afterSeq) => models.serviceRequestsPastExpiry(communityId, now, afterSeq === undefined ? {} : { afterSeq }),
      async (r) => tally(report, `service request ${r.processId}`, await ledger.execute({ type: 'ExpireServiceRequest', communityId, requestId: r.processId }, { actor })),
    );
  }
  return report;
}

/**
 * Carries on every redemption, transfer, activity closing or approval, service request and micro-wish whose last
 * step is older than the grace period (a request still being worked on is left alone), delivers debits left in
 * transit, and finishes erasures whose key survived.
 */
export async function recoverUnfinished(ledger: Ledger, models: ReadModels, graceMs = defaultRecoveryGraceMs): Promise<JobReport> {
  await models.catchUp();
  const cutoff = new Date(ledger.clock.now().getTime() - graceMs);
  const actor = systemActor('recovery');
  const report: Tally = { visited: 0, changed: 0, failures: [] };
  for (const communityId of await models.communityIds()) {
    await eachPaged(
      (after) => models.unfinishedRedemptions(communityId, cutoff, after === undefined ? {} : { after }),
      (r) => r.redemptionId,
      async (r) => tally(report, `redemption ${r.redemptionId}`, await ledger.resumeRedemption(communityId, r.redemptionId, actor)),
    );
    for (const transfer of await models.unfinishedTransfers(communityId, cutoff)) {
      // A debit with no transfer stream is an accrual's overflow to the pool whose delivery never started.
      const started = (await ledger.transfer(communityId, transfer.transferId)).status !== 'none';
      const result = started
        ? await ledger.resumeTransfer(communityId, transfer.transferId, actor)
        : await ledger.deliverOverflow(communityId, transfer.from, transfer.transferId);
      tally(report, `transfer ${transfer.transferId}`, result);
    }
    const resume = async (kind: 'activity' | 'service-request' | 'wish', command: (id: string) => CommandInput) =>
      eachBySeq(
        (afterSeq) => models.unfinishedProcesses(kind, communityId, cutoff, afterSeq === undefined ? {} : { afterSeq }),
        async (p) => tally(report, `${kind} ${p.processId}`, await ledger.execute(command(p.processId), { actor })),
      );
    await resume('activity', (activityId) => ({ type: 'ResumeActivity', communityId, activityId }));
    await resume('service-request', (requestId) => ({ type: 'ResumeServiceRequest', communityId, requestId }));
    await resume('wish', (wishId) => ({ type: 'ResumeWish', communityId, wishId }));
  }
  const erasures = await finishErasures(ledger);
  report.visited += erasures.visited;
  report.changed += erasures.changed;
  return report;
}

/** The checkpoint under which `finishErasures` remembers how far it has read the global order. */
export const erasureCheckpointName = 'erasures-finished';

/**
 * Finishes every erasure recorded since the last run: an erasure is an event first, and its keys are destroyed
 * after; a crash in between leaves a key that this pass destroys. Reads the global order from its checkpoint,
 * which moves on only past erasures that are finished.
 */
export async function finishErasures(ledger: Ledger): Promise<{ visited: number; changed: number }> {
  const store = ledger.store;
  let after = (await store.checkpoints.getCheckpoint(erasureCheckpointName)) ?? undefined;
  let visited = 0;
  let changed = 0;
  for (;;) {
    const page = await store.readAll({ ...(after === undefined ? {} : { after }), maxCount: subscriptionPageSize });
    for (const event of page) {
      if (event.type !== 'MemberProfileErased') continue;
      // member-{community}-{member}: the community's own dashes are escaped in the name, so its end is the next dash.
      const rest = event.streamName.slice('member-'.length);
      const dash = rest.indexOf('-');
      visited += 1;
      if (await ledger.finishErasure(communityFromStreamName(rest.slice(0, dash)), rest.slice(dash + 1))) changed += 1;
    }
    if (page.length === 0) return { visited, changed };
    after = page.at(-1)!.position;
    await store.checkpoints.putCheckpoint(erasureCheckpointName, after);
  }
}
