/**
 * The member decider: given the account folded so far and a command, the events that record its effect,
 * or the domain error that refuses it. Pure: time, the actor and the community's set-up come in through
 * the context; ids of new lots derive from the command's own ids.
 */
import type { Actor } from '../events.js';
import { type DomainError, alreadyExists, domainError, invalidState, invariant, notAllowed, notFound } from '../errors.js';
import { type CommunityState, categoryRefusal, currentPolicy } from '../community/decider.js';
import { donationPoolId } from '../ids.js';
import { Hours, Points } from '../money.js';
import { type Policy, levelsReached, pointsEarned } from '../policy.js';
import { err, ok, type Result } from '../result.js';
import { addDays, addMonths, calendarDateIn, msPerHour } from '../time.js';
import { clockSkewToleranceMs, maxHoursPerRecordText } from '../limits.js';
import type { MemberCommand } from './commands.js';
import type { HoldPurpose, LotTake, MemberEvent, NewLot, TransferredPortion } from './events.js';
import { compareSpendOrder, freeOf, freePoints, isUsable, sumTakes, takeFree } from './lots.js';
import { type Hold, type MemberState, type PaymentOut, type ServiceRecordState, holdKey, presenceEnd, recordedService } from './state.js';

export interface MemberDecisionContext {
  readonly now: Date;
  readonly actor: Actor;
  readonly community: CommunityState;
  /**
   * For `ReceivePayment` only: the payment as the payer's stream recorded it (a decider sees one stream, so the
   * runtime looks it up), or null when the payer's stream holds none.
   */
  readonly payment?: (PaymentOut & { readonly returned: boolean }) | null;
}

type Decision = Result<MemberEvent[], DomainError>;

const maxHoursPerRecord = Hours.of(maxHoursPerRecordText);

export function decideMember(command: MemberCommand, state: MemberState, context: MemberDecisionContext): Decision {
  if (command.type === 'RegisterMember') return registerMember(command, state);
  if (command.type === 'ReceivePoints') return receivePoints(command, state, context);
  if (!state.exists) return err(notFound('member', command.memberId));
  switch (command.type) {
    case 'RecordProfile':
      return ok([{ type: 'MemberProfileRecorded', data: { sealed: command.sealedProfile! } }]);
    case 'ErasePersonalData':
      return ok([{ type: 'MemberProfileErased', data: { reason: command.reason } }]);
    case 'RecordCheckedInHours':
      return recordCheckedInHours(command, state, context);
    case 'ReportHours':
      return reportHours(command, state, context);
    case 'ApproveService':
      return approveService(command, state, context);
    case 'RejectService':
      return rejectService(command, state, context);
    case 'ReverseService':
      return reverseService(command, state, context);
    case 'GrantPoints':
      return grantPoints(command, state, context);
    case 'ExpirePoints':
      return expirePoints(command, state, context);
    case 'PlaceHold':
      return placeHold(command, state, context);
    case 'ReleaseHold':
      return releaseHold(command, state);
    case 'SpendHold':
      return spendHold(command, state);
    case 'SendPoints':
      return sendPoints(command, state, context);
    case 'RefundTransfer':
      return refundTransfer(command, state, context);
    case 'RecordServiceGiven':
      return recordServiceGiven(command, state, context);
    case 'WithdrawServiceGiven':
      return withdrawServiceGiven(command, state, context);
    case 'BeginPresence':
      return beginPresence(command, state);
    case 'EndPresence':
      return endPresence(command, state);
    case 'RecordAttendance':
      return recordAttendance(command, state, context);
    case 'ApproveRecord':
      return approveRecord(command, state, context);
    case 'RecordRequestService':
      return recordRequestService(command, state, context);
    case 'PayHold':
      return payHold(command, state);
    case 'ReceivePayment':
      return receivePayment(command, state, context);
    case 'ReturnPayment':
      return returnPayment(command, state);
  }
}

type Command<T extends MemberCommand['type']> = Extract<MemberCommand, { type: T }>;

function registerMember(command: Command<'RegisterMember'>, state: MemberState): Decision {
  if (state.exists) return err(alreadyExists('member', command.memberId));
  const events: MemberEvent[] = [
    {
      type: 'MemberRegistered',
      data: {
        communityId: command.communityId,
        memberId: command.memberId,
        householdId: command.householdId ?? null,
        compound: command.compound ?? null,
        building: command.building ?? null,
      },
    },
  ];
  if (command.sealedProfile) events.push({ type: 'MemberProfileRecorded', data: { sealed: command.sealedProfile } });
  return ok(events);
}

// ── Hours ───────────────────────────────────────────────────────────────────────────────────────────

/** Rule 6: a record's hours are > 0, ≤ 24, and at least the policy's minimum. */
function hoursAreSane(hours: Hours, policy: Policy): DomainError | null {
  const minimum = Hours.of(policy.minimumServiceHours);
  if (!hours.isPositive() || hours.gt(maxHoursPerRecord)) {
    return domainError('hours-out-of-range', `hours must be more than 0 and at most 24, got ${hours}`, { hours: hours.toString() });
  }
  if (hours.lt(minimum)) {
    return domainError('hours-out-of-range', `hours ${hours} are below the policy's minimum service length of ${minimum}`, {
      hours: hours.toString(),
      minimumHours: minimum.toString(),
    });
  }
  return null;
}

