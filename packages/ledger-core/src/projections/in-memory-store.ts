/**
 * The projection store in memory: the reference for the SQLite one (the same queries, the same order),
 * for tests and for embedders whose history fits in memory. It holds every row, so unlike the SQLite
 * store its memory grows with history. A commit applies a batch all at once: nothing can interleave.
 */
import { keyOf } from './fold.js';
import {
  type AccountRow,
  type ActivityMemberRow,
  type CommunityRow,
  type InTransitRow,
  type ItemRow,
  type KeyPage,
  type LoadedRows,
  type ProcessFilter,
  type ProcessKind,
  type ProcessRow,
  type ProjectionCheckpoint,
  ProjectionCheckpointMoved,
  type ProjectionStore,
  type RecordRow,
  type RedemptionRow,
  type ReportTotals,
  type RowChanges,
  type RowKeys,
  type StatementLineRow,
  type StatementOrder,
  type StreamRef,
  type TransferRow,
} from './port.js';

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const present = <T>(value: T | undefined): value is T => value !== undefined;
const addTo = <K>(sums: Map<K, bigint>, key: K, delta: bigint) => sums.set(key, (sums.get(key) ?? 0n) + delta);

function page<T>(rows: T[], keyOfRow: (row: T) => string, { after, limit }: KeyPage): T[] {
  return rows
    .filter((row) => after === undefined || keyOfRow(row) > after)
    .sort((a, b) => byString(keyOfRow(a), keyOfRow(b)))
    .slice(0, limit);
}

function bySeq<T extends { seq: number }>(rows: T[], afterSeq: number | undefined, limit: number): T[] {
  return rows
    .filter((row) => afterSeq === undefined || row.seq > afterSeq)
    .sort((a, b) => a.seq - b.seq)
    .slice(0, limit);
}

/** issued, clawedBack, spent, expired, donated. */
type DaySums = [bigint, bigint, bigint, bigint, bigint];

interface Tables {
  checkpoint: ProjectionCheckpoint | null;
  refs: Map<string, StreamRef>;
  communities: Map<string, CommunityRow>;
  outstanding: Map<string, bigint>;
  /** Keyed by community and month (YYYY-MM). */
  outstandingByMonth: Map<string, { communityId: string; month: string; amount: bigint }>;
  accounts: Map<string, AccountRow>;
  records: Map<string, RecordRow>;
  lines: Map<string, StatementLineRow[]>;
  items: Map<string, ItemRow>;
  redemptions: Map<string, RedemptionRow>;
  transfers: Map<string, TransferRow>;
  inTransit: Map<string, InTransitRow>;
  days: Map<string, { communityId: string; day: string; sums: DaySums }>;
  hoursByCategory: Map<string, { communityId: string; day: string; category: string; hours: bigint }>;
  memberHours: Map<string, { communityId: string; day: string; memberId: string; hours: bigint }>;
  active: Map<string, { communityId: string; day: string; memberId: string }>;
  byItem: Map<string, { communityId: string; day: string; itemId: string; quantity: number }>;
  trial: Map<string, { communityId: string; account: string; balance: bigint }>;
  processes: Map<string, ProcessRow>;
  activityMembers: Map<string, ActivityMemberRow>;
  serviceDays: Map<string, { communityId: string; day: string; activitiesHeld: number; turns: number; requestsFulfilled: number }>;
  ratings: Map<string, { communityId: string; day: string; volunteerId: string; ratings: number; ratingSum: number }>;
}

const emptyTables = (): Tables => ({
  checkpoint: null,
  refs: new Map(),
  communities: new Map(),
  outstanding: new Map(),
  outstandingByMonth: new Map(),
  accounts: new Map(),
  records: new Map(),
  lines: new Map(),
  items: new Map(),
  redemptions: new Map(),
  transfers: new Map(),
  inTransit: new Map(),
  days: new Map(),
  hoursByCategory: new Map(),
  memberHours: new Map(),
  active: new Map(),
  byItem: new Map(),
  trial: new Map(),
  processes: new Map(),
  activityMembers: new Map(),
  serviceDays: new Map(),
  ratings: new Map(),
});

