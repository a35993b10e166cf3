/**
 * Model-based test of service requests (点单 → 派单 → 接单 → 评单) and micro-wishes, with fc.commands against the
 * real Ledger: posting with points offered, dispatching, taking, handing back, marking done, confirming and
 * rating, cancelling, refusing, lapsing, grants, clock jumps; and wishes claimed by members or the donation pool.
 *
 * After every command: the ledger's answer is the model's; each request ended at most once and an ended request
 * never changes; the points offered are held from posting to the end (held = Σ open offers) and move once
 * (exactly one payment and one receipt per confirmed offer, none otherwise, every other end releases the hold
 * once); balances are the model's and never below zero; every event posts to zero, all accounts sum to zero,
 * the books agree with accounting.ts, and nothing is left in transit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { postingsOf as auditorPostings, sumOfAccounts, trialBalance } from '@volunteer-ledger/core/testing';
import {
  type Actor,
  type CommandInput,
  type ExecuteResult,
  InMemoryEventStore,
  Ledger,
  ManualClock,
  Points,
  donationPoolId,
  postingsOf,
  streamNames,
} from '@volunteer-ledger/core';
import { SentCommands, expectOutcome, replayed } from './repeats.js';

const C = 'c1';
const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };
const organiser: Actor = { id: 'org', role: 'organiser', communityId: C };
const asMember = (id: string): Actor => ({ id, role: 'member', communityId: C });
const members = ['li', 'wang', 'zhang', 'zhao'] as const;
const codeOf = (r: ExecuteResult) => (r.ok ? 'ok' : r.error.code);
const text = (cents: number) => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
const cents = (t: string) => Math.round(Number(t) * 100);
const hourMs = 3_600_000;

// ── The model ───────────────────────────────────────────────────────────────────────────────────────

type Status = 'open' | 'assigned' | 'done' | 'confirmed' | 'cancelled' | 'refused' | 'expired';
interface ModelRequest {
  requester: string;
  points: number | null;
  status: Status;
  volunteer: string | null;
  hours: number | null;
  expiresAt: number;
}
interface ModelWish {
  points: number;
  claimant: string | null;
  status: 'posted' | 'claimed' | 'fulfilled' | 'cancelled';
}
interface Model {
  now: number;
  seq: number;
  balance: Map<string, number>;
  held: Map<string, number>;
  /** Approved hundredths of an hour per volunteer per day (the daily cap of 8 hours). */
  approvedByDay: Map<string, number>;
  requests: Map<string, ModelRequest>;
  wishes: Map<string, ModelWish>;
  autoApprove: boolean;
  maxBalance: number | null;
}
interface Real {
  ledger: Ledger;
  store: InMemoryEventStore;
  clock: ManualClock;
  sent: SentCommands;
  /** Each request's state as last seen, to check that an ended one never changes. */
  ended: Map<string, string>;
}

const available = (model: Model, m: string) => (model.balance.get(m) ?? 0) - (model.held.get(m) ?? 0);
const add = (map: Map<string, number>, key: string, amount: number) => map.set(key, (map.get(key) ?? 0) + amount);
const dayOf = (instant: number) => new Date(instant + 8 * hourMs).toISOString().slice(0, 10); // Asia/Shanghai

// ── Invariants from the store ───────────────────────────────────────────────────────────────────────

