/**
 * A member's folded state as snapshot text. A long member stream's state is mostly a few large maps — service
 * records (rule 6 keeps every one), lots, approved hours per day, closed holds — and the generic tagged codec
 * (pipeline/state-codec.ts) spelled each entry out as nested tagged objects: 1.7 MB and ~30 ms to parse and
 * rebuild for a 10,000-event stream, most of a cold command. Here each large map is a table of two strings
 * (keys, rows) read back as a `SnapshotMap`, which builds a row only when it is used, and the next snapshot
 * copies the rows nobody touched (pipeline/snapshot-map.ts). Everything else in the state (scalars, the small
 * maps and sets) goes through the generic codec.
 *
 * Trust: the text starts with a checksum of the rest. Rows are built after the snapshot was accepted, so a
 * snapshot whose text changed after it was written (a damaged row) must be refused up front: the checksum does
 * that; a version or format mismatch, or a checksum that does not match, makes the caller fold the whole stream.
 * `encodeMemberSnapshot` throws on any value it could not bring back exactly, so such a state is never
 * snapshotted.
 */
import { Hours, Points } from '../money.js';
import type { KeyedEvents } from '../pipeline/streams.js';
import { checksum, checksumLength } from '../pipeline/checksum.js';
import { defaultPartRows, PartedMap, type PartedTableText, type PartRef, type SnapshotPartSink, type SnapshotPartSource } from '../pipeline/parted-map.js';
import { fieldSeparator, type RowCodec, rowSeparator, type TableText } from '../pipeline/snapshot-map.js';
import { fromTagged, toTagged } from '../pipeline/state-codec.js';
import type { CalendarDate } from '../time.js';
import type { Lot } from './lots.js';
import type { MemberState, RecordStatus, ServiceRecordState } from './state.js';

/**
 * Names this encoding in every member snapshot's stateVersion; bump it when the layout below changes. 'tables2':
 * tables may name parts stored beside the snapshot (pipeline/parted-map.ts), which a 'tables1' reader would miss.
 */
export const memberSnapshotCodec = 'tables2';
/** The head's layout format: a head that names no parts is laid out as a 'tables1' snapshot was. */
const layoutFormat = 'tables1';

/**
 * Once a table's patches (rows rewritten or deleted since it was last written whole) would exceed this share of
 * its rows, it is written whole again: every snapshot carries its patches, and a cold read files each one up
 * front, so they must stay few; rewriting the whole table this rarely keeps its cost per event flat.
 */
const compactShare = 1 / 8;

/** What a snapshot holds: the state and the idempotency keys seen in the stream. */
export interface MemberSnapshot {
  readonly state: MemberState;
  readonly keys: Map<string, KeyedEvents>;
}

function fail(what: string): never {
  throw new TypeError(`member snapshot codec: ${what}`);
}

/** Stands for null in a row's field: no id, date or time can be it (ids start with a letter or digit). */
const nullField = '~';

const field = (value: string, where: string): string =>
  value === nullField || value === ownLotField || value.includes(fieldSeparator) || value.includes(rowSeparator) ? fail(`${where} cannot be written in a row: ${value}`) : value;
const nullableField = (value: string | null, where: string): string => (value === null ? nullField : field(value, where));
const fromNullable = (text: string): string | null => (text === nullField ? null : text);

function hundredths(text: string | undefined, where: string): number {
  const value = Number(text);
  if (text === undefined || text === '' || !Number.isSafeInteger(value)) fail(`${where} is not a whole number of hundredths: ${text}`);
  return value;
}

function fieldsOf(row: string, count: number, where: string): string[] {
  const fields = row.split(fieldSeparator);
  if (fields.length !== count) fail(`${where} has ${fields.length} fields, not ${count}`);
  return fields;
}

function exactly(value: unknown, fields: readonly string[], where: string): void {
  if (typeof value !== 'object' || value === null) fail(`${where} is not an object`);
  const keys = Object.keys(value);
  if (keys.length !== fields.length || fields.some((f, i) => keys[i] !== f)) fail(`${where} has fields ${keys.join(', ')}`);
}

const pointsOf = (value: unknown, where: string): string => (value instanceof Points ? String(value.hundredths) : fail(`${where} is not Points`));
const hoursOf = (value: unknown, where: string): string => (value instanceof Hours ? String(value.hundredths) : fail(`${where} is not Hours`));
const stringOf = (value: unknown, where: string): string => (typeof value === 'string' ? value : fail(`${where} is not a string`));
const stringOrNull = (value: unknown, where: string): string | null => (value === null ? null : stringOf(value, where));

