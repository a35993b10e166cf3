/**
 * Everything a reader can ask of a set of read models, as plain JSON, for comparing two of them (rule 9:
 * a projection rebuilt from scratch equals the live one; the SQLite and in-memory stores answer alike).
 */
import type { AccountEntry, ReadModels, StatementEntry } from '../../packages/ledger-core/src/index.js';

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
      dueForExpiry: {
        redemptions: await models.heldRedemptionsPastExpiry(communityId, asOf),
        members: await models.membersWithExpiredLots(communityId, asOf),
      },
      unfinished: {
        redemptions: await models.unfinishedRedemptions(communityId, asOf),
        transfers: await models.unfinishedTransfers(communityId, asOf),
      },
    });
  }
  return communities;
}
