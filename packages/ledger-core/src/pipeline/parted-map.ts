/**
 * A snapshot table split into parts, so that a cold read costs the same however long the member's history is.
 *
 * A `SnapshotMap` keeps a whole table as one text; a 10,000-event member's tables are ~390 KB, and reading and
 * checking all of it was most of a cold command, although a command touches two or three rows. Here a table is
 * a small head (the newest rows, as a `SnapshotMap`, inside the snapshot's own text) and sealed parts of
 * `partRows` older rows each, stored beside the snapshot (`StreamSnapshotStore.readPart`) and read only when a
 * lookup needs one. For the lookups that find nothing (most of a command's: a new record, lot or day) the head
 * carries each part's Bloom filter of its keys (~2 bytes a key): a key the filter rules out costs no read.
 *
 * Parts are immutable and named by their checksum (`<table>.<checksum>`): a part read back is checked against its
 * name, which the head's checksum vouches for. A part changed since it was read (a row set or deleted) is
 * written anew under its new name at the next snapshot (copy on write: at most `partRows` rows), the others are
 * named again, unread; the head is sealed into a new part once it holds `partRows` rows. So a snapshot write
 * costs the head and the parts that changed, not the history.
 *
 * A part that cannot be read when it is needed (gone, damaged) throws `SnapshotPartError`: the state cannot be
 * trusted any more, and the ledger folds the stream whole (pipeline/streams.ts).
 *
 * It is a Map in every way callers see: same methods, same insertion order (the parts' rows in order, then the
 * head's). Values are never undefined (a row codec cannot write one).
 */
import { checksum } from './checksum.js';
import { type RowCodec, SnapshotMap, type TableText } from './snapshot-map.js';

/** Rows a part holds when sealed, and the most a table's head holds: the head is read and checked by every cold read (~5 KB at most for member records), a part only on a lookup's need. */
export const defaultPartRows = 128;
/**
 * Bloom filter bits per key and hash functions: a lookup of an absent key reads a part needlessly ~0.06 % of the
 * time per part (eight hashes, near the optimum of eleven for 16 bits, for half the work).
 */
const filterBitsPerKey = 16;
const filterHashes = 8;

/** Reads a stored part by its name; null when the store does not hold it. Synchronous: lookups are. */
export type SnapshotPartSource = (partId: string) => string | null;

/** Collects what a snapshot's parts need from the store: parts to write, and every part the snapshot names. */
export interface SnapshotPartSink {
  /** A new part, to be stored with the snapshot. */
  add(partId: string, text: string): void;
  /** A part the snapshot names (new or kept). */
  name(partId: string): void;
}

/** A part that was needed and could not be read or did not check out. */
export class SnapshotPartError extends Error {
  override readonly name = 'SnapshotPartError';
}

/** A sealed part as the head names it. */
export interface PartRef {
  readonly id: string;
  readonly count: number;
  /** The Bloom filter of its keys (see `filterOf`). */
  readonly filter: string;
}

/** A table as the head writes it: its newest rows as text, and the parts before them. */
export interface PartedTableText {
  readonly head: TableText;
  readonly parts: readonly PartRef[];
}

interface Part<V> {
  readonly ref: PartRef;
  /** The part's rows, once read. */
  map: SnapshotMap<V> | null;
}

const emptyTable: TableText = { count: 0, keys: '', rows: '', patched: [], deleted: [] };

/** A 32-bit hash of a key (FNV-1a), from which a filter's bits are drawn (`filterBit`). */
function keyHash(key: string): number {
  let a = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) a = Math.imul(a ^ key.charCodeAt(i), 0x01000193);
  return a;
}

/**
 * The `i`th of a key's bits in a filter of `size` bits: the key's hash mixed with `i` (a finaliser, as
 * MurmurHash3's). Double hashing (a + i·b) fell into short cycles when b shared a factor with the size.
 */
