/**
 * A real Ledger on the in-memory store with a manual clock, a registered community, an appointed
 * organiser and some members: the starting point of property, model and benchmark runs. Only the public
 * API is used, as an embedding app would.
 */
import type { Actor } from '../events.js';
import type { ExecuteResult, CommandOutcome } from '../ledger.js';
import { Ledger } from '../ledger.js';
import type { LedgerCommandInput } from '../commands.js';
import type { PolicyInput } from '../policy.js';
import { type EventStore, type RecordedEvent, maxReadAllPageSize } from '../store/port.js';
import { InMemoryEventStore } from '../store/in-memory.js';
import { ManualClock, calendarDateIn, msPerDay } from '../time.js';
import { streamNames } from '../ids.js';
import { specAdmin } from './spec.js';
import { centsToText, textToCents } from './arbitraries.js';
import { availablePoints } from '../member/decide.js';
import type { MemberState } from '../member/state.js';

export interface TestLedgerOptions {
  readonly communityId?: string;
  readonly timeZone?: string;
  readonly policy?: PolicyInput;
  readonly members?: readonly string[];
  readonly organisers?: readonly string[];
  readonly store?: EventStore;
  readonly clock?: ManualClock;
  readonly maxCachedStreams?: number;
}

export interface TestLedger {
  readonly ledger: Ledger;
  readonly store: EventStore;
  readonly clock: ManualClock;
  readonly communityId: string;
  readonly timeZone: string;
  readonly admin: Actor;
  /** Appointed organisers, in the order given. */
  readonly organisers: readonly Actor[];
  readonly members: readonly string[];
  /** Runs a command; `actor` defaults to the first organiser. */
  execute(command: LedgerCommandInput, actor?: Actor, idempotencyKey?: string): Promise<ExecuteResult>;
  memberStream(memberId: string): string;
}

/** The outcome of an accepted command; throws with the domain error's message otherwise. */
export function mustOk(result: ExecuteResult, what = 'command'): CommandOutcome {
  if (!result.ok) throw new Error(`${what} was refused: ${result.error.code}: ${result.error.message}`);
  return result.value;
}

export async function createTestLedger(options: TestLedgerOptions = {}): Promise<TestLedger> {
  const communityId = options.communityId ?? 'c1';
  const timeZone = options.timeZone ?? 'Asia/Shanghai';
  const store = options.store ?? new InMemoryEventStore();
  const clock = options.clock ?? new ManualClock(new Date('2026-03-01T00:00:00.000Z'));
  // Test mode: every event checked against its schema, as the deciders append it and as it is read back.
  const ledger = new Ledger({ store, clock, validateOnAppend: true, validateStoredEvents: true, ...(options.maxCachedStreams ? { maxCachedStreams: options.maxCachedStreams } : {}) });
  const admin = specAdmin;
  const organiserIds = options.organisers ?? ['org-1', 'org-2'];
  const organisers = organiserIds.map((id): Actor => ({ id, role: 'organiser', communityId }));
  const members = options.members ?? ['m1', 'm2', 'm3'];
  const execute = (command: LedgerCommandInput, actor: Actor = organisers[0] ?? admin, idempotencyKey?: string) =>
    ledger.execute(command, idempotencyKey === undefined ? { actor } : { actor, idempotencyKey });
  mustOk(
    await execute(
      { type: 'RegisterCommunity', communityId, name: `Community ${communityId}`, timeZone, ...(options.policy ? { policy: options.policy } : {}) },
      admin,
    ),
    'RegisterCommunity',
  );
  for (const memberId of organiserIds) mustOk(await execute({ type: 'AppointOrganiser', communityId, memberId }, admin), 'AppointOrganiser');
  for (const memberId of members) mustOk(await execute({ type: 'RegisterMember', communityId, memberId }, admin), 'RegisterMember');
  return { ledger, store, clock, communityId, timeZone, admin, organisers, members, execute, memberStream: (memberId) => streamNames.member(communityId, memberId) };
}

// ── Abstract operations ───────────────────────────────────────────────────────────────────────────────

