/**
 * Model-based tests: random command sequences (fc.commands) run against the real Ledger on the in-memory
 * store and against a small reference model that keeps every amount as whole cents and every rule as a
 * few lines of arithmetic. After every step the outcome (accepted, or which refusal) and each member's
 * balance, deficit, approved hours and level must agree. A second test puts several commands on one
 * member in flight at once with fc.scheduler() choosing how the store calls interleave, then replays the
 * model in the order the ledger actually appended.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Actor,
  type EventStore,
  type ExecuteResult,
  InMemoryEventStore,
  type LedgerCommandInput,
  type MemberEvent,
  type RecordedEvent,
  eventRegistry,
  streamNames,
} from '@volunteer-ledger/core';
import { type TestLedger, centsToText, createTestLedger, memberInvariantViolations, mustOk, textToCents } from '@volunteer-ledger/core/testing';

const msPerMinute = 60_000;
const msPerDay = 86_400_000;
const shanghaiOffsetMs = 8 * 3_600_000;
/** The model's own calendar: Shanghai has no daylight saving, so a fixed offset is exact. */
const shanghaiDay = (ms: number) => new Date(ms + shanghaiOffsetMs).toISOString().slice(0, 10);
const system: Actor = { id: 'system:model', role: 'system', communityId: '*' };

// ── The reference model ───────────────────────────────────────────────────────────────────────────────

interface ModelPolicy {
  readonly pointsPerHour: number;
  readonly safetyMultiplier: number;
  readonly dailyCapCents: number;
  /** Level thresholds in hour-cents, increasing. */
  readonly levelsCents: readonly number[];
}

interface ModelMember {
  readonly id: string;
  balance: number;
  deficit: number;
  held: number;
  hours: number;
  level: number;
  readonly byDay: Map<string, number>;
}

interface ModelRecord {
  readonly id: string;
  readonly member: string;
  readonly day: string;
  readonly hours: number;
  readonly category: string;
  status: 'pending' | 'approved' | 'rejected' | 'reversed';
  approved: number;
  points: number;
  /** Decisions (verb and organiser) a command made on it: the same command from the same organiser again is answered as the first was. */
  decidedBy?: Set<string>;
}

interface Model {
  readonly policy: ModelPolicy;
  readonly members: ModelMember[];
  readonly records: ModelRecord[];
  nowMs: number;
  nextId: number;
}

type Outcome = 'ok' | string;

const pointsFor = (policy: ModelPolicy, hoursCents: number, category: string) => hoursCents * policy.pointsPerHour * (category === 'safety' ? policy.safetyMultiplier : 1);

function accrue(m: ModelMember, points: number): void {
  const settled = Math.min(m.deficit, points);
  m.deficit -= settled;
  m.balance += points;
}

function approveInModel(model: Model, record: ModelRecord): Outcome {
  const m = member(model, record.member);
  const room = model.policy.dailyCapCents - (m.byDay.get(record.day) ?? 0);
  const counted = Math.min(record.hours, room);
  if (counted <= 0) return 'daily-cap-reached';
  record.status = 'approved';
  record.approved = counted;
  record.points = pointsFor(model.policy, counted, record.category);
  m.byDay.set(record.day, (m.byDay.get(record.day) ?? 0) + counted);
  m.hours += counted;
  if (record.points > 0) accrue(m, record.points);
  m.level = Math.max(m.level, model.policy.levelsCents.filter((t) => t <= m.hours).length);
  return 'ok';
}

function reverseInModel(model: Model, record: ModelRecord): void {
  const m = member(model, record.member);
  record.status = 'reversed';
  m.byDay.set(record.day, (m.byDay.get(record.day) ?? 0) - record.approved);
  m.hours -= record.approved;
  // Free points: every lot point not held; none while in deficit (rule 3).
  const free = m.deficit > 0 ? 0 : m.balance - m.held;
  m.deficit += record.points - Math.min(free, record.points);
  m.balance -= record.points;
}

const available = (m: ModelMember) => (m.deficit > 0 ? 0 : m.balance - m.held);

