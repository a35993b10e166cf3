/** The member account as folded from its stream, and the fold itself. */
import { Hours, Points } from '../money.js';
import { invariant } from '../errors.js';
import type { HoldPurpose, LotTake, MemberEvent, NewLot, TransferredPortion } from './events.js';
import type { Lot } from './lots.js';
import type { CalendarDate } from '../time.js';

/**
 * The version of `MemberState` and `evolveMember` (with the helpers here and in lots.ts) as stream snapshots
 * record it. Bump it whenever a field or the fold changes: snapshots of another version are ignored, and a
 * cold read folds the whole stream. test/stream-snapshots.property.test.ts fingerprints this file and lots.ts
 * to remind you.
 */
export const memberStateVersion = 1;

export type RecordStatus = 'pending' | 'approved' | 'rejected' | 'reversed';

export interface ServiceRecordState {
  readonly recordId: string;
  readonly kind: 'checked-in' | 'reported';
  readonly category: string;
  /** The activity (or `redemption.`/`request.` process) the record is for, if any. */
  readonly activityId: string | null;
  readonly serviceDate: CalendarDate;
  readonly hours: Hours;
  status: RecordStatus;
  hoursApproved: Hours;
  /** Points this record accrued (what a reversal claws back). */
  points: Points;
  lotId: string | null;
}

export interface Hold {
  readonly holdId: string;
  readonly purpose: HoldPurpose;
  readonly redemptionId: string;
  readonly points: Points;
  readonly fromLots: readonly LotTake[];
  readonly expiresAt: string;
}

/**
 * Holds are kept under their purpose and id: a redemption's hold under its id alone (as before there were other
 * purposes), another purpose's as `purpose/id` — no caller's id can contain `/`, so no two processes share a hold.
 */
export const holdKey = (purpose: HoldPurpose | undefined, holdId: string): string =>
  purpose === undefined || purpose === 'redemption' ? holdId : `${purpose}/${holdId}`;

/** 签到: where the member was present. `until` is the activity's end; an open presence counts until then at most. */
export interface Presence {
  readonly at: string;
  readonly until: string;
  endedAt: string | null;
}

/** When a presence stops counting: its end, or the activity's end if the member never checked out. */
export const presenceEnd = (p: Presence): string => (p.endedAt === null || p.endedAt > p.until ? p.until : p.endedAt);

/** A request's payment as the payer's stream recorded it: what the volunteer receives (or the payer gets back). */
export interface PaymentOut {
  readonly to: string;
  readonly points: Points;
  readonly portions: readonly TransferredPortion[];
}

export interface MemberState {
  exists: boolean;
  communityId: string;
  memberId: string;
  householdId: string | null;
  compound: string | null;
  building: string | null;
  hasProfile: boolean;
  /** The last profile recorded was erased (a profile recorded since is readable again, under a new key). */
  profileErased: boolean;
  /** Erasures so far: the generation of the member's current profile key (see `profileKeyId`). */
  erasures: number;
  readonly records: Map<string, ServiceRecordState>;
  /** Approved (counted) hours per calendar day, for the daily cap. */
  readonly approvedHoursByDay: Map<CalendarDate, Hours>;
  readonly lots: Map<string, Lot>;
  /** balance = Σ lot.remaining − deficit (asserted after every event). */
  balance: Points;
  /** Owed after a clawback exceeded the free points; settled by later accruals first. */
  deficit: Points;
  /** Σ open holds. */
  held: Points;
  readonly openHolds: Map<string, Hold>;
  /** Every hold that ever ended, so a process step repeated after a crash is recognised. Keyed by `holdKey`. */
  readonly closedHolds: Map<string, 'spent' | 'cancelled' | 'expired'>;
  /** Presences at activities, by activity id: intervals that never overlap (the rule checked in `BeginPresence`). */
  readonly presences: Map<string, Presence>;
  /** Payments for service requests made from this account, by request id. */
  readonly paymentsOut: Map<string, PaymentOut>;
  /** Requests whose payment this account received. */
  readonly paymentsIn: Set<string>;
  /** Requests whose payment came back to this account. */
  readonly paymentsReturned: Set<string>;
  /** Approved hours net of reversals: levels and certificates count these. */
  hoursTotal: Hours;
  /** All points ever accrued (grants included). */
  pointsAccruedTotal: Points;
  level: number;
  readonly grants: Set<string>;
  readonly transfersOut: Map<string, { to: string; points: Points; day: CalendarDate; reason: string; portions: readonly TransferredPortion[] }>;
  readonly transfersIn: Set<string>;
  readonly refunds: Set<string>;
}