async function checkInvariants(model: Model, real: Real): Promise<void> {
  const events = await real.store.readAll({ maxCount: 100_000 });
  const of = (stream: string, type: string, requestId?: string) =>
    events.filter((e) => e.streamName === stream && e.type === type && (requestId === undefined || e.data['requestId'] === requestId || e.data['holdId'] === requestId));
  for (const [id, r] of model.requests) {
    const stream = streamNames.request(C, id);
    const ends = events.filter((e) => e.streamName === stream && ['ServiceRequestConfirmed', 'ServiceRequestEnded', 'ServiceRequestRejected'].includes(e.type));
    expect(ends.length, `${id} ended ${ends.length} times`).toBeLessThanOrEqual(1);
    const state = await real.ledger.fresh.request(C, id);
    expect(state.status, `${id}'s status`).toBe(r.status);
    const snapshot = JSON.stringify(state);
    if (real.ended.has(id)) expect(snapshot, `${id} changed after it ended`).toBe(real.ended.get(id));
    if (state.ended !== null) real.ended.set(id, snapshot);
    // Points offered move once, or are released once.
    const requester = streamNames.member(C, r.requester);
    const paid = of(requester, 'HeldPointsPaid', id);
    const released = of(requester, 'HoldReleased', id).filter((e) => e.data['purpose'] === 'service-request');
    const received = r.volunteer ? of(streamNames.member(C, r.volunteer), 'ServicePaymentReceived', id) : [];
    if (r.points === null) {
      expect(paid.length + released.length).toBe(0);
    } else if (r.status === 'confirmed') {
      expect([paid.length, received.length, released.length], `${id}: paid, received, released`).toEqual([1, 1, 0]);
      expect(paid[0]!.data['points']).toBe(text(r.points));
    } else if (r.status === 'cancelled' || r.status === 'refused' || r.status === 'expired') {
      expect([paid.length, released.length], `${id}: paid, released`).toEqual([0, 1]);
    } else {
      expect([paid.length, released.length], `${id} still holds: paid, released`).toEqual([0, 0]);
    }
  }
  for (const m of [...members, donationPoolId]) {
    const state = await real.ledger.fresh.member(C, m);
    expect(state.balance.toString(), `${m}'s balance`).toBe(text(model.balance.get(m) ?? 0));
    expect(state.held.toString(), `${m}'s held points = the open offers`).toBe(text(model.held.get(m) ?? 0));
    expect(state.balance.minus(state.held).isNegative(), `${m} overdrawn`).toBe(false);
  }
  // Conservation: every event posts to zero; all accounts sum to zero; the two derivations agree; nothing in transit.
  const books = trialBalance(events, (accounts, event) => expect(sumOfAccounts(accounts).toString(), `after ${event.type}`).toBe('0.00'));
  for (const e of events.filter((x) => x.streamName.startsWith('member-'))) {
    const posted = postingsOf(e, e.streamName).map((p) => `${p.account} ${p.amount}`);
    expect(posted, `${e.type}: accounting.ts and the auditor's books`).toEqual(auditorPostings(e, e.streamName).map((p) => `${p.account} ${p.amount}`));
    expect(Points.sum(postingsOf(e, e.streamName).map((p) => p.amount)).toString()).toBe('0.00');
  }
  expect((books.get('in-transit') ?? Points.zero).toString(), 'points left in transit').toBe('0.00');
}

// ── Commands ────────────────────────────────────────────────────────────────────────────────────────

const seen = new Map<string, number>();
const saw = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);

abstract class Base implements fc.AsyncCommand<Model, Real, false> {
  check = () => true;
  abstract run(model: Model, real: Real): Promise<void>;
  protected async send(real: Real, command: CommandInput, actor: Actor): Promise<string> {
    const r = await real.ledger.execute(command, { actor });
    saw(`${command.type} ${codeOf(r)}`);
    return real.sent.note(command, actor, r);
  }
  /** Half the time one of the three latest requests (so one request goes through its steps), else any. */
  protected pick(model: Model, n: number): [string, ModelRequest] | null {
    const all = [...model.requests];
    if (all.length === 0) return null;
    return n % 2 === 0 ? all[Math.max(0, all.length - 1 - ((n / 2) % 3))]! : all[n % all.length]!;
  }
}

class Advance extends Base {
  constructor(readonly hours: number) {
    super();
  }
  override async run(model: Model, real: Real) {
    model.now += this.hours * hourMs;
    real.clock.set(new Date(model.now));
  }
  override toString = () => `advance ${this.hours} h`;
}

class Grant extends Base {
  constructor(readonly m: number, readonly points: number) {
    super();
  }
  override async run(model: Model, real: Real) {
    const m = members[this.m]!;
    model.seq += 1;
    const code = await this.send(real, { type: 'GrantPoints', communityId: C, memberId: m, grantId: `g${model.seq}`, points: text(this.points), reason: 'test' }, admin);
    const over = model.maxBalance !== null && (model.balance.get(m) ?? 0) + this.points > model.maxBalance;
    expectOutcome(code, over ? 'max-balance-exceeded' : 'ok');
    if (!over) add(model.balance, m, this.points);
    await checkInvariants(model, real);
  }
  override toString = () => `grant ${members[this.m]} ${text(this.points)}`;
}