function activeCategory(context: MemberDecisionContext, category: string): DomainError | null {
  return categoryRefusal(context.community, category);
}

function recordCheckedInHours(command: Command<'RecordCheckedInHours'>, state: MemberState, context: MemberDecisionContext): Decision {
  if (state.records.has(command.recordId)) return err(alreadyExists('service record', command.recordId));
  const categoryError = activeCategory(context, command.category);
  if (categoryError) return err(categoryError);
  const checkedIn = new Date(command.checkedInAt);
  const checkedOut = new Date(command.checkedOutAt);
  const timesError = checkedTimesError(checkedIn, checkedOut, context);
  if (timesError) return err(timesError);
  const hours = Hours.fromMilliseconds(checkedOut.getTime() - checkedIn.getTime());
  const recordedForThemselves = context.actor.id === state.memberId && context.actor.role !== 'system';
  return recordMeasured(state, { recordId: command.recordId, category: command.category, activityId: command.activityId ?? null, checkedIn, checkedOut, checkedInAt: command.checkedInAt, checkedOutAt: command.checkedOutAt, hours }, recordedForThemselves, context);
}

function checkedTimesError(checkedIn: Date, checkedOut: Date, context: MemberDecisionContext): DomainError | null {
  if (checkedOut.getTime() <= checkedIn.getTime()) {
    return domainError('hours-out-of-range', `check-out ${checkedOut.toISOString()} is not after check-in ${checkedIn.toISOString()}`);
  }
  if (checkedOut.getTime() > context.now.getTime() + clockSkewToleranceMs) {
    return domainError('hours-out-of-range', `check-out ${checkedOut.toISOString()} is in the future (now ${context.now.toISOString()})`);
  }
  return null;
}

interface Measured {
  readonly recordId: string;
  readonly category: string;
  readonly activityId: string | null;
  readonly checkedIn: Date;
  readonly checkedOut: Date;
  /** The same instants as canonical text (as the command's parser wrote them), so no Date is formatted again. */
  readonly checkedInAt: string;
  readonly checkedOutAt: string;
  readonly hours: Hours;
}

/**
 * 签到时长 (credit hours): a record of hours the ledger measured, approved at once where the policy says so —
 * except hours an actor records for themselves: auto-approval stands in for an organiser, so those wait for
 * another organiser like any self-approval would.
 */
function recordMeasured(state: MemberState, m: Measured, forThemselves: boolean, context: MemberDecisionContext): Decision {
  const { policy, version } = currentPolicy(context.community);
  const hoursError = hoursAreSane(m.hours, policy);
  if (hoursError) return err(hoursError);
  const recorded: MemberEvent = {
    type: 'ServiceRecorded',
    data: {
      recordId: m.recordId,
      kind: 'checked-in',
      category: m.category,
      activityId: m.activityId,
      serviceDate: calendarDateIn(m.checkedIn, context.community.timeZone),
      hours: m.hours.toString(),
      checkedInAt: m.checkedInAt,
      checkedOutAt: m.checkedOutAt,
      activityHours: null,
      recordedBy: context.actor.id,
    },
  };
  if (!policy.autoApproveCheckedIn || forThemselves) return ok([recorded]);
  const record = recordedService(recorded.data);
  // A check-in past the daily cap stays pending for an organiser rather than failing: the hours were served.
  if (!countedHours(state, record, policy).isPositive()) return ok([recorded]);
  const approval = approve(state, record, policy, version, context, true);
  return approval.ok ? ok([recorded, ...approval.value]) : approval;
}

function reportHours(command: Command<'ReportHours'>, state: MemberState, context: MemberDecisionContext): Decision {
  if (state.records.has(command.recordId)) return err(alreadyExists('service record', command.recordId));
  const categoryError = activeCategory(context, command.category);
  if (categoryError) return err(categoryError);
  const { policy } = currentPolicy(context.community);
  const hours = Hours.of(command.hours);
  const hoursError = hoursAreSane(hours, policy);
  if (hoursError) return err(hoursError);
  const activityHours = Hours.of(command.activityHours);
  if (hours.gt(activityHours)) {
    return err(
      domainError('hours-out-of-range', `reported ${hours} hours exceed the activity's length of ${activityHours} hours`, {
        hours: hours.toString(),
        activityHours: activityHours.toString(),
      }),
    );
  }
  const today = calendarDateIn(context.now, context.community.timeZone);
  if (command.serviceDate > today) {
    return err(domainError('hours-out-of-range', `service date ${command.serviceDate} is in the future (today is ${today})`));
  }
  return ok([
    {
      type: 'ServiceRecorded',
      data: {
        recordId: command.recordId,
        kind: 'reported',
        category: command.category,
        activityId: command.activityId ?? null,
        serviceDate: command.serviceDate,
        hours: hours.toString(),
        checkedInAt: null,
        checkedOutAt: null,
        activityHours: activityHours.toString(),
        recordedBy: context.actor.id,
      },
    },
  ]);
}

/**
 * A process's attempt whose record of the volunteer's service was withdrawn when the attempt was abandoned (the
 * step after it refused), found again because a crash kept the abandonment from being recorded. Refused, so the
 * attempt is abandoned now and the next one records under an id of its own (`idOfAttempt`): taken as done, the
 * process would go on and pay with the volunteer's record withdrawn.
 */
