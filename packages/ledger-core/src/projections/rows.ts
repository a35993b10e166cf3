/**
 * Folded states as the fold works on them (entries) and as a projection store keeps them (rows): the one
 * place that encodes and decodes row payloads, so every store holds exactly the same text.
 *
 * An account keeps what its views and its next events need — lots, open holds, totals, profile — and not
 * its history: the records, closed holds, grants and transfers a decider remembers for idempotence live in
 * their own rows (records) or not at all, so an account row stays small however long the member's history.
 */
import { type ActivityState, type Attendance, type AttendanceOutcome, seatsLeft } from '../activity/state.js';
import type { CommunityState } from '../community/decider.js';
import { invariant, InvariantViolation } from '../errors.js';
import type { SealedProfile } from '../member/events.js';
import type { Lot } from '../member/lots.js';
import { freeOf } from '../member/lots.js';
import { type Hold, holdKey, initialMemberState, type MemberState, type Presence, type ServiceRecordState } from '../member/state.js';
import { Hours, Points } from '../money.js';
import type { RedemptionState } from '../redemption/events.js';
import type { RewardState } from '../reward/decider.js';
import { initialRewardState } from '../reward/decider.js';
import type { ServiceRequestState } from '../service-request/state.js';
import type { TransferState } from '../transfer/events.js';
import type { WishState } from '../wish/state.js';
import type { AccountRow, CommunityRow, ItemRow, ProcessRow, RecordRow, RedemptionRow, TransferRow } from './port.js';

// ── Amounts as whole hundredths, for aggregates a store adds up ───────────────────────────────────────

/** 12.50 → 1250n: the amount's own integer hundredths, as a bigint for sums a store adds up. */
export function toHundredths(amount: Points | Hours): bigint {
  return BigInt(amount.hundredths);
}

