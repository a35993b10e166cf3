/**
 * The books as an auditor keeps them, derived from events alone: double-entry postings per event (DESIGN
 * §4 rule 1), the trial balance over a store, the member-account invariants of rules 2 and 3, and a plain
 * snapshot of a member state for comparing two folds (rule 9).
 */
import { Points } from '../money.js';
import type { DomainEvent } from '../events.js';
import type { RecordedEvent } from '../store/port.js';
import type { MemberEvent } from '../member/events.js';
import { type MemberState, evolveMember, initialMemberState } from '../member/state.js';
import { eventRegistry } from '../ledger.js';
import { freeOf } from '../member/lots.js';

/** System accounts; a member's account is `member:<stream name>`. */
export const systemAccounts = { issuance: 'issuance', redeemed: 'redeemed', expired: 'expired', inTransit: 'in-transit' } as const;

export interface Posting {
  readonly account: string;
  readonly amount: Points;
}

export const memberAccount = (streamName: string): string => `member:${streamName}`;

/**
 * The postings of one member-stream event: what leaves one account enters another. Written apart from
 * `accounting.ts` (which the read models use), so a property can hold one against the other. Holds move nothing
 * between accounts (the points stay the member's until spent), so they post nothing.
 */
export function postingsOf(event: DomainEvent, streamName: string): Posting[] {
  const member = memberAccount(streamName);
  const move = (from: string, to: string, text: string): Posting[] => {
    const amount = Points.of(text);
    return [
      { account: from, amount: amount.negated() },
      { account: to, amount },
    ];
  };
  const e = event as MemberEvent;
  switch (e.type) {
    case 'PointsAccrued':
      return move(systemAccounts.issuance, member, e.data.points);
    case 'PointsClawedBack':
      return move(member, systemAccounts.issuance, e.data.points);
    case 'HeldPointsSpent':
      return move(member, systemAccounts.redeemed, e.data.points);
    case 'PointsExpired':
      return move(member, systemAccounts.expired, e.data.points);
    case 'PointsTransferredOut':
    case 'HeldPointsPaid':
      return move(member, systemAccounts.inTransit, e.data.points);
    case 'PointsTransferredIn':
    case 'TransferRefunded':
    case 'ServicePaymentReceived':
    case 'ServicePaymentReturned':
      return move(systemAccounts.inTransit, member, e.data.points);
    default:
      return [];
  }
}

/** Σ of postings per account over `events`, applying `check` after every event (e.g. "sums to zero"). */
export function trialBalance(events: Iterable<Pick<RecordedEvent, 'type' | 'data' | 'streamName'>>, check?: (accounts: ReadonlyMap<string, Points>, event: Pick<RecordedEvent, 'type' | 'streamName'>) => void): Map<string, Points> {
  const accounts = new Map<string, Points>();
  for (const event of events) {
    if (!event.streamName.startsWith('member-')) continue;
    for (const posting of postingsOf(event, event.streamName)) {
      accounts.set(posting.account, (accounts.get(posting.account) ?? Points.zero).plus(posting.amount));
    }
    check?.(accounts, event);
  }
  return accounts;
}

/** Σ over every account: zero in a conserved book. */
export const sumOfAccounts = (accounts: ReadonlyMap<string, Points>): Points => Points.sum(accounts.values());

/**
 * Rule 2 and rule 3 on one folded account; returns every violation found, as sentences (empty when sound).
 */
export function memberInvariantViolations(state: MemberState): string[] {
  const problems: string[] = [];
  let remaining = Points.zero;
  let free = Points.zero;
  for (const lot of state.lots.values()) {
    remaining = remaining.plus(lot.remaining);
    free = free.plus(freeOf(lot));
    if (lot.held.isNegative() || lot.held.gt(lot.remaining) || lot.remaining.gt(lot.original) || lot.remaining.isNegative()) {
      problems.push(`lot ${lot.lotId}: expected 0 ≤ held ≤ remaining ≤ original, got held ${lot.held}, remaining ${lot.remaining}, original ${lot.original}`);
    }
  }
  if (!remaining.minus(state.deficit).eq(state.balance)) {
    problems.push(`Σ lot.remaining ${remaining} − deficit ${state.deficit} ≠ balance ${state.balance}`);
  }
  if (state.deficit.isNegative()) problems.push(`deficit is negative: ${state.deficit}`);
  if (state.deficit.isPositive() && free.isPositive()) problems.push(`in deficit ${state.deficit} yet ${free} lot points are free`);
  if (state.balance.isNegative() && !state.deficit.isPositive()) problems.push(`balance ${state.balance} is negative without a deficit`);
  const openHeld = Points.sum([...state.openHolds.values()].map((h) => h.points));
  if (!openHeld.eq(state.held)) problems.push(`held ${state.held} ≠ Σ open holds ${openHeld}`);
  return problems;
}

/** A member state as plain JSON (Maps as sorted entries, amounts as strings), for deep comparison. */
export function memberSnapshot(state: MemberState): unknown {
  return JSON.parse(
    JSON.stringify(state, (_key, value: unknown) => {
      if (value instanceof Map) return [...value.entries()].sort(([a], [b]) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
      if (value instanceof Set) return [...value].sort();
      return value;
    }),
  );
}

/**
 * Member states folded from recorded events by an independent reader (decode + evolve, as a replay
 * would), one event at a time, so a check can look at an account just before and just after each event.
 */
export class MemberFolds {
  private readonly states = new Map<string, MemberState>();

  /** The folded state of a member stream (initial if nothing was folded yet). */
  stateOf(streamName: string): MemberState {
    let state = this.states.get(streamName);
    if (!state) {
      state = initialMemberState();
      this.states.set(streamName, state);
    }
    return state;
  }

  /** Folds one recorded event of a member stream (others are ignored); returns the decoded event. */
  apply(event: RecordedEvent): MemberEvent | null {
    if (!event.streamName.startsWith('member-')) return null;
    const decoded = eventRegistry.decode(event) as MemberEvent;
    this.states.set(event.streamName, evolveMember(this.stateOf(event.streamName), decoded));
    return decoded;
  }

  streams(): string[] {
    return [...this.states.keys()];
  }
}
