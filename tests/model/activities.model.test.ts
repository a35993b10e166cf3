/**
 * Model-based test of activities (issue 8), with fc.commands against the real Ledger: sign-ups and withdrawals,
 * capacity changes, check-ins and check-outs (marked by an organiser or by the kiosk's code), clock jumps,
 * closing (sometimes twice) and bulk approval, over three activities two of which overlap in time.
 *
 * After every command: the ledger's answer is the model's; signed-up ≤ capacity and the wait list is the model's,
 * in order; no member is present at two activities at once (their presences never overlap); every attendance of
 * a closed activity became exactly one service record (hours ≤ the activity's length and ≤ 24, ≤ 24 a day);
 * closing a closed activity appends nothing. A second property signs many members up at once under fast-check's
 * scheduler, on one and on two ledger instances: seats never pass capacity at any append.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SchedulerYieldingStore } from '@volunteer-ledger/core/testing';
import {
  type ActivityState,
  type Actor,
  type CommandInput,
  type EventStore,
  type ExecuteResult,
  type ExpectedRevision,
  Hours,
  InMemoryEventStore,
  Ledger,
  ManualClock,
  type MemberState,
  type NewEvent,
  type RoundingMode,
  activityKind,
  attendedTime,
  checkInOpensBeforeStartMs,
  eventRegistry,
  kioskCodeFor,
  kioskStepAt,
  nobodyWaitsForAFreeSeat,
  openKioskSecret,
  presenceEnd,
  streamNames,
} from '@volunteer-ledger/core';
import { SentCommands, expectOutcome } from './repeats.js';

const C = 'c1';
const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };
const organisers: Actor[] = [
  { id: 'org-1', role: 'organiser', communityId: C },
  { id: 'org-2', role: 'organiser', communityId: C },
];
const asMember = (id: string): Actor => ({ id, role: 'member', communityId: C });
const members = ['m1', 'm2', 'm3', 'm4', 'm5', 'org-1'] as const;
/** X and Y overlap (02:00–03:00); Z is later. Times on 2026-06-06 (UTC). */
const windows = {
  X: { startsAt: '2026-06-06T01:00:00.000Z', endsAt: '2026-06-06T03:00:00.000Z' },
  Y: { startsAt: '2026-06-06T02:00:00.000Z', endsAt: '2026-06-06T04:00:00.000Z' },
  Z: { startsAt: '2026-06-06T05:00:00.000Z', endsAt: '2026-06-06T05:45:00.000Z' },
} as const;
type Name = keyof typeof windows;
const names = Object.keys(windows) as Name[];
const ms = (iso: string) => Date.parse(iso);
const codeOf = (r: ExecuteResult) => (r.ok ? 'ok' : r.error.code);
/** Each sent command's outcome as `SentCommands` read it ('replayed' for a first answer given again). */
const outcomes = new WeakMap<ExecuteResult, string>();
const outcomeOf = (r: ExecuteResult): string => outcomes.get(r) ?? codeOf(r);

// ── The model ───────────────────────────────────────────────────────────────────────────────────────

interface ModelActivity {
  start: number;
  end: number;
  capacity: number;
  status: 'published' | 'closed';
  seats: string[];
  wait: string[];
  /** In check-in order. */
  attendance: Map<string, { in: number; out: number | null; selfMarked: boolean }>;
  closedAt: number | null;
  approved: boolean;
}
interface Model {
  now: number;
  activities: Record<Name, ModelActivity>;
  roundingMode: RoundingMode;
  /** The policy approves checked-in hours at closing (never an organiser's own check-in). */
  autoApprove: boolean;
}
interface Real {
  ledger: Ledger;
  store: EventStore;
  clock: ManualClock;
  sent: SentCommands;
}

/** When the member's presence at `a` stops counting, as the member stream decides it. */
function presenceEndOf(model: Model, a: ModelActivity, memberId: string): number {
  const at = a.attendance.get(memberId)!;
  if (at.out !== null) return at.out;
  if (a.closedAt !== null) {
    const to = Math.min(a.end, a.closedAt);
    // Closing ends the presence with the attendance's record — unless there was no time to record.
    if (to > Math.max(at.in, a.start)) return to;
  }
  return a.end;
}

