/**
 * The redemption process: request → (stock reserved, points held) → fulfilled, or cancelled / expired,
 * with every step recorded and idempotent. The member's hold is where the outcome is decided atomically:
 * a spent hold means the redemption goes through, a released one that it does not. A recovery pass reads
 * those facts to finish or compensate whatever a crash left half done.
 */
import { type DomainError, domainError, invalidState, notFound } from '../errors.js';
import { streamNames } from '../ids.js';
import { currentPolicy } from '../community/decider.js';
import { holdPeriodMs } from '../member/decide.js';
import { err, ok, type Result } from '../result.js';
import type { RedemptionEvent, RedemptionState } from '../redemption/events.js';
import { calendarDateIn } from '../time.js';
import type { ExecuteOptions, ExecuteResult } from '../ledger.js';
import type { ProcessCommand } from './commands.js';
import { type ProcessRuntime, Trail } from './runtime.js';

type Command<T extends ProcessCommand['type']> = Extract<ProcessCommand, { type: T }>;

const only =
  (from: RedemptionState['status'][], events: RedemptionEvent[]) =>
  (state: RedemptionState): Result<RedemptionEvent[], DomainError> =>
    ok(from.includes(state.status) ? events : []);

function finished(trail: Trail, state: RedemptionState, communityId: string): ExecuteResult {
  return ok({
    streamName: streamNames.redemption(communityId, state.redemptionId),
    revision: trail.lastRevision,
    position: trail.lastPosition,
    events: trail.events,
    replayed: false,
  });
}

export async function requestRedemption(rt: ProcessRuntime, command: Command<'RequestRedemption'>, options: ExecuteOptions): Promise<ExecuteResult> {
  const trail = new Trail();
  const c = command.communityId;
  let state = await rt.redemption(c, command.redemptionId);
  if (state.status === 'none') {
    const item = await rt.item(c, command.itemId);
    if (!item.exists) return err(notFound('catalogue item', command.itemId));
    if (!item.active) return err(invalidState(`item ${command.itemId} is delisted and cannot be redeemed`));
    const community = await rt.setup(c);
    const now = rt.now();
    const opened = trail.add(
      await rt.recordRedemption(
        c,
        command.redemptionId,
        only(['none'], [
          {
            type: 'RedemptionRequested',
            data: {
              redemptionId: command.redemptionId,
              memberId: command.memberId,
              itemId: command.itemId,
              quantity: command.quantity,
              points: item.pointsCost.times(command.quantity).toString(),
              expiresAt: new Date(now.getTime() + holdPeriodMs(currentPolicy(community).policy)).toISOString(),
              requestedBy: options.actor.id,
            },
          },
        ]),
        options,
      ),
    );
    if (!opened.ok) return opened;
    state = await rt.redemption(c, command.redemptionId);
  }
  if (state.memberId !== command.memberId || state.itemId !== command.itemId || state.quantity !== command.quantity) {
    return err(domainError('already-exists', `redemption ${command.redemptionId} exists for another member, item or quantity; use a new id`));
  }
  return advanceRequested(rt, state, c, options, trail);
}

/** From 'requested': reserve the stock, hold the points, or give back whatever was set aside and reject. */
async function advanceRequested(rt: ProcessRuntime, state: RedemptionState, c: string, options: ExecuteOptions, trail: Trail): Promise<ExecuteResult> {
  if (state.status === 'rejected') return err(domainError(state.rejection!.code as DomainError['code'], state.rejection!.message));
  if (state.status !== 'requested') return finished(trail, state, c);
  const reserved = trail.add(
    await rt.step({ type: 'ReserveStock', communityId: c, itemId: state.itemId, redemptionId: state.redemptionId, memberId: state.memberId, quantity: state.quantity }, options),
  );
  if (!reserved.ok) return reject(rt, state, c, reserved.error, options, trail);
  const held = trail.add(
    await rt.step(
      { type: 'PlaceHold', communityId: c, memberId: state.memberId, holdId: state.redemptionId, redemptionId: state.redemptionId, points: state.points, expiresAt: state.expiresAt },
      options,
    ),
  );
  if (!held.ok) return reject(rt, state, c, held.error, options, trail);
  trail.add(await rt.recordRedemption(c, state.redemptionId, only(['requested'], [{ type: 'RedemptionHeld', data: {} }]), options));
  return finished(trail, await rt.redemption(c, state.redemptionId), c);
}

