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
import type { EventStore } from '../store/port.js';
import { InMemoryEventStore } from '../store/in-memory.js';
import { ManualClock, calendarDateIn, msPerDay } from '../time.js';
import { streamNames } from '../ids.js';
import { specAdmin } from './spec.js';

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
  const ledger = new Ledger({ store, clock, ...(options.maxCachedStreams ? { maxCachedStreams: options.maxCachedStreams } : {}) });
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

  constructor(readonly t: TestLedger) {}

  /** The command an op stands for, with its actor; null for a clock step or an op with nothing to act on. */
  commandFor(op: LedgerOp): { command: LedgerCommandInput; actor: Actor } | null {
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
        const ids = this.records.get(memberId) ?? [];
        const recordId = ids[op.pick % Math.max(ids.length, 1)];
        if (recordId === undefined) return null;
        const actor = t.organisers[op.by % t.organisers.length] ?? organiser;
        if (op.kind === 'approve') return { command: { type: 'ApproveService', ...target, recordId }, actor };
        const type = op.kind === 'reject' ? 'RejectService' : 'ReverseService';
        return { command: { type, ...target, recordId, reason: `${op.kind} in a test` }, actor };
      }
      case 'grant':
        return { command: { type: 'GrantPoints', ...target, grantId: `g${++this.counter}`, points: op.points, reason: 'test grant' }, actor: t.admin };
    }
  }

  async apply(op: LedgerOp): Promise<AppliedOp> {
    if (op.kind === 'advance') {
      this.t.clock.advance(op.minutes * 60_000);
      return { op, command: null, actor: null, result: null };
    }
    const resolved = this.commandFor(op);
    if (!resolved) return { op, command: null, actor: null, result: null };
    const result = await this.t.execute(resolved.command, resolved.actor);
    return { op, command: resolved.command, actor: resolved.actor, result };
  }

  private newRecord(memberId: string): string {
    const recordId = `r${++this.counter}`;
    const list = this.records.get(memberId) ?? [];
    list.push(recordId);
    this.records.set(memberId, list);
    return recordId;
  }
}