/** A step of a random scenario, in terms independent of ids already used (the driver resolves them). */
export type LedgerOp =
  | { readonly kind: 'checkIn'; readonly member: number; readonly endedMinutesAgo: number; readonly minutes: number; readonly category: string }
  | { readonly kind: 'report'; readonly member: number; readonly daysAgo: number; readonly hours: string; readonly activityHours: string; readonly category: string }
  | { readonly kind: 'approve' | 'reject' | 'reverse'; readonly member: number; readonly pick: number; readonly by: number }
  | { readonly kind: 'grant'; readonly member: number; readonly points: string }
  /**
   * A redemption in miniature, as the ledger's own process issues it: hold, then spend unless `keepOpen`.
   * `percent` of the member's available points (above 100: more than available, to be refused).
   */
  | { readonly kind: 'spend'; readonly member: number; readonly percent: number; readonly keepOpen: boolean }
  /** Cancels one of the member's open holds. */
  | { readonly kind: 'release'; readonly member: number; readonly pick: number }
  | { readonly kind: 'advance'; readonly minutes: number };

export interface AppliedOp {
  readonly op: LedgerOp;
  readonly command: LedgerCommandInput | null;
  readonly actor: Actor | null;
  readonly result: ExecuteResult | null;
}

/** Resolves abstract operations into commands against one TestLedger, keeping the ids it created. */
export class OpDriver {
  private counter = 0;
  /** Record ids per member, in creation order. */
  readonly records = new Map<string, string[]>();
  /** Hold ids per member left open by `spend` ops with `keepOpen`. */
  readonly openHolds = new Map<string, string[]>();
  /** The actor of process steps. */
  readonly system: Actor = { id: 'system:test', role: 'system', communityId: '*' };

  constructor(readonly t: TestLedger) {}

  /**
   * The command an op stands for, with its actor; null for a clock step or an op with nothing to act on.
   * Given the member's state, approvals pick among pending records and reversals among approved ones, and
   * spends take a share of what is available; without it, picks range over every record.
   */
  commandFor(op: LedgerOp, state?: MemberState): { command: LedgerCommandInput; actor: Actor } | null {
    const t = this.t;
    if (op.kind === 'advance') return null;
    const memberId = t.members[op.member % t.members.length]!;
    const target = { communityId: t.communityId, memberId };
    const organiser = t.organisers[0]!;
    const now = t.clock.now().getTime();
    switch (op.kind) {
      case 'checkIn': {
        const recordId = this.newRecord(memberId);
        const out = now - op.endedMinutesAgo * 60_000;
        const checkedInAt = new Date(out - op.minutes * 60_000).toISOString();
        return { command: { type: 'RecordCheckedInHours', ...target, recordId, category: op.category, checkedInAt, checkedOutAt: new Date(out).toISOString() }, actor: organiser };
      }
      case 'report': {
        const recordId = this.newRecord(memberId);
        const serviceDate = calendarDateIn(new Date(now - op.daysAgo * msPerDay), t.timeZone);
        return { command: { type: 'ReportHours', ...target, recordId, category: op.category, serviceDate, hours: op.hours, activityHours: op.activityHours }, actor: organiser };
      }
      case 'approve':
      case 'reject':
      case 'reverse': {
        const all = this.records.get(memberId) ?? [];
        const wanted = op.kind === 'reverse' ? 'approved' : 'pending';
        const fitting = state ? all.filter((id) => state.records.get(id)?.status === wanted) : [];
        const ids = fitting.length > 0 ? fitting : all;
        const recordId = ids[op.pick % Math.max(ids.length, 1)];
        if (recordId === undefined) return null;
        const actor = t.organisers[op.by % t.organisers.length] ?? organiser;
        if (op.kind === 'approve') return { command: { type: 'ApproveService', ...target, recordId }, actor };
        const type = op.kind === 'reject' ? 'RejectService' : 'ReverseService';
        return { command: { type, ...target, recordId, reason: `${op.kind} in a test` }, actor };
      }
      case 'grant':
        return { command: { type: 'GrantPoints', ...target, grantId: `g${++this.counter}`, points: op.points, reason: 'test grant' }, actor: t.admin };
      case 'spend': {
        const holdId = `h${++this.counter}`;
        const expiresAt = new Date(now + 72 * 3_600_000).toISOString();
        const availableCents = state ? textToCents(availablePoints(state, new Date(now)).toString()) : 1_000;
        const points = centsToText(Math.max(1, Math.floor((availableCents * op.percent) / 100)));
        return { command: { type: 'PlaceHold', ...target, holdId, redemptionId: `d${this.counter}`, points, expiresAt }, actor: this.system };
      }
      case 'release': {
        const holds = this.openHolds.get(memberId) ?? [];
        const holdId = holds[op.pick % Math.max(holds.length, 1)];
        if (holdId === undefined) return null;
        return { command: { type: 'ReleaseHold', ...target, holdId, reason: 'cancelled' }, actor: this.system };
      }
    }
  }