export const initialMemberState = (): MemberState => ({
  exists: false,
  communityId: '',
  memberId: '',
  householdId: null,
  compound: null,
  building: null,
  hasProfile: false,
  profileErased: false,
  erasures: 0,
  records: new Map(),
  approvedHoursByDay: new Map(),
  lots: new Map(),
  balance: Points.zero,
  deficit: Points.zero,
  held: Points.zero,
  openHolds: new Map(),
  closedHolds: new Map(),
  presences: new Map(),
  paymentsOut: new Map(),
  paymentsIn: new Set(),
  paymentsReturned: new Set(),
  hoursTotal: Hours.zero,
  pointsAccruedTotal: Points.zero,
  level: 0,
  grants: new Set(),
  transfersOut: new Map(),
  transfersIn: new Set(),
  refunds: new Set(),
});

/** A service record as it stands the moment it is recorded: pending, nothing approved or earned yet. */
export function recordedService(d: Extract<MemberEvent, { type: 'ServiceRecorded' }>['data']): ServiceRecordState {
  return {
    recordId: d.recordId,
    kind: d.kind,
    category: d.category,
    activityId: d.activityId,
    serviceDate: d.serviceDate,
    hours: Hours.of(d.hours),
    status: 'pending',
    hoursApproved: Hours.zero,
    points: Points.zero,
    lotId: null,
  };
}

function addLot(state: MemberState, lot: NewLot): void {
  invariant(!state.lots.has(lot.lotId), () => `${state.memberId}: lot ${lot.lotId} created twice`);
  const points = Points.of(lot.points);
  state.lots.set(lot.lotId, {
    lotId: lot.lotId,
    original: points,
    remaining: points,
    held: Points.zero,
    accruedAt: lot.accruedAt,
    expiresAt: lot.expiresAt,
    unlocksAt: lot.unlocksAt,
  });
}

function lotOf(state: MemberState, lotId: string): Lot {
  const lot = state.lots.get(lotId);
  invariant(lot !== undefined, () => `${state.memberId}: unknown lot ${lotId}`);
  return lot;
}

/** Moves `take` points of a lot: out of `remaining` (a spend) and/or out of `held` (a hold ending). */
function adjustLot(state: MemberState, take: LotTake, change: { remaining?: -1 | 0; held?: -1 | 0 | 1 }): void {
  const lot = lotOf(state, take.lotId);
  const points = Points.of(take.points);
  invariant(points.isPositive(), () => `${state.memberId}: lot ${take.lotId} take of ${take.points}`);
  if (change.remaining === -1) lot.remaining = lot.remaining.minus(points);
  if (change.held === 1) lot.held = lot.held.plus(points);
  if (change.held === -1) lot.held = lot.held.minus(points);
  invariant(
    !lot.remaining.isNegative() && !lot.held.isNegative() && lot.held.lte(lot.remaining) && lot.remaining.lte(lot.original),
    () => `${state.memberId}: lot ${lot.lotId} out of bounds (original ${lot.original}, remaining ${lot.remaining}, held ${lot.held})`,
  );
  if (lot.remaining.isZero()) state.lots.delete(lot.lotId);
}

function credit(state: MemberState, points: Points, deficitSettled: Points, lots: readonly NewLot[]): void {
  state.deficit = state.deficit.minus(deficitSettled);
  invariant(!state.deficit.isNegative(), () => `${state.memberId}: deficit settled beyond what was owed`);
  for (const lot of lots) addLot(state, lot);
  state.balance = state.balance.plus(points);
}

function releaseHold(state: MemberState, key: string, ending: 'spent' | 'cancelled' | 'expired'): Hold {
  const hold = state.openHolds.get(key);
  invariant(hold !== undefined, () => `${state.memberId}: hold ${key} is not open`);
  for (const take of hold.fromLots) adjustLot(state, take, { held: -1 });
  state.openHolds.delete(key);
  state.closedHolds.set(key, ending);
  state.held = state.held.minus(hold.points);
  return hold;
}