function withdrawnAttempt(state: MemberState, recordId: string, attempt: string, retry: string): DomainError {
  return invalidState(`${state.memberId}'s record ${recordId} of this ${attempt} was withdrawn when the ${attempt} was abandoned; ${retry}`, { recordId });
}

/**
 * A volunteer's service given through a redemption: a reported record awaiting an organiser, made once per
 * fulfilment attempt. Found withdrawn, its attempt was abandoned (the spend after it refused) and a crash kept that
 * from being recorded: the attempt is refused, so the redemption goes back to held and the next attempt records
 * the service under an id of its own — never a fulfilment whose volunteer's record stays withdrawn.
 */
function recordServiceGiven(command: Command<'RecordServiceGiven'>, state: MemberState, context: MemberDecisionContext): Decision {
  const existing = state.records.get(command.recordId);
  if (existing && existing.status === 'rejected') return err(withdrawnAttempt(state, command.recordId, 'fulfilment attempt', 'fulfil the redemption again'));
  if (existing) return ok([]);
  const categoryError = activeCategory(context, command.category);
  if (categoryError) return err(categoryError);
  const hours = Hours.of(command.hours);
  const hoursError = hoursAreSane(hours, currentPolicy(context.community).policy);
  if (hoursError) return err(hoursError);
  return ok([
    {
      type: 'ServiceRecorded',
      data: {
        recordId: command.recordId,
        kind: 'reported',
        category: command.category,
        activityId: `redemption.${command.redemptionId}`.slice(0, 64),
        serviceDate: command.serviceDate,
        hours: hours.toString(),
        checkedInAt: null,
        checkedOutAt: null,
        activityHours: hours.toString(),
        recordedBy: context.actor.id,
      },
    },
  ]);
}

/** Compensation of `recordServiceGiven`: the pending record is rejected; once rejected (or never made), nothing to do. */
function withdrawServiceGiven(command: Command<'WithdrawServiceGiven'>, state: MemberState, context: MemberDecisionContext): Decision {
  const record = state.records.get(command.recordId);
  if (!record || record.status === 'rejected') return ok([]);
  if (record.status !== 'pending') {
    return err(invalidState(`service record ${command.recordId} is already ${record.status}; it can no longer be withdrawn`, { status: record.status }));
  }
  return ok([{ type: 'ServiceRejected', data: { recordId: command.recordId, rejectedBy: context.actor.id, reason: command.reason } }]);
}

/** Rule 6: what of a record may still count on its day without passing the daily cap. */
function countedHours(state: MemberState, record: ServiceRecordState, policy: Policy): Hours {
  const approvedThatDay = state.approvedHoursByDay.get(record.serviceDate) ?? Hours.zero;
  const room = Hours.of(policy.dailyHoursCap).minus(approvedThatDay);
  return room.isPositive() ? record.hours.min(room) : Hours.zero;
}

/** The organiser deciding on a record must not be the member who served it. */
function decidingOnOwnRecord(state: MemberState, actor: Actor, verb: string): DomainError | null {
  return actor.id === state.memberId && actor.role !== 'system'
    ? notAllowed(`${actor.id} cannot ${verb} their own service record; another organiser must`, { actor: actor.id })
    : null;
}

function pendingRecord(state: MemberState, recordId: string): Result<ServiceRecordState, DomainError> {
  const record = state.records.get(recordId);
  if (!record) return err(notFound('service record', recordId));
  if (record.status !== 'pending') {
    return err(invalidState(`service record ${recordId} is already ${record.status}; only a pending record can be decided`, { status: record.status }));
  }
  return ok(record);
}

function approveService(command: Command<'ApproveService'>, state: MemberState, context: MemberDecisionContext): Decision {
  const ownRecord = decidingOnOwnRecord(state, context.actor, 'approve');
  if (ownRecord) return err(ownRecord);
  const record = pendingRecord(state, command.recordId);
  if (!record.ok) return record;
  const { policy, version } = currentPolicy(context.community);
  return approve(state, record.value, policy, version, context, false);
}

/** Approval: the hours that fit under the daily cap are counted, earn points (rounded once) and may cross levels. */
function approve(
  state: MemberState,
  record: ServiceRecordState,
  policy: Policy,
  policyVersion: number,
  context: MemberDecisionContext,
  automatic: boolean,
): Decision {
  const counted = countedHours(state, record, policy);
  if (!counted.isPositive()) {
    const approvedThatDay = state.approvedHoursByDay.get(record.serviceDate) ?? Hours.zero;
    return err(
      domainError('daily-cap-reached', `${state.memberId} already has ${approvedThatDay} approved hours on ${record.serviceDate}; the daily cap is ${policy.dailyHoursCap}`, {
        serviceDate: record.serviceDate,
        approvedHours: approvedThatDay.toString(),
        dailyHoursCap: policy.dailyHoursCap,
      }),
    );
  }
  const events: MemberEvent[] = [
    {
      type: 'ServiceApproved',
      data: {
        recordId: record.recordId,
        hoursKind: record.kind === 'checked-in' ? 'credit' : 'honour',
        approvedBy: context.actor.id,
        automatic,
        serviceDate: record.serviceDate,
        hoursRecorded: record.hours.toString(),
        hoursApproved: counted.toString(),
        policyVersion,
      },
    },
  ];
  // Honour hours (typed in) earn points only where the policy says so; credit hours (measured) always do.
  const earns = record.kind === 'checked-in' || policy.reportedHoursEarnPoints;
  const points = earns ? pointsEarned(policy, record.category, counted) : Points.zero;
  if (points.isPositive()) {
    const accrual = accrue(state, points, policy, policyVersion, context, `lot:${record.recordId}`, {
      kind: 'service',
      recordId: record.recordId,
      category: record.category,
      hours: counted.toString(),
      pointsPerHour: policy.basePointsPerHour,
      multiplier: policy.categoryMultipliers[record.category] ?? '1',
    });
    if (!accrual.ok) return accrual;
    events.push(...accrual.value);
  }
  const totalAfter = state.hoursTotal.plus(counted);
  for (const reached of levelsReached(policy, state.level, totalAfter)) {
    events.push({ type: 'LevelReached', data: { level: reached.level, thresholdHours: reached.thresholdHours, totalHours: totalAfter.toString() } });
  }
  return ok(events);
}