/** The activity where `memberId` is present during part of [from, to), if any (other than `except`). */
function overlapping(model: Model, memberId: string, except: Name, from: number, to: number): Name | null {
  for (const name of names) {
    const a = model.activities[name];
    if (name === except || !a.attendance.has(memberId)) continue;
    if (a.attendance.get(memberId)!.in < to && from < presenceEndOf(model, a, memberId)) return name;
  }
  return null;
}

const opensAt = (a: ModelActivity) => a.start - checkInOpensBeforeStartMs;

// ── Invariants, read from the store and the folded streams ──────────────────────────────────────────

async function checkInvariants(model: Model, real: Real): Promise<void> {
  for (const name of names) {
    const state: ActivityState = await real.ledger.fresh.activity(C, name);
    const a = model.activities[name];
    expect(state.seats.size, `${name}: seats within capacity`).toBeLessThanOrEqual(state.capacity);
    expect(nobodyWaitsForAFreeSeat(state), `${name}: nobody waits while a seat is free`).toBe(true);
    expect([...state.seats.keys()], `${name}: seats in order`).toEqual(a.seats);
    expect(state.waitList, `${name}: the wait list in order`).toEqual(a.wait);
    expect([...state.attendance.keys()], `${name}: attendance`).toEqual([...a.attendance.keys()]);
  }
  const byMember = new Map<string, MemberState>();
  for (const m of members) byMember.set(m, await real.ledger.fresh.member(C, m));
  // No member present at two activities at once.
  for (const [m, state] of byMember) {
    const intervals = [...state.presences].map(([activity, p]) => ({ activity, from: p.at, to: presenceEnd(p) }));
    for (const x of intervals) {
      for (const y of intervals) {
        if (x.activity < y.activity) expect(x.from < y.to && y.from < x.to, `${m} present at ${x.activity} and ${y.activity} at once: ${JSON.stringify([x, y])}`).toBe(false);
      }
    }
  }
  // Every attendance of a closed activity became exactly one service record; hours within the window and a day.
  const events = await real.store.readAll({ maxCount: 100_000 });
  const records = events.filter((e) => e.type === 'ServiceRecorded' && (e.data['activityId'] as string | null) !== null && names.includes(e.data['activityId'] as Name));
  for (const name of names) {
    const a = model.activities[name];
    if (a.status !== 'closed') {
      expect(records.filter((e) => e.data['activityId'] === name), `${name} is open yet has records`).toEqual([]);
      continue;
    }
    const recorded = events.filter((e) => e.streamName === streamNames.activity(C, name) && e.type === 'AttendanceRecorded');
    for (const [m, at] of a.attendance) {
      const mine = records.filter((e) => e.data['activityId'] === name && e.streamName === streamNames.member(C, m));
      const time = attendedTime({ startsAt: new Date(a.start).toISOString(), endsAt: new Date(a.end).toISOString() }, { checkedInAt: new Date(at.in).toISOString(), checkedOutAt: at.out === null ? null : new Date(at.out).toISOString(), checkedInVia: 'organiser', checkedInBy: '', checkedOutVia: null }, new Date(a.closedAt!).toISOString(), model.roundingMode);
      expect(mine.length, `${m} at ${name}: ${mine.length} records`).toBe(time.hours === '0.00' ? 0 : 1);
      const r = mine[0];
      if (!r) continue;
      saw('attendance recorded');
      expect(r.data['hours']).toBe(time.hours);
      expect(recorded.filter((e) => e.data['memberId'] === m).map((e) => e.data['hours'])).toEqual([time.hours]);
      const hours = Hours.of(String(r.data['hours']));
      expect(hours.lte(Hours.fromMilliseconds(a.end - a.start)) && hours.lte(Hours.of('24.00')), `${m} at ${name}: ${hours} hours`).toBe(true);
      expect(String(r.data['checkedInAt']) >= new Date(a.start).toISOString() && String(r.data['checkedOutAt']) <= new Date(a.end).toISOString()).toBe(true);
    }
  }
  for (const m of members) {
    const perDay = new Map<string, Hours>();
    for (const r of records.filter((e) => e.streamName === streamNames.member(C, m))) {
      const day = String(r.data['serviceDate']);
      perDay.set(day, (perDay.get(day) ?? Hours.zero).plus(Hours.of(String(r.data['hours']))));
    }
    for (const [day, hours] of perDay) expect(hours.lte(Hours.of('24.00')), `${m} attended ${hours} on ${day}`).toBe(true);
  }
}