/** Whether `row` passes every condition of `filter`. */
function matches(row: ProcessRow, filter: ProcessFilter): boolean {
  return (
    (filter.statuses === undefined || filter.statuses.includes(row.status)) &&
    (filter.party === undefined || row.memberId === filter.party || row.assigneeId === filter.party) &&
    (filter.startsAtOrBefore === undefined || row.startsAt <= filter.startsAtOrBefore) &&
    (filter.dueAfter === undefined || row.dueAt > filter.dueAfter) &&
    (filter.dueAtOrBefore === undefined || row.dueAt <= filter.dueAtOrBefore) &&
    (filter.updatedAtOrBefore === undefined || row.updatedAt <= filter.updatedAtOrBefore) &&
    (filter.withSeatsLeft !== true || row.seatsLeft > 0)
  );
}

export class InMemoryProjectionStore implements ProjectionStore {
  private t: Tables = emptyTables();
  private closed = false;

  // ── Write side ──────────────────────────────────────────────────────────────────────────────────────

  async readCheckpoint(): Promise<ProjectionCheckpoint | null> {
    this.assertOpen();
    return this.t.checkpoint;
  }

  async streamRefs(streamNames: readonly string[]): Promise<StreamRef[]> {
    this.assertOpen();
    return streamNames.map((name) => this.t.refs.get(name)).filter(present);
  }

  async load(keys: RowKeys): Promise<LoadedRows> {
    this.assertOpen();
    const t = this.t;
    return {
      checkpoint: t.checkpoint?.position ?? null,
      communities: keys.communities.map((c) => t.communities.get(c)).filter(present),
      accounts: keys.accounts.map((k) => t.accounts.get(keyOf(k.communityId, k.memberId))).filter(present),
      records: keys.records.map((k) => t.records.get(keyOf(k.communityId, k.memberId, k.recordId))).filter(present),
      items: keys.items.map((k) => t.items.get(keyOf(k.communityId, k.itemId))).filter(present),
      redemptions: keys.redemptions.map((k) => t.redemptions.get(keyOf(k.communityId, k.redemptionId))).filter(present),
      transfers: keys.transfers.map((k) => t.transfers.get(keyOf(k.communityId, k.transferId))).filter(present),
      processes: keys.processes.map((k) => t.processes.get(keyOf(k.kind, k.communityId, k.processId))).filter(present),
    };
  }