type AccrualSource = Extract<MemberEvent, { type: 'PointsAccrued' }>['data']['source'];

/** issuance → member: a deficit is settled first (rule 2), the rest becomes a lot with the policy's lock and expiry. */
function accrue(
  state: MemberState,
  points: Points,
  policy: Policy,
  policyVersion: number,
  context: MemberDecisionContext,
  lotId: string,
  source: AccrualSource,
): Decision {
  const cap = policy.maxBalance;
  if (cap && cap.overflow === 'refuse' && state.balance.plus(points).gt(Points.of(cap.points))) {
    return err(
      domainError('max-balance-exceeded', `${state.memberId} holds ${state.balance}; ${points} more would pass the maximum balance of ${cap.points}`, {
        balance: state.balance.toString(),
        points: points.toString(),
        maxBalance: cap.points,
      }),
    );
  }
  const deficitSettled = state.deficit.min(points);
  const lotPoints = points.minus(deficitSettled);
  const now = context.now;
  const lot: NewLot | null = lotPoints.isPositive()
    ? {
        lotId,
        points: lotPoints.toString(),
        accruedAt: now.toISOString(),
        expiresAt: policy.expiry.kind === 'never' ? null : addMonths(now, policy.expiry.months).toISOString(),
        unlocksAt: policy.lockDays > 0 ? addDays(now, policy.lockDays).toISOString() : null,
      }
    : null;
  const events: MemberEvent[] = [
    { type: 'PointsAccrued', data: { points: points.toString(), deficitSettled: deficitSettled.toString(), lot, policyVersion, source } },
  ];
  // Above a 'donate' cap the excess leaves at once for the donation pool, as a transfer the ledger delivers.
  if (cap && cap.overflow === 'donate' && state.memberId !== donationPoolId) {
    const excess = state.balance.plus(points).minus(Points.of(cap.points));
    if (excess.isPositive() && lot) {
      const portion = excess.min(lotPoints);
      events.push({
        type: 'PointsTransferredOut',
        data: {
          transferId: `overflow-${lotId.replace(/^lot:/, '')}`.slice(0, 64),
          to: donationPoolId,
          reason: 'overflow',
          day: calendarDateIn(now, context.community.timeZone),
          points: portion.toString(),
          fromLots: [{ lotId, points: portion.toString(), accruedAt: lot.accruedAt, expiresAt: lot.expiresAt }],
        },
      });
    }
  }
  return ok(events);
}

function rejectService(command: Command<'RejectService'>, state: MemberState, context: MemberDecisionContext): Decision {
  const ownRecord = decidingOnOwnRecord(state, context.actor, 'reject');
  if (ownRecord) return err(ownRecord);
  const record = pendingRecord(state, command.recordId);
  if (!record.ok) return record;
  return ok([{ type: 'ServiceRejected', data: { recordId: command.recordId, rejectedBy: context.actor.id, reason: command.reason } }]);
}

/** 撤销/追回: the record's hours are withdrawn and its points taken back — free points first, the rest as a deficit. */
function reverseService(command: Command<'ReverseService'>, state: MemberState, context: MemberDecisionContext): Decision {
  const ownRecord = decidingOnOwnRecord(state, context.actor, 'reverse');
  if (ownRecord) return err(ownRecord);
  const record = state.records.get(command.recordId);
  if (!record) return err(notFound('service record', command.recordId));
  if (record.status !== 'approved') {
    return err(invalidState(`service record ${command.recordId} is ${record.status}; only an approved record can be reversed`, { status: record.status }));
  }
  const events: MemberEvent[] = [
    {
      type: 'ServiceReversed',
      data: {
        recordId: record.recordId,
        reversedBy: context.actor.id,
        reason: command.reason,
        serviceDate: record.serviceDate,
        hoursReversed: record.hoursApproved.toString(),
      },
    },
  ];
  if (record.points.isPositive()) {
    // Every free point counts here, locked or past expiry alike: the points were never the member's to keep.
    const fromLots = takeFree(state.lots.values(), record.points, () => true, record.lotId ?? undefined);
    const deficitAdded = record.points.minus(sumTakes(fromLots));
    events.push({
      type: 'PointsClawedBack',
      data: { recordId: record.recordId, points: record.points.toString(), fromLots, deficitAdded: deficitAdded.toString() },
    });
  }
  return ok(events);
}

