/**
 * Everything a reader can ask of a set of read models, as plain JSON, for comparing two of them (rule 9:
 * a projection rebuilt from scratch equals the live one; the SQLite and in-memory stores answer alike).
 */
import { type AccountEntry, calendarDateIn, outstandingAtMonthEnds, type Page, type ReadModels, type StatementEntry } from '../../packages/ledger-core/src/index.js';

const wholeHistory = { from: '0000-01-01', to: '9999-12-31' } as const;

export async function allMembers(models: ReadModels, communityId: string): Promise<AccountEntry[]> {
  const members: AccountEntry[] = [];
  for (let page = await models.members(communityId, { limit: 7 }); page.length > 0; page = await models.members(communityId, { after: page.at(-1)!.memberId, limit: 7 })) {
    members.push(...page);
  }
  return members;
}

/** Every line of a member's statement, read page by page in `order` with the cursors the pages hand out. */
export async function wholeStatement(models: ReadModels, communityId: string, memberId: string, order: 'newest' | 'oldest', limit: number): Promise<StatementEntry[]> {
  const lines: StatementEntry[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await models.statement(communityId, memberId, { order, limit, ...(cursor === undefined ? {} : { cursor }) });
    if (!page.ok) throw new Error(page.error.message);
    if (!page.value) throw new Error(`no statement for ${communityId}/${memberId}`);
    lines.push(...page.value.entries);
    if (page.value.nextCursor === null) return lines;
    cursor = page.value.nextCursor;
  }
}

/** Every item of a list paged by seq, read in pages of `limit` with the `nextAfterSeq` each page hands out. */
export async function allPages<T>(pageOf: (page: { afterSeq?: number; limit: number }) => Promise<Page<T>>, limit = 3): Promise<T[]> {
  const items: T[] = [];
  for (let afterSeq: number | undefined; ; ) {
    const page = await pageOf({ limit, ...(afterSeq === undefined ? {} : { afterSeq }) });
    items.push(...page.items);
    if (page.nextAfterSeq === null) return items;
    afterSeq = page.nextAfterSeq;
  }
}

/** Activities, their attendees, service requests and micro-wishes as the read models list them. */
async function processesReadable(models: ReadModels, communityId: string, memberIds: readonly string[], asOf: Date) {
  const activities = await allPages((page) => models.activities(communityId, {}, page));
  const seqs = async (kind: 'activity' | 'service-request' | 'wish') => allPages(async (page) => {
    const rows = await models.unfinishedProcesses(kind, communityId, asOf, page.afterSeq === undefined ? {} : { afterSeq: page.afterSeq });
    return { items: rows, nextAfterSeq: rows.length === 0 ? null : rows.at(-1)!.seq };
  });
  return {
    activities: await Promise.all(activities.map(async (a) => ({ ...a, attendees: await models.activityAttendees(communityId, a.activityId) }))),
    openActivities: await allPages((page) => models.openActivities(communityId, asOf, page)),
    withSeatsLeft: await allPages((page) => models.openActivities(communityId, asOf, { ...page, withSeatsLeft: true })),
    memberActivities: await Promise.all(memberIds.map(async (m) => [m, await allPages((page) => models.memberActivities(communityId, m, page))] as const)),
    requests: await allPages((page) => models.serviceRequests(communityId, {}, page)),
    openRequests: await allPages((page) => models.openServiceRequests(communityId, asOf, page)),
    wishes: await allPages((page) => models.wishes(communityId, {}, page)),
    queue: await models.organiserQueue(communityId, asOf),
    unfinished: { activities: await seqs('activity'), requests: await seqs('service-request'), wishes: await seqs('wish') },
    requestsPastExpiry: await models.serviceRequestsPastExpiry(communityId, asOf),
  };
}

export async function everythingReadable(models: ReadModels, asOf: Date) {
  const communities = [];
  for (const communityId of await models.communityIds()) {
    const members = [];
    for (const member of await allMembers(models, communityId)) {
      const memberId = member.memberId;
      members.push({
        memberId,
        account: await models.account(communityId, memberId, asOf),
        profile: member.sealedProfile,
        statement: await wholeStatement(models, communityId, memberId, 'oldest', 500),
        // Read newest first in small pages: the same lines, reversed, whatever the page boundaries.
        statementNewestFirst: (await wholeStatement(models, communityId, memberId, 'newest', 3)).map((line) => line.seq),
        records: await models.serviceRecords(communityId, { memberId }),
        transfers: await models.transfers(communityId, { memberId }),
        redemptions: await models.redemptions(communityId, { memberId }),
      });
    }
    communities.push({
      communityId,
      community: await models.community(communityId),
      members,
      pending: await models.serviceRecords(communityId, { status: 'pending' }),
      approved: await models.serviceRecords(communityId, { status: 'approved' }),
      catalogue: await models.catalogue(communityId, { includeDelisted: true }),
      onShelf: await models.catalogue(communityId),
      redemptions: await models.redemptions(communityId),
      held: await models.redemptions(communityId, { status: 'held' }),
      transfers: await models.transfers(communityId),
      report: await models.communityReport(communityId, wholeHistory.from, wholeHistory.to),
      leaderboard: await models.leaderboard(communityId, wholeHistory.from, wholeHistory.to, 100),
      trialBalance: await models.trialBalance(communityId),
      outstandingByMonth: await models.projections.outstandingByMonth(communityId),
      dueForExpiry: {
        redemptions: await models.heldRedemptionsPastExpiry(communityId, asOf),
        members: await models.membersWithExpiredLots(communityId, asOf),
      },
      unfinished: {
        redemptions: await models.unfinishedRedemptions(communityId, asOf),
        transfers: await models.unfinishedTransfers(communityId, asOf),
      },
      processes: await processesReadable(models, communityId, members.map((m) => m.memberId), asOf),
    });
  }
  return communities;
}

