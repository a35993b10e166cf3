/**
 * Long jobs for the CLI: export and import events as JSONL (with the key records in FILE.keys), balances
 * and hours as CSV, and `verify`,
 * which replays the whole store into fresh read models and checks the ledger's rules. Each reports how
 * far it got through `onProgress` (events, or bytes for an import; the CLI draws a progress line).
 */
import { createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  type AccountEntry,
  type EventStore,
  eventRegistry,
  InMemoryProjectionStore,
  type JsonObject,
  lotsBalance,
  maxEventsPerAppend,
  type NewEvent,
  type ProjectionStore,
  ReadModels,
  type RecordedEvent,
  type ReadAllOptions,
  streamNames,
  type TrialBalanceView,
  keyRecordKinds,
} from '@volunteer-ledger/core';
import type { CredentialStore, KeyRecordLine } from './credentials.js';
import { privateFileMode, restrictFile } from './file-modes.js';

/** Events per read of the global order. */
export const exportPageSize = 1_000;

/** How much more of a job is done: events, or bytes of an import file. */
export type OnProgress = (count: number) => void;
type Write = (chunk: string) => void | Promise<void>;
const ignore: OnProgress = () => undefined;

/**
 * How many events the store holds, when it can say cheaply (SQLite counts them); null otherwise, and
 * progress then shows a count and a rate without a percentage.
 */
export async function eventTotal(store: EventStore): Promise<number | null> {
  const counting = store as EventStore & { eventCount?: () => Promise<number> };
  return typeof counting.eventCount === 'function' ? counting.eventCount() : null;
}

/**
 * The same store, telling `onRead` how many events each read of the global order returned: how the
 * progress of a replay (read models catching up) is seen without the read models knowing of it.
 */
export function observingReads(store: EventStore, onRead: OnProgress): EventStore {
  return {
    get idempotency() {
      return store.idempotency;
    },
    get checkpoints() {
      return store.checkpoints;
    },
    appendToStream: (streamName, events, options) => store.appendToStream(streamName, events, options),
    readStream: (streamName, options) => store.readStream(streamName, options),
    streamRevision: (streamName) => store.streamRevision(streamName),
    async readAll(options: ReadAllOptions) {
      const page = await store.readAll(options);
      onRead(page.length);
      return page;
    },
    subscribeToAll: (options) => store.subscribeToAll(options),
    close: () => store.close(),
  };
}

export async function exportEvents(store: EventStore, write: Write, onProgress: OnProgress = ignore): Promise<number> {
  let after: bigint | undefined;
  let count = 0;
  for (;;) {
    const page = await store.readAll({ ...(after === undefined ? {} : { after }), maxCount: exportPageSize });
    for (const event of page) await write(`${JSON.stringify({ ...event, position: event.position.toString() })}\n`);
    count += page.length;
    onProgress(page.length);
    if (page.length < exportPageSize) return count;
    after = page.at(-1)!.position;
  }
}

/** The size of an import file: the total its progress is measured against. */
export const importFileBytes = (file: string): number => statSync(file).size;

/**
 * Appends a JSONL export to an empty store, stream by stream, keeping event ids, revisions and metadata.
 * Progress is reported in bytes of the file read.
 */
export async function importEvents(store: EventStore, file: string, onProgress: OnProgress = ignore): Promise<number> {
  if ((await store.readAll({ maxCount: 1 })).length > 0) throw new Error('the target store is not empty; import only into a new store');
  let batch: { streamName: string; first: number; events: NewEvent[] } | null = null;
  let count = 0;
  const flush = async () => {
    if (!batch) return;
    await store.appendToStream(batch.streamName, batch.events, { expectedRevision: batch.first === 0 ? 'no_stream' : batch.first - 1 });
    count += batch.events.length;
    batch = null;
  };
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    line += 1;
    onProgress(Buffer.byteLength(text, 'utf8') + 1);
    if (text.trim() === '') continue;
    let event: RecordedEvent;
    try {
      event = JSON.parse(text) as RecordedEvent;
    } catch {
      throw new Error(`${file}:${line}: not a JSON event`);
    }
    // An import is a store this ledger did not write: every event is checked against its schema before it lands.
    try {
      eventRegistry.decode(event, { validate: true });
    } catch (fault) {
      throw new Error(`${file}:${line}: ${fault instanceof Error ? fault.message : String(fault)}; nothing after line ${line - 1} was imported`);
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

/**
 * Replays every event into fresh read models in `scratch` (each fold asserts its invariants) and checks:
 * every community's trial balance sums to zero (rule 1); no member's available points are negative unless
 * in deficit, held points are not negative, and lots add up to the balance (rules 2, 3, 5); every stream's
 * folded revision equals the store's (rule 9). `scratch` should be empty; give a file-backed one for a
 * large store, so the replay's memory stays bounded.
 */
export async function verifyLedger(store: EventStore, onProgress: OnProgress = ignore, scratch: ProjectionStore = new InMemoryProjectionStore()): Promise<VerifyReport> {
  const models = new ReadModels(observingReads(store, onProgress), { projections: scratch });
  const breaches: string[] = [];
  let events = 0;
  try {
    events = await models.rebuild();
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
    const stored = await store.streamRevision(streamNames.member(communityId, m.memberId));
    if (stored !== m.revision) breaches.push(`${where}: folded revision ${m.revision}, store has ${String(stored)}`);
  });
  return { events, communities, breaches };
}

/** The file beside an export that holds its key records: `FILE.keys`. */
export const keysFileFor = (eventsFile: string): string => `${eventsFile}.keys`;
export const keysFileFormat = 'volunteer-ledger-keys';
export const keysFileVersion = 1;

export interface KeysFile {
  /** The master key every member key in it is wrapped under. */
  readonly masterKeyId: string;
  readonly records: KeyRecordLine[];
}

/**
 * Writes the credential store's records (member keys still wrapped, API keys as stored: hashes, never
 * secrets) as JSONL behind a header naming the master key, mode 0600. Returns how many records.
 */
export async function exportKeys(credentials: CredentialStore, file: string): Promise<number> {
  const records = await credentials.exportRecords();
  const header = { format: keysFileFormat, version: keysFileVersion, masterKeyId: credentials.masterKey.id, exportedAt: new Date().toISOString() };
  const lines = [JSON.stringify(header), ...records.map((record) => JSON.stringify(record))];
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: privateFileMode });
  // An existing file keeps its mode through writeFileSync: restrict it either way.
  restrictFile(file);
  return records.length;
}

/** Reads and checks a keys file whole (they are small: one line per member key and API key). */
export function readKeysFile(file: string): KeysFile {
  const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '');
  const parse = (line: string, at: number): Record<string, unknown> => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`${file}:${at}: not JSON; a keys file is what \`ledger export --out FILE\` wrote as FILE.keys`);
    }
  };
  const header = parse(lines[0] ?? '{}', 1);
  if (header['format'] !== keysFileFormat || header['version'] !== keysFileVersion || typeof header['masterKeyId'] !== 'string') {
    throw new Error(`${file}:1: not a keys file of format ${keysFileFormat} version ${keysFileVersion}`);
  }
  const records = lines.slice(1).map((line, i) => {
    const record = parse(line, i + 2);
    if (!(keyRecordKinds as readonly unknown[]).includes(record['kind']) || typeof record['id'] !== 'string' || typeof record['value'] !== 'string') {
      throw new Error(`${file}:${i + 2}: expected {"kind": ${keyRecordKinds.join('|')}, "id": …, "value": base64}`);
    }
    return record as unknown as KeyRecordLine;
  });
  return { masterKeyId: header['masterKeyId'], records };
}