class Post extends Base {
  constructor(readonly m: number, readonly points: number | null) {
    super();
  }
  override async run(model: Model, real: Real) {
    const requester = members[this.m]!;
    model.seq += 1;
    const id = `q${model.seq}`;
    const code = await this.send(
      real,
      {
        type: 'PostServiceRequest',
        communityId: C,
        requestId: id,
        memberId: requester,
        category: 'elder-care',
        description: '帮忙',
        wantedAt: new Date(model.now + 24 * hourMs).toISOString(),
        place: '3号楼',
        ...(this.points === null ? {} : { pointsOffered: text(this.points) }),
      },
      asMember(requester),
    );
    const enough = this.points === null || available(model, requester) >= this.points;
    expectOutcome(code, enough ? 'ok' : 'insufficient-points', this.toString());
    if (enough) {
      model.requests.set(id, { requester, points: this.points, status: 'open', volunteer: null, hours: null, expiresAt: model.now + 24 * hourMs + 7 * 24 * hourMs });
      if (this.points !== null) add(model.held, requester, this.points);
    }
    await checkInvariants(model, real);
  }
  override toString = () => `${members[this.m]} posts a request offering ${this.points === null ? 'nothing' : text(this.points)}`;
}

class Assign extends Base {
  constructor(readonly pickN: number, readonly v: number, readonly dispatch: boolean) {
    super();
  }
  override async run(model: Model, real: Real) {
    const picked = this.pick(model, this.pickN);
    if (!picked) return;
    const [id, r] = picked;
    const volunteer = members[this.v]!;
    const code = this.dispatch
      ? await this.send(real, { type: 'DispatchServiceRequest', communityId: C, requestId: id, volunteerId: volunteer }, organiser)
      : await this.send(real, { type: 'TakeServiceRequest', communityId: C, requestId: id, memberId: volunteer }, asMember(volunteer));
    let expected = 'ok';
    if (r.status === 'assigned' && r.volunteer === volunteer) expected = 'ok';
    else if (r.status !== 'open') expected = 'invalid-state';
    else if (volunteer === r.requester) expected = 'validation';
    else if (model.now >= r.expiresAt) expected = 'invalid-state';
    else Object.assign(r, { status: 'assigned', volunteer });
    expectOutcome(code, expected, this.toString());
    await checkInvariants(model, real);
  }
  override toString = () => `${this.dispatch ? 'dispatch' : 'take'} #${this.pickN} by ${members[this.v]}`;
}

class Decline extends Base {
  constructor(readonly pickN: number) {
    super();
  }
  override async run(model: Model, real: Real) {
    const picked = this.pick(model, this.pickN);
    if (!picked) return;
    const [id, r] = picked;
    const code = await this.send(real, { type: 'DeclineServiceRequest', communityId: C, requestId: id }, organiser);
    expectOutcome(code, r.status === 'assigned' ? 'ok' : 'invalid-state');
    if (r.status === 'assigned') Object.assign(r, { status: 'open', volunteer: null });
    await checkInvariants(model, real);
  }
}

class Done extends Base {
  constructor(readonly pickN: number, readonly hundredths: number) {
    super();
  }
  override async run(model: Model, real: Real) {
    const picked = this.pick(model, this.pickN);
    if (!picked) return;
    const [id, r] = picked;
    const actor = r.volunteer ? asMember(r.volunteer) : organiser;
    const code = await this.send(real, { type: 'MarkServiceRequestDone', communityId: C, requestId: id, hours: text(this.hundredths) }, actor);
    const expected = r.status === 'assigned' ? 'ok' : r.status === 'done' && r.hours === this.hundredths ? 'ok' : 'invalid-state';
    expectOutcome(code, expected, this.toString());
    if (r.status === 'assigned') Object.assign(r, { status: 'done', hours: this.hundredths });
    await checkInvariants(model, real);
  }
}