// ── Commands ────────────────────────────────────────────────────────────────────────────────────────

type Cmd = fc.AsyncCommand<Model, Real, false>;

/** What the runs met: a property that never saw a case proves nothing about it. */
const seen = new Map<string, number>();
const saw = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);

abstract class Base implements Cmd {
  check = () => true;
  abstract run(model: Model, real: Real): Promise<void>;
  protected async send(real: Real, command: CommandInput, actor: Actor): Promise<ExecuteResult> {
    const r = await real.ledger.execute(command, { actor });
    outcomes.set(r, real.sent.note(command, actor, r));
    saw(`${command.type} ${codeOf(r)}`);
    return r;
  }
}

class Advance extends Base {
  constructor(readonly minutes: number) {
    super();
  }
  override async run(model: Model, real: Real) {
    model.now += this.minutes * 60_000;
    real.clock.set(new Date(model.now));
  }
  override toString = () => `advance ${this.minutes} min`;
}

class SignUp extends Base {
  constructor(readonly name: Name, readonly m: string) {
    super();
  }
  override async run(model: Model, real: Real) {
    const a = model.activities[this.name];
    const r = await this.send(real, { type: 'SignUpForActivity', communityId: C, activityId: this.name, memberId: this.m }, asMember(this.m));
    let expected = 'ok';
    if (a.status !== 'published' || model.now >= a.start) expected = 'invalid-state';
    else if (a.seats.includes(this.m) || a.wait.includes(this.m)) expected = 'already-exists';
    else if (a.seats.length < a.capacity) a.seats.push(this.m);
    else {
      a.wait.push(this.m);
      saw('wait-listed');
    }
    expectOutcome(outcomeOf(r), expected, this.toString());
    await checkInvariants(model, real);
  }
  override toString = () => `${this.m} signs up for ${this.name}`;
}

class Withdraw extends Base {
  private m: string;
  /** `seated`: the `pick`-th holding a seat (when any does), so seats come free and the wait list moves. */
  constructor(readonly name: Name, m: string, readonly seated: number | null = null) {
    super();
    this.m = m;
  }
  override async run(model: Model, real: Real) {
    const a = model.activities[this.name];
    if (this.seated !== null && a.seats.length > 0) this.m = a.seats[this.seated % a.seats.length]!;
    const r = await this.send(real, { type: 'WithdrawFromActivity', communityId: C, activityId: this.name, memberId: this.m }, asMember(this.m));
    let expected = 'ok';
    if (a.status !== 'published' || model.now >= a.start || a.attendance.has(this.m)) expected = 'invalid-state';
    else if (a.seats.includes(this.m)) {
      a.seats = a.seats.filter((s) => s !== this.m);
      const next = a.wait.shift();
      if (next) {
        a.seats.push(next);
        saw('promoted from the wait list');
      }
    } else if (a.wait.includes(this.m)) a.wait = a.wait.filter((s) => s !== this.m);
    else expected = 'not-found';
    expectOutcome(outcomeOf(r), expected, this.toString());
    await checkInvariants(model, real);
  }
  override toString = () => `${this.m} withdraws from ${this.name}`;
}

class Capacity extends Base {
  constructor(readonly name: Name, readonly capacity: number) {
    super();
  }
  override async run(model: Model, real: Real) {
    const a = model.activities[this.name];
    const r = await this.send(real, { type: 'ChangeActivity', communityId: C, activityId: this.name, capacity: this.capacity }, organisers[0]!);
    let expected = 'ok';
    if (a.status !== 'published' || model.now >= a.start || this.capacity < a.seats.length) expected = 'invalid-state';
    else {
      a.capacity = this.capacity;
      while (a.seats.length < a.capacity && a.wait.length > 0) a.seats.push(a.wait.shift()!);
    }
    expectOutcome(outcomeOf(r), expected, this.toString());
    await checkInvariants(model, real);
  }
  override toString = () => `${this.name} capacity ${this.capacity}`;
}