const hundredths = (amount: string): bigint => BigInt(amount.replace('.', ''));
const sum = (amounts: readonly string[]): bigint => amounts.reduce((total, a) => total + hundredths(a), 0n);

/**
 * What the read models must agree on with themselves, each figure derived along another path: the report's
 * hours and the leaderboard against the accounts' hours and the approved records; the trial balance's member
 * accounts, the statements' running balances and the report's outstanding points against the balances.
 * Comparing a rebuild with a live projection cannot catch a fold that is wrong the same way twice; these can.
 */
export function crossCheck(community: Awaited<ReturnType<typeof everythingReadable>>[number]): string[] {
  const problems: string[] = [];
  const members = community.members.filter((m) => m.account !== null);
  const balances = new Map(members.map((m) => [m.memberId, m.account!.balance]));
  const hours = sum(members.map((m) => m.account!.hoursTotal));
  const report = community.report!;
  if (hundredths(report.hoursTotal) !== hours) problems.push(`report hours ${report.hoursTotal} ≠ Σ account hours ${hours}`);
  if (sum(Object.values(report.hoursByCategory)) !== hundredths(report.hoursTotal)) problems.push('report hours by category do not add up to its total');
  const outstanding = sum(members.filter((m) => m.memberId !== '_pool').map((m) => m.account!.balance));
  if (hundredths(report.points.outstanding) !== outstanding) problems.push(`outstanding ${report.points.outstanding} ≠ Σ balances ${outstanding}`);
  for (const m of members) {
    const account = m.account!;
    const approved = sum(m.records.filter((r) => r.status === 'approved').map((r) => r.hoursApproved));
    if (approved !== hundredths(account.hoursTotal)) problems.push(`${m.memberId}: approved records add up to ${approved}, hoursTotal is ${account.hoursTotal}`);
    const board = community.leaderboard.find((row) => row.memberId === m.memberId);
    const boardHours = board ? hundredths(board.hours) : 0n;
    if (boardHours !== (hundredths(account.hoursTotal) > 0n ? hundredths(account.hoursTotal) : 0n)) problems.push(`${m.memberId}: leaderboard says ${board?.hours ?? 'nothing'}, hoursTotal is ${account.hoursTotal}`);
    const last = m.statement.at(-1);
    if ((last?.runningBalance ?? '0.00') !== account.balance) problems.push(`${m.memberId}: statement ends at ${last?.runningBalance}, balance is ${account.balance}`);
    if (sum(m.statement.map((l) => l.amount)) !== hundredths(account.balance)) problems.push(`${m.memberId}: statement amounts do not add up to the balance ${account.balance}`);
    if (m.statement.some((l, i) => l.seq !== i)) problems.push(`${m.memberId}: statement seq has gaps`);
  }
  // Points outstanding over time: the monthly deltas add up to what is outstanding now, and each month's is what
  // the members' statements moved in that community-local month (the pool's excluded).
  const monthly = community.outstandingByMonth;
  const lastMonth = monthly.at(-1)?.month ?? '0000-01';
  if (outstandingAtMonthEnds(monthly, [lastMonth])[0]!.outstanding !== report.points.outstanding) problems.push(`monthly outstanding deltas end at ${outstandingAtMonthEnds(monthly, [lastMonth])[0]!.outstanding}, outstanding is ${report.points.outstanding}`);
  const timeZone = community.community!.timeZone;
  const byMonth = new Map<string, bigint>();
  for (const m of members.filter((m) => m.memberId !== '_pool')) {
    for (const line of m.statement) {
      const month = calendarDateIn(new Date(line.recordedAt), timeZone).slice(0, 7);
      byMonth.set(month, (byMonth.get(month) ?? 0n) + hundredths(line.amount));
    }
  }
  const fromStatements = [...byMonth].filter(([, amount]) => amount !== 0n).sort(([a], [b]) => (a < b ? -1 : 1)).map(([month, amount]) => ({ month, amount }));
  if (JSON.stringify(fromStatements, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) !== JSON.stringify(monthly, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))) {
    problems.push(`monthly outstanding deltas ${JSON.stringify(monthly, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))} ≠ the statements' by month`);
  }
  for (const { account, balance } of community.trialBalance!.accounts) {
    if (!account.startsWith('member:')) continue;
    const id = account.slice('member:'.length);
    if (balances.get(id) !== balance) problems.push(`trial balance ${account} ${balance} ≠ account balance ${balances.get(id)}`);
  }
  return problems;
}