/** The lot a record's own accrual makes (member/decide.ts names it so), written as `ownLotField`: most rows' longest field. */
const ownLot = (recordId: string): string => `lot:${recordId}`;
const ownLotField = '=';

const recordFields = ['recordId', 'kind', 'category', 'activityId', 'serviceDate', 'hours', 'status', 'hoursApproved', 'points', 'lotId'] as const;
const recordKinds: readonly ServiceRecordState['kind'][] = ['checked-in', 'reported'];
const recordStatuses: readonly RecordStatus[] = ['pending', 'approved', 'rejected', 'reversed'];

const recordRows: RowCodec<ServiceRecordState> = {
  encode(key, r) {
    const where = `record ${key}`;
    exactly(r, recordFields, where);
    if (r.recordId !== key) fail(`${where} is filed under another id`);
    const kind = recordKinds.indexOf(r.kind);
    const status = recordStatuses.indexOf(r.status);
    if (kind < 0 || status < 0) fail(`${where} has kind ${r.kind} and status ${r.status}`);
    return [
      kind,
      field(stringOf(r.category, where), where),
      nullableField(stringOrNull(r.activityId, where), where),
      field(stringOf(r.serviceDate, where), where),
      hoursOf(r.hours, where),
      status,
      hoursOf(r.hoursApproved, where),
      pointsOf(r.points, where),
      r.lotId === ownLot(key) ? ownLotField : nullableField(stringOrNull(r.lotId, where), where),
    ].join(fieldSeparator);
  },
  decode(recordId, row) {
    const where = `record ${recordId}`;
    const f = fieldsOf(row, 9, where);
    return {
      recordId,
      kind: recordKinds[hundredths(f[0], where)] ?? fail(`${where} kind ${f[0]}`),
      category: f[1]!,
      activityId: fromNullable(f[2]!),
      serviceDate: f[3]! as CalendarDate,
      hours: Hours.fromHundredths(hundredths(f[4], where)),
      status: recordStatuses[hundredths(f[5], where)] ?? fail(`${where} status ${f[5]}`),
      hoursApproved: Hours.fromHundredths(hundredths(f[6], where)),
      points: Points.fromHundredths(hundredths(f[7], where)),
      lotId: f[8] === ownLotField ? ownLot(recordId) : fromNullable(f[8]!),
    };
  },
};

const lotFields = ['lotId', 'original', 'remaining', 'held', 'accruedAt', 'expiresAt', 'unlocksAt'] as const;

const lotRows: RowCodec<Lot> = {
  encode(key, lot) {
    const where = `lot ${key}`;
    exactly(lot, lotFields, where);
    if (lot.lotId !== key) fail(`${where} is filed under another id`);
    return [
      pointsOf(lot.original, where),
      pointsOf(lot.remaining, where),
      pointsOf(lot.held, where),
      field(stringOf(lot.accruedAt, where), where),
      nullableField(stringOrNull(lot.expiresAt, where), where),
      nullableField(stringOrNull(lot.unlocksAt, where), where),
    ].join(fieldSeparator);
  },
  decode(lotId, row) {
    const where = `lot ${lotId}`;
    const f = fieldsOf(row, 6, where);
    return {
      lotId,
      original: Points.fromHundredths(hundredths(f[0], where)),
      remaining: Points.fromHundredths(hundredths(f[1], where)),
      held: Points.fromHundredths(hundredths(f[2], where)),
      accruedAt: f[3]!,
      expiresAt: fromNullable(f[4]!),
      unlocksAt: fromNullable(f[5]!),
    };
  },
};

const dayRows: RowCodec<Hours> = {
  encode: (day, hours) => hoursOf(hours, `hours of ${day}`),
  decode: (day, row) => Hours.fromHundredths(hundredths(row, `hours of ${day}`)),
};

const holdEndings = ['spent', 'cancelled', 'expired'] as const;
type HoldEnding = (typeof holdEndings)[number];
const closedHoldRows: RowCodec<HoldEnding> = {
  encode: (key, ending) => (holdEndings.includes(ending) ? ending : fail(`hold ${key} ended as ${String(ending)}`)),
  decode: (key, row) => holdEndings.find((ending) => ending === row) ?? fail(`hold ${key} ended as ${row}`),
};

