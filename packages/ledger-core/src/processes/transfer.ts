/**
 * The transfer process: member → in-transit → member (or the donation pool), exactly once. The sender's
 * debit is decided on the sender's stream, the arrival on the recipient's; a recipient that cannot take
 * the points (missing, over its cap) gets them refunded to the sender. Every step is idempotent by the
 * transfer id, so recovery can replay any of them.
 */
import { type DomainError, domainError, notFound } from '../errors.js';
import { donationPoolId, streamNames } from '../ids.js';
import { err, ok, type Result } from '../result.js';
import type { TransferEvent, TransferState } from '../transfer/events.js';
import type { ExecuteOptions, ExecuteResult } from '../ledger.js';
import type { ProcessCommand } from './commands.js';
import { type ProcessRuntime, Trail } from './runtime.js';

const only =
  (from: TransferState['status'][], events: TransferEvent[]) =>
  (state: TransferState): Result<TransferEvent[], DomainError> =>
    ok(from.includes(state.status) ? events : []);

function finished(trail: Trail, state: TransferState, communityId: string): ExecuteResult {
  if (state.status === 'failed' || state.status === 'returned') {
    return err(domainError(state.problem!.code as DomainError['code'], state.problem!.message, { transfer: state.status }));
  }
  return ok({
    streamName: streamNames.transfer(communityId, state.transferId),
    revision: trail.lastRevision,
    position: trail.lastPosition,
    events: trail.events,
    replayed: false,
  });
}

export async function requestTransfer(rt: ProcessRuntime, command: Extract<ProcessCommand, { type: 'RequestTransfer' }>, options: ExecuteOptions): Promise<ExecuteResult> {
  const c = command.communityId;
  const trail = new Trail();
  let state = await rt.transfer(c, command.transferId);
  if (state.status === 'none') {
    if (command.to !== donationPoolId && !(await rt.account(c, command.to)).exists) return err(notFound('member', command.to));
    const opened = trail.add(
      await rt.recordTransfer(
        c,
        command.transferId,
        only(['none'], [
          {
            type: 'TransferRequested',
            data: {
              transferId: command.transferId,
              from: command.memberId,
              to: command.to,
              points: command.points,
              reason: command.reason ?? (command.to === donationPoolId ? 'donation' : 'gift'),
              requestedBy: options.actor.id,
            },
          },
        ]),
        options,
      ),
    );
    if (!opened.ok) return opened;
    state = await rt.transfer(c, command.transferId);
  }
  if (state.from !== command.memberId || state.to !== command.to || state.points !== command.points) {
    return err(domainError('already-exists', `transfer ${command.transferId} exists with another sender, recipient or amount; use a new id`));
  }
  return advance(rt, state, c, options, trail);
}

async function advance(rt: ProcessRuntime, state: TransferState, c: string, options: ExecuteOptions, trail: Trail): Promise<ExecuteResult> {
  if (state.status === 'requested') {
    const recipient = await rt.account(c, state.to);
    const sent = trail.add(
      await rt.step(
        {
          type: 'SendPoints',
          communityId: c,
          memberId: state.from,
          transferId: state.transferId,
          to: state.to,
          points: state.points,
          reason: state.reason,
          recipientHouseholdId: recipient.householdId,
        },
        options,
      ),
    );
    const next: TransferEvent = sent.ok
      ? { type: 'TransferDebited', data: {} }
      : { type: 'TransferFailed', data: { code: sent.error.code, message: sent.error.message } };
    trail.add(await rt.recordTransfer(c, state.transferId, only(['requested'], [next]), options));
    state = await rt.transfer(c, state.transferId);
  }
  if (state.status === 'debited') {
    await deliver(rt, c, state.transferId, state.from, state.to, options, trail);
    state = await rt.transfer(c, state.transferId);
  }
  return finished(trail, state, c);
}

/**
 * in-transit → recipient, or back to the sender. Works from the sender's recorded debit, so it also
 * delivers debits that have no transfer stream yet (an accrual's overflow to the pool).
 */
export async function deliver(rt: ProcessRuntime, c: string, transferId: string, from: string, to: string, options: ExecuteOptions, trail: Trail): Promise<void> {
  const sender = await rt.account(c, from);
  const sent = sender.transfersOut.get(transferId);
  if (!sent) throw new Error(`transfer ${transferId}: ${from} was never debited; nothing to deliver`);
  const status = (await rt.transfer(c, transferId)).status;
  if (status === 'none') {
    trail.add(
      await rt.recordTransfer(
        c,
        transferId,
        only(['none'], [
          { type: 'TransferRequested', data: { transferId, from, to, points: sent.points.toString(), reason: sent.reason as TransferState['reason'], requestedBy: options.actor.id } },
          { type: 'TransferDebited', data: {} },
        ]),
        options,
      ),
    );
  }
  if (sender.refunds.has(transferId)) {
    trail.add(await rt.recordTransfer(c, transferId, only(['debited'], [{ type: 'TransferReturned', data: { code: 'returned', message: 'refunded to the sender' } }]), options));
    return;
  }
  const received = trail.add(
    await rt.step({ type: 'ReceivePoints', communityId: c, memberId: to, transferId, from, points: sent.points.toString(), portions: [...sent.portions] }, options),
  );
  if (received.ok) {
    trail.add(await rt.recordTransfer(c, transferId, only(['debited'], [{ type: 'TransferCompleted', data: {} }]), options));
    return;
  }
  const refunded = trail.add(await rt.step({ type: 'RefundTransfer', communityId: c, memberId: from, transferId, reason: received.error.message }, options));
  if (!refunded.ok) throw new Error(`transfer ${transferId}: refund refused: ${refunded.error.message}`);
  trail.add(
    await rt.recordTransfer(c, transferId, only(['debited'], [{ type: 'TransferReturned', data: { code: received.error.code, message: received.error.message } }]), options),
  );
}

/** Recovery for one unfinished transfer: debited → deliver; requested and never debited → failed. */
export async function recoverTransfer(rt: ProcessRuntime, c: string, transferId: string, from: string, to: string, options: ExecuteOptions): Promise<void> {
  const trail = new Trail();
  const state = await rt.transfer(c, transferId);
  const sender = await rt.account(c, from);
  if (sender.transfersOut.has(transferId)) {
    if (state.status === 'requested') {
      trail.add(await rt.recordTransfer(c, transferId, only(['requested'], [{ type: 'TransferDebited', data: {} }]), options));
    }
    await deliver(rt, c, transferId, from, to, options, trail);
    return;
  }
  if (state.status === 'requested') {
    trail.add(
      await rt.recordTransfer(c, transferId, only(['requested'], [{ type: 'TransferFailed', data: { code: 'conflict', message: 'interrupted before the sender was debited; request it again' } }]), options),
    );
  }
}