class Confirm extends Base {
  constructor(readonly pickN: number, readonly rating: number) {
    super();
  }
  override async run(model: Model, real: Real) {
    const picked = this.pick(model, this.pickN);
    if (!picked) return;
    const [id, r] = picked;
    const code = await this.send(real, { type: 'ConfirmServiceRequest', communityId: C, requestId: id, rating: this.rating }, asMember(r.requester));
    if (r.status === 'confirmed') {
      expect(['ok', 'invalid-state', replayed]).toContain(code); // the same rating again is its first answer; another is refused
    } else if (r.status !== 'done') {
      expectOutcome(code, 'invalid-state', this.toString());
    } else {
      const v = r.volunteer!;
      const over = model.maxBalance !== null && r.points !== null && (model.balance.get(v) ?? 0) + r.points > model.maxBalance;
      expectOutcome(code, over ? 'max-balance-exceeded' : 'ok', this.toString());
      if (!over) {
        r.status = 'confirmed';
        if (r.points !== null) {
          add(model.balance, r.requester, -r.points);
          add(model.held, r.requester, -r.points);
          add(model.balance, v, r.points);
          saw('points moved');
        }
        if (model.autoApprove) this.approve(model, v, r.hours!);
      }
    }
    await checkInvariants(model, real);
  }
  /** The volunteer's hours approved on confirmation, up to the daily cap; 10 points an hour. */
  private approve(model: Model, v: string, hundredths: number) {
    const key = `${v} ${dayOf(model.now)}`;
    const counted = Math.min(hundredths, 800 - (model.approvedByDay.get(key) ?? 0));
    if (counted <= 0) return saw('left pending at the daily cap');
    const earned = counted * 10;
    if (model.maxBalance !== null && (model.balance.get(v) ?? 0) + earned > model.maxBalance) return saw('left pending at the maximum balance');
    add(model.approvedByDay, key, counted);
    add(model.balance, v, earned);
    saw('hours approved on confirmation');
  }
  override toString = () => `confirm #${this.pickN} rated ${this.rating}`;
}

class End extends Base {
  constructor(readonly pickN: number, readonly how: 'cancel' | 'refuse' | 'expire') {
    super();
  }
  override async run(model: Model, real: Real) {
    const picked = this.pick(model, this.pickN);
    if (!picked) return;
    const [id, r] = picked;
    const outcome = ({ cancel: 'cancelled', refuse: 'refused', expire: 'expired' } as const)[this.how];
    const command: CommandInput =
      this.how === 'cancel'
        ? { type: 'CancelServiceRequest', communityId: C, requestId: id }
        : this.how === 'refuse'
          ? { type: 'RefuseServiceRequest', communityId: C, requestId: id, reason: '不在服务范围' }
          : { type: 'ExpireServiceRequest', communityId: C, requestId: id };
    const code = await this.send(real, command, this.how === 'cancel' ? asMember(r.requester) : organiser);
    const allowed = { cancel: ['open', 'assigned'], refuse: ['open', 'assigned', 'done'], expire: ['open', 'assigned'] }[this.how];
    let expected = 'ok';
    if (r.status === outcome) expected = 'ok';
    else if (!allowed.includes(r.status) || (this.how === 'expire' && model.now < r.expiresAt)) expected = 'invalid-state';
    else {
      r.status = outcome;
      if (r.points !== null) add(model.held, r.requester, -r.points);
    }
    expectOutcome(code, expected, `${this.how} ${id} (${r.status})`);
    await checkInvariants(model, real);
  }
  override toString = () => `${this.how} #${this.pickN}`;
}

/** One request the whole way: posted, taken, done, confirmed — each step against the model. */
class Flow extends Base {
  constructor(readonly requester: number, readonly volunteer: number, readonly points: number | null, readonly hundredths: number) {
    super();
  }
  override async run(model: Model, real: Real) {
    await new Post(this.requester, this.points).run(model, real);
    const last = model.requests.size - 1;
    // pick(n) with n even and (n / 2) % 3 === 0 is the latest request.
    if (last < 0 || [...model.requests.values()][last]!.requester !== members[this.requester]) return;
    await new Assign(0, this.volunteer, this.volunteer % 2 === 0).run(model, real);
    await new Done(0, this.hundredths).run(model, real);
    await new Confirm(0, 1 + (this.hundredths % 5)).run(model, real);
  }
  override toString = () => `a request of ${members[this.requester]} served by ${members[this.volunteer]}`;
}

/** A request nobody serves: posted, the clock runs past its expiry, it lapses and its hold is released. */
class Lapse extends Base {
  constructor(readonly requester: number, readonly points: number | null) {
    super();
  }
  override async run(model: Model, real: Real) {
    await new Post(this.requester, this.points).run(model, real);
    await new Advance(24 * 9).run(model, real);
    await new End(0, 'expire').run(model, real);
  }
  override toString = () => `a request of ${members[this.requester]} lapses`;
}

/** A donation, then a wish the pool claims and pays for. */
class PoolWish extends Base {
  constructor(readonly donor: number, readonly donation: number, readonly points: number) {
    super();
  }
  override async run(model: Model, real: Real) {
    await new Donate(this.donor, this.donation).run(model, real);
    await new WishCycle(true, this.points, 'fulfil', 0).run(model, real);
  }
  override toString = () => `${members[this.donor]} donates ${text(this.donation)}; the pool pays a wish of ${text(this.points)}`;
}