function member(model: Model, id: string): ModelMember {
  const m = model.members.find((x) => x.id === id);
  if (!m) throw new Error(`model: no member ${id}`);
  return m;
}

const newMember = (id: string): ModelMember => ({ id, balance: 0, deficit: 0, held: 0, hours: 0, level: 0, byDay: new Map() });

// ── The real system and the comparison ────────────────────────────────────────────────────────────────

interface Real {
  readonly t: TestLedger;
}

const outcomeOf = (result: ExecuteResult): Outcome => (result.ok ? 'ok' : result.error.code);

async function compare(model: Model, real: Real, step: string): Promise<void> {
  for (const m of model.members) {
    const { state } = await real.t.ledger.member('c1', m.id);
    const actual = { balance: state.balance.toString(), deficit: state.deficit.toString(), hours: state.hoursTotal.toString(), level: state.level };
    const expected = { balance: centsToText(m.balance), deficit: centsToText(m.deficit), hours: centsToText(m.hours), level: m.level };
    expect(actual, `${m.id} after ${step}`).toEqual(expected);
    expect(memberInvariantViolations(state), `${m.id} after ${step}`).toEqual([]);
  }
}

async function execute(model: Model, real: Real, command: LedgerCommandInput, actor: Actor, expected: Outcome, step: string): Promise<ExecuteResult> {
  const result = await real.t.execute(command, actor);
  expect(outcomeOf(result), `${step}: ${result.ok ? '' : result.error.message}`).toBe(expected);
  return result;
}

type LedgerCommand = fc.AsyncCommand<Model, Real>;
const pick = <T>(items: readonly T[], index: number): T | undefined => items[index % Math.max(items.length, 1)];

class RegisterMember implements LedgerCommand {
  /** `again`: an existing member registered again — the same command (`same`), or with another household. */
  constructor(
    readonly again: number | null,
    readonly same: boolean,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const existing = this.again === null ? undefined : pick(model.members, this.again);
    const id = existing?.id ?? `n${model.nextId++}`;
    const command: LedgerCommandInput = { type: 'RegisterMember', communityId: 'c1', memberId: id, ...(existing && !this.same ? { householdId: 'hh-other' } : {}) };
    // The very command that registered it gets the first answer again; other data under its id is refused.
    const result = await execute(model, real, command, real.t.admin, existing && !this.same ? 'already-exists' : 'ok', this.toString());
    if (existing) expect(result.ok && result.value.replayed, `${this.toString()}: a repeat is answered as the first`).toBe(this.same);
    if (!existing) model.members.push(newMember(id));
    await compare(model, real, this.toString());
  }
  toString = () => `RegisterMember(${this.again ?? 'new'}${this.again !== null && this.same ? ', same' : ''})`;
}

class CheckIn implements LedgerCommand {
  constructor(
    readonly who: number,
    readonly endedMinutesAgo: number,
    readonly minutes: number,
    readonly category: string,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const m = pick(model.members, this.who)!;
    const out = model.nowMs - this.endedMinutesAgo * msPerMinute;
    const inAt = out - this.minutes * msPerMinute;
    const hours = Math.floor((out - inAt) / 36_000);
    const record: ModelRecord = { id: `r${model.nextId++}`, member: m.id, day: shanghaiDay(inAt), hours, category: this.category, status: 'pending', approved: 0, points: 0 };
    const command: LedgerCommandInput = {
      type: 'RecordCheckedInHours',
      communityId: 'c1',
      memberId: m.id,
      recordId: record.id,
      category: this.category,
      checkedInAt: new Date(inAt).toISOString(),
      checkedOutAt: new Date(out).toISOString(),
    };
    if (hours > 2_400) {
      await execute(model, real, command, real.t.organisers[0]!, 'hours-out-of-range', this.toString());
    } else {
      model.records.push(record);
      // Auto-approved when it fits under the cap; otherwise it waits, pending. An organiser recording
      // their own hours is never auto-approved: another organiser must approve them.
      const recorder = real.t.organisers[0]!;
      const room = model.policy.dailyCapCents - (m.byDay.get(record.day) ?? 0);
      if (room > 0 && recorder.id !== m.id) approveInModel(model, record);
      await execute(model, real, command, recorder, 'ok', this.toString());
    }
    await compare(model, real, this.toString());
  }
  toString = () => `CheckIn(${this.who}, ended ${this.endedMinutesAgo} min ago, ${this.minutes} min, ${this.category})`;
}