/** Compensation: release whatever was set aside (each release is a no-op if nothing was), then record why. */
async function reject(rt: ProcessRuntime, state: RedemptionState, c: string, error: DomainError, options: ExecuteOptions, trail: Trail): Promise<ExecuteResult> {
  const member = await rt.account(c, state.memberId);
  if (member.openHolds.has(state.redemptionId)) {
    const released = trail.add(await rt.step({ type: 'ReleaseHold', communityId: c, memberId: state.memberId, holdId: state.redemptionId, reason: 'cancelled' }, options));
    if (!released.ok) return released;
  }
  const unreserved = trail.add(await rt.step({ type: 'ReleaseStock', communityId: c, itemId: state.itemId, redemptionId: state.redemptionId }, options));
  if (!unreserved.ok) return unreserved;
  trail.add(
    await rt.recordRedemption(c, state.redemptionId, only(['requested'], [{ type: 'RedemptionRejected', data: { code: error.code, message: error.message } }]), options),
  );
  return err(error);
}

export async function fulfilRedemption(rt: ProcessRuntime, command: Command<'FulfilRedemption'>, options: ExecuteOptions): Promise<ExecuteResult> {
  const c = command.communityId;
  const trail = new Trail();
  const state = await rt.redemption(c, command.redemptionId);
  if (state.status === 'none') return err(notFound('redemption', command.redemptionId));
  if (state.status === 'fulfilled' || state.status === 'fulfilling') return finishFulfilment(rt, state, c, options, trail);
  if (state.status !== 'held') return err(invalidState(`redemption ${command.redemptionId} is ${state.status}; only a held redemption can be fulfilled`, { status: state.status }));
  if (rt.now().toISOString() >= state.expiresAt) {
    return err(invalidState(`redemption ${command.redemptionId} lapsed at ${state.expiresAt}; ask the member to request it again`));
  }
  const item = await rt.item(c, state.itemId);
  const volunteerId = command.volunteerId ?? null;
  if (volunteerId !== null) {
    if (item.kind !== 'service') return err(domainError('validation', `item ${state.itemId} is goods; a volunteer is named only for a service`));
    if (volunteerId === state.memberId) return err(domainError('validation', 'the volunteer giving a service cannot be the member receiving it'));
    if (!(await rt.account(c, volunteerId)).exists) return err(notFound('member', volunteerId));
  }
  const decided = trail.add(
    await rt.recordRedemption(c, state.redemptionId, only(['held'], [{ type: 'FulfilmentDecided', data: { fulfilledBy: options.actor.id, volunteerId } }]), options),
  );
  if (!decided.ok) return decided;
  return finishFulfilment(rt, await rt.redemption(c, state.redemptionId), c, options, trail);
}

/** From 'fulfilling': spend the hold (or abandon if refused), issue the stock, credit the volunteer, done. */
export async function finishFulfilment(rt: ProcessRuntime, state: RedemptionState, c: string, options: ExecuteOptions, trail: Trail): Promise<ExecuteResult> {
  if (state.status === 'fulfilled') return finished(trail, state, c);
  const spent = trail.add(await rt.step({ type: 'SpendHold', communityId: c, memberId: state.memberId, holdId: state.redemptionId }, options));
  if (!spent.ok) {
    trail.add(
      await rt.recordRedemption(c, state.redemptionId, only(['fulfilling'], [{ type: 'FulfilmentAbandoned', data: { code: spent.error.code, message: spent.error.message } }]), options),
    );
    return spent;
  }
  const issued = trail.add(await rt.step({ type: 'IssueStock', communityId: c, itemId: state.itemId, redemptionId: state.redemptionId }, options));
  if (!issued.ok) return issued;
  if (state.volunteerId) {
    const item = await rt.item(c, state.itemId);
    const community = await rt.setup(c);
    const hours = item.serviceHours ?? '1.00';
    const recorded = await rt.step(
      {
        type: 'ReportHours',
        communityId: c,
        memberId: state.volunteerId,
        recordId: `redemption.${state.redemptionId}`.slice(0, 64),
        category: item.serviceCategory ?? [...community.categories.keys()][0] ?? 'culture',
        activityId: `redemption.${state.redemptionId}`.slice(0, 64),
        serviceDate: calendarDateIn(rt.now(), community.timeZone),
        hours,
        activityHours: hours,
      },
      options,
    );
    // Already recorded by an earlier attempt is as good as recorded now.
    if (!recorded.ok && recorded.error.code !== 'already-exists') return recorded;
    trail.add(recorded);
  }
  const fulfilledBy = state.fulfilledBy ?? options.actor.id;
  trail.add(
    await rt.recordRedemption(c, state.redemptionId, only(['fulfilling'], [{ type: 'RedemptionFulfilled', data: { fulfilledBy, volunteerId: state.volunteerId } }]), options),
  );
  return finished(trail, await rt.redemption(c, state.redemptionId), c);
}