  async commit(changes: RowChanges, checkpoint: ProjectionCheckpoint, previous: bigint | null): Promise<void> {
    this.assertOpen();
    const t = this.t;
    const stored = t.checkpoint?.position ?? null;
    if (stored !== previous) throw new ProjectionCheckpointMoved(previous, stored);
    // Checked before anything is applied, so a refused commit changes nothing.
    const next = new Map<string, number>();
    for (const line of changes.statementLines) {
      const key = keyOf(line.communityId, line.memberId);
      const expected = next.get(key) ?? t.lines.get(key)?.length ?? 0;
      if (line.seq !== expected) throw new Error(`statement line ${line.seq} of ${key.replace('\u0000', '/')} out of order: expected line ${expected}; rebuild the projection`);
      next.set(key, expected + 1);
    }
    for (const ref of changes.streams) t.refs.set(ref.streamName, ref);
    for (const row of changes.communities) t.communities.set(row.communityId, row);
    for (const row of changes.accounts) t.accounts.set(keyOf(row.communityId, row.memberId), row);
    for (const row of changes.records) t.records.set(keyOf(row.communityId, row.memberId, row.recordId), row);
    for (const line of changes.statementLines) {
      const key = keyOf(line.communityId, line.memberId);
      const lines = t.lines.get(key) ?? [];
      lines.push(line);
      t.lines.set(key, lines);
    }
    for (const row of changes.items) t.items.set(keyOf(row.communityId, row.itemId), row);
    for (const row of changes.redemptions) t.redemptions.set(keyOf(row.communityId, row.redemptionId), row);
    for (const row of changes.transfers) t.transfers.set(keyOf(row.communityId, row.transferId), row);
    for (const row of changes.inTransitPut) t.inTransit.set(keyOf(row.communityId, row.transferId), row);
    for (const k of changes.inTransitDelete) t.inTransit.delete(keyOf(k.communityId, k.transferId));
    for (const d of changes.dayTotals) {
      const key = keyOf(d.communityId, d.day);
      const row = t.days.get(key) ?? { communityId: d.communityId, day: d.day, sums: [0n, 0n, 0n, 0n, 0n] };
      const deltas = [d.issued, d.clawedBack, d.spent, d.expired, d.donated];
      t.days.set(key, { ...row, sums: row.sums.map((v, i) => v + deltas[i]!) as DaySums });
    }
    for (const d of changes.hoursByCategory) {
      const key = keyOf(d.communityId, d.day, d.key);
      const row = t.hoursByCategory.get(key) ?? { communityId: d.communityId, day: d.day, category: d.key, hours: 0n };
      t.hoursByCategory.set(key, { ...row, hours: row.hours + d.hours });
    }
    for (const d of changes.memberHours) {
      const key = keyOf(d.communityId, d.day, d.key);
      const row = t.memberHours.get(key) ?? { communityId: d.communityId, day: d.day, memberId: d.key, hours: 0n };
      t.memberHours.set(key, { ...row, hours: row.hours + d.hours });
    }
    for (const a of changes.activeMembers) t.active.set(keyOf(a.communityId, a.day, a.memberId), a);
    for (const d of changes.redemptionsByItem) {
      const key = keyOf(d.communityId, d.day, d.itemId);
      const row = t.byItem.get(key) ?? { communityId: d.communityId, day: d.day, itemId: d.itemId, quantity: 0 };
      t.byItem.set(key, { ...row, quantity: row.quantity + d.quantity });
    }
    for (const d of changes.trialBalance) {
      const key = keyOf(d.communityId, d.account);
      const row = t.trial.get(key) ?? { communityId: d.communityId, account: d.account, balance: 0n };
      t.trial.set(key, { ...row, balance: row.balance + d.amount });
    }
    for (const d of changes.outstanding) addTo(t.outstanding, d.communityId, d.amount);
    for (const d of changes.outstandingByMonth) {
      const key = keyOf(d.communityId, d.month);
      const row = t.outstandingByMonth.get(key) ?? { communityId: d.communityId, month: d.month, amount: 0n };
      t.outstandingByMonth.set(key, { ...row, amount: row.amount + d.amount });
    }
    for (const row of changes.processes) t.processes.set(keyOf(row.kind, row.communityId, row.processId), row);
    for (const row of changes.activityMembers) {
      const key = keyOf(row.communityId, row.memberId, row.activityId);
      if (!t.activityMembers.has(key)) t.activityMembers.set(key, row);
    }
    for (const d of changes.serviceDays) {
      const key = keyOf(d.communityId, d.day);
      const row = t.serviceDays.get(key) ?? { communityId: d.communityId, day: d.day, activitiesHeld: 0, turns: 0, requestsFulfilled: 0 };
      t.serviceDays.set(key, { ...row, activitiesHeld: row.activitiesHeld + d.activitiesHeld, turns: row.turns + d.turns, requestsFulfilled: row.requestsFulfilled + d.requestsFulfilled });
    }
    for (const d of changes.ratings) {
      const key = keyOf(d.communityId, d.day, d.volunteerId);
      const row = t.ratings.get(key) ?? { communityId: d.communityId, day: d.day, volunteerId: d.volunteerId, ratings: 0, ratingSum: 0 };
      t.ratings.set(key, { ...row, ratings: row.ratings + d.ratings, ratingSum: row.ratingSum + d.ratingSum });
    }
    t.checkpoint = checkpoint;
  }