function filterBit(hash: number, i: number, size: number): number {
  let h = Math.imul(hash ^ Math.imul(i + 1, 0x9e3779b9), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % size;
}

/**
 * A filter is text of six bits a character (this alphabet, as base64's), tested where it lies: decoding it first
 * (atob) cost more than the lookups it served.
 */
const filterAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const bitsPerFilterChar = 6;
/** A filter character's bits by its code; -1 for a character not in the alphabet (the filter is then refused). */
const filterCharBits = new Int8Array(128).fill(-1);
for (let i = 0; i < filterAlphabet.length; i += 1) filterCharBits[filterAlphabet.charCodeAt(i)] = i;

function filterOf(keys: Iterable<string>, count: number): string {
  const chars = Math.max(11, Math.ceil((count * filterBitsPerKey) / bitsPerFilterChar));
  const size = chars * bitsPerFilterChar;
  const values = new Uint8Array(chars);
  for (const key of keys) {
    const hash = keyHash(key);
    for (let i = 0; i < filterHashes; i += 1) {
      const bit = filterBit(hash, i, size);
      values[Math.floor(bit / bitsPerFilterChar)]! |= 1 << bit % bitsPerFilterChar;
    }
  }
  let text = '';
  for (const value of values) text += filterAlphabet[value];
  return text;
}

/** False when `filter` rules the key with these hashes out; throws on a character no filter holds. */
function mayHold(filter: string, hash: number): boolean {
  const size = filter.length * bitsPerFilterChar;
  for (let i = 0; i < filterHashes; i += 1) {
    const bit = filterBit(hash, i, size);
    const value = filterCharBits[filter.charCodeAt(Math.floor(bit / bitsPerFilterChar))] ?? -1;
    if (value < 0) throw new SnapshotPartError('a snapshot part filter holds a character no filter holds');
    if (((value >>> bit % bitsPerFilterChar) & 1) === 0) return false;
  }
  return true;
}

/** A part's text: its row count and key column's length as JSON, a line break, the key column, the row column. */
function partText(table: TableText): string {
  return `${JSON.stringify([table.count, table.keys.length])}\n${table.keys}${table.rows}`;
}

function partTable(text: string, what: string): TableText {
  const end = text.indexOf('\n');
  const head: unknown = end < 0 ? null : JSON.parse(text.slice(0, end));
  if (!Array.isArray(head) || head.length !== 2 || !Number.isSafeInteger(head[0]) || !Number.isSafeInteger(head[1]) || end + 1 + head[1] > text.length) {
    throw new SnapshotPartError(`snapshot part ${what} is malformed`);
  }
  return { count: head[0], keys: text.slice(end + 1, end + 1 + head[1]), rows: text.slice(end + 1 + head[1]), patched: [], deleted: [] };
}

export class PartedMap<V> extends Map<string, V> {
  private parts: Part<V>[] = [];
  private head: SnapshotMap<V> = new SnapshotMap<V>();

  private constructor(
    private readonly table: string,
    private readonly codec: RowCodec<V>,
    private readonly source: SnapshotPartSource | null,
  ) {
    super();
  }

  /**
   * The table `text` describes; its parts are read from `source` when needed. Throws (a TypeError) if the head
   * is malformed, or if it names parts and there is no source.
   */
  static fromText<V>(table: string, text: PartedTableText, codec: RowCodec<V>, source: SnapshotPartSource | null): PartedMap<V> {
    if (typeof text !== 'object' || text === null || !Array.isArray(text.parts)) throw new TypeError(`snapshot table ${table}: not a parted table`);
    if (text.parts.length > 0 && source === null) throw new TypeError(`snapshot table ${table}: names parts, and there is no store to read them from`);
    const map = new PartedMap<V>(table, codec, source);
    for (const ref of text.parts) {
      if (typeof ref !== 'object' || ref === null || typeof ref.id !== 'string' || !ref.id.startsWith(`${table}.`) || !Number.isSafeInteger(ref.count) || ref.count <= 0 || typeof ref.filter !== 'string') {
        throw new TypeError(`snapshot table ${table}: a part is malformed`);
      }
      map.parts.push({ ref, map: null });
    }
    map.head = SnapshotMap.fromText(text.head, codec);
    return map;
  }

  /** An empty table that will write its parts through a sink (see `toText`). */
  static empty<V>(table: string, codec: RowCodec<V>, source: SnapshotPartSource | null): PartedMap<V> {
    return PartedMap.fromText(table, { head: emptyTable, parts: [] }, codec, source);
  }

  /** Parts read so far, and parts named: for tests and measurements. */
  get partsRead(): number {
    return this.parts.filter((part) => part.map !== null).length;
  }

  get partCount(): number {
    return this.parts.length;
  }

  private loaded(part: Part<V>): SnapshotMap<V> {
    if (part.map !== null) return part.map;
    const text = this.source?.(part.ref.id) ?? null;
    if (text === null) throw new SnapshotPartError(`snapshot part ${part.ref.id} is not in the store`);
    if (`${this.table}.${checksum(text)}` !== part.ref.id) throw new SnapshotPartError(`snapshot part ${part.ref.id} does not match its checksum`);
    const table = partTable(text, part.ref.id);
    if (table.count !== part.ref.count) throw new SnapshotPartError(`snapshot part ${part.ref.id} holds ${table.count} rows, not ${part.ref.count}`);
    try {
      part.map = SnapshotMap.fromText(table, this.codec);
    } catch (fault) {
      throw new SnapshotPartError(`snapshot part ${part.ref.id}: ${(fault as Error).message}`);
    }
    return part.map;
  }

  /** The part holding `key`, or null: parts read only where their filter does not rule the key out. */
  private partOf(key: string): Part<V> | null {
    let hash: number | null = null;
    for (const part of this.parts) {
      if (part.map === null) {
        hash ??= keyHash(key);
        if (!mayHold(part.ref.filter, hash)) continue;
      }
      if (this.loaded(part).has(key)) return part;
    }
    return null;
  }

  /** Reads every part now (a state handed to callers who may keep it: no store read may happen later). */
  loadAll(): void {
    for (const part of this.parts) this.loaded(part);
  }

  override get size(): number {
    let size = this.head.size;
    for (const part of this.parts) size += part.map === null ? part.ref.count : part.map.size;
    return size;
  }

  override has(key: string): boolean {
    return this.head.has(key) || this.partOf(key) !== null;
  }

  override get(key: string): V | undefined {
    const value = this.head.get(key);
    if (value !== undefined || this.parts.length === 0) return value;
    return this.partOf(key)?.map!.get(key);
  }

  override set(key: string, value: V): this {
    const part = this.parts.length === 0 || this.head.has(key) ? null : this.partOf(key);
    if (part === null) this.head.set(key, value);
    else part.map!.set(key, value);
    return this;
  }

  override delete(key: string): boolean {
    if (this.head.delete(key)) return true;
    const part = this.partOf(key);
    return part !== null && part.map!.delete(key);
  }

  override clear(): void {
    this.parts = [];
    this.head.clear();
  }

  override *entries(): MapIterator<[string, V]> {
    for (const part of this.parts) yield* this.loaded(part).entries();
    yield* this.head.entries();
  }

  override *keys(): MapIterator<string> {
    for (const part of this.parts) yield* this.loaded(part).keys();
    yield* this.head.keys();
  }

  override *values(): MapIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  override [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  override forEach(callback: (value: V, key: string, map: Map<string, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  /**
   * The table as the next snapshot's head writes it, and `commit`, which makes the map hold exactly that (call it
   * once every table encoded: until then the map is unchanged, so a snapshot that fails to encode changes
   * nothing). With `sink`, unchanged parts are named again, changed ones written anew, and a full head sealed;
   * without one, every row goes into the head (a store that keeps no parts).
   */
  toText(compactShare: number, sink: SnapshotPartSink | null, partRows = defaultPartRows): { text: PartedTableText; commit: () => void } {
    if (sink === null) {
      const whole = SnapshotMap.fromText(emptyTable, this.codec);
      if (this.parts.length === 0) {
        const head = this.head.toText(this.codec, compactShare);
        return { text: { head, parts: [] }, commit: () => this.head.rebase(head, this.codec) };
      }
      for (const [key, value] of this) whole.set(key, value);
      const head = whole.toText(this.codec, compactShare);
      return { text: { head, parts: [] }, commit: () => this.adopt([], SnapshotMap.fromText(head, this.codec)) };
    }
    const parts: Part<V>[] = [];
    for (const part of this.parts) {
      if (part.map === null || part.map.unchangedSinceRead(this.codec)) parts.push(part);
      else if (part.map.size > 0) parts.push(this.seal(part.map.entries(), part.map.size, sink));
    }
    let head: SnapshotMap<V>;
    if (this.head.size >= partRows) {
      // Sealed `partRows` at a time (a state folded whole comes here with all its rows in the head).
      let chunk: [string, V][] = [];
      for (const entry of this.head.entries()) {
        chunk.push(entry);
        if (chunk.length === partRows) {
          parts.push(this.seal(chunk, chunk.length, sink));
          chunk = [];
        }
      }
      if (chunk.length > 0) parts.push(this.seal(chunk, chunk.length, sink));
      head = SnapshotMap.fromText(emptyTable, this.codec);
    } else head = this.head;
    const headText = head.toText(this.codec, compactShare);
    for (const part of parts) sink.name(part.ref.id);
    return {
      text: { head: headText, parts: parts.map((part) => part.ref) },
      commit: () => {
        head.rebase(headText, this.codec);
        this.adopt(parts, head);
      },
    };
  }

  private adopt(parts: Part<V>[], head: SnapshotMap<V>): void {
    this.parts = parts;
    this.head = head;
  }

  /** `entries` as a new part, written through `sink`; the part is returned read (its rows are what the map holds). */
  private seal(entries: Iterable<[string, V]>, count: number, sink: SnapshotPartSink): Part<V> {
    const rows = SnapshotMap.fromText(emptyTable, this.codec);
    for (const [key, value] of entries) rows.set(key, value);
    const table = rows.toText(this.codec, 0);
    const text = partText(table);
    const ref: PartRef = { id: `${this.table}.${checksum(text)}`, count, filter: filterOf(rows.keys(), count) };
    sink.add(ref.id, text);
    return { ref, map: SnapshotMap.fromText(table, this.codec) };
  }
}