/** The state's maps kept as tables, with their row codecs. */
const tables = { records: recordRows, lots: lotRows, approvedHoursByDay: dayRows, closedHolds: closedHoldRows } as const;
type TableField = keyof typeof tables;
const tableFields = Object.keys(tables) as TableField[];
const isTableField = (name: string): name is TableField => Object.hasOwn(tables, name);

/**
 * A part as the layout names it: its id, its row count, and the length of its Bloom filter, which follows the
 * head's sections as raw text (all tables' filters in order), so that JSON.parse does not scan it.
 */
type PartLayout = [id: string, count: number, filterLength: number];

interface Layout {
  readonly format: typeof layoutFormat;
  /** The state's field names in order, so the rebuilt object has the same shape as the folded one. */
  readonly order: string[];
  /** The other fields, generic-tagged. */
  readonly rest: unknown;
  /**
   * Each table's head without its key and row columns, which follow the layout as raw sections (see
   * `sectionLengths`), and the parts stored beside the snapshot that hold its older rows (none when absent).
   */
  readonly tables: Record<TableField, Omit<TableText, 'keys' | 'rows'> & { readonly parts?: PartLayout[] }>;
  /** Lengths of the raw sections after the layout: each table's keys, then its rows, in `tableFields` order. */
  readonly sectionLengths: number[];
  /** The idempotency keys, flat: key, request hash, first revision, last revision, … */
  readonly keys: (string | number)[];
}

/**
 * Ends the layout's JSON, which cannot contain it raw (JSON.stringify escapes line breaks). The large columns
 * follow it as they are, not as JSON strings: reading them back is a slice, where JSON.parse scanned every
 * character of them again.
 */
const layoutEnd = '\n';

export { checksum, checksumLength };

/** How a snapshot is written: `parts` where the store keeps parts (else every row goes into the text). */
export interface MemberSnapshotWriteOptions {
  readonly compactShare?: number;
  readonly parts?: SnapshotPartSink;
  /** Rows a table's head holds before it is sealed into a part (tests make it small). */
  readonly partRows?: number;
}

/**
 * Snapshot text for a member's state and keys; throws if any part would not come back exactly. Its tables become
 * `PartedMap`s holding what this text (and the parts it names) hold (they already are, after a read from a
 * snapshot): content and order stay exactly as they were, and the next snapshot copies what did not change.
 */
export function encodeMemberSnapshot(snapshot: MemberSnapshot, options: MemberSnapshotWriteOptions = {}): string {
  const share = options.compactShare ?? compactShare;
  const sink = options.parts ?? null;
  const state = snapshot.state as unknown as Record<string, unknown>;
  // A field left undefined is left out, as JSON (and the generic codec) would: the state read back lacks it alike.
  const order = Object.keys(state).filter((name) => state[name] !== undefined);
  const rest: Record<string, unknown> = {};
  for (const name of order) if (!isTableField(name)) rest[name] = state[name];
  const tableTexts = {} as Record<TableField, PartedTableText>;
  const commits: (() => void)[] = [];
  for (const name of tableFields) {
    const map = state[name];
    if (!(map instanceof Map)) fail(`${name} is not a Map`);
    const codec = tables[name] as RowCodec<unknown>;
    let parted: PartedMap<unknown>;
    if (map instanceof PartedMap) parted = map;
    else {
      parted = PartedMap.empty(name, codec, null);
      for (const [key, value] of map) parted.set(stringOf(key, `a key of ${name}`), value);
      commits.push(() => {
        state[name] = parted;
      });
    }
    const { text, commit } = parted.toText(share, sink, options.partRows ?? defaultPartRows);
    tableTexts[name] = text;
    commits.push(commit);
  }
  const keys: (string | number)[] = [];
  for (const [key, keyed] of snapshot.keys) {
    exactly(keyed, ['requestHash', 'first', 'last'], `key ${key}`);
    keys.push(stringOf(key, 'a key'), stringOf(keyed.requestHash, `key ${key}`), keyed.first, keyed.last);
  }
  const sections = tableFields.flatMap((name) => [tableTexts[name].head.keys, tableTexts[name].head.rows]);
  const filters = tableFields.flatMap((name) => tableTexts[name].parts.map((part) => part.filter));
  const layout: Layout = {
    format: layoutFormat,
    order,
    rest: toTagged(rest, 'state'),
    tables: Object.fromEntries(
      tableFields.map((name) => {
        const { head, parts } = tableTexts[name];
        const partLayouts = parts.map((part): PartLayout => [part.id, part.count, part.filter.length]);
        return [name, { count: head.count, patched: head.patched, deleted: head.deleted, ...(parts.length > 0 ? { parts: partLayouts } : {}) }];
      }),
    ) as Layout['tables'],
    sectionLengths: sections.map((section) => section.length),
    keys,
  };
  const body = `${JSON.stringify(layout)}${layoutEnd}${sections.join('')}${filters.join('')}`;
  // Only once everything encoded: the tables start again from this text (which holds exactly what they hold).
  for (const commit of commits) commit();
  return `${checksum(body)}${body}`;
}