function grantPoints(command: Command<'GrantPoints'>, state: MemberState, context: MemberDecisionContext): Decision {
  if (state.grants.has(command.grantId)) return err(alreadyExists('grant', command.grantId));
  const { policy, version } = currentPolicy(context.community);
  return accrue(state, Points.of(command.points), policy, version, context, `lot:grant:${command.grantId}`, {
    kind: 'grant',
    grantId: command.grantId,
    reason: command.reason,
    grantedBy: context.actor.id,
  });
}

// ── Expiry ──────────────────────────────────────────────────────────────────────────────────────────

/** Each lot past its expiry gives up its free remainder once; held points wait until their hold ends. */
function expirePoints(command: Command<'ExpirePoints'>, state: MemberState, context: MemberDecisionContext): Decision {
  const asOf = command.asOf ? new Date(command.asOf) : context.now;
  if (asOf.getTime() > context.now.getTime()) {
    return err(domainError('validation', `cannot expire points as of ${asOf.toISOString()}, which is after now (${context.now.toISOString()})`));
  }
  const asOfText = asOf.toISOString();
  const events: MemberEvent[] = [];
  for (const lot of state.lots.values()) {
    const free = freeOf(lot);
    if (lot.expiresAt !== null && lot.expiresAt <= asOfText && free.isPositive()) {
      events.push({ type: 'PointsExpired', data: { lotId: lot.lotId, points: free.toString(), expiresAt: lot.expiresAt, asOf: asOfText } });
    }
  }
  return ok(events);
}

// ── Holds (steps of a redemption) ───────────────────────────────────────────────────────────────────

/** Rule 2: available = free points of unlocked, unexpired lots; nothing while in deficit. */
export function availablePoints(state: MemberState, asOf: Date): Points {
  if (state.deficit.isPositive()) return Points.zero;
  const at = asOf.toISOString();
  return freePoints(state.lots.values(), (lot) => isUsable(lot, at));
}

function refuseInDeficit(state: MemberState): DomainError {
  return domainError('in-deficit', `${state.memberId} owes ${state.deficit} points after a clawback and can spend nothing until it is settled`, {
    deficit: state.deficit.toString(),
  });
}

function insufficient(available: Points, needed: Points): DomainError {
  return domainError('insufficient-points', `insufficient points: available ${available}, needed ${needed}`, {
    available: available.toString(),
    needed: needed.toString(),
  });
}

/** Member-initiated spending takes usable lots in spend order, never more than is available (rule 2, rule 3). */
function takeAvailable(state: MemberState, points: Points, now: Date): Result<LotTake[], DomainError> {
  if (state.deficit.isPositive()) return err(refuseInDeficit(state));
  const available = availablePoints(state, now);
  if (available.lt(points)) return err(insufficient(available, points));
  const at = now.toISOString();
  return ok(takeFree(state.lots.values(), points, (lot) => isUsable(lot, at)));
}

function placeHold(command: Command<'PlaceHold'>, state: MemberState, context: MemberDecisionContext): Decision {
  const key = holdKey(command.purpose, command.holdId);
  if (state.openHolds.has(key) || state.closedHolds.has(key)) return ok([]);
  const points = Points.of(command.points);
  const fromLots = takeAvailable(state, points, context.now);
  if (!fromLots.ok) return fromLots;
  return ok([
    {
      type: 'PointsHeld',
      data: {
        holdId: command.holdId,
        redemptionId: command.redemptionId,
        points: points.toString(),
        fromLots: fromLots.value,
        expiresAt: command.expiresAt,
        ...purposeOf(command.purpose),
      },
    },
  ]);
}

/** A redemption's hold events carry no purpose, as they did before there were others. */
const purposeOf = (purpose: HoldPurpose | undefined): { purpose?: HoldPurpose } => (purpose === undefined || purpose === 'redemption' ? {} : { purpose });

function releaseHold(command: Command<'ReleaseHold'>, state: MemberState): Decision {
  const key = holdKey(command.purpose, command.holdId);
  if (state.closedHolds.has(key)) return ok([]);
  const hold = state.openHolds.get(key);
  if (!hold) return err(notFound('hold', command.holdId));
  // While in deficit every free point is already gone, so the freed portions are what settles it.
  let owed = state.deficit;
  const deficitSettledFromLots: LotTake[] = [];
  for (const take of hold.fromLots) {
    if (!owed.isPositive()) break;
    const settle = Points.of(take.points).min(owed);
    deficitSettledFromLots.push({ lotId: take.lotId, points: settle.toString() });
    owed = owed.minus(settle);
  }
  return ok([
    {
      type: 'HoldReleased',
      data: {
        holdId: hold.holdId,
        redemptionId: hold.redemptionId,
        points: hold.points.toString(),
        reason: command.reason,
        deficitSettledFromLots,
        ...purposeOf(command.purpose),
      },
    },
  ]);
}

function spendHold(command: Command<'SpendHold'>, state: MemberState): Decision {
  const hold = holdToEnd(state, holdKey(command.purpose, command.holdId), command.holdId);
  if (!hold.ok || hold.value === null) return hold.ok ? ok([]) : hold;
  return ok([
    {
      type: 'HeldPointsSpent',
      data: { holdId: hold.value.holdId, redemptionId: hold.value.redemptionId, points: hold.value.points.toString(), fromLots: [...hold.value.fromLots], ...purposeOf(command.purpose) },
    },
  ]);
}