/** Wishes: a member claims one (nothing moves) or the pool does (its points held, then spent pool → redeemed). */
class WishCycle extends Base {
  constructor(readonly byPool: boolean, readonly points: number, readonly then: 'fulfil' | 'cancel' | 'keep', readonly claimant: number) {
    super();
  }
  override async run(model: Model, real: Real) {
    model.seq += 1;
    const id = `w${model.seq}`;
    expect(await this.send(real, { type: 'PostWish', communityId: C, wishId: id, beneficiaryId: 'zhao', title: '书包', points: text(this.points) }, organiser)).toBe('ok');
    const claimant = this.byPool ? donationPoolId : members[this.claimant % 3]!;
    const claim = await this.send(real, { type: 'ClaimWish', communityId: C, wishId: id, memberId: claimant }, this.byPool ? organiser : asMember(claimant));
    const poolCanPay = available(model, donationPoolId) >= this.points;
    expect(claim, `the pool claims ${text(this.points)} with ${text(available(model, donationPoolId))} available`).toBe(!this.byPool || poolCanPay ? 'ok' : (model.balance.get(donationPoolId) ?? 0) === 0 && !model.balance.has(donationPoolId) ? 'not-found' : 'insufficient-points');
    if (claim !== 'ok') return checkInvariants(model, real);
    if (this.byPool) add(model.held, donationPoolId, this.points);
    if (this.then !== 'keep') {
      const code = await this.send(real, this.then === 'fulfil' ? { type: 'FulfilWish', communityId: C, wishId: id } : { type: 'CancelWish', communityId: C, wishId: id, reason: '家人已完成' }, organiser);
      expectOutcome(code, 'ok');
      if (this.byPool) {
        add(model.held, donationPoolId, -this.points);
        if (this.then === 'fulfil') {
          add(model.balance, donationPoolId, -this.points);
          saw('wish paid by the pool');
        }
      }
    }
    await checkInvariants(model, real);
  }
  override toString = () => `wish of ${text(this.points)} claimed by ${this.byPool ? 'the pool' : 'a member'}, then ${this.then}`;
}

/** A donation to the pool, so it has points to spend on wishes. */
class Donate extends Base {
  constructor(readonly m: number, readonly points: number) {
    super();
  }
  override async run(model: Model, real: Real) {
    const m = members[this.m]!;
    model.seq += 1;
    const code = await this.send(real, { type: 'RequestTransfer', communityId: C, memberId: m, transferId: `t${model.seq}`, to: donationPoolId, points: text(this.points) }, asMember(m));
    const enough = available(model, m) >= this.points;
    expectOutcome(code, enough ? 'ok' : 'insufficient-points');
    if (enough) {
      add(model.balance, m, -this.points);
      add(model.balance, donationPoolId, this.points);
    }
    await checkInvariants(model, real);
  }
}

const m = fc.nat(members.length - 1);
const pickN = fc.nat(20);
const commandsArb = fc.commands(
  [
    fc.oneof(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 24 * 7, max: 24 * 10 })).map((h) => new Advance(h)),
    fc.tuple(m, fc.integer({ min: 1, max: 20_000 })).map(([x, p]) => new Grant(x, p)),
    fc.tuple(m, fc.option(fc.integer({ min: 1, max: 8_000 }), { freq: 4 })).map(([x, p]) => new Post(x, p)),
    fc.tuple(m, fc.option(fc.integer({ min: 1, max: 8_000 }), { freq: 4 })).map(([x, p]) => new Post(x, p)),
    fc.tuple(pickN, m, fc.boolean()).map(([n, v, d]) => new Assign(n, v, d)),
    fc.tuple(pickN, m, fc.boolean()).map(([n, v, d]) => new Assign(n, v, d)),
    pickN.map((n) => new Decline(n)),
    fc.tuple(pickN, fc.integer({ min: 25, max: 300 })).map(([n, h]) => new Done(n, h)),
    fc.tuple(pickN, fc.integer({ min: 25, max: 300 })).map(([n, h]) => new Done(n, h)),
    fc.tuple(pickN, fc.integer({ min: 1, max: 5 })).map(([n, r]) => new Confirm(n, r)),
    fc.tuple(pickN, fc.integer({ min: 1, max: 5 })).map(([n, r]) => new Confirm(n, r)),
    fc.tuple(pickN, fc.constantFrom('cancel' as const, 'refuse' as const, 'expire' as const)).map(([n, how]) => new End(n, how)),
    fc.tuple(pickN, fc.constantFrom('cancel' as const, 'refuse' as const, 'expire' as const)).map(([n, how]) => new End(n, how)),
    fc.tuple(m, m, fc.option(fc.integer({ min: 1, max: 3_000 }), { freq: 4 }), fc.integer({ min: 25, max: 300 })).map(([r, v, p, h]) => new Flow(r, v, p, h)),
    fc.tuple(m, m, fc.option(fc.integer({ min: 1, max: 3_000 }), { freq: 4 }), fc.integer({ min: 25, max: 300 })).map(([r, v, p, h]) => new Flow(r, v, p, h)),
    fc.tuple(m, fc.integer({ min: 1, max: 5_000 })).map(([x, p]) => new Donate(x, p)),
    fc.tuple(m, fc.option(fc.integer({ min: 1, max: 3_000 }), { freq: 4 })).map(([x, p]) => new Lapse(x, p)),
    fc.tuple(m, fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: 1, max: 4_000 })).map(([x, d, p]) => new PoolWish(x, d, p)),
    fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 6_000 }), fc.constantFrom('fulfil' as const, 'cancel' as const, 'keep' as const), fc.nat(2)).map(([pool, p, then, c]) => new WishCycle(pool, p, then, c)),
  ],
  { maxCommands: 50, size: 'max' },
);