class Report implements LedgerCommand {
  constructor(
    readonly who: number,
    readonly daysAgo: number,
    readonly hoursCents: number,
    readonly activityCents: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const m = pick(model.members, this.who)!;
    const record: ModelRecord = { id: `r${model.nextId++}`, member: m.id, day: shanghaiDay(model.nowMs - this.daysAgo * msPerDay), hours: this.hoursCents, category: 'elder-care', status: 'pending', approved: 0, points: 0 };
    const command: LedgerCommandInput = {
      type: 'ReportHours',
      communityId: 'c1',
      memberId: m.id,
      recordId: record.id,
      category: 'elder-care',
      serviceDate: record.day,
      hours: centsToText(this.hoursCents),
      activityHours: centsToText(this.activityCents),
    };
    const refused = this.hoursCents > 2_400 || this.hoursCents > this.activityCents;
    await execute(model, real, command, real.t.organisers[0]!, refused ? 'hours-out-of-range' : 'ok', this.toString());
    if (!refused) model.records.push(record);
    await compare(model, real, this.toString());
  }
  toString = () => `Report(${this.who}, ${this.daysAgo} days ago, ${centsToText(this.hoursCents)} h of ${centsToText(this.activityCents)})`;
}

/** Approve, reject or reverse one of a member's records, as organiser org-1 or org-2 (org-1 is also a member). */
class Decide implements LedgerCommand {
  constructor(
    readonly verb: 'approve' | 'reject' | 'reverse',
    readonly who: number,
    readonly which: number,
    readonly by: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const m = pick(model.members, this.who)!;
    const record = pick(model.records.filter((r) => r.member === m.id), this.which);
    const actor = real.t.organisers[this.by % 2]!;
    const recordId = record?.id ?? 'no-such-record';
    const target = { communityId: 'c1', memberId: m.id, recordId };
    const command: LedgerCommandInput =
      this.verb === 'approve'
        ? { type: 'ApproveService', ...target }
        : { type: this.verb === 'reject' ? 'RejectService' : 'ReverseService', ...target, reason: 'model' };
    let expected: Outcome;
    const wanted = this.verb === 'reverse' ? 'approved' : 'pending';
    if (actor.id === m.id) expected = 'not-allowed';
    else if (!record) expected = 'not-found';
    else if (record.status !== wanted) expected = record.decidedBy?.has(`${this.verb}:${actor.id}`) ? 'ok' : 'invalid-state';
    else if (this.verb === 'approve') expected = approveInModel(model, record);
    else if (this.verb === 'reject') {
      record.status = 'rejected';
      expected = 'ok';
    } else {
      reverseInModel(model, record);
      expected = 'ok';
    }
    const repeated = record !== undefined && record.status !== wanted && expected === 'ok' && record.decidedBy?.has(`${this.verb}:${actor.id}`) === true;
    if (record && expected === 'ok' && !repeated) (record.decidedBy ??= new Set()).add(`${this.verb}:${actor.id}`);
    const result = await execute(model, real, command, actor, expected, this.toString());
    if (result.ok) expect(result.value.replayed, `${this.toString()}: the same decision sent again is answered as the first`).toBe(repeated);
    await compare(model, real, this.toString());
  }
  toString = () => `${this.verb}(${this.who}, record ${this.which}, by org-${(this.by % 2) + 1})`;
}

class Grant implements LedgerCommand {
  constructor(
    readonly who: number,
    readonly cents: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const m = pick(model.members, this.who)!;
    const command: LedgerCommandInput = { type: 'GrantPoints', communityId: 'c1', memberId: m.id, grantId: `g${model.nextId++}`, points: centsToText(this.cents), reason: 'model grant' };
    accrue(m, this.cents);
    await execute(model, real, command, real.t.admin, 'ok', this.toString());
    await compare(model, real, this.toString());
  }
  toString = () => `Grant(${this.who}, ${centsToText(this.cents)})`;
}