/**
 * The open hold a spend or a payment ends: null when it was spent already (a repeated step); refused when it
 * ended otherwise, does not exist, or the member is in deficit (held points may not leave while they owe).
 */
function holdToEnd(state: MemberState, key: string, holdId: string): Result<Hold | null, DomainError> {
  const ended = state.closedHolds.get(key);
  if (ended === 'spent') return ok(null);
  if (ended) return err(invalidState(`hold ${holdId} was ${ended}; it cannot be spent`, { hold: ended }));
  const hold = state.openHolds.get(key);
  if (!hold) return err(notFound('hold', holdId));
  if (state.deficit.isPositive()) return err(refuseInDeficit(state));
  return ok(hold);
}

// ── Transfers ───────────────────────────────────────────────────────────────────────────────────────

function sendPoints(command: Command<'SendPoints'>, state: MemberState, context: MemberDecisionContext): Decision {
  if (state.transfersOut.has(command.transferId)) return ok([]);
  const { policy } = currentPolicy(context.community);
  const refusal = transferRefusal(command, state, policy, context);
  if (refusal) return err(refusal);
  const points = Points.of(command.points);
  const takes = takeAvailable(state, points, context.now);
  if (!takes.ok) return takes;
  const fromLots: TransferredPortion[] = takes.value.map((take) => {
    const lot = state.lots.get(take.lotId)!;
    return { lotId: take.lotId, points: take.points, accruedAt: lot.accruedAt, expiresAt: lot.expiresAt };
  });
  return ok([
    {
      type: 'PointsTransferredOut',
      data: {
        transferId: command.transferId,
        to: command.to,
        reason: command.reason,
        day: calendarDateIn(context.now, context.community.timeZone),
        points: points.toString(),
        fromLots,
      },
    },
  ]);
}

/** 转赠 rules of the policy: allowed at all, to whom, and how much a day. */
function transferRefusal(command: Command<'SendPoints'>, state: MemberState, policy: Policy, context: MemberDecisionContext): DomainError | null {
  const rules = policy.transfers;
  const toPool = command.to === donationPoolId;
  if (command.to === state.memberId) return domainError('validation', 'a transfer needs a recipient other than the sender');
  if (!rules.allowed) return domainError('transfer-not-allowed', `transfers are switched off in ${context.community.communityId}'s policy`);
  if (rules.recipients === 'pool' && !toPool) {
    return domainError('transfer-not-allowed', 'the policy allows donations to the community pool only');
  }
  if (rules.recipients === 'family' && !toPool && (state.householdId === null || command.recipientHouseholdId !== state.householdId)) {
    return domainError('transfer-not-allowed', `the policy allows transfers within a household only; ${command.to} is not in ${state.memberId}'s household`);
  }
  if (rules.dailyLimit !== null) {
    const today = calendarDateIn(context.now, context.community.timeZone);
    let sentToday = Points.zero;
    for (const sent of state.transfersOut.values()) if (sent.day === today && sent.reason !== 'overflow') sentToday = sentToday.plus(sent.points);
    const limit = Points.of(rules.dailyLimit);
    if (sentToday.plus(Points.of(command.points)).gt(limit)) {
      return domainError('limit-reached', `daily transfer limit ${limit}: already sent ${sentToday} today, ${command.points} more would pass it`, {
        dailyLimit: limit.toString(),
        sentToday: sentToday.toString(),
      });
    }
  }
  return null;
}

/** Points arriving (or coming back) keep their original expiry; a deficit is settled first. */
function creditPortions(state: MemberState, portions: readonly TransferredPortion[], lotPrefix: string): { deficitSettled: Points; lots: NewLot[] } {
  let owed = state.deficit;
  const lots: NewLot[] = [];
  // In spend order (soonest-expiring first, never-expiring last), so a deficit takes the points closest to expiry.
  const ordered = [...portions].sort(compareSpendOrder);
  for (const portion of ordered) {
    let points = Points.of(portion.points);
    const settle = points.min(owed);
    owed = owed.minus(settle);
    points = points.minus(settle);
    if (points.isPositive()) {
      lots.push({ lotId: `${lotPrefix}:${portion.lotId}`, points: points.toString(), accruedAt: portion.accruedAt, expiresAt: portion.expiresAt, unlocksAt: null });
    }
  }
  return { deficitSettled: state.deficit.minus(owed), lots };
}

function receivePoints(command: Command<'ReceivePoints'>, state: MemberState, context: MemberDecisionContext): Decision {
  if (state.transfersIn.has(command.transferId)) return ok([]);
  const opening: MemberEvent[] = [];
  if (!state.exists) {
    if (command.memberId !== donationPoolId) return err(notFound('member', command.memberId));
    // The donation pool opens with its first donation.
    opening.push({ type: 'MemberRegistered', data: { communityId: command.communityId, memberId: donationPoolId, householdId: null, compound: null, building: null } });
  }
  const points = Points.of(command.points);
  const { policy } = currentPolicy(context.community);
  const cap = policy.maxBalance;
  if (cap && command.memberId !== donationPoolId && state.balance.plus(points).gt(Points.of(cap.points))) {
    return err(domainError('max-balance-exceeded', `${command.memberId} holds ${state.balance}; receiving ${points} would pass the maximum balance of ${cap.points}`));
  }
  const { deficitSettled, lots } = creditPortions(state, command.portions, `in:${command.transferId}`);
  return ok([
    ...opening,
    { type: 'PointsTransferredIn', data: { transferId: command.transferId, from: command.from, points: points.toString(), deficitSettled: deficitSettled.toString(), lots } },
  ]);
}