  async reset(): Promise<void> {
    this.assertOpen();
    this.t = emptyTables();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  // ── Queries ─────────────────────────────────────────────────────────────────────────────────────────

  async communityIds(): Promise<string[]> {
    this.assertOpen();
    return [...this.t.communities.keys()].sort(byString);
  }

  async community(communityId: string): Promise<CommunityRow | null> {
    this.assertOpen();
    return this.t.communities.get(communityId) ?? null;
  }

  async outstanding(communityId: string): Promise<bigint> {
    this.assertOpen();
    return this.t.outstanding.get(communityId) ?? 0n;
  }

  async outstandingByMonth(communityId: string): Promise<Array<{ month: string; amount: bigint }>> {
    this.assertOpen();
    return [...this.t.outstandingByMonth.values()]
      .filter((row) => row.communityId === communityId && row.amount !== 0n)
      .map(({ month, amount }) => ({ month, amount }))
      .sort((a, b) => byString(a.month, b.month));
  }

  async account(communityId: string, memberId: string): Promise<AccountRow | null> {
    this.assertOpen();
    return this.t.accounts.get(keyOf(communityId, memberId)) ?? null;
  }

  async accounts(communityId: string, keyPage: KeyPage): Promise<AccountRow[]> {
    return page(this.accountsOf(communityId), (r) => r.memberId, keyPage);
  }

  async accountsWithExpiryDue(communityId: string, asOf: string, keyPage: KeyPage): Promise<AccountRow[]> {
    const due = this.accountsOf(communityId).filter((r) => r.nextExpiry !== null && r.nextExpiry <= asOf);
    return page(due, (r) => r.memberId, keyPage);
  }

  async statementLines(communityId: string, memberId: string, options: { order: StatementOrder; cursorSeq?: number; limit: number }): Promise<StatementLineRow[]> {
    this.assertOpen();
    const lines = this.t.lines.get(keyOf(communityId, memberId)) ?? [];
    const { cursorSeq, limit } = options;
    if (options.order === 'oldest') return lines.slice(cursorSeq === undefined ? 0 : cursorSeq + 1).slice(0, limit);
    const end = cursorSeq === undefined ? lines.length : Math.min(cursorSeq, lines.length);
    return lines.slice(Math.max(0, end - limit), end).reverse();
  }

  async serviceRecords(communityId: string, filter: { memberId?: string; status?: string }, options: { afterSeq?: number; limit: number }): Promise<RecordRow[]> {
    this.assertOpen();
    return [...this.t.records.values()]
      .filter((r) => r.communityId === communityId && (filter.memberId === undefined || r.memberId === filter.memberId) && (filter.status === undefined || r.status === filter.status))
      .filter((r) => options.afterSeq === undefined || r.seq > options.afterSeq)
      .sort((a, b) => byString(a.recordedAt, b.recordedAt) || a.seq - b.seq)
      .slice(0, options.limit);
  }

  async items(communityId: string, options: { includeDelisted: boolean }): Promise<ItemRow[]> {
    this.assertOpen();
    return [...this.t.items.values()].filter((r) => r.communityId === communityId && (options.includeDelisted || r.active)).sort((a, b) => a.seq - b.seq);
  }

  async redemption(communityId: string, redemptionId: string): Promise<RedemptionRow | null> {
    this.assertOpen();
    return this.t.redemptions.get(keyOf(communityId, redemptionId)) ?? null;
  }

  async redemptions(communityId: string, filter: { status?: string; memberId?: string }, options: { afterSeq?: number; limit: number }): Promise<RedemptionRow[]> {
    this.assertOpen();
    const rows = [...this.t.redemptions.values()].filter(
      (r) => r.communityId === communityId && (filter.status === undefined || r.status === filter.status) && (filter.memberId === undefined || r.memberId === filter.memberId),
    );
    return bySeq(rows, options.afterSeq, options.limit);
  }

  async redemptionsDue(communityId: string, filter: { statuses: readonly string[]; field: 'expiresAt' | 'updatedAt'; atOrBefore: string }, keyPage: KeyPage): Promise<RedemptionRow[]> {
    this.assertOpen();
    const rows = [...this.t.redemptions.values()].filter((r) => r.communityId === communityId && filter.statuses.includes(r.status) && r[filter.field] <= filter.atOrBefore);
    return page(rows, (r) => r.redemptionId, keyPage);
  }

  async transfers(communityId: string, filter: { memberId?: string }, options: { afterSeq?: number; limit: number }): Promise<TransferRow[]> {
    this.assertOpen();
    const rows = [...this.t.transfers.values()].filter((r) => r.communityId === communityId && (filter.memberId === undefined || r.fromId === filter.memberId || r.toId === filter.memberId));
    return bySeq(rows, options.afterSeq, options.limit);
  }

  async inTransitSince(communityId: string, atOrBefore: string, keyPage: KeyPage): Promise<InTransitRow[]> {
    this.assertOpen();
    const rows = [...this.t.inTransit.values()].filter((r) => r.communityId === communityId && r.since <= atOrBefore);
    return page(rows, (r) => r.transferId, keyPage);
  }

  async requestedTransfersIdle(communityId: string, atOrBefore: string, keyPage: KeyPage): Promise<TransferRow[]> {
    this.assertOpen();
    const rows = [...this.t.transfers.values()].filter(
      (r) => r.communityId === communityId && r.status === 'requested' && r.updatedAt <= atOrBefore && !this.t.inTransit.has(keyOf(communityId, r.transferId)),
    );
    return page(rows, (r) => r.transferId, keyPage);
  }

  async reportTotals(communityId: string, from: string, to: string): Promise<ReportTotals> {
    this.assertOpen();
    const inRange = (row: { communityId: string; day: string }) => row.communityId === communityId && row.day >= from && row.day <= to;
    let sums: DaySums = [0n, 0n, 0n, 0n, 0n];
    for (const row of this.t.days.values()) if (inRange(row)) sums = sums.map((v, i) => v + row.sums[i]!) as DaySums;
    const hours = new Map<string, bigint>();
    for (const row of this.t.hoursByCategory.values()) if (inRange(row)) addTo(hours, row.category, row.hours);
    const active = new Set<string>();
    for (const row of this.t.active.values()) if (inRange(row)) active.add(row.memberId);
    const byItem = new Map<string, number>();
    for (const row of this.t.byItem.values()) if (inRange(row)) byItem.set(row.itemId, (byItem.get(row.itemId) ?? 0) + row.quantity);
    const service = { activitiesHeld: 0, turns: 0, requestsFulfilled: 0 };
    for (const row of this.t.serviceDays.values()) {
      if (!inRange(row)) continue;
      service.activitiesHeld += row.activitiesHeld;
      service.turns += row.turns;
      service.requestsFulfilled += row.requestsFulfilled;
    }
    const ratings = new Map<string, { ratings: number; ratingSum: number }>();
    for (const row of this.t.ratings.values()) {
      if (!inRange(row)) continue;
      const sums = ratings.get(row.volunteerId) ?? { ratings: 0, ratingSum: 0 };
      ratings.set(row.volunteerId, { ratings: sums.ratings + row.ratings, ratingSum: sums.ratingSum + row.ratingSum });
    }
    return {
      ...service,
      ratings: new Map([...ratings].sort(([a], [b]) => byString(a, b))),
      issued: sums[0],
      clawedBack: sums[1],
      spent: sums[2],
      expired: sums[3],
      donated: sums[4],
      hoursByCategory: new Map([...hours].sort(([a], [b]) => byString(a, b))),
      activeMembers: active.size,
      redemptionsByItem: new Map([...byItem].sort(([a], [b]) => byString(a, b))),
    };
  }

  async leaderboard(communityId: string, from: string, to: string, limit: number): Promise<Array<{ memberId: string; hours: bigint }>> {
    this.assertOpen();
    const totals = new Map<string, bigint>();
    for (const row of this.t.memberHours.values()) if (row.communityId === communityId && row.day >= from && row.day <= to) addTo(totals, row.memberId, row.hours);
    return [...totals]
      .filter(([, hours]) => hours > 0n)
      .map(([memberId, hours]) => ({ memberId, hours }))
      .sort((a, b) => (a.hours > b.hours ? -1 : a.hours < b.hours ? 1 : byString(a.memberId, b.memberId)))
      .slice(0, limit);
  }

  async trialBalance(communityId: string): Promise<Array<{ account: string; balance: bigint }>> {
    this.assertOpen();
    return [...this.t.trial.values()]
      .filter((r) => r.communityId === communityId)
      .map((r) => ({ account: r.account, balance: r.balance }))
      .sort((a, b) => byString(a.account, b.account));
  }

  async process(kind: ProcessKind, communityId: string, processId: string): Promise<ProcessRow | null> {
    this.assertOpen();
    return this.t.processes.get(keyOf(kind, communityId, processId)) ?? null;
  }

  async processes(kind: ProcessKind, communityId: string, filter: ProcessFilter, options: { afterSeq?: number; limit: number }): Promise<ProcessRow[]> {
    this.assertOpen();
    const rows = [...this.t.processes.values()].filter((r) => r.kind === kind && r.communityId === communityId && matches(r, filter));
    return bySeq(rows, options.afterSeq, options.limit);
  }

  async activityMembers(communityId: string, memberId: string, options: { afterSeq?: number; limit: number }): Promise<ActivityMemberRow[]> {
    this.assertOpen();
    const rows = [...this.t.activityMembers.values()].filter((r) => r.communityId === communityId && r.memberId === memberId);
    return bySeq(rows, options.afterSeq, options.limit);
  }

  private accountsOf(communityId: string): AccountRow[] {
    this.assertOpen();
    return [...this.t.accounts.values()].filter((r) => r.communityId === communityId);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the in-memory projection store is closed; make a new one');
  }
}
