/**
 * Long jobs for the CLI: export and import events as JSONL, balances and hours as CSV, and `verify`,
 * which replays the whole store into fresh read models and checks the ledger's rules. Each reports
 * progress through `progress` (the CLI prints it to stderr).
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  type AccountEntry,
  type EventStore,
  InMemoryProjectionStore,
  type JsonObject,
  lotsBalance,
  maxEventsPerAppend,
  type NewEvent,
  type ProjectionStore,
  ReadModels,
  type RecordedEvent,
  type TrialBalanceView,
} from '@volunteer-ledger/core';

/** Events per read of the global order. */
export const exportPageSize = 1_000;

export type Progress = (line: string) => void;
type Write = (chunk: string) => void | Promise<void>;

export async function exportEvents(store: EventStore, write: Write, progress: Progress = () => undefined): Promise<number> {
  let after: bigint | undefined;
  let count = 0;
  for (;;) {
    const page = await store.readAll({ ...(after === undefined ? {} : { after }), maxCount: exportPageSize });
    for (const event of page) await write(`${JSON.stringify({ ...event, position: event.position.toString() })}\n`);
    count += page.length;
    if (page.length > 0) progress(`exported ${count} events`);
    if (page.length < exportPageSize) return count;
    after = page.at(-1)!.position;
  }
}

/** Appends a JSONL export to an empty store, stream by stream, keeping event ids, revisions and metadata. */
export async function importEvents(store: EventStore, file: string, progress: Progress = () => undefined): Promise<number> {
  if ((await store.readAll({ maxCount: 1 })).length > 0) throw new Error('the target store is not empty; import only into a new store');
  let batch: { streamName: string; first: number; events: NewEvent[] } | null = null;
  let count = 0;
  const flush = async () => {
    if (!batch) return;
    await store.appendToStream(batch.streamName, batch.events, { expectedRevision: batch.first === 0 ? 'no_stream' : batch.first - 1 });
    count += batch.events.length;
    if (count % 1000 < batch.events.length) progress(`imported ${count} events`);
    batch = null;
  };
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    line += 1;
    if (text.trim() === '') continue;
    let event: RecordedEvent;
    try {
      event = JSON.parse(text) as RecordedEvent;
    } catch {
      throw new Error(`${file}:${line}: not a JSON event`);
    }
    const next: NewEvent = { eventId: event.eventId, type: event.type, schemaVersion: event.schemaVersion, data: event.data as JsonObject, metadata: event.metadata };
    const current = batch as { streamName: string; first: number; events: NewEvent[] } | null;
    if (current && current.streamName === event.streamName && current.first + current.events.length === event.revision && current.events.length < maxEventsPerAppend) {
      current.events.push(next);
    } else {
      await flush();
      batch = { streamName: event.streamName, first: event.revision, events: [next] };
    }
  }
  await flush();
  progress(`imported ${count} events`);
  return count;
}

const csvCell = (value: string | number | null) => {
  const text = value === null ? '' : String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};
const csvLine = (cells: Array<string | number | null>) => `${cells.map(csvCell).join(',')}\n`;

/** Every account of every community, community by community, member by member, a page at a time. */
async function eachMember(models: ReadModels, visit: (communityId: string, member: AccountEntry) => Promise<void>): Promise<void> {
  for (const communityId of await models.communityIds()) {
    for (let after: string | undefined; ; ) {
      const page = await models.members(communityId, after === undefined ? {} : { after });
      for (const member of page) await visit(communityId, member);
      if (page.length === 0) break;
      after = page.at(-1)!.memberId;
    }
  }
}

export async function exportBalancesCsv(models: ReadModels, write: Write): Promise<number> {
  await write(csvLine(['communityId', 'memberId', 'balance', 'held', 'deficit', 'hoursTotal', 'pointsAccruedTotal', 'level', 'revision']));
  let rows = 0;
  await eachMember(models, async (communityId, m) => {
    const s = m.state;
    await write(csvLine([communityId, m.memberId, s.balance.toString(), s.held.toString(), s.deficit.toString(), s.hoursTotal.toString(), s.pointsAccruedTotal.toString(), s.level, m.revision]));
    rows += 1;
  });
  return rows;
}

/** Every service record, member by member, each member's in recording order. */
export async function exportHoursCsv(models: ReadModels, write: Write): Promise<number> {
  await write(csvLine(['communityId', 'memberId', 'recordId', 'kind', 'category', 'serviceDate', 'status', 'hours', 'hoursApproved', 'points', 'recordedAt', 'decidedBy']));
  let rows = 0;
  await eachMember(models, async (communityId, m) => {
    for (const r of await models.serviceRecords(communityId, { memberId: m.memberId })) {
      await write(csvLine([communityId, r.memberId, r.recordId, r.kind, r.category, r.serviceDate, r.status, r.hours, r.hoursApproved, r.points, r.recordedAt, r.decidedBy]));
      rows += 1;
    }
  });
  return rows;
}

export interface VerifyReport {
  readonly events: number;
  readonly communities: TrialBalanceView[];
  readonly breaches: string[];
}

/** How often `verify` and `rebuild` say how far they got, in events. */
export const progressEveryEvents = 100_000;

/** Reports progress every `progressEveryEvents` events folded. */
export function foldProgress(progress: Progress): (eventsFolded: number) => void {
  let next = progressEveryEvents;
  return (eventsFolded) => {
    if (eventsFolded < next) return;
    progress(`folded ${eventsFolded} events`);
    next = (Math.floor(eventsFolded / progressEveryEvents) + 1) * progressEveryEvents;
  };
}

/**
 * Replays every event into fresh read models in `scratch` (each fold asserts its invariants) and checks:
 * every community's trial balance sums to zero (rule 1); no member's available points are negative unless
 * in deficit, held points are not negative, and lots add up to the balance (rules 2, 3, 5); every stream's
 * folded revision equals the store's (rule 9). `scratch` should be empty; give a file-backed one for a
 * large store, so the replay's memory stays bounded.
 */
export async function verifyLedger(store: EventStore, progress: Progress = () => undefined, scratch: ProjectionStore = new InMemoryProjectionStore()): Promise<VerifyReport> {
  const models = new ReadModels(store, { projections: scratch, onFolded: foldProgress(progress) });
  const breaches: string[] = [];
  let events = 0;
  try {
    events = await models.rebuild();
    progress(`replayed ${events} events`);
  } catch (fault) {
    breaches.push(`replay stopped: ${fault instanceof Error ? fault.message : String(fault)}`);
  }
  const communities: VerifyReport['communities'] = [];
  for (const communityId of await models.communityIds()) {
    const balance = (await models.trialBalance(communityId))!;
    communities.push(balance);
    if (!balance.balanced) breaches.push(`${communityId}: trial balance sums to ${balance.total}, not 0.00`);
  }
  await eachMember(models, async (communityId, m) => {
    const s = m.state;
    const where = `${communityId}/${m.memberId}`;
    if (s.held.isNegative()) breaches.push(`${where}: held points ${s.held} are negative`);
    if (!s.deficit.isPositive() && s.balance.minus(s.held).isNegative()) breaches.push(`${where}: held ${s.held} exceeds balance ${s.balance}`);
    if (!lotsBalance(s).eq(s.balance)) breaches.push(`${where}: lots add up to ${lotsBalance(s)}, balance is ${s.balance}`);
    const stored = await store.streamRevision(`member-${communityId}-${m.memberId}`);
    if (stored !== m.revision) breaches.push(`${where}: folded revision ${m.revision}, store has ${String(stored)}`);
  });
  return { events, communities, breaches };
}
