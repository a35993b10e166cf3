/**
 * A member's statement: every event that moved the balance or the held points, with the running
 * balance after it, paged by cursor (the stream revision to continue after). Folded from the member's
 * own stream with the core's `evolveMember`, so it cannot disagree with the account.
 */
import { eventRegistry, evolveMember, initialMemberState, type EventStore, type MemberEvent, streamNames } from '@volunteer-ledger/core';
import { z } from 'zod';
import { Problem } from './problems.js';
import { amount } from './views.js';

export const maxStatementPageSize = 200;
export const defaultStatementPageSize = 50;

export const statementQuerySchema = z.object({
  cursor: z
    .string()
    .regex(/^(0|[1-9]\d{0,9})$/, 'a cursor from an earlier page')
    .optional()
    .describe('nextCursor of the previous page; omit for the first page'),
  limit: z.coerce.number().int().min(1).max(maxStatementPageSize).default(defaultStatementPageSize),
});

export const statementEntrySchema = z.object({
  revision: z.number().int(),
  eventId: z.string(),
  type: z.string(),
  recordedAt: z.string(),
  change: amount.describe('change in balance, signed'),
  balance: amount.describe('running balance after this entry'),
  held: amount.describe('held points after this entry'),
  reference: z.string().nullable().describe('the record, grant, hold, transfer or lot it concerns'),
});

export const statementSchema = z.object({
  communityId: z.string(),
  memberId: z.string(),
  entries: z.array(statementEntrySchema),
  nextCursor: z.string().nullable(),
});
export type Statement = z.output<typeof statementSchema>;

function referenceOf(data: Record<string, unknown>): string | null {
  for (const field of ['recordId', 'grantId', 'holdId', 'transferId', 'lotId']) {
    if (typeof data[field] === 'string') return data[field] as string;
  }
  const source = data.source as Record<string, unknown> | undefined;
  if (source) return referenceOf(source);
  return null;
}

export async function memberStatement(store: EventStore, communityId: string, memberId: string, query: z.output<typeof statementQuerySchema>): Promise<Statement> {
  const after = query.cursor === undefined ? -1 : Number(query.cursor);
  const events = await store.readStream(streamNames.member(communityId, memberId));
  if (events.length === 0) throw new Problem('not-found', `member ${memberId} does not exist in ${communityId}`);
  let state = initialMemberState();
  const entries: Statement['entries'] = [];
  let nextCursor: string | null = null;
  for (const event of events) {
    const before = { balance: state.balance, held: state.held };
    state = evolveMember(state, eventRegistry.decode(event) as MemberEvent);
    if (event.revision <= after) continue;
    if (before.balance.eq(state.balance) && before.held.eq(state.held)) continue;
    if (entries.length === query.limit) {
      nextCursor = String(entries.at(-1)!.revision);
      break;
    }
    entries.push({
      revision: event.revision,
      eventId: event.eventId,
      type: event.type,
      recordedAt: event.metadata.recordedAt,
      change: state.balance.minus(before.balance).toString(),
      balance: state.balance.toString(),
      held: state.held.toString(),
      reference: referenceOf(event.data),
    });
  }
  return { communityId, memberId, entries, nextCursor };
}