async function setUp(autoApprove: boolean, maxBalance: number | null, grants: number[]): Promise<{ model: Model; real: Real }> {
  const store = new InMemoryEventStore();
  const clock = new ManualClock(new Date('2026-06-06T00:00:00.000Z'));
  const ledger = new Ledger({ store, clock, validateOnAppend: true });
  const must = async (command: CommandInput, actor: Actor) => {
    const r = await ledger.execute(command, { actor });
    if (!r.ok) throw new Error(`${command.type}: ${r.error.message}`);
  };
  const policy = { autoApproveConfirmedRequests: autoApprove, ...(maxBalance === null ? {} : { maxBalance: { points: text(maxBalance), overflow: 'refuse' as const } }) };
  await must({ type: 'RegisterCommunity', communityId: C, name: 'c', policy }, admin);
  await must({ type: 'AppointOrganiser', communityId: C, memberId: 'org' }, admin);
  const balance = new Map<string, number>();
  for (const [i, member] of members.entries()) {
    await must({ type: 'RegisterMember', communityId: C, memberId: member }, admin);
    const g = Math.min(grants[i] ?? 0, maxBalance ?? Infinity);
    if (g > 0) await must({ type: 'GrantPoints', communityId: C, memberId: member, grantId: 'start', points: text(g), reason: 'start' }, admin);
    balance.set(member, g);
  }
  return {
    model: { now: clock.now().getTime(), seq: 0, balance, held: new Map(), approvedByDay: new Map(), requests: new Map(), wishes: new Map(), autoApprove, maxBalance },
    real: { ledger, store, clock, ended: new Map(), sent: new SentCommands() },
  };
}

describe('service requests and micro-wishes: model-based (fc.commands) against the real ledger', () => {
  it('each request ends once; offered points are held from posting to the end and move once; every movement is conserved', async () => {
    await fc.assert(
      fc.asyncProperty(
        commandsArb,
        fc.boolean(),
        fc.option(fc.integer({ min: 5_000, max: 40_000 }), { freq: 3 }),
        fc.array(fc.integer({ min: 0, max: 15_000 }), { minLength: 4, maxLength: 4 }),
        async (cmds, autoApprove, maxBalance, grants) => {
          const { model, real } = await setUp(autoApprove, maxBalance, grants);
          await fc.asyncModelRun(() => ({ model, real }), cmds);
        },
      ),
      { numRuns: 60 },
    );
    if (process.env['DEBUG_MODEL']) console.log(JSON.stringify([...seen].sort()));
    for (const what of [
      'PostServiceRequest ok',
      'PostServiceRequest insufficient-points',
      'DispatchServiceRequest ok',
      'TakeServiceRequest ok',
      'MarkServiceRequestDone ok',
      'ConfirmServiceRequest ok',
      'points moved',
      'hours approved on confirmation',
      'CancelServiceRequest ok',
      'RefuseServiceRequest ok',
      'ExpireServiceRequest ok',
      'ExpireServiceRequest invalid-state',
      'wish paid by the pool',
      'ClaimWish insufficient-points',
    ]) {
      expect(seen.get(what) ?? 0, `${what} never happened: ${JSON.stringify([...seen])}`).toBeGreaterThan(0);
    }
  });
});