/** A redemption in miniature: hold a share of what is available (over 100 %: more than that), then spend it. */
class Spend implements LedgerCommand {
  constructor(
    readonly who: number,
    readonly percent: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const m = pick(model.members, this.who)!;
    const cents = Math.max(1, Math.floor((available(m) * this.percent) / 100));
    const id = `h${model.nextId++}`;
    const target = { communityId: 'c1', memberId: m.id };
    const expected = m.deficit > 0 ? 'in-deficit' : cents > available(m) ? 'insufficient-points' : 'ok';
    const held = await execute(model, real, { type: 'PlaceHold', ...target, holdId: id, redemptionId: id, points: centsToText(cents), expiresAt: '2030-01-01T00:00:00Z' }, system, expected, this.toString());
    if (held.ok) {
      await execute(model, real, { type: 'SpendHold', ...target, holdId: id }, system, 'ok', `${this.toString()} (spend)`);
      m.balance -= cents;
    }
    await compare(model, real, this.toString());
  }
  toString = () => `Spend(${this.who}, ${this.percent}%)`;
}

class Advance implements LedgerCommand {
  constructor(readonly minutes: number) {}
  check = () => true;
  async run(model: Model, real: Real) {
    model.nowMs += this.minutes * msPerMinute;
    real.t.clock.advance(this.minutes * msPerMinute);
  }
  toString = () => `Advance(${this.minutes} min)`;
}

const who = fc.nat({ max: 5 });
const commandArbs = [
  fc.tuple(fc.option(fc.nat(), { nil: null }), fc.boolean()).map(([again, same]) => new RegisterMember(again, same)),
  fc.tuple(who, fc.nat({ max: 2 * 24 * 60 }), fc.integer({ min: 1, max: 25 * 60 }), fc.constantFrom('elder-care', 'safety')).map(([w, ago, min, cat]) => new CheckIn(w, ago, min, cat)),
  fc.tuple(who, fc.nat({ max: 3 }), fc.integer({ min: 1, max: 1_000 }), fc.integer({ min: 1, max: 1_200 })).map(([w, d, h, a]) => new Report(w, d, h, a)),
  fc.tuple(fc.constantFrom('approve' as const, 'approve' as const, 'reject' as const, 'reverse' as const, 'reverse' as const), who, fc.nat(), fc.nat()).map(([v, w, x, b]) => new Decide(v, w, x, b)),
  fc.tuple(who, fc.integer({ min: 1, max: 30_000 })).map(([w, c]) => new Grant(w, c)),
  fc.tuple(who, fc.integer({ min: 1, max: 110 })).map(([w, p]) => new Spend(w, p)),
  fc.integer({ min: 1, max: 36 * 60 }).map((m) => new Advance(m)),
];

const modelPolicyArb: fc.Arbitrary<ModelPolicy> = fc.record({
  pointsPerHour: fc.integer({ min: 1, max: 20 }),
  safetyMultiplier: fc.integer({ min: 1, max: 3 }),
  dailyCapCents: fc.integer({ min: 100, max: 1_200 }),
  levelsCents: fc.uniqueArray(fc.integer({ min: 2, max: 40 }), { minLength: 1, maxLength: 4 }).map((hours) => hours.sort((a, b) => a - b).map((h) => h * 100)),
});

async function setup(policy: ModelPolicy, store?: EventStore) {
  const t = await createTestLedger({
    members: ['org-1', 'm1', 'm2'],
    ...(store ? { store } : {}),
    policy: {
      basePointsPerHour: String(policy.pointsPerHour),
      categoryMultipliers: { safety: String(policy.safetyMultiplier) },
      dailyHoursCap: centsToText(policy.dailyCapCents),
      levelThresholdsHours: policy.levelsCents.map(centsToText),
    },
  });
  const model: Model = { policy, members: ['org-1', 'm1', 'm2'].map(newMember), records: [], nowMs: t.clock.now().getTime(), nextId: 1 };
  return { t, model };
}