class CheckIn extends Base {
  private m: string;
  /** `seated`: the member is the `pick`-th holding a seat now (when any does), so check-ins meet seats often. */
  constructor(readonly name: Name, m: string, readonly kiosk: boolean, readonly by: number, readonly seated: number | null = null) {
    super();
    this.m = m;
  }
  override async run(model: Model, real: Real) {
    const a = model.activities[this.name];
    if (this.seated !== null && a.seats.length > 0) this.m = a.seats[this.seated % a.seats.length]!;
    let r: ExecuteResult;
    const byActor = organisers[this.by]!;
    if (this.kiosk) {
      const state = await real.ledger.fresh.activity(C, this.name);
      const secret = await openKioskSecret(real.ledger.vault, C, this.name, state.kioskSecret!);
      const code = await kioskCodeFor(secret!, C, this.name, kioskStepAt(real.clock.now()));
      r = await this.send(real, { type: 'CheckInWithKioskCode', communityId: C, activityId: this.name, memberId: this.m, code }, asMember(this.m));
    } else {
      r = await this.send(real, { type: 'CheckInAttendee', communityId: C, activityId: this.name, memberId: this.m }, byActor);
    }
    let expected = 'ok';
    const walkIn = !a.seats.includes(this.m);
    if (a.status !== 'published' || model.now < opensAt(a) || model.now >= a.end) expected = 'invalid-state';
    else if (a.attendance.has(this.m)) expected = 'already-exists';
    else if (walkIn && this.kiosk) expected = 'invalid-state';
    else if (walkIn && a.seats.length >= a.capacity) expected = 'limit-reached';
    else if (overlapping(model, this.m, this.name, model.now, a.end)) {
      expected = 'invalid-state';
      saw('check-in refused: present at another activity');
    }
    if (expected === 'ok') {
      if (walkIn) a.seats.push(this.m);
      a.attendance.set(this.m, { in: model.now, out: null, selfMarked: !this.kiosk && byActor.id === this.m });
    }
    expectOutcome(outcomeOf(r), expected, `${this.toString()} at ${new Date(model.now).toISOString()}: ${r.ok ? '' : r.error.message}`);
    await checkInvariants(model, real);
  }
  override toString = () => `${this.seated === null ? this.m : `seated #${this.seated}`} checks in at ${this.name} (${this.kiosk ? 'kiosk' : `marked by ${organisers[this.by]!.id}`})`;
}

class CheckOut extends Base {
  private m: string;
  /** `present`: the member is the `pick`-th checked in (when any is). */
  constructor(readonly name: Name, m: string, readonly kiosk: boolean, readonly present: number | null = null) {
    super();
    this.m = m;
  }
  override async run(model: Model, real: Real) {
    const a = model.activities[this.name];
    const attending = [...a.attendance.keys()];
    if (this.present !== null && attending.length > 0) this.m = attending[this.present % attending.length]!;
    let r: ExecuteResult;
    if (this.kiosk) {
      const state = await real.ledger.fresh.activity(C, this.name);
      const secret = await openKioskSecret(real.ledger.vault, C, this.name, state.kioskSecret!);
      const code = await kioskCodeFor(secret!, C, this.name, kioskStepAt(real.clock.now()));
      r = await this.send(real, { type: 'CheckOutWithKioskCode', communityId: C, activityId: this.name, memberId: this.m, code }, asMember(this.m));
    } else {
      r = await this.send(real, { type: 'CheckOutAttendee', communityId: C, activityId: this.name, memberId: this.m }, organisers[1]!);
    }
    const at = a.attendance.get(this.m);
    let expected = 'ok';
    if (a.status === 'published' && at && at.out !== null) expected = 'already-exists';
    else if (a.status !== 'published' || (this.kiosk && (model.now < opensAt(a) || model.now >= a.end))) expected = 'invalid-state';
    else if (!at) expected = 'invalid-state';
    else at.out = model.now;
    expectOutcome(outcomeOf(r), expected, this.toString());
    await checkInvariants(model, real);
  }
  override toString = () => `${this.present === null ? this.m : `present #${this.present}`} checks out of ${this.name} (${this.kiosk ? 'kiosk' : 'organiser'})`;
}

class Close extends Base {
  constructor(readonly name: Name) {
    super();
  }
  override async run(model: Model, real: Real) {
    const a = model.activities[this.name];
    const before = (await real.store.readAll({ maxCount: 100_000 })).length;
    const r = await this.send(real, { type: 'CloseActivity', communityId: C, activityId: this.name }, organisers[1]!);
    const after = (await real.store.readAll({ maxCount: 100_000 })).length;
    let expected = 'ok';
    if (a.status === 'closed') expect(after, `closing ${this.name} twice appended events`).toBe(before);
    else if (model.now < a.start) expected = 'invalid-state';
    else {
      a.status = 'closed';
      a.closedAt = model.now;
    }
    expectOutcome(outcomeOf(r), expected, this.toString());
    await checkInvariants(model, real);
  }
  override toString = () => `close ${this.name}`;
}