function refundTransfer(command: Command<'RefundTransfer'>, state: MemberState, _context: MemberDecisionContext): Decision {
  if (state.refunds.has(command.transferId)) return ok([]);
  const sent = state.transfersOut.get(command.transferId);
  if (!sent) return err(notFound('transfer', command.transferId));
  const { deficitSettled, lots } = creditPortions(state, sent.portions, `refund:${command.transferId}`);
  return ok([
    {
      type: 'TransferRefunded',
      data: { transferId: command.transferId, points: sent.points.toString(), deficitSettled: deficitSettled.toString(), lots, reason: command.reason },
    },
  ]);
}

// ── Presence at activities (签到 / 签退) ───────────────────────────────────────────────────────────────

/** Two half-open intervals [a, b) of ISO instants share some time. */
const overlaps = (aFrom: string, aTo: string, bFrom: string, bTo: string): boolean => aFrom < bTo && bFrom < aTo;

/** The member's presence elsewhere that [from, to) would overlap, if any. */
function overlappingPresence(state: MemberState, activityId: string, from: string, to: string): DomainError | null {
  for (const [other, presence] of state.presences) {
    if (other === activityId || !overlaps(from, to, presence.at, presenceEnd(presence))) continue;
    const until = presenceEnd(presence);
    return invalidState(`${state.memberId} is present at activity ${other} from ${presence.at} until ${until}; a member cannot be at two activities at once — check out of ${other} first`, {
      activity: other,
      presentFrom: presence.at,
      presentUntil: until,
    });
  }
  return null;
}

/**
 * A check-in claims the member's time from `at` until the activity's end: refused while that overlaps a presence
 * at another activity (checked out there, or its end passed, it no longer does). Decided on the member's stream,
 * so two check-ins of one member at two activities are decided one after the other and only one can win.
 */
function beginPresence(command: Command<'BeginPresence'>, state: MemberState): Decision {
  if (state.presences.has(command.activityId)) return ok([]);
  if (command.until <= command.at) {
    return err(domainError('validation', `a presence needs an end after its start; got ${command.at} until ${command.until}`));
  }
  const overlap = overlappingPresence(state, command.activityId, command.at, command.until);
  if (overlap) return err(overlap);
  return ok([{ type: 'PresenceBegan', data: { activityId: command.activityId, at: command.at, until: command.until } }]);
}

function endPresence(command: Command<'EndPresence'>, state: MemberState): Decision {
  const presence = state.presences.get(command.activityId);
  if (!presence || presence.endedAt !== null) return ok([]);
  const at = command.at < presence.at ? presence.at : command.at;
  return ok([{ type: 'PresenceEnded', data: { activityId: command.activityId, at } }]);
}

/**
 * An attendance becomes a checked-in service record for the time present within the activity's window. The time
 * must not overlap a presence elsewhere (it cannot, if the check-in claimed it; if a crash kept the claim from
 * being recorded, it is claimed here, with the same rule). Recorded once: a repeat for the same activity is nothing.
 */
function recordAttendance(command: Command<'RecordAttendance'>, state: MemberState, context: MemberDecisionContext): Decision {
  const existing = state.records.get(command.recordId);
  if (existing) {
    return existing.activityId === command.activityId && existing.kind === 'checked-in' ? ok([]) : err(alreadyExists('service record', command.recordId));
  }
  const categoryError = activeCategory(context, command.category);
  if (categoryError) return err(categoryError);
  const checkedIn = new Date(command.checkedInAt);
  const checkedOut = new Date(command.checkedOutAt);
  const timesError = checkedTimesError(checkedIn, checkedOut, context);
  if (timesError) return err(timesError);
  const overlap = overlappingPresence(state, command.activityId, command.checkedInAt, command.checkedOutAt);
  if (overlap) return err(overlap);
  const presence = state.presences.get(command.activityId);
  const forThemselves = command.selfMarked || (context.actor.id === state.memberId && context.actor.role !== 'system');
  const recorded = recordMeasured(
    state,
    {
      recordId: command.recordId,
      category: command.category,
      activityId: command.activityId,
      checkedIn,
      checkedOut,
      checkedInAt: command.checkedInAt,
      checkedOutAt: command.checkedOutAt,
      hours: Hours.of(command.hours),
    },
    forThemselves,
    context,
  );
  if (!recorded.ok) return recorded;
  const events: MemberEvent[] = [];
  if (!presence) events.push({ type: 'PresenceBegan', data: { activityId: command.activityId, at: command.checkedInAt, until: command.checkedOutAt } });
  events.push(...recorded.value);
  if (!presence || presence.endedAt === null) events.push({ type: 'PresenceEnded', data: { activityId: command.activityId, at: command.checkedOutAt } });
  return ok(events);
}