/** 1250n → "12.50", -5n → "-0.05". */
export function fromHundredths(value: bigint): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(3, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

// ── Entries: decoded rows the fold mutates ────────────────────────────────────────────────────────────

export interface CommunityEntry {
  readonly communityId: string;
  revision: number;
  readonly state: CommunityState;
}

export interface AccountEntry {
  readonly communityId: string;
  readonly memberId: string;
  revision: number;
  registeredAt: string;
  sealedProfile: SealedProfile | null;
  pointsSpentTotal: Points;
  /** Statement lines written so far: the next line's seq. */
  statementLines: number;
  /** The member's state without its history (see the module comment). */
  readonly state: MemberState;
}

export interface RecordEntry {
  readonly communityId: string;
  readonly memberId: string;
  readonly seq: number;
  readonly state: ServiceRecordState;
  readonly recordedAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  reason: string | null;
  /** Approved by the policy at check-in rather than by an organiser. */
  automatic: boolean;
}

export interface ItemEntry {
  readonly communityId: string;
  readonly seq: number;
  revision: number;
  /** The item without its reservations (the decider's per-member limits need them; views do not). */
  readonly state: RewardState;
}

export interface RedemptionEntry {
  readonly communityId: string;
  readonly seq: number;
  state: RedemptionState;
  readonly requestedAt: string;
  updatedAt: string;
  /** The item's name and kind when the redemption was requested, for statement lines. */
  readonly itemName: string | null;
  readonly itemKind: 'goods' | 'service' | null;
}

export interface TransferEntry {
  readonly communityId: string;
  readonly seq: number;
  state: TransferState;
  readonly requestedAt: string;
  updatedAt: string;
}

// ── Codecs ────────────────────────────────────────────────────────────────────────────────────────────

function parse<T>(payload: string, what: string): T {
  try {
    return JSON.parse(payload) as T;
  } catch {
    throw new InvariantViolation(`projection row ${what} holds a payload that is not JSON; rebuild the projection`);
  }
}

interface CommunityPayload {
  exists: boolean;
  name: string;
  timeZone: string;
  policies: CommunityState['policies'];
  categories: Array<[string, { name: string; active: boolean }]>;
  organisers: string[];
}

export function encodeCommunity(entry: CommunityEntry): CommunityRow {
  const s = entry.state;
  const payload: CommunityPayload = {
    exists: s.exists,
    name: s.name,
    timeZone: s.timeZone,
    policies: s.policies,
    categories: [...s.categories],
    organisers: [...s.organisers],
  };
  return { communityId: entry.communityId, revision: entry.revision, payload: JSON.stringify(payload) };
}

export function decodeCommunity(row: CommunityRow): CommunityEntry {
  const p = parse<CommunityPayload>(row.payload, `community ${row.communityId}`);
  return {
    communityId: row.communityId,
    revision: row.revision,
    state: {
      exists: p.exists,
      communityId: row.communityId,
      name: p.name,
      timeZone: p.timeZone,
      policies: p.policies,
      categories: new Map(p.categories),
      organisers: new Set(p.organisers),
    },
  };
}

/** A lot with its amounts as strings: how a row keeps it and how a view shows it. */
export interface LotView {
  readonly lotId: string;
  readonly original: string;
  readonly remaining: string;
  readonly held: string;
  readonly accruedAt: string;
  readonly expiresAt: string | null;
  readonly unlocksAt: string | null;
}

export const lotView = (lot: Lot): LotView => ({
  lotId: lot.lotId,
  original: lot.original.toString(),
  remaining: lot.remaining.toString(),
  held: lot.held.toString(),
  accruedAt: lot.accruedAt,
  expiresAt: lot.expiresAt,
  unlocksAt: lot.unlocksAt,
});

interface HoldPayload {
  holdId: string;
  /** Absent in rows written before holds had purposes: a redemption's. */
  purpose?: Hold['purpose'];
  redemptionId: string;
  points: string;
  fromLots: Hold['fromLots'];
  expiresAt: string;
}

interface AccountPayload {
  exists: boolean;
  householdId: string | null;
  compound: string | null;
  building: string | null;
  hasProfile: boolean;
  profileErased: boolean;
  balance: string;
  deficit: string;
  held: string;
  hoursTotal: string;
  pointsAccruedTotal: string;
  level: number;
  /** Compact tuples (`LotTuple`) since projection version 5; objects (`LotView`) in rows written before. */
  lots: Array<LotTuple | LotView>;
  openHolds: HoldPayload[];
  registeredAt: string;
  sealedProfile: SealedProfile | null;
  pointsSpentTotal: string;
  statementLines: number;
  /** Presences at activities still open (a check-out or closing ends them); ended ones are history, not kept. */
  openPresences?: Array<[string, Presence]>;
}

/**
 * A lot as an account row keeps it: [lotId, original, remaining, held (integer hundredths), accruedAt,
 * expiresAt, unlocksAt]. An account holds every lot it ever accrued and its row is encoded on every change and
 * decoded on every cache miss, so its size is the fold's cost: as objects with decimal strings the lots were
 * ~170 characters each and most of a member's row (4.3 KB at 25 lots); as tuples of integers ~90, encoded
 * and parsed without a decimal string per amount.
 */
type LotTuple = [lotId: string, original: number, remaining: number, held: number, accruedAt: string, expiresAt: string | null, unlocksAt: string | null];

const lotTuple = (lot: Lot): LotTuple => [lot.lotId, lot.original.hundredths, lot.remaining.hundredths, lot.held.hundredths, lot.accruedAt, lot.expiresAt, lot.unlocksAt];

function lotOf(stored: LotTuple | LotView): Lot {
  if (Array.isArray(stored)) {
    const [lotId, original, remaining, held, accruedAt, expiresAt, unlocksAt] = stored;
    return {
      lotId,
      original: Points.fromHundredths(original),
      remaining: Points.fromHundredths(remaining),
      held: Points.fromHundredths(held),
      accruedAt,
      expiresAt,
      unlocksAt,
    };
  }
  return {
    lotId: stored.lotId,
    original: Points.of(stored.original),
    remaining: Points.of(stored.remaining),
    held: Points.of(stored.held),
    accruedAt: stored.accruedAt,
    expiresAt: stored.expiresAt,
    unlocksAt: stored.unlocksAt,
  };
}

/** Earliest expiry among lots that still have free points (held points never expire). */
export function nextExpiryOf(state: MemberState): string | null {
  let earliest: string | null = null;
  for (const lot of state.lots.values()) {
    if (lot.expiresAt !== null && freeOf(lot).isPositive() && (earliest === null || lot.expiresAt < earliest)) earliest = lot.expiresAt;
  }
  return earliest;
}

export function encodeAccount(entry: AccountEntry): AccountRow {
  const s = entry.state;
  const payload: AccountPayload = {
    exists: s.exists,
    householdId: s.householdId,
    compound: s.compound,
    building: s.building,
    hasProfile: s.hasProfile,
    profileErased: s.profileErased,
    balance: s.balance.toString(),
    deficit: s.deficit.toString(),
    held: s.held.toString(),
    hoursTotal: s.hoursTotal.toString(),
    pointsAccruedTotal: s.pointsAccruedTotal.toString(),
    level: s.level,
    lots: [...s.lots.values()].map(lotTuple),
    openHolds: [...s.openHolds.values()].map((h) => ({ holdId: h.holdId, purpose: h.purpose, redemptionId: h.redemptionId, points: h.points.toString(), fromLots: h.fromLots, expiresAt: h.expiresAt })),
    registeredAt: entry.registeredAt,
    sealedProfile: entry.sealedProfile,
    pointsSpentTotal: entry.pointsSpentTotal.toString(),
    statementLines: entry.statementLines,
    openPresences: [...s.presences].filter(([, presence]) => presence.endedAt === null),
  };
  return {
    communityId: entry.communityId,
    memberId: entry.memberId,
    revision: entry.revision,
    balance: s.balance.toString(),
    nextExpiry: nextExpiryOf(s),
    payload: JSON.stringify(payload),
  };
}

export function decodeAccount(row: AccountRow): AccountEntry {
  const p = parse<AccountPayload>(row.payload, `account ${row.communityId}/${row.memberId}`);
  const state = initialMemberState();
  Object.assign(state, {
    exists: p.exists,
    communityId: row.communityId,
    memberId: row.memberId,
    householdId: p.householdId,
    compound: p.compound,
    building: p.building,
    hasProfile: p.hasProfile,
    profileErased: p.profileErased,
    balance: Points.of(p.balance),
    deficit: Points.of(p.deficit),
    held: Points.of(p.held),
    hoursTotal: Hours.of(p.hoursTotal),
    pointsAccruedTotal: Points.of(p.pointsAccruedTotal),
    level: p.level,
  });
  for (const stored of p.lots) {
    const lot = lotOf(stored);
    state.lots.set(lot.lotId, lot);
  }
  for (const [activityId, presence] of p.openPresences ?? []) state.presences.set(activityId, { ...presence });
  for (const hold of p.openHolds) {
    const purpose = hold.purpose ?? 'redemption';
    state.openHolds.set(holdKey(purpose, hold.holdId), { ...hold, purpose, points: Points.of(hold.points) });
  }
  return {
    communityId: row.communityId,
    memberId: row.memberId,
    revision: row.revision,
    registeredAt: p.registeredAt,
    sealedProfile: p.sealedProfile,
    pointsSpentTotal: Points.of(p.pointsSpentTotal),
    statementLines: p.statementLines,
    state,
  };
}

interface RecordPayload {
  kind: ServiceRecordState['kind'];
  category: string;
  /** Absent in rows written before records named their activity. */
  activityId?: string | null;
  serviceDate: string;
  hours: string;
  hoursApproved: string;
  points: string;
  lotId: string | null;
  decidedAt: string | null;
  decidedBy: string | null;
  reason: string | null;
  automatic: boolean;
}

export function encodeRecord(entry: RecordEntry): RecordRow {
  const r = entry.state;
  const payload: RecordPayload = {
    kind: r.kind,
    category: r.category,
    activityId: r.activityId,
    serviceDate: r.serviceDate,
    hours: r.hours.toString(),
    hoursApproved: r.hoursApproved.toString(),
    points: r.points.toString(),
    lotId: r.lotId,
    decidedAt: entry.decidedAt,
    decidedBy: entry.decidedBy,
    reason: entry.reason,
    automatic: entry.automatic,
  };
  return {
    communityId: entry.communityId,
    memberId: entry.memberId,
    recordId: r.recordId,
    seq: entry.seq,
    status: r.status,
    recordedAt: entry.recordedAt,
    payload: JSON.stringify(payload),
  };
}

export function decodeRecord(row: RecordRow): RecordEntry {
  const p = parse<RecordPayload>(row.payload, `record ${row.communityId}/${row.memberId}/${row.recordId}`);
  return {
    communityId: row.communityId,
    memberId: row.memberId,
    seq: row.seq,
    recordedAt: row.recordedAt,
    decidedAt: p.decidedAt,
    decidedBy: p.decidedBy,
    reason: p.reason,
    automatic: p.automatic,
    state: {
      recordId: row.recordId,
      kind: p.kind,
      category: p.category,
      activityId: p.activityId ?? null,
      serviceDate: p.serviceDate,
      hours: Hours.of(p.hours),
      status: row.status as ServiceRecordState['status'],
      hoursApproved: Hours.of(p.hoursApproved),
      points: Points.of(p.points),
      lotId: p.lotId,
    },
  };
}

type ItemPayload = Omit<RewardState, 'reservations' | 'pointsCost'> & { pointsCost: string };

export function encodeItem(entry: ItemEntry): ItemRow {
  const { reservations: _reservations, pointsCost, ...rest } = entry.state;
  const payload: ItemPayload = { ...rest, pointsCost: pointsCost.toString() };
  return { communityId: entry.communityId, itemId: entry.state.itemId, seq: entry.seq, revision: entry.revision, active: entry.state.active, payload: JSON.stringify(payload) };
}

export function decodeItem(row: ItemRow): ItemEntry {
  const p = parse<ItemPayload>(row.payload, `item ${row.communityId}/${row.itemId}`);
  const state = initialRewardState();
  Object.assign(state, { ...p, pointsCost: Points.of(p.pointsCost) });
  return { communityId: row.communityId, seq: row.seq, revision: row.revision, state };
}

interface RedemptionPayload {
  state: RedemptionState;
  requestedAt: string;
  itemName: string | null;
  itemKind: 'goods' | 'service' | null;
}

export function encodeRedemption(entry: RedemptionEntry): RedemptionRow {
  const payload: RedemptionPayload = { state: entry.state, requestedAt: entry.requestedAt, itemName: entry.itemName, itemKind: entry.itemKind };
  return {
    communityId: entry.communityId,
    redemptionId: entry.state.redemptionId,
    seq: entry.seq,
    status: entry.state.status,
    memberId: entry.state.memberId,
    expiresAt: entry.state.expiresAt,
    updatedAt: entry.updatedAt,
    payload: JSON.stringify(payload),
  };
}

export function decodeRedemption(row: RedemptionRow): RedemptionEntry {
  const p = parse<RedemptionPayload>(row.payload, `redemption ${row.communityId}/${row.redemptionId}`);
  return { communityId: row.communityId, seq: row.seq, state: p.state, requestedAt: p.requestedAt, updatedAt: row.updatedAt, itemName: p.itemName, itemKind: p.itemKind };
}

interface TransferPayload {
  state: TransferState;
  requestedAt: string;
}

export function encodeTransfer(entry: TransferEntry): TransferRow {
  const payload: TransferPayload = { state: entry.state, requestedAt: entry.requestedAt };
  return {
    communityId: entry.communityId,
    transferId: entry.state.transferId,
    seq: entry.seq,
    status: entry.state.status,
    fromId: entry.state.from,
    toId: entry.state.to,
    updatedAt: entry.updatedAt,
    payload: JSON.stringify(payload),
  };
}

export function decodeTransfer(row: TransferRow): TransferEntry {
  const p = parse<TransferPayload>(row.payload, `transfer ${row.communityId}/${row.transferId}`);
  return { communityId: row.communityId, seq: row.seq, state: p.state, requestedAt: p.requestedAt, updatedAt: row.updatedAt };
}

// ── Activities, service requests, micro-wishes ────────────────────────────────────────────────────────

/** A process as the fold works on it: the state its own `evolve` folds, with when it began and last changed. */
export interface ProcessEntry<S> {
  readonly communityId: string;
  readonly seq: number;
  state: S;
  /** When its first event was recorded (published, posted). */
  readonly beganAt: string;
  updatedAt: string;
}

interface ActivityPayload extends Omit<ActivityState, 'seats' | 'attendance' | 'outcomes' | 'approvals' | 'kioskSecret'> {
  seats: Array<[string, { at: string; walkIn: boolean }]>;
  attendance: Array<[string, Attendance]>;
  outcomes: Array<[string, AttendanceOutcome]>;
  approvals: Array<[string, 'approved' | 'left-pending']>;
  beganAt: string;
}

/** Where an activity stands, approval included (the row's `status`). */
export type ActivityStage = Exclude<ActivityState['status'], 'none'> | 'approving' | 'approved';

/** The stage of a published activity (one never published has none: its row does not exist). */
export function activityStage(state: ActivityState): ActivityStage {
  invariant(state.status !== 'none', () => `activity ${state.activityId || '(unnamed)'} has no stage: it was never published`);
  if (state.status !== 'closed') return state.status;
  return state.approval === 'approving' ? 'approving' : state.approval === 'finished' ? 'approved' : 'closed';
}

export function encodeActivity(entry: ProcessEntry<ActivityState>): ProcessRow {
  // The kiosk's sealed secret stays in the event: no read needs it, and a row is no place to copy it to.
  const { seats, attendance, outcomes, approvals, kioskSecret: _secret, ...rest } = entry.state;
  const payload: ActivityPayload = { ...rest, seats: [...seats], attendance: [...attendance], outcomes: [...outcomes], approvals: [...approvals], beganAt: entry.beganAt };
  const s = entry.state;
  return {
    communityId: entry.communityId,
    kind: 'activity',
    processId: s.activityId,
    seq: entry.seq,
    status: activityStage(s),
    memberId: '',
    assigneeId: null,
    startsAt: s.startsAt,
    dueAt: s.endsAt,
    seatsLeft: seatsLeft(s),
    updatedAt: entry.updatedAt,
    payload: JSON.stringify(payload),
  };
}

export function decodeActivity(row: ProcessRow): ProcessEntry<ActivityState> {
  const { beganAt, ...p } = parse<ActivityPayload>(row.payload, `activity ${row.communityId}/${row.processId}`);
  const state: ActivityState = {
    ...p,
    kioskSecret: null,
    seats: new Map(p.seats),
    attendance: new Map(p.attendance),
    outcomes: new Map(p.outcomes),
    approvals: new Map(p.approvals),
  };
  return { communityId: row.communityId, seq: row.seq, state, beganAt, updatedAt: row.updatedAt };
}

interface ProcessPayload<S> {
  state: S;
  beganAt: string;
}

export function encodeServiceRequest(entry: ProcessEntry<ServiceRequestState>): ProcessRow {
  const s = entry.state;
  return {
    communityId: entry.communityId,
    kind: 'service-request',
    processId: s.requestId,
    seq: entry.seq,
    status: s.status,
    memberId: s.requesterId,
    assigneeId: s.volunteerId,
    startsAt: s.wantedAt,
    dueAt: s.expiresAt,
    seatsLeft: 0,
    updatedAt: entry.updatedAt,
    payload: JSON.stringify({ state: s, beganAt: entry.beganAt } satisfies ProcessPayload<ServiceRequestState>),
  };
}

export function decodeServiceRequest(row: ProcessRow): ProcessEntry<ServiceRequestState> {
  const p = parse<ProcessPayload<ServiceRequestState>>(row.payload, `service request ${row.communityId}/${row.processId}`);
  return { communityId: row.communityId, seq: row.seq, state: p.state, beganAt: p.beganAt, updatedAt: row.updatedAt };
}

export function encodeWish(entry: ProcessEntry<WishState>): ProcessRow {
  const s = entry.state;
  const payload: ProcessPayload<WishState> = { state: s, beganAt: entry.beganAt };
  return {
    communityId: entry.communityId,
    kind: 'wish',
    processId: s.wishId,
    seq: entry.seq,
    status: s.status,
    memberId: s.beneficiaryId,
    assigneeId: s.claimantId,
    startsAt: entry.beganAt,
    dueAt: '',
    seatsLeft: 0,
    updatedAt: entry.updatedAt,
    payload: JSON.stringify(payload),
  };
}

export function decodeWish(row: ProcessRow): ProcessEntry<WishState> {
  const p = parse<ProcessPayload<WishState>>(row.payload, `wish ${row.communityId}/${row.processId}`);
  return { communityId: row.communityId, seq: row.seq, state: p.state, beganAt: p.beganAt, updatedAt: row.updatedAt };
}