class Approve extends Base {
  constructor(readonly name: Name) {
    super();
  }
  override async run(model: Model, real: Real) {
    const a = model.activities[this.name];
    const r = await this.send(real, { type: 'ApproveActivityAttendance', communityId: C, activityId: this.name }, organisers[0]!);
    expectOutcome(outcomeOf(r), a.status === 'closed' ? 'ok' : 'invalid-state', this.toString());
    if (a.status === 'closed') {
      a.approved = true;
      // Every record is approved now, except org-1's own when org-1 approves: left pending for another organiser —
      // unless closing approved it already (the policy's auto-approval, and not a check-in org-1 marked themselves).
      for (const [m, at] of a.attendance) {
        const record = (await real.ledger.fresh.member(C, m)).records.get(`activity.${this.name}`);
        if (!record) continue;
        const expected = m !== 'org-1' || (model.autoApprove && !at.selfMarked) ? 'approved' : 'pending';
        expect(record.status, `${m}'s record of ${this.name}`).toBe(expected);
        saw(`record ${expected} after bulk approval`);
      }
    }
    await checkInvariants(model, real);
  }
  override toString = () => `approve ${this.name}`;
}

const nameArb = fc.constantFrom(...names);
const memberArb = fc.constantFrom(...members);
const advanceArb = fc.integer({ min: 1, max: 25 }).map((m) => new Advance(m));
const checkInArb = fc.tuple(nameArb, memberArb, fc.boolean(), fc.nat(1)).map(([n, m, k, by]) => new CheckIn(n, m, k, by));
const seatedCheckInArb = fc.tuple(nameArb, memberArb, fc.boolean(), fc.nat(1), fc.nat(20)).map(([n, m, k, by, pick]) => new CheckIn(n, m, k, by, pick));
/** m1, seated at X and Y (which overlap), tries to be at both. */
const doubleBookedArb = fc.tuple(fc.constantFrom<Name>('X', 'Y'), fc.boolean(), fc.nat(1)).map(([n, k, by]) => new CheckIn(n, 'm1', k, by));
const checkOutArb = fc.tuple(nameArb, memberArb, fc.boolean()).map(([n, m, k]) => new CheckOut(n, m, k));
const presentCheckOutArb = fc.tuple(nameArb, memberArb, fc.boolean(), fc.nat(20)).map(([n, m, k, pick]) => new CheckOut(n, m, k, pick));
const signUpArb = fc.tuple(nameArb, memberArb).map(([n, m]) => new SignUp(n, m));
// Entries repeated to weigh them: the clock must move through the windows, and check-ins are the point.
const commandsArb = fc.commands(
  [
    advanceArb,
    advanceArb,
    advanceArb,
    signUpArb,
    signUpArb,
    signUpArb,
    fc.tuple(nameArb, memberArb).map(([n, m]) => new Withdraw(n, m)),
    fc.tuple(nameArb, memberArb, fc.nat(20)).map(([n, m, pick]) => new Withdraw(n, m, pick)),
    fc.tuple(nameArb, fc.integer({ min: 1, max: 4 })).map(([n, c]) => new Capacity(n, c)),
    checkInArb,
    checkInArb,
    seatedCheckInArb,
    seatedCheckInArb,
    doubleBookedArb,
    doubleBookedArb,
    checkOutArb,
    presentCheckOutArb,
    nameArb.map((n) => new Close(n)),
    nameArb.map((n) => new Approve(n)),
    nameArb.map((n) => new Approve(n)),
  ],
  { maxCommands: 80, size: 'max' },
);