export async function cancelRedemption(
  rt: ProcessRuntime,
  command: Command<'CancelRedemption'> | Command<'ExpireRedemption'>,
  options: ExecuteOptions,
): Promise<ExecuteResult> {
  const c = command.communityId;
  const reason = command.type === 'ExpireRedemption' ? 'expired' : 'cancelled';
  const state = await rt.redemption(c, command.redemptionId);
  if (state.status === 'none') return err(notFound('redemption', command.redemptionId));
  if (state.status === reason) return finished(new Trail(), state, c);
  if (state.status !== 'held') {
    return err(invalidState(`redemption ${command.redemptionId} is ${state.status}; only a held redemption can be ${reason}`, { status: state.status }));
  }
  if (reason === 'expired' && rt.now().toISOString() < state.expiresAt) {
    return err(invalidState(`redemption ${command.redemptionId} holds until ${state.expiresAt}; it cannot expire yet`));
  }
  const trail = new Trail();
  const released = trail.add(await rt.step({ type: 'ReleaseHold', communityId: c, memberId: state.memberId, holdId: state.redemptionId, reason }, options));
  if (!released.ok) return released;
  return finishCancellation(rt, state, c, reason, options, trail);
}

/** After the hold is released: release the stock and record the end. */
export async function finishCancellation(
  rt: ProcessRuntime,
  state: RedemptionState,
  c: string,
  reason: 'cancelled' | 'expired',
  options: ExecuteOptions,
  trail: Trail,
): Promise<ExecuteResult> {
  const unreserved = trail.add(await rt.step({ type: 'ReleaseStock', communityId: c, itemId: state.itemId, redemptionId: state.redemptionId }, options));
  if (!unreserved.ok) return unreserved;
  trail.add(
    await rt.recordRedemption(c, state.redemptionId, only(['held'], [{ type: 'RedemptionCancelled', data: { reason, cancelledBy: options.actor.id } }]), options),
  );
  return finished(trail, await rt.redemption(c, state.redemptionId), c);
}

/**
 * Recovery for one unfinished redemption: whatever the member's hold says happened is carried through.
 * Only for redemptions nobody is working on (the caller waits a grace period after the last step).
 */
export async function recoverRedemption(rt: ProcessRuntime, communityId: string, redemptionId: string, options: ExecuteOptions): Promise<ExecuteResult> {
  const trail = new Trail();
  const state = await rt.redemption(communityId, redemptionId);
  const member = await rt.account(communityId, state.memberId);
  const hold = member.closedHolds.get(redemptionId) ?? (member.openHolds.has(redemptionId) ? 'open' : 'none');
  switch (state.status) {
    case 'requested': {
      // The caller never heard of success: give back what was set aside. Compensating is recovery succeeding.
      const interrupted = domainError('conflict', 'the redemption was interrupted before it was held; request it again');
      const compensated = await reject(rt, state, communityId, interrupted, options, trail);
      if (!compensated.ok && compensated.error !== interrupted) return compensated;
      return finished(trail, await rt.redemption(communityId, redemptionId), communityId);
    }
    case 'fulfilling':
      if (hold === 'cancelled' || hold === 'expired') {
        trail.add(
          await rt.recordRedemption(
            communityId,
            redemptionId,
            only(['fulfilling'], [{ type: 'FulfilmentAbandoned', data: { code: 'invalid-state', message: `the hold was ${hold} before it was spent` } }]),
            options,
          ),
        );
        return finishCancellation(rt, await rt.redemption(communityId, redemptionId), communityId, hold, options, trail);
      }
      return finishFulfilment(rt, state, communityId, options, trail);
    case 'held':
      if (hold === 'cancelled' || hold === 'expired') return finishCancellation(rt, state, communityId, hold, options, trail);
      return finished(trail, state, communityId);
    default:
      return finished(trail, state, communityId);
  }
}