/** Approval by a process (an activity's bulk approval, a confirmed request): as an organiser's, and nothing if done. */
function approveRecord(command: Command<'ApproveRecord'>, state: MemberState, context: MemberDecisionContext): Decision {
  const record = state.records.get(command.recordId);
  if (record?.status === 'approved') return ok([]);
  const ownRecord = decidingOnOwnRecord(state, context.actor, 'approve');
  if (ownRecord) return err(ownRecord);
  const pending = pendingRecord(state, command.recordId);
  if (!pending.ok) return pending;
  const { policy, version } = currentPolicy(context.community);
  return approve(state, pending.value, policy, version, context, command.automatic);
}

// ── Service requests (点单 → 评单) ─────────────────────────────────────────────────────────────────────

/** A request's process id on member streams: the record's activity, so a record is recognised as the request's. */
export const requestProcessId = (requestId: string): string => `request.${requestId}`;

/** The volunteer's hours for a confirmed request: honour hours (typed in by the volunteer, confirmed by the requester), once. */
function recordRequestService(command: Command<'RecordRequestService'>, state: MemberState, context: MemberDecisionContext): Decision {
  const processId = requestProcessId(command.requestId);
  const existing = state.records.get(command.recordId);
  if (existing && existing.activityId !== processId) return err(alreadyExists('service record', command.recordId));
  // Withdrawn: this confirmation was abandoned (its payment refused) and a crash kept that from being recorded.
  if (existing && existing.status === 'rejected') return err(withdrawnAttempt(state, command.recordId, 'confirmation', 'confirm the request again'));
  if (existing) return ok([]);
  const categoryError = activeCategory(context, command.category);
  if (categoryError) return err(categoryError);
  const hours = Hours.of(command.hours);
  const hoursError = hoursAreSane(hours, currentPolicy(context.community).policy);
  if (hoursError) return err(hoursError);
  return ok([
    {
      type: 'ServiceRecorded',
      data: {
        recordId: command.recordId,
        kind: 'reported',
        category: command.category,
        activityId: processId,
        serviceDate: command.serviceDate,
        hours: hours.toString(),
        checkedInAt: null,
        checkedOutAt: null,
        activityHours: hours.toString(),
        recordedBy: context.actor.id,
      },
    },
  ]);
}

/** The requester's hold ends in a payment to the volunteer: its lot portions leave with their expiry (member → in-transit). */
function payHold(command: Command<'PayHold'>, state: MemberState): Decision {
  if (state.paymentsOut.has(command.requestId)) return ok([]);
  if (command.to === state.memberId) return err(domainError('validation', 'a request cannot pay its own requester'));
  const hold = holdToEnd(state, holdKey('service-request', command.requestId), command.requestId);
  if (!hold.ok) return hold;
  // Only a payment ends a request's hold in a spend, and it is recorded in paymentsOut, checked above.
  invariant(hold.value !== null, () => `${state.memberId}: request ${command.requestId}'s hold was spent without a payment`);
  const fromLots: TransferredPortion[] = hold.value.fromLots.map((take) => {
    const lot = state.lots.get(take.lotId);
    invariant(lot !== undefined, () => `${state.memberId}: held lot ${take.lotId} is gone`);
    return { lotId: take.lotId, points: take.points, accruedAt: lot.accruedAt, expiresAt: lot.expiresAt };
  });
  return ok([{ type: 'HeldPointsPaid', data: { requestId: command.requestId, holdId: command.requestId, to: command.to, points: hold.value.points.toString(), fromLots } }]);
}

/** The volunteer receives the payment as the payer's stream recorded it (looked up by the runtime): in-transit → member. */
function receivePayment(command: Command<'ReceivePayment'>, state: MemberState, context: MemberDecisionContext): Decision {
  if (state.paymentsIn.has(command.requestId)) return ok([]);
  const payment = context.payment;
  if (!payment) return err(notFound('payment of request', command.requestId));
  if (payment.to !== state.memberId) return err(invalidState(`request ${command.requestId} paid ${payment.to}, not ${state.memberId}`));
  if (payment.returned) return err(invalidState(`the payment of request ${command.requestId} went back to ${command.from}; it can no longer be received`));
  const cap = currentPolicy(context.community).policy.maxBalance;
  if (cap && state.balance.plus(payment.points).gt(Points.of(cap.points))) {
    return err(domainError('max-balance-exceeded', `${state.memberId} holds ${state.balance}; receiving ${payment.points} would pass the maximum balance of ${cap.points}`));
  }
  const { deficitSettled, lots } = creditPortions(state, payment.portions, `pay:${command.requestId}`);
  return ok([
    {
      type: 'ServicePaymentReceived',
      data: { requestId: command.requestId, from: command.from, points: payment.points.toString(), deficitSettled: deficitSettled.toString(), lots },
    },
  ]);
}

/** The payment goes back to the requester, lot portions and expiry as they left (in-transit → member). */
function returnPayment(command: Command<'ReturnPayment'>, state: MemberState): Decision {
  if (state.paymentsReturned.has(command.requestId)) return ok([]);
  const sent = state.paymentsOut.get(command.requestId);
  if (!sent) return err(notFound('payment of request', command.requestId));
  const { deficitSettled, lots } = creditPortions(state, sent.portions, `return:${command.requestId}`);
  return ok([
    {
      type: 'ServicePaymentReturned',
      data: { requestId: command.requestId, points: sent.points.toString(), deficitSettled: deficitSettled.toString(), lots, reason: command.reason },
    },
  ]);
}

export const holdPeriodMs = (policy: Policy): number => policy.holdHours * msPerHour;