/**
 * The member state and keys `text` encodes; throws if it is not `encodeMemberSnapshot`'s output, or was damaged.
 * Parts the text names are read from `parts` when a lookup needs them (a part that cannot be read then throws
 * `SnapshotPartError`); a text that names parts, read without `parts`, is refused.
 */
export function decodeMemberSnapshot(text: string, options: { readonly parts?: SnapshotPartSource } = {}): MemberSnapshot {
  const body = text.slice(checksumLength);
  if (text.slice(0, checksumLength) !== checksum(body)) fail('the checksum does not match');
  const end = body.indexOf(layoutEnd);
  if (end < 0) fail('the layout does not end');
  const layout = JSON.parse(body.slice(0, end)) as Layout;
  if (typeof layout !== 'object' || layout === null || layout.format !== layoutFormat) fail('not a member snapshot of this format');
  if (!Array.isArray(layout.order) || !Array.isArray(layout.keys) || layout.keys.length % 4 !== 0 || typeof layout.tables !== 'object' || layout.tables === null) {
    fail('order, tables or keys missing');
  }
  const lengths = layout.sectionLengths;
  if (!Array.isArray(lengths) || lengths.length !== 2 * tableFields.length || !lengths.every((n) => Number.isSafeInteger(n) && n >= 0)) fail('section lengths missing');
  const sections: string[] = [];
  let at = end + layoutEnd.length;
  for (const length of lengths) {
    sections.push(body.slice(at, at + length));
    at += length;
  }
  const tableTexts = {} as Record<TableField, PartedTableText>;
  for (const [i, name] of tableFields.entries()) {
    const table = layout.tables[name];
    if (typeof table !== 'object' || table === null) fail(`table ${name} missing`);
    const { parts = [], ...head } = table;
    if (!Array.isArray(parts)) fail(`table ${name}: parts malformed`);
    const refs: PartRef[] = [];
    for (const part of parts) {
      if (!Array.isArray(part) || typeof part[0] !== 'string' || !Number.isSafeInteger(part[1]) || !Number.isSafeInteger(part[2]) || part[2] < 0) fail(`table ${name}: a part is malformed`);
      refs.push({ id: part[0], count: part[1], filter: body.slice(at, at + part[2]) });
      at += part[2];
    }
    tableTexts[name] = { head: { ...head, keys: sections[2 * i]!, rows: sections[2 * i + 1]! }, parts: refs };
  }
  if (at !== body.length) fail('the sections do not fill the text');
  const tableText = (name: TableField): PartedTableText => tableTexts[name];
  const keys = new Map<string, KeyedEvents>();
  for (let i = 0; i < layout.keys.length; i += 4) {
    const [key, requestHash, first, last] = layout.keys.slice(i, i + 4);
    if (typeof key !== 'string' || typeof requestHash !== 'string' || !Number.isSafeInteger(first) || !Number.isSafeInteger(last)) fail('a key entry is malformed');
    keys.set(key, { requestHash, first: first as number, last: last as number });
  }
  const rest = fromTagged(layout.rest) as Record<string, unknown>;
  if (typeof rest !== 'object' || rest === null || Array.isArray(rest) || rest instanceof Map || rest instanceof Set) fail('the rest of the state is not an object');
  const state: Record<string, unknown> = {};
  for (const name of layout.order) {
    if (typeof name !== 'string') fail('a field name is not a string');
    const value = isTableField(name) ? PartedMap.fromText(name, tableText(name), tables[name] as RowCodec<unknown>, options.parts ?? null) : rest[name];
    if (value === undefined) fail(`field ${name} is missing`);
    state[name] = value;
  }
  if (Object.keys(state).length !== Object.keys(rest).length + tableFields.length) fail('fields and order disagree');
  return { state: state as unknown as MemberState, keys };
}