describe('the ledger against a reference model', () => {
  it('agrees with the model on every outcome, balance, deficit, hours total and level, step by step', async () => {
    await fc.assert(
      fc.asyncProperty(modelPolicyArb, fc.commands(commandArbs, { maxCommands: 40, size: 'max' }), async (policy, commands) => {
        await fc.asyncModelRun(async () => {
          const { t, model } = await setup(policy);
          return { model, real: { t } };
        }, commands);
      }),
      { numRuns: 120 },
    );
  });
});

// ── Concurrent interleavings ──────────────────────────────────────────────────────────────────────────

/** The in-memory store with every append and stream read held at a gate the scheduler opens in its own order. */
function gatedStore(inner: InMemoryEventStore, gate: { scheduler: fc.Scheduler | null }): EventStore {
  const wait = (label: string) => (gate.scheduler ? gate.scheduler.schedule(Promise.resolve(label), label) : Promise.resolve(label));
  return {
    appendToStream: async (s, e, o) => {
      await wait(`append ${e[0]?.type}`);
      return inner.appendToStream(s, e, o);
    },
    readStream: async (s, o) => {
      await wait(`read ${s}`);
      return inner.readStream(s, o);
    },
    streamRevision: (s) => inner.streamRevision(s),
    readAll: (o) => inner.readAll(o),
    subscribeToAll: (o) => inner.subscribeToAll(o),
    idempotency: inner.idempotency,
    checkpoints: inner.checkpoints,
    close: () => inner.close(),
  };
}

type Concurrent = { kind: 'grant'; cents: number } | { kind: 'spend'; cents: number } | { kind: 'checkIn'; minutes: number } | { kind: 'reverse' };

const concurrentArb: fc.Arbitrary<Concurrent> = fc.oneof(
  fc.integer({ min: 1, max: 5_000 }).map((cents) => ({ kind: 'grant' as const, cents })),
  fc.integer({ min: 1, max: 5_000 }).map((cents) => ({ kind: 'spend' as const, cents })),
  fc.integer({ min: 1, max: 300 }).map((minutes) => ({ kind: 'checkIn' as const, minutes })),
  fc.constant({ kind: 'reverse' as const }),
);

