/**
 * Drives the whole ledger the way a community does: set-up, opening grants, check-ins that the default
 * policy approves at once (so points accrue), redemptions at the shop (request + fulfil), transfers, and
 * attendances (an activity published, signed up for, checked into and out of), and the time bank's service
 * requests (posted with points offered, taken, done, confirmed), and micro-wishes the donation pool pays for.
 * Shared by the SQLite read-model test, the SQLite crash test's child and the ledger benches, so all three
 * measure and check the same traffic.
 */
import { type Actor, type ExecuteResult, type Ledger, type LedgerCommandInput, type OutcomeEvent, donationPoolId } from '../../packages/ledger-core/src/index.js';

export const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };
export const organiserOf = (communityId: string): Actor => ({ id: 'org', role: 'organiser', communityId });
export const memberActor = (communityId: string, memberId: string): Actor => ({ id: memberId, role: 'member', communityId });

/** Hours per check-in: 2 h × 10 points per hour (default policy) = 20 points per accrual. */
export const checkInHours = 2;
export const dayMs = 86_400_000;

export interface ShopItem {
  readonly itemId: string;
  readonly pointsCost: number;
  /** Units on the shelf (goods); null lists a service, which has no stock. */
  readonly stock: number | null;
}

export interface CommunitySetUp {
  readonly communityId: string;
  readonly memberIds: readonly string[];
  readonly items: readonly ShopItem[];
  /** Points granted to every member at set-up, so early redemptions do not bounce off "insufficient". */
  readonly openingPoints: number;
  /** Members registered concurrently (default 1: in order). */
  readonly inFlight?: number;
}

/** Thrown when a command the workload needs is refused: a workload that silently does less measures nothing. */
export class RefusedCommand extends Error {
  constructor(
    message: string,
    /** The domain error's code; null when the command succeeded but did not do what the workload needs. */
    readonly code: string | null,
  ) {
    super(message);
  }
}

export function must(result: ExecuteResult, what: string): Extract<ExecuteResult, { ok: true }>['value'] {
  if (!result.ok) throw new RefusedCommand(`${what} refused: ${result.error.code}: ${result.error.message}`, result.error.code);
  return result.value;
}