  async apply(op: LedgerOp): Promise<AppliedOp> {
    if (op.kind === 'advance') {
      this.t.clock.advance(op.minutes * 60_000);
      return { op, command: null, actor: null, result: null };
    }
    const memberId = this.t.members[op.member % this.t.members.length]!;
    const resolved = this.commandFor(op, (await this.t.ledger.member(this.t.communityId, memberId)).state);
    if (!resolved) return { op, command: null, actor: null, result: null };
    const result = await this.t.execute(resolved.command, resolved.actor);
    const c = resolved.command;
    if (c.type === 'PlaceHold' && result.ok && result.value.events.length > 0) {
      if (op.kind === 'spend' && op.keepOpen) {
        this.openHolds.set(c.memberId, [...(this.openHolds.get(c.memberId) ?? []), c.holdId]);
      } else {
        const spent = await this.t.execute({ type: 'SpendHold', communityId: c.communityId, memberId: c.memberId, holdId: c.holdId }, this.system);
        return { op, command: resolved.command, actor: resolved.actor, result: spent };
      }
    }
    if (c.type === 'ReleaseHold' && result.ok) {
      this.openHolds.set(c.memberId, (this.openHolds.get(c.memberId) ?? []).filter((h) => h !== c.holdId));
    }
    return { op, command: resolved.command, actor: resolved.actor, result };
  }

  /** Applies every op in turn, calling `after` after each (await it: checks may read the store). */
  async run(ops: readonly LedgerOp[], after?: (applied: AppliedOp, index: number) => Promise<void> | void): Promise<AppliedOp[]> {
    const applied: AppliedOp[] = [];
    for (const [index, op] of ops.entries()) {
      const step = await this.apply(op);
      applied.push(step);
      await after?.(step, index);
    }
    return applied;
  }

  private newRecord(memberId: string): string {
    const recordId = `r${++this.counter}`;
    const list = this.records.get(memberId) ?? [];
    list.push(recordId);
    this.records.set(memberId, list);
    return recordId;
  }
}

/** A random scenario: a community's policy and time zone, and what happens in it. */
export interface Scenario {
  readonly policy: PolicyInput;
  readonly timeZone: string;
  readonly ops: readonly LedgerOp[];
}

export interface ScenarioStep {
  readonly applied: AppliedOp;
  readonly index: number;
  /** Events appended by this step, in global order. */
  readonly events: readonly RecordedEvent[];
  readonly t: TestLedger;
}

/**
 * Runs a scenario on a fresh TestLedger (members m1…m3, organisers org-1, org-2), handing each step and the
 * events it appended to `after`. Returns the ledger for final checks.
 */
export async function runScenario(scenario: Scenario, after?: (step: ScenarioStep) => Promise<void> | void, options: TestLedgerOptions = {}): Promise<{ t: TestLedger; driver: OpDriver; steps: AppliedOp[] }> {
  const t = await createTestLedger({ policy: scenario.policy, timeZone: scenario.timeZone, ...options });
  const driver = new OpDriver(t);
  let cursor = (await t.store.readAll({ maxCount: maxReadAllPageSize })).at(-1)?.position;
  const steps = await driver.run(scenario.ops, async (applied, index) => {
    const events = await t.store.readAll({ maxCount: maxReadAllPageSize, ...(cursor === undefined ? {} : { after: cursor }) });
    cursor = events.at(-1)?.position ?? cursor;
    await after?.({ applied, index, events, t });
  });
  return { t, driver, steps };
}