/**
 * Folds one event into the state. It mutates and returns `state`: states are owned by one cache entry and
 * never shared with a decision in progress, and copying a long account per event would make a command's
 * cost grow with the stream's length.
 */
export function evolveMember(state: MemberState, event: MemberEvent): MemberState {
  switch (event.type) {
    case 'MemberRegistered':
      Object.assign(state, { exists: true, ...event.data });
      break;
    case 'MemberProfileRecorded':
      state.hasProfile = true;
      state.profileErased = false;
      break;
    case 'MemberProfileErased':
      state.profileErased = true;
      state.hasProfile = false;
      state.erasures += 1;
      break;
    case 'ServiceRecorded': {
      const d = event.data;
      invariant(!state.records.has(d.recordId), () => `${state.memberId}: record ${d.recordId} recorded twice`);
      state.records.set(d.recordId, recordedService(d));
      break;
    }
    case 'ServiceApproved': {
      const record = state.records.get(event.data.recordId);
      invariant(record?.status === 'pending', () => `${state.memberId}: approval of ${event.data.recordId} which is not pending`);
      const hours = Hours.of(event.data.hoursApproved);
      record.status = 'approved';
      record.hoursApproved = hours;
      const day = state.approvedHoursByDay.get(record.serviceDate) ?? Hours.zero;
      state.approvedHoursByDay.set(record.serviceDate, day.plus(hours));
      state.hoursTotal = state.hoursTotal.plus(hours);
      break;
    }
    case 'ServiceRejected': {
      const record = state.records.get(event.data.recordId);
      invariant(record?.status === 'pending', () => `${state.memberId}: rejection of ${event.data.recordId} which is not pending`);
      record.status = 'rejected';
      break;
    }
    case 'ServiceReversed': {
      const record = state.records.get(event.data.recordId);
      invariant(record?.status === 'approved', () => `${state.memberId}: reversal of ${event.data.recordId} which is not approved`);
      record.status = 'reversed';
      const day = state.approvedHoursByDay.get(record.serviceDate) ?? Hours.zero;
      state.approvedHoursByDay.set(record.serviceDate, day.minus(record.hoursApproved));
      state.hoursTotal = state.hoursTotal.minus(record.hoursApproved);
      break;
    }
    case 'PointsAccrued': {
      const d = event.data;
      const points = Points.of(d.points);
      credit(state, points, Points.of(d.deficitSettled), d.lot ? [d.lot] : []);
      state.pointsAccruedTotal = state.pointsAccruedTotal.plus(points);
      if (d.source.kind === 'service') {
        const recordId = d.source.recordId;
        const record = state.records.get(recordId);
        invariant(record !== undefined && record.points.isZero(), () => `${state.memberId}: record ${recordId} earned twice`);
        record.points = points;
        record.lotId = d.lot?.lotId ?? null;
      } else {
        state.grants.add(d.source.grantId);
      }
      break;
    }
    case 'PointsClawedBack': {
      for (const take of event.data.fromLots) adjustLot(state, take, { remaining: -1 });
      state.deficit = state.deficit.plus(Points.of(event.data.deficitAdded));
      state.balance = state.balance.minus(Points.of(event.data.points));
      break;
    }
    case 'LevelReached':
      invariant(event.data.level > state.level, () => `${state.memberId}: level ${event.data.level} reached after ${state.level}`);
      state.level = event.data.level;
      break;
    case 'PointsHeld': {
      const d = event.data;
      const key = holdKey(d.purpose, d.holdId);
      invariant(!state.openHolds.has(key) && !state.closedHolds.has(key), () => `${state.memberId}: hold ${key} placed twice`);
      for (const take of d.fromLots) adjustLot(state, take, { held: 1 });
      const points = Points.of(d.points);
      state.openHolds.set(key, { holdId: d.holdId, purpose: d.purpose ?? 'redemption', redemptionId: d.redemptionId, points, fromLots: d.fromLots, expiresAt: d.expiresAt });
      state.held = state.held.plus(points);
      break;
    }
    case 'HoldReleased': {
      releaseHold(state, holdKey(event.data.purpose, event.data.holdId), event.data.reason);
      // Freed points settle a deficit before anything else (rule 2).
      for (const take of event.data.deficitSettledFromLots) adjustLot(state, take, { remaining: -1 });
      state.deficit = state.deficit.minus(Points.sum(event.data.deficitSettledFromLots.map((t) => Points.of(t.points))));
      break;
    }
    case 'HeldPointsSpent': {
      const hold = releaseHold(state, holdKey(event.data.purpose, event.data.holdId), 'spent');
      for (const take of hold.fromLots) adjustLot(state, take, { remaining: -1 });
      state.balance = state.balance.minus(hold.points);
      break;
    }
    case 'HeldPointsPaid': {
      const d = event.data;
      invariant(!state.paymentsOut.has(d.requestId), () => `${state.memberId}: request ${d.requestId} paid twice`);
      const hold = releaseHold(state, holdKey('service-request', d.holdId), 'spent');
      const points = Points.of(d.points);
      invariant(hold.points.eq(points), () => `${state.memberId}: request ${d.requestId} paid ${points} from a hold of ${hold.points}`);
      invariant(Points.sum(d.fromLots.map((p) => Points.of(p.points))).eq(points), () => `${state.memberId}: request ${d.requestId} paid from portions that do not add up`);
      for (const take of d.fromLots) adjustLot(state, take, { remaining: -1 });
      state.balance = state.balance.minus(points);
      state.paymentsOut.set(d.requestId, { to: d.to, points, portions: d.fromLots });
      break;
    }
    case 'ServicePaymentReceived':
      invariant(!state.paymentsIn.has(event.data.requestId), () => `${state.memberId}: payment for request ${event.data.requestId} received twice`);
      state.paymentsIn.add(event.data.requestId);
      credit(state, Points.of(event.data.points), Points.of(event.data.deficitSettled), event.data.lots);
      break;
    case 'ServicePaymentReturned':
      invariant(state.paymentsOut.has(event.data.requestId) && !state.paymentsReturned.has(event.data.requestId), () => `${state.memberId}: payment for request ${event.data.requestId} returned twice or never made`);
      state.paymentsReturned.add(event.data.requestId);
      credit(state, Points.of(event.data.points), Points.of(event.data.deficitSettled), event.data.lots);
      break;
    case 'PresenceBegan': {
      const d = event.data;
      invariant(!state.presences.has(d.activityId), () => `${state.memberId}: presence at ${d.activityId} began twice`);
      state.presences.set(d.activityId, { at: d.at, until: d.until, endedAt: null });
      break;
    }
    case 'PresenceEnded': {
      const presence = state.presences.get(event.data.activityId);
      invariant(presence !== undefined && presence.endedAt === null, () => `${state.memberId}: presence at ${event.data.activityId} ended without being open`);
      presence.endedAt = event.data.at;
      break;
    }
    case 'PointsTransferredOut': {
      const d = event.data;
      for (const take of d.fromLots) adjustLot(state, take, { remaining: -1 });
      state.balance = state.balance.minus(Points.of(d.points));
      state.transfersOut.set(d.transferId, { to: d.to, points: Points.of(d.points), day: d.day, reason: d.reason, portions: d.fromLots });
      break;
    }
    case 'PointsTransferredIn':
      invariant(!state.transfersIn.has(event.data.transferId), () => `${state.memberId}: transfer ${event.data.transferId} arrived twice`);
      state.transfersIn.add(event.data.transferId);
      credit(state, Points.of(event.data.points), Points.of(event.data.deficitSettled), event.data.lots);
      break;
    case 'TransferRefunded':
      invariant(!state.refunds.has(event.data.transferId), () => `${state.memberId}: transfer ${event.data.transferId} refunded twice`);
      state.refunds.add(event.data.transferId);
      credit(state, Points.of(event.data.points), Points.of(event.data.deficitSettled), event.data.lots);
      break;
    case 'PointsExpired': {
      adjustLot(state, { lotId: event.data.lotId, points: event.data.points }, { remaining: -1 });
      state.balance = state.balance.minus(Points.of(event.data.points));
      break;
    }
  }
  return state;
}

/** Σ lot.remaining − deficit: what the balance must always equal (rule 3). */
export function lotsBalance(state: MemberState): Points {
  let total = Points.zero;
  for (const lot of state.lots.values()) total = total.plus(lot.remaining);
  return total.minus(state.deficit);
}