describe('concurrent commands on one member (fc.scheduler)', () => {
  it('end in the state the model reaches applying them in the order the ledger appended them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), modelPolicyArb, fc.array(concurrentArb, { minLength: 2, maxLength: 4 }), async (s, policy, ops) => {
        const gate: { scheduler: fc.Scheduler | null } = { scheduler: null };
        const { t, model } = await setup(policy, gatedStore(new InMemoryEventStore(), gate));
        const m1 = member(model, 'm1');
        // Before: 50.00 granted and one approved record r0 (so a reversal has something to reverse).
        mustOk(await t.execute({ type: 'GrantPoints', communityId: 'c1', memberId: 'm1', grantId: 'g0', points: '50.00', reason: 'start' }, t.admin));
        accrue(m1, 5_000);
        mustOk(await t.execute({ type: 'ReportHours', communityId: 'c1', memberId: 'm1', recordId: 'r0', category: 'elder-care', serviceDate: '2026-02-27', hours: '1.00', activityHours: '2.00' }));
        mustOk(await t.execute({ type: 'ApproveService', communityId: 'c1', memberId: 'm1', recordId: 'r0' }));
        const r0: ModelRecord = { id: 'r0', member: 'm1', day: '2026-02-27', hours: 100, category: 'elder-care', status: 'pending', approved: 0, points: 0 };
        model.records.push(r0);
        approveInModel(model, r0);
        const before = (await t.store.readStream(streamNames.member('c1', 'm1'))).length;

        gate.scheduler = s;
        const target = { communityId: 'c1', memberId: 'm1' };
        const now = t.clock.now().getTime();
        const running = ops.map(async (op, i): Promise<ExecuteResult> => {
          switch (op.kind) {
            case 'grant':
              return t.execute({ type: 'GrantPoints', ...target, grantId: `cg${i}`, points: centsToText(op.cents), reason: 'concurrent' }, t.admin);
            case 'checkIn':
              return t.execute({ type: 'RecordCheckedInHours', ...target, recordId: `cr${i}`, category: 'elder-care', checkedInAt: new Date(now - op.minutes * msPerMinute).toISOString(), checkedOutAt: new Date(now).toISOString() });
            case 'reverse':
              return t.execute({ type: 'ReverseService', ...target, recordId: 'r0', reason: 'concurrent' });
            case 'spend': {
              const held = await t.execute({ type: 'PlaceHold', ...target, holdId: `ch${i}`, redemptionId: `cd${i}`, points: centsToText(op.cents), expiresAt: '2030-01-01T00:00:00Z' }, system);
              return held.ok ? t.execute({ type: 'SpendHold', ...target, holdId: `ch${i}` }, system) : held;
            }
          }
        });
        const results = await s.waitFor(Promise.all(running));
        gate.scheduler = null;

        // No conflict reaches a caller; refusals are the ones the rules allow.
        results.forEach((r, i) => {
          const allowed = ops[i]!.kind === 'spend' ? ['ok', 'insufficient-points', 'in-deficit'] : ops[i]!.kind === 'reverse' ? ['ok', 'invalid-state'] : ['ok'];
          expect(allowed, `${JSON.stringify(ops[i])}: ${r.ok ? 'ok' : r.error.message}`).toContain(outcomeOf(r));
        });
        // The same reversal sent twice is done once; the second caller is given the first answer (replayed).
        expect(results.filter((r, i) => ops[i]!.kind === 'reverse' && r.ok && !r.value.replayed).length, 'one reversal at most').toBeLessThanOrEqual(1);
        expect((await t.store.readStream('member-c1-m1')).filter((e) => e.type === 'ServiceReversed').length, 'one reversal event at most').toBeLessThanOrEqual(1);

        // Replay the model in the order the ledger appended, checking each appended step was allowed then.
        const appended = (await t.store.readStream(streamNames.member('c1', 'm1'))).slice(before);
        for (const group of byCommand(appended)) {
          const events = group.map((e) => eventRegistry.decode(e) as MemberEvent);
          const first = events[0]!;
          switch (first.type) {
            case 'PointsAccrued':
              accrue(m1, textToCents(first.data.points));
              break;
            case 'ServiceRecorded': {
              const record: ModelRecord = { id: first.data.recordId, member: 'm1', day: first.data.serviceDate, hours: textToCents(first.data.hours), category: 'elder-care', status: 'pending', approved: 0, points: 0 };
              model.records.push(record);
              if (model.policy.dailyCapCents - (m1.byDay.get(record.day) ?? 0) > 0) approveInModel(model, record);
              break;
            }
            case 'ServiceReversed':
              expect(r0.status).toBe('approved');
              reverseInModel(model, r0);
              break;
            case 'PointsHeld': {
              const cents = textToCents(first.data.points);
              expect(cents <= available(m1) && m1.deficit === 0, `hold of ${first.data.points} with ${centsToText(available(m1))} available`).toBe(true);
              m1.held += cents;
              break;
            }
            case 'HeldPointsSpent': {
              const cents = textToCents(first.data.points);
              m1.held -= cents;
              m1.balance -= cents;
              break;
            }
            default:
              throw new Error(`unexpected ${first.type}`);
          }
        }
        const { state } = await t.ledger.member('c1', 'm1');
        expect(memberInvariantViolations(state)).toEqual([]);
        expect({ balance: state.balance.toString(), deficit: state.deficit.toString(), held: state.held.toString(), hours: state.hoursTotal.toString(), level: state.level }).toEqual({
          balance: centsToText(m1.balance),
          deficit: centsToText(m1.deficit),
          held: centsToText(m1.held),
          hours: centsToText(m1.hours),
          level: m1.level,
        });
      }),
      { numRuns: 150 },
    );
  });
});

/** Consecutive events of one command (one correlation id), in stream order. */
function byCommand(events: readonly RecordedEvent[]): RecordedEvent[][] {
  const groups: RecordedEvent[][] = [];
  for (const event of events) {
    const last = groups.at(-1);
    if (last && last[0]!.metadata.correlationId === event.metadata.correlationId) last.push(event);
    else groups.push([event]);
  }
  return groups;
}