/** Registers the community, its organiser, members, shop items and opening grants, in order. */
export async function setUpCommunity(ledger: Ledger, setUp: CommunitySetUp): Promise<void> {
  const c = setUp.communityId;
  const organiser = organiserOf(c);
  must(await ledger.execute({ type: 'RegisterCommunity', communityId: c, name: `社区 ${c}` }, { actor: admin }), `register ${c}`);
  must(await ledger.execute({ type: 'AppointOrganiser', communityId: c, memberId: organiser.id }, { actor: admin }), 'appoint organiser');
  for (const item of setUp.items) {
    const listing: LedgerCommandInput =
      item.stock === null
        ? { type: 'ListItem', communityId: c, itemId: item.itemId, name: item.itemId, kind: 'service', pointsCost: String(item.pointsCost), serviceHours: '1.00', serviceCategory: 'culture' }
        : { type: 'ListItem', communityId: c, itemId: item.itemId, name: item.itemId, kind: 'goods', pointsCost: String(item.pointsCost), stock: item.stock };
    must(await ledger.execute(listing, { actor: organiser }), `list ${item.itemId}`);
  }
  // Members are independent streams: register them `inFlight` at a time, so a durable store group-commits.
  const inFlight = Math.max(1, setUp.inFlight ?? 1);
  let next = 0;
  const registerNext = async (): Promise<void> => {
    while (next < setUp.memberIds.length) {
      const memberId = setUp.memberIds[next]!;
      next += 1;
      must(await ledger.execute({ type: 'RegisterMember', communityId: c, memberId }, { actor: organiser }), `register ${memberId}`);
      if (setUp.openingPoints > 0) {
        must(
          await ledger.execute(
            { type: 'GrantPoints', communityId: c, memberId, grantId: 'opening', points: String(setUp.openingPoints), reason: 'opening balance' },
            { actor: admin },
          ),
          `opening grant for ${memberId}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, registerNext));
}

/**
 * A check-in of `checkInHours` that ends `daysAgo` days before `now`: one check-in per member per day stays
 * under the default daily cap of 8 h, so every one is approved at once and accrues points.
 */
export function checkInCommand(communityId: string, memberId: string, recordId: string, now: Date, daysAgo: number): LedgerCommandInput {
  const checkedOut = now.getTime() - daysAgo * dayMs;
  return {
    type: 'RecordCheckedInHours',
    communityId,
    memberId,
    recordId,
    category: 'elder-care',
    checkedInAt: new Date(checkedOut - checkInHours * 3_600_000).toISOString(),
    checkedOutAt: new Date(checkedOut).toISOString(),
  };
}

/** Every event an outcome names, with its stream (a process's outcome gathers several streams). */
export function outcomeEvents(streamName: string, events: readonly OutcomeEvent[]): Array<{ eventId: string; streamName: string }> {
  return events.map((e) => ({ eventId: e.eventId, streamName: e.streamName ?? streamName }));
}

/** The operations of the workload, each one or more commands, every one required to succeed. */
export class Workload {
  private seq = 0;
  private readonly checkIns = new Map<string, number>();

  constructor(
    readonly ledger: Ledger,
    readonly communityId: string,
    /** Prefix for record, redemption and transfer ids, so that several runs on one store never collide. */
    readonly idPrefix = 'w',
    /**
     * Check-ins go back one day at a time from `firstDayAgo` + 1 days before now. Runs that share a store
     * give each other disjoint ranges, so no member-day goes over the daily cap.
     */
    readonly firstDayAgo = 0,
  ) {}

  /** One check-in, auto-approved: ServiceRecorded + ServiceApproved + PointsAccrued (one append). */
  async accrue(memberId: string, options: { idempotencyKey?: string } = {}) {
    const daysAgo = (this.checkIns.get(memberId) ?? this.firstDayAgo) + 1;
    this.checkIns.set(memberId, daysAgo);
    const command = checkInCommand(this.communityId, memberId, this.nextId('rec'), this.ledger.clock.now(), daysAgo);
    const outcome = must(await this.ledger.execute(command, { actor: organiserOf(this.communityId), ...options }), `check-in of ${memberId}`);
    if (!outcome.replayed && !outcome.events.some((e) => e.type === 'PointsAccrued')) {
      throw new RefusedCommand(`check-in of ${memberId} accrued nothing: ${outcome.events.map((e) => e.type).join(', ')}`, null);
    }
    return { command, outcome };
  }

  /** A redemption at the shop: request (reserve stock, hold points) then fulfil (spend, issue). */
  async redeem(memberId: string, itemId: string) {
    const c = this.communityId;
    const redemptionId = this.nextId('red');
    const requested = must(
      await this.ledger.execute({ type: 'RequestRedemption', communityId: c, memberId, redemptionId, itemId }, { actor: memberActor(c, memberId) }),
      `redemption of ${itemId} by ${memberId}`,
    );
    const fulfilled = must(
      await this.ledger.execute({ type: 'FulfilRedemption', communityId: c, redemptionId }, { actor: organiserOf(c) }),
      `fulfilment of ${redemptionId}`,
    );
    return { redemptionId, requested, fulfilled };
  }

  async grant(memberId: string, points: number, options: { idempotencyKey?: string } = {}) {
    const command: LedgerCommandInput = { type: 'GrantPoints', communityId: this.communityId, memberId, grantId: this.nextId('g'), points: String(points), reason: 'award' };
    const outcome = must(await this.ledger.execute(command, { actor: admin, ...options }), `grant to ${memberId}`);
    return { command, outcome };
  }

  async transfer(from: string, to: string, points: number) {
    const c = this.communityId;
    return must(
      await this.ledger.execute(
        { type: 'RequestTransfer', communityId: c, memberId: from, transferId: this.nextId('t'), to, points: String(points) },
        { actor: memberActor(c, from) },
      ),
      `transfer ${from} → ${to}`,
    );
  }

  /**
   * An activity of its own, about to start: published, signed up for, the member checked in and out again. The
   * check-in's process ends with a step (PresenceBegan on the member's stream) and records nothing after it, so
   * its answer must wait until that step is durable. Only one caller at a time may attend for a member.
   */
  async attend(memberId: string) {
    const c = this.communityId;
    const organiser = organiserOf(c);
    const now = this.ledger.clock.now();
    // A member left present elsewhere by a killed run is checked out first, as an organiser would at the door: a
    // member is at one activity at a time. The run may have been killed before the check-out (checked out now) or
    // between the activity's AttendeeCheckedOut and the member's PresenceEnded: the check-out is then refused as
    // done already, and ends the presence all the same.
    for (const [elsewhere, presence] of (await this.ledger.member(c, memberId)).state.presences) {
      if (presence.endedAt !== null || presence.until <= now.toISOString()) continue;
      const out = await this.ledger.execute({ type: 'CheckOutAttendee', communityId: c, activityId: elsewhere, memberId }, { actor: organiser });
      if (!out.ok && out.error.code !== 'already-exists') must(out, `check-out of ${memberId} at ${elsewhere}`);
    }
    const activityId = this.nextId('act');
    const startsAt = now.getTime() + 10 * 60_000;
    const published = must(
      await this.ledger.execute(
        {
          type: 'PublishActivity',
          communityId: c,
          activityId,
          title: '巡逻',
          category: 'elder-care',
          startsAt: new Date(startsAt).toISOString(),
          endsAt: new Date(startsAt + 3_600_000).toISOString(),
          place: 'gate',
          capacity: 1,
        },
        { actor: organiser },
      ),
      `publish ${activityId}`,
    );
    const signedUp = must(
      await this.ledger.execute({ type: 'SignUpForActivity', communityId: c, activityId, memberId }, { actor: memberActor(c, memberId) }),
      `sign-up of ${memberId} for ${activityId}`,
    );
    const checkedIn = must(
      await this.ledger.execute({ type: 'CheckInAttendee', communityId: c, activityId, memberId }, { actor: organiser }),
      `check-in of ${memberId} at ${activityId}`,
    );
    if (!checkedIn.events.some((e) => e.type === 'PresenceBegan')) {
      throw new RefusedCommand(`check-in of ${memberId} at ${activityId} began no presence: ${checkedIn.events.map((e) => e.type).join(', ')}`, null);
    }
    // Out again before the start (no hours): a member is at one activity at a time.
    const checkedOut = must(
      await this.ledger.execute({ type: 'CheckOutAttendee', communityId: c, activityId, memberId }, { actor: organiser }),
      `check-out of ${memberId} at ${activityId}`,
    );
    return { activityId, published, signedUp, checkedIn, checkedOut };
  }

  /**
   * The time bank (点单 → 接单 → 评单): `requesterId` posts a need offering points (held at once), `volunteerId`
   * takes it and marks it done, and the requester confirms it: the points move to the volunteer with their hours.
   */
  async serve(requesterId: string, volunteerId: string, points: number) {
    const c = this.communityId;
    const requestId = this.nextId('req');
    const requester = memberActor(c, requesterId);
    const volunteer = memberActor(c, volunteerId);
    const wantedAt = new Date(this.ledger.clock.now().getTime() + 3_600_000).toISOString();
    const posted = must(
      await this.ledger.execute(
        { type: 'PostServiceRequest', communityId: c, requestId, memberId: requesterId, category: 'elder-care', description: '陪同就医', wantedAt, place: 'home', pointsOffered: String(points) },
        { actor: requester },
      ),
      `request ${requestId} by ${requesterId}`,
    );
    const taken = must(await this.ledger.execute({ type: 'TakeServiceRequest', communityId: c, requestId, memberId: volunteerId }, { actor: volunteer }), `${volunteerId} taking ${requestId}`);
    const done = must(await this.ledger.execute({ type: 'MarkServiceRequestDone', communityId: c, requestId, hours: '1.00' }, { actor: volunteer }), `${requestId} done`);
    const confirmed = must(await this.ledger.execute({ type: 'ConfirmServiceRequest', communityId: c, requestId, rating: 5 }, { actor: requester }), `${requestId} confirmed`);
    return { requestId, posted, taken, done, confirmed };
  }

  /**
   * A micro-wish (微心愿) the donation pool pays for: `donorId` gives the pool the points first (so wishes in flight
   * never outrun it), an organiser posts the wish for `beneficiaryId` and claims it for the pool (points held), and
   * confirms it fulfilled (points spent).
   */
  async wish(donorId: string, beneficiaryId: string, points: number) {
    const c = this.communityId;
    const organiser = organiserOf(c);
    const wishId = this.nextId('wish');
    const donated = await this.transfer(donorId, donationPoolId, points);
    const posted = must(await this.ledger.execute({ type: 'PostWish', communityId: c, wishId, beneficiaryId, title: '轮椅', points: String(points) }, { actor: organiser }), `wish ${wishId}`);
    const claimed = must(await this.ledger.execute({ type: 'ClaimWish', communityId: c, wishId, memberId: donationPoolId }, { actor: organiser }), `pool claiming ${wishId}`);
    const fulfilled = must(await this.ledger.execute({ type: 'FulfilWish', communityId: c, wishId }, { actor: organiser }), `${wishId} fulfilled`);
    return { wishId, donated, posted, claimed, fulfilled };
  }

  private nextId(kind: string): string {
    this.seq += 1;
    return `${this.idPrefix}.${kind}.${this.seq}`;
  }
}