async function setUp(
  autoApprove: boolean,
  roundingMode: RoundingMode,
  capacities: Record<Name, number>,
  startMinutes: number,
  early: ReadonlyArray<readonly [Name, string]>,
): Promise<{ model: Model; real: Real }> {
  const store = new InMemoryEventStore();
  const clock = new ManualClock(new Date('2026-06-05T12:00:00.000Z'));
  const ledger = new Ledger({ store, clock, validateOnAppend: true });
  const sent = new SentCommands();
  const must = async (command: CommandInput, actor: Actor) => {
    const r = await ledger.execute(command, { actor });
    if (!r.ok) throw new Error(`${command.type}: ${r.error.message}`);
    sent.note(command, actor, r);
  };
  await must({ type: 'RegisterCommunity', communityId: C, name: 'c', policy: { autoApproveCheckedIn: autoApprove, rounding: { mode: roundingMode, scale: 2 } } }, admin);
  for (const o of organisers) await must({ type: 'AppointOrganiser', communityId: C, memberId: o.id }, admin);
  for (const m of members) await must({ type: 'RegisterMember', communityId: C, memberId: m }, admin);
  const activities = {} as Record<Name, ModelActivity>;
  for (const name of names) {
    const w = windows[name];
    await must({ type: 'PublishActivity', communityId: C, activityId: name, title: name, category: 'public-health', ...w, place: '活动室', capacity: capacities[name] }, organisers[0]!);
    activities[name] = { start: ms(w.startsAt), end: ms(w.endsAt), capacity: capacities[name], status: 'published', seats: [], wait: [], attendance: new Map(), closedAt: null, approved: false };
  }
  // Sign-ups made the day before (the commands sign up more, while sign-up is open). m1 always tries to be at
  // both X and Y, which overlap.
  for (const [name, m] of [['X', 'm1'], ['Y', 'm1'], ...early] as const) {
    const a = activities[name];
    if (a.seats.includes(m) || a.wait.includes(m)) continue;
    await must({ type: 'SignUpForActivity', communityId: C, activityId: name, memberId: m }, asMember(m));
    if (a.seats.length < a.capacity) a.seats.push(m);
    else a.wait.push(m);
  }
  // Sign-ups are open for a while yet (X starts at 01:00); check-in for X opens 30 minutes before its start.
  const start = ms('2026-06-06T00:00:00.000Z') + startMinutes * 60_000;
  clock.set(new Date(start));
  return { model: { now: start, activities, roundingMode, autoApprove }, real: { ledger, store, clock, sent } };
}

describe('activities: model-based (fc.commands) against the real ledger', () => {
  it('capacity and the wait list, check-ins, closing and approval keep every rule', async () => {
    await fc.assert(
      fc.asyncProperty(
        commandsArb,
        fc.boolean(),
        fc.constantFrom<RoundingMode>('half-up', 'half-even', 'down', 'up'),
        fc.record({ X: fc.integer({ min: 1, max: 3 }), Y: fc.integer({ min: 1, max: 3 }), Z: fc.integer({ min: 1, max: 3 }) }),
        fc.integer({ min: 0, max: 55 }),
        fc.array(fc.tuple(nameArb, memberArb), { maxLength: 12 }),
        async (cmds, autoApprove, roundingMode, capacities, startMinutes, early) => {
          const { model, real } = await setUp(autoApprove, roundingMode, capacities, startMinutes, early);
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          // Finally: close everything (past every end), twice, and check again.
          model.now = ms('2026-06-06T07:00:00.000Z');
          real.clock.set(new Date(model.now));
          for (const name of names) {
            await new Close(name).run(model, real);
            await new Close(name).run(model, real);
          }
        },
      ),
      { numRuns: 50 },
    );
    if (process.env['DEBUG_MODEL']) console.log(JSON.stringify([...seen].sort()));
    for (const what of [
      'wait-listed',
      'promoted from the wait list',
      'check-in refused: present at another activity',
      'CheckInWithKioskCode ok',
      'CheckInAttendee ok',
      'CheckInAttendee limit-reached',
      'CheckOutWithKioskCode ok',
      'CheckOutAttendee ok',
      'CloseActivity ok',
      'ApproveActivityAttendance ok',
      'attendance recorded',
    ]) {
      expect(seen.get(what) ?? 0, `${what} never happened: ${JSON.stringify([...seen])}`).toBeGreaterThan(0);
    }
  });
});

// ── Concurrent sign-ups and check-ins under fast-check's scheduler ──────────────────────────────────

/** Yields to the scheduler before every read and append; checks seats ≤ capacity after every append. */
class ScheduledStore extends SchedulerYieldingStore {
  readonly violations: string[] = [];
  override async appendToStream(stream: string, events: readonly NewEvent[], options: { readonly expectedRevision: ExpectedRevision }) {
    const appended = await super.appendToStream(stream, events, options);
    if (stream.startsWith('activity-')) {
      let state = activityKind.initialState();
      for (const e of await this.inner.readStream(stream)) state = activityKind.evolve(state, eventRegistry.decode(e) as never);
      if (state.seats.size > state.capacity) this.violations.push(`${stream}: ${state.seats.size} seats of ${state.capacity}`);
    }
    return appended;
  }
}

describe('activities under concurrency (fast-check scheduler)', () => {
  for (const instances of [1, 2]) {
    it(`${instances} instance(s): many sign up at once; seats never pass capacity, the rest wait in the order they were decided; one member checking in at two overlapping activities at once is present at one`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 8 }), async (s, capacity, crowd) => {
          const store = new InMemoryEventStore();
          const clock = new ManualClock(new Date('2026-06-05T12:00:00.000Z'));
          const setup = new Ledger({ store, clock });
          const must = async (command: CommandInput, actor: Actor) => {
            const r = await setup.execute(command, { actor });
            if (!r.ok) throw new Error(`${command.type}: ${r.error.message}`);
          };
          await must({ type: 'RegisterCommunity', communityId: C, name: 'c' }, admin);
          await must({ type: 'AppointOrganiser', communityId: C, memberId: 'org-1' }, admin);
          const people = Array.from({ length: crowd }, (_, i) => `p${i}`);
          for (const p of people) await must({ type: 'RegisterMember', communityId: C, memberId: p }, admin);
          for (const name of ['X', 'Y'] as const) {
            await must({ type: 'PublishActivity', communityId: C, activityId: name, title: name, category: 'public-health', ...windows[name], place: '活动室', capacity: name === 'X' ? capacity : 8 }, organisers[0]!);
          }
          // p0 has a seat at Y too, to try to be at both at once.
          await must({ type: 'SignUpForActivity', communityId: C, activityId: 'Y', memberId: 'p0' }, asMember('p0'));
          const shared = new ScheduledStore(store, s);
          const ledgers = Array.from({ length: instances }, () => new Ledger({ store: shared, clock }));
          const retry = async (i: number, command: CommandInput, actor: Actor) => {
            let r: ExecuteResult;
            let attempt = 0;
            do r = await ledgers[(i + attempt++) % ledgers.length]!.execute(command, { actor });
            while (!r.ok && r.error.code === 'conflict' && attempt < 5);
            return r;
          };
          const signUps = people.map((p, i) => s.schedule(Promise.resolve(i)).then(() => retry(i, { type: 'SignUpForActivity', communityId: C, activityId: 'X', memberId: p }, asMember(p))));
          const answers = await s.waitFor(Promise.all(signUps));
          for (const r of answers) expect(codeOf(r), 'every sign-up gets a decision').toBe('ok');
          const x = await new Ledger({ store, clock }).fresh.activity(C, 'X');
          expect(x.seats.size).toBe(Math.min(capacity, crowd));
          expect(x.seats.size + x.waitList.length).toBe(crowd);
          const waitListedInOrder = (await store.readStream(streamNames.activity(C, 'X'))).filter((e) => e.type === 'AttendeeWaitListed').map((e) => e.data['memberId']);
          expect(x.waitList).toEqual(waitListedInOrder);
          expect(shared.violations).toEqual([]);

          // p0 (seated at X and Y) checked in at both overlapping activities at once: present at one, refused at the other.
          if (!x.seats.has('p0')) return;
          clock.set('2026-06-06T02:10:00.000Z');
          const both = (['X', 'Y'] as const).map((name, i) => s.schedule(Promise.resolve(name)).then(() => retry(i, { type: 'CheckInAttendee', communityId: C, activityId: name, memberId: 'p0' }, organisers[0]!)));
          const codes = (await s.waitFor(Promise.all(both))).map(codeOf).sort();
          expect(codes).toEqual(['invalid-state', 'ok']);
          const p0 = await new Ledger({ store, clock }).fresh.member(C, 'p0');
          expect(p0.presences.size).toBe(1);
          const attending = await Promise.all((['X', 'Y'] as const).map(async (n) => (await new Ledger({ store, clock }).fresh.activity(C, n)).attendance.has('p0')));
          expect(attending.filter(Boolean)).toHaveLength(1);
        }),
        { numRuns: 60 },
      );
    });
  }
});
